// tensor/random: coil's deterministic generator (manualSeed). A counter-free xoshiro128** stream
// seeded through splitmix32; normals by Box-Muller. In: a seed. Out: uniform/normal number streams.
// coil's random numbers are deterministic per seed but differ from PyTorch's (documented in the README).

export class Generator {
  private s = new Uint32Array(4);
  private spare: number | null = null;
  private initialSeed = 0;
  constructor(seed = 0x2545f491) { this.manualSeed(seed); }

  manualSeed(seed: number): this {
    this.initialSeed = seed;
    let x = (Math.floor(seed) >>> 0) ^ Math.floor(seed / 2 ** 32);
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((v) => v === 0)) this.s[0] = 1;
    this.spare = null;
    return this;
  }
  seed(): number { return this.initialSeed; }

  /** A snapshot of the stream position (PyTorch's get_state), restored with setState. */
  getState(): { s: Uint32Array; spare: number | null; initialSeed: number } {
    return { s: this.s.slice(), spare: this.spare, initialSeed: this.initialSeed };
  }
  setState(state: { s: Uint32Array; spare: number | null; initialSeed: number }): this {
    this.s.set(state.s);
    this.spare = state.spare;
    this.initialSeed = state.initialSeed;
    return this;
  }

  /** Next 32 random bits. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /** Standard normal. */
  normal(): number {
    if (this.spare !== null) { const v = this.spare; this.spare = null; return v; }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export const defaultGenerator = new Generator();

/** Seed coil's default generator (torch.manual_seed). */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
