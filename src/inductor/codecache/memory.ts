// inductor/codecache/memory: the in-process level of the FX graph cache, an LRU map bounded by entry
// count and by bytes. In: keys, values and their sizes. Out: values (most recently used kept).

export class LruCache<V> {
  #map = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;

  constructor(public maxEntries: number, public maxBytes: number) {}

  get size(): number { return this.#map.size; }
  get bytes(): number { return this.#bytes; }

  /** The value under key (marking it most recently used), or undefined. */
  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value;
  }

  has(key: string): boolean { return this.#map.has(key); }

  /** Insert (or replace), then evict least recently used entries beyond the limits. An entry larger
   * than maxBytes alone is not kept. Returns whether the value was kept. */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key);
    if (this.maxEntries <= 0 || bytes > this.maxBytes) return false;
    this.#map.set(key, { value, bytes });
    this.#bytes += bytes;
    this.evict();
    return true;
  }

  delete(key: string): void {
    const e = this.#map.get(key);
    if (!e) return;
    this.#map.delete(key);
    this.#bytes -= e.bytes;
  }

  /** Drop least recently used entries until within maxEntries and maxBytes. */
  evict(): void {
    for (const [k, e] of this.#map) {
      if (this.#map.size <= this.maxEntries && this.#bytes <= this.maxBytes) break;
      this.#map.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  keys(): string[] { return [...this.#map.keys()]; }
}
