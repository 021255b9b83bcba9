// The Wasm codegen's float32 sin/cos fast path (codegen/wasm/fast_trig.ts) against float64 Math.sin/cos:
// error in float32 ulps over a sweep of [-8192, 8192], small arguments and float32 bit patterns, and the float64 fallback for
// vectors with a lane beyond 8192 or infinity (exact special values); exp and gelu (fast_math.ts: dense grids, every
// 997th bit pattern, special values against eager). Every test
// runs for the portable mul + add kernels and, where the engine has relaxed SIMD, the fused multiply-add ones
// (setMathFma; the FX graph cache is off so each path generates its own kernels). Without Liftoff: the
// bounds are for the optimised code hot loops run in.
import { setFlagsFromString } from "node:v8";
setFlagsFromString("--no-liftoff");
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { setMathFma } from "../../src/wasm/math_scope.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { sweep } from "../wasm/math_harness.js";

type T = coil.Tensor;

const PATHS: boolean[] = wasmFeatures().relaxedSimd ? [false, true] : [false];
let fmaNow = false;
const pathName = (fma: boolean) => (fma ? "fused" : "mul+add");
/** Register the test once per path (portable, fused). */
function ptest(name: string, body: () => void): void {
  for (const fma of PATHS) test(`${name} [${pathName(fma)}]`, () => { fmaNow = fma; body(); });
}

/** Compile and run fn on x with the wasm backend, the current path's kernels. */
function compiled(fn: (x: T) => T, x: T): T {
  setMathFma(fmaNow);
  try {
    return config.patch({ cpuBackend: "wasm", fxGraphCache: false }, () => coil.compile(fn)(x)) as T;
  } finally {
    setMathFma(null);
  }
}

function ulpErr(got: number, want: number): number {
  const w = Math.fround(want);
  if (Number.isNaN(w)) return Number.isNaN(got) ? 0 : Infinity;
  const a = Math.abs(w);
  const e = a < 1.1754943508222875e-38 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
  return Math.abs(got - want) / e;
}

function sweep1(values: Float32Array, fn: "sin" | "cos"): { max: number; at: number } {
  const x = coil.tensor(Array.from(values));
  const out = compiled((x: T) => (fn === "sin" ? x.sin() : x.cos()), x).data() as Float32Array;
  let max = 0, at = 0;
  for (let i = 0; i < values.length; i++) {
    const want = fn === "sin" ? Math.sin(values[i]!) : Math.cos(values[i]!);
    // near a zero of sin/cos the float32 argument's own rounding dominates: measure absolute error there
    const e = Math.abs(want) < 1e-3 ? Math.abs(out[i]! - want) / 2 ** -24 : ulpErr(out[i]!, want);
    if (e > max) { max = e; at = values[i]!; }
  }
  return { max, at };
}

for (const fn of ["sin", "cos"] as const) {
  ptest(`${fn}: fast float32 path within 2 ulp on [-8192, 8192] (absolute 2^-23 near zeros)`, () => {
    const n = 200003;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = -8192 + (16384 * i) / (n - 1);
    for (let i = 0; i < 4000; i++) v[i] = (i - 2000) * 1e-3; // small arguments
    const { max, at } = sweep1(v, fn);
    assert.ok(max <= 2, `max error ${max} ulp at ${at}`);
    if (process.env.COIL_PRINT_ULP) console.log(`${fn} [${pathName(fmaNow)}]: max ${max.toFixed(3)} ulp at ${at}`);
  });

  ptest(`${fn}: every 8191st float32 bit pattern (subnormals, huge, ±0, ±Inf, NaN): within 2 ulp, NaN exact`, () => {
    const v = sweep(8191);
    const { max, at } = sweep1(v, fn);
    assert.ok(max <= 2, `max error ${max} ulp at ${at}`);
  });

  ptest(`${fn}: large arguments and +-Inf (float64 path), NaN and +-0 (fast path): exact`, () => {
    const v = new Float32Array([1e4, -3e7, 1e30, NaN, Infinity, -Infinity, 0, -0, 8193, 1e-40, 3, 4, 100000, 2 ** 100, -(2 ** 60), 5]);
    const x = coil.tensor(Array.from(v));
    const out = compiled((x: T) => (fn === "sin" ? x.sin() : x.cos()), x).data() as Float32Array;
    v.forEach((a, i) => {
      const want = Math.fround(fn === "sin" ? Math.sin(a) : Math.cos(a));
      if (Number.isNaN(want)) assert.ok(Number.isNaN(out[i]!), `${fn}(${a})`);
      else assert.ok(ulpErr(out[i]!, want) <= 0.5 || Object.is(out[i], want), `${fn}(${a}) = ${out[i]} want ${want}`);
    });
  });
}

/** Max error in float32 ulps (absolute `floor` below which differences count as 0) of the compiled fn. */
function maxUlp(values: number[], fn: (x: T) => T, ref: (x: number) => number, floor = 0): { max: number; at: number } {
  const x = coil.tensor(values);
  const out = compiled(fn, x).data() as Float32Array;
  let max = 0, at = 0;
  values.forEach((v, i) => {
    const want = ref(Math.fround(v)), got = out[i]!;
    if (Number.isNaN(want) || !Number.isFinite(want)) { assert.ok(Object.is(got, Math.fround(want)) || (Number.isNaN(want) && Number.isNaN(got)), `${v}: ${got} vs ${want}`); return; }
    if (Math.abs(got - want) <= floor) return;
    const e = ulpErr(got, want);
    if (e > max) { max = e; at = v; }
  });
  if (process.env.COIL_PRINT_ULP) console.log(`[${pathName(fmaNow)}] max ${max.toFixed(3)} ulp at ${at}`);
  return { max, at };
}

const grid = (lo: number, hi: number, n: number) => Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 88.7, 88.8, -87, -103, -104, -150, 1000, -1000];

ptest("exp: float32 fast path within 2 ulp on [-87, 88.7], subnormal results, specials as Math.exp", () => {
  const { max, at } = maxUlp([...grid(-87, 88.7, 100001), ...SPECIAL], (x) => x.exp(), Math.exp);
  assert.ok(max <= 2, `max ${max} ulp at ${at}`);
  // results in the subnormal range round once: within one subnormal step
  const sub = maxUlp(grid(-103.9, -87.4, 20001), (x) => x.exp(), Math.exp);
  assert.ok(sub.max <= 2, `subnormal max ${sub.max} ulp at ${sub.at}`);
});

/** float64 gelu reference: erf by its series below 2, erfc by its continued fraction above (no cancellation in the tail). */
function erfcCF(a: number): number {
  let cf = 0;
  for (let k = 120; k >= 1; k--) cf = (k / 2) / (a + cf);
  return Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + cf);
}
function erfRef(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2) { let term = ax, sum = ax; for (let k = 1; k < 80; k++) { term *= -ax * ax / k; sum += term / (2 * k + 1); } r = (2 / Math.sqrt(Math.PI)) * sum; } else r = 1 - erfcCF(ax);
  return x < 0 ? -r : r;
}
const geluRef = (x: number) => (x === Infinity ? Infinity : x < -2.8 ? (x * erfcCF(-x / Math.SQRT2)) / 2 : 0.5 * x * (1 + erfRef(x / Math.SQRT2)));
const gelu = (x: T) => coil.nn.functional.gelu(x);

ptest("gelu (erf form): float32 path within 4 ulp for x >= -1, 8 ulp below (subnormal results counted in subnormal steps)", () => {
  const core = maxUlp(grid(-1, 12, 200001), gelu, geluRef);
  assert.ok(core.max <= 4, `x >= -1: max ${core.max} ulp at ${core.at}`);
  const tail = maxUlp([...grid(-15, -1, 200001), ...grid(-0.8, -0.7, 20001), ...grid(0.7, 0.8, 20001)], gelu, geluRef);
  assert.ok(tail.max <= 8, `x < -1: max ${tail.max} ulp at ${tail.at}`);
});

ptest("gelu (erf form): every 997th float32 bit pattern within 8 ulp; NaN, +-Inf, +-0, tiny and far-negative x as eager", () => {
  const v = Array.from(sweep(997));
  const { max, at } = maxUlp(v.filter((a) => Number.isFinite(a)), gelu, geluRef);
  assert.ok(max <= 8, `max ${max} ulp at ${at}`);
  const special = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -1e-40, 1e-30, -1e-30, -14.5, -15, -20, -1000, -3e38, 3e38, 30, 1000];
  const got = compiled(gelu, coil.tensor(special)).data() as Float32Array;
  const want = gelu(coil.tensor(special)).data() as Float32Array;
  special.forEach((a, i) => assert.ok(Object.is(got[i], want[i]) || ulpErr(got[i]!, want[i]!) <= 1, `gelu(${a}) = ${got[i]}, eager ${want[i]}`));
  // the sign of zero and NaN exactly: -0 for x = -0 and where x < 0 underflows, NaN at -Inf (-Inf * 0)
  assert.ok(Object.is(got[4], -0) && Object.is(got[12], -0) && Object.is(got[13], -0) && Number.isNaN(got[2]!) && Number.isNaN(got[0]!));
  assert.equal(got[1], Infinity);
});
