// inductor/codecache/store: the interface between the FX graph cache's logic and a persistent byte
// store (a directory on Node, implemented in src/platform/cache_store.ts; absent or IndexedDB-backed
// elsewhere). In: cache keys and entry bytes. Out: the bytes stored under a key, or null.

/** A persistent key -> bytes store. Implementations throw on I/O errors; the cache catches them. */
export interface CacheStore {
  /** Where entries live (a directory path), for messages. */
  readonly location: string;
  /** The bytes stored under `key`, or null when there is no entry. */
  get(key: string): Uint8Array | null;
  /** Store atomically: a reader sees the old entry, the new one, or none, never a partial one. */
  put(key: string, bytes: Uint8Array): void;
  /** Remove an entry if present (a no-op otherwise). */
  delete(key: string): void;
  /** Best effort: drop the least recently used entries until the store holds at most maxBytes. */
  prune(maxBytes: number): void;
  /** Delete every entry. */
  clear(): void;
}

/** Keys are lowercase hex digests; anything else is refused before it reaches a file name. */
export function isValidCacheKey(key: string): boolean {
  return /^[0-9a-f]{16,128}$/.test(key);
}
