// bench/harness: timing and shared types for the benchmark suite. In: a zero-argument function (sync or
// async) and a time budget. Out: the median of many timed repetitions after warm-up, plus helpers to
// make deterministic float32 inputs and compare outputs.

export interface Budget {
  /** Warm-up calls before timing (at least one; the first call of a compiled function compiles). */
  warmup: number;
  /** At least this many timed repetitions... */
  minReps: number;
  /** ...and keep going until this many ms have been spent timing (capped by maxReps). */
  minTimeMs: number;
  maxReps: number;
}

export interface Timing { medianMs: number; minMs: number; meanMs: number; reps: number }

type Fn = () => unknown;

async function call(fn: Fn): Promise<void> {
  const r = fn();
  if (r instanceof Promise) await r;
}

/** Median of repeated timed calls, after `warmup` untimed calls. Awaits fn's result when it is a Promise. */
export async function measure(fn: Fn, b: Budget): Promise<Timing> {
  for (let i = 0; i < Math.max(1, b.warmup); i++) await call(fn);
  const times: number[] = [];
  const start = performance.now();
  while (times.length < b.maxReps && (times.length < b.minReps || performance.now() - start < b.minTimeMs)) {
    const t0 = performance.now();
    await call(fn);
    times.push(performance.now() - t0);
  }
  times.sort((a, c) => a - c);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2]! : (times[n / 2 - 1]! + times[n / 2]!) / 2;
  return { medianMs: median, minMs: times[0]!, meanMs: times.reduce((a, c) => a + c, 0) / n, reps: n };
}

/** One timed call (compile time, cache-hit time). */
export async function once(fn: Fn): Promise<number> {
  const t0 = performance.now();
  await call(fn);
  return performance.now() - t0;
}

/** Deterministic standard-normal float32 data (mulberry32 + Box-Muller), independent of any library's RNG. */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const u = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(u())), th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th) * scale;
    if (i + 1 < n) out[i + 1] = r * Math.sin(th) * scale;
  }
  return out;
}

/** Max |a - b| over all elements; Infinity when lengths differ, NaN when either has a NaN where the other does not. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? NaN : d;
    if (Number.isNaN(m)) return NaN;
  }
  return m;
}
