// tools/fuzz/rng: a tiny seeded PRNG (mulberry32) for the fuzzer, independent of coil's own generator so
// fuzzing never perturbs coil.manualSeed streams. In: a 32-bit seed. Out: ints, floats, choices.

export class Rng {
  private s: number;
  constructor(seed: number) { this.s = (seed >>> 0) ^ 0x6d2b79f5; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  bool(p = 0.5): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("Rng.pick: empty list");
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** Pick by weight: entries [item, weight]. */
  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of xs) { r -= w; if (r < 0) return x; }
    return xs[xs.length - 1]![0];
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(0, i); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
    return xs;
  }
  /** A fresh 32-bit seed for a sub-stream. */
  seed(): number { return Math.floor(this.next() * 4294967296) >>> 0; }
}
