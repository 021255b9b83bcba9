// test/wasm/math_harness: builds a module that maps each vectorised math emitter over an array, float64
// references (incl. erf/erfc, which JS lacks), and an ulp/abs error meter over a float32 sweep.
import { ModuleBuilder } from "../../src/wasm/emitter.js";
import { MathScope, emitUnary, emitPow, UNARY, type UnaryMath } from "../../src/wasm/math.js";
import { MAX_PAGES, wasmMemory } from "../../src/wasm/memory.js";

export type Fn = UnaryMath | "pow";

/**
 * Instantiate `name(src, dst, n)` for every function (pow: `pow(srcX, srcY, dst, n)`), n a multiple of 4;
 * `fma`: fused multiply-adds (relaxed SIMD) or the portable mul + add.
 */
export function buildMathKernels(fma = false): Record<Fn, (...a: number[]) => void> {
  const mem = wasmMemory();
  const m = new ModuleBuilder({ shared: mem.shared, maxPages: MAX_PAGES }, "math_test");
  for (const fn of UNARY) {
    const f = m.func(fn, ["i32", "i32", "i32"], [], { export: true, paramNames: ["src", "dst", "n"] });
    const s = new MathScope(m, f, { fma });
    const i = f.local("i32", "i"), x = f.local("v128", "x");
    f.for_(i, () => f.i32(0), () => f.get(2), 4, () => {
      f.get(0).get(i).i32(4).op("i32.mul").op("i32.add").mem("v128.load").set(x);
      f.get(1).get(i).i32(4).op("i32.mul").op("i32.add");
      emitUnary(s, fn, x);
      f.mem("v128.store");
    });
  }
  const f = m.func("pow", ["i32", "i32", "i32", "i32"], [], { export: true });
  const s = new MathScope(m, f, { fma });
  const i = f.local("i32"), x = f.local("v128"), y = f.local("v128");
  f.for_(i, () => f.i32(0), () => f.get(3), 4, () => {
    f.get(0).get(i).i32(4).op("i32.mul").op("i32.add").mem("v128.load").set(x);
    f.get(1).get(i).i32(4).op("i32.mul").op("i32.add").mem("v128.load").set(y);
    f.get(2).get(i).i32(4).op("i32.mul").op("i32.add");
    emitPow(s, x, y);
    f.mem("v128.store");
  });
  const inst = new WebAssembly.Instance(m.compile(), { env: { memory: mem.memory } });
  return inst.exports as unknown as Record<Fn, (...a: number[]) => void>;
}

/** erf and erfc in float64 (Taylor below 2, continued fraction above), ~1e-13 relative. */
export function erfc64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc64(-x);
  if (x < 2) return 1 - erf64(x);
  let fr = x;
  for (let k = 300; k >= 1; k--) fr = x + k / 2 / fr;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / fr;
}
export function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 2) return Math.sign(x) * (1 - erfc64(a));
  let sum = 0, term = x, n = 0;
  while (Math.abs(term) > 1e-18 * Math.abs(sum) || n < 3) {
    sum += term / (2 * n + 1);
    n++;
    term *= (-x * x) / n;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

export const REF: Record<Fn, (x: number, y?: number) => number> = {
  exp: Math.exp, expm1: Math.expm1, log: Math.log, log1p: Math.log1p, sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x), sigmoid: (x) => 1 / (1 + Math.exp(-x)), tanh: Math.tanh,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, erf: (x) => (x === 0 ? x : erf64(x)),
  gelu: (x) => (x >= 0 ? x * (1 - 0.5 * erfc64(x / Math.SQRT2)) : 0.5 * x * erfc64(-x / Math.SQRT2)),
  gelu_tanh: (x) => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x))),
  pow: (x, y = 0) => (y === 0 || x === 1 || (Math.abs(x) === 1 && !Number.isFinite(y) && !Number.isNaN(y)) ? 1 : Math.pow(x, y)),
};

/** Spacing of float32 values around |v| (2^-149 in the subnormal range). */
export function ulpF32(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  const e = Math.floor(Math.log2(a));
  const u = 2 ** (e - 23);
  return Math.fround(a) >= 2 ** (e + 1) ? u * 2 : u;
}

export interface ErrStats { maxUlp: number; atUlp: number; maxAbs: number; atAbs: number; bad: string[] }

/**
 * Compare results to float64 references. Error in ulps of the float32 result: |got - ref| / ulp(ref). Special values
 * (NaN, ±inf, signed zero results) must match exactly after rounding the reference to float32.
 */
export function measure(xs: Float32Array, got: Float32Array, ref: (i: number) => number): ErrStats {
  const st: ErrStats = { maxUlp: 0, atUlp: NaN, maxAbs: 0, atAbs: NaN, bad: [] };
  for (let i = 0; i < xs.length; i++) {
    const r = ref(i), g = got[i]!, r32 = Math.fround(r);
    if (Number.isNaN(r32) || Number.isNaN(g)) {
      if (!(Number.isNaN(r32) && Number.isNaN(g)) && st.bad.length < 10) st.bad.push(`x=${xs[i]}: got ${g}, want ${r32}`);
      continue;
    }
    if (!Number.isFinite(r32) || !Number.isFinite(g)) {
      if (g !== r32 && st.bad.length < 10) st.bad.push(`x=${xs[i]}: got ${g}, want ${r32}`);
      continue;
    }
    if (r32 === 0 && g === 0 && Object.is(r32, -0) !== Object.is(g, -0) && st.bad.length < 10) st.bad.push(`x=${xs[i]}: got ${Object.is(g, -0) ? "-0" : "+0"}, want ${Object.is(r32, -0) ? "-0" : "+0"}`);
    const ulp = Math.abs(g - r) / ulpF32(r);
    if (ulp > st.maxUlp) { st.maxUlp = ulp; st.atUlp = xs[i]!; }
    const abs = Math.abs(g - r);
    if (abs > st.maxAbs) { st.maxAbs = abs; st.atAbs = xs[i]!; }
  }
  return st;
}

/** Float32 inputs: a stride over all bit patterns (both signs, subnormals to inf, NaN) plus edge values. */
export function sweep(stride = 4093): Float32Array {
  const out: number[] = [];
  const u = new Uint32Array(1), fl = new Float32Array(u.buffer);
  for (let b = 0; b < 2 ** 32; b += stride) {
    u[0] = b;
    out.push(fl[0]!);
  }
  const edges = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45, 1.1754942e-38, 1.1754944e-38, 3.4028235e38, -3.4028235e38,
    88.72283, 88.72284, -87.33654, -103.97208, -103.97209, 0.5, 2, Math.PI, Math.PI / 2, 1e-8, -1e-8, 9, -9, 80, 81, -20, 1048575.9, 1048576, 1e10, -1e10, 16777216];
  for (const e of edges) out.push(e);
  while (out.length % 4) out.push(1);
  return Float32Array.from(out);
}

export function run(k: Record<Fn, (...a: number[]) => void>, fn: UnaryMath, xs: Float32Array): Float32Array {
  const mem = wasmMemory();
  const src = mem.putF32(xs), dst = mem.malloc(xs.length * 4);
  k[fn](src, dst, xs.length);
  const out = mem.f32View(dst, xs.length).slice();
  mem.free(src); mem.free(dst);
  return out;
}
