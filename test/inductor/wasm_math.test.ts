// The Wasm codegen's float32 sin/cos fast path (codegen/wasm/fast_trig.ts) against float64 Math.sin/cos:
// error in float32 ulps over a sweep of [-8192, 8192] and small arguments, and the float64 fallback for
// vectors with a lane beyond 8192, NaN or infinity (exact special values).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";

type T = coil.Tensor;

function ulpErr(got: number, want: number): number {
  const w = Math.fround(want);
  if (Number.isNaN(w)) return Number.isNaN(got) ? 0 : Infinity;
  const a = Math.abs(w);
  const e = a < 1.1754943508222875e-38 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
  return Math.abs(got - want) / e;
}

function sweep(values: Float32Array, fn: "sin" | "cos"): { max: number; at: number } {
  const x = coil.tensor(Array.from(values));
  const y = config.patch({ cpuBackend: "wasm" }, () => coil.compile((x: T) => (fn === "sin" ? x.sin() : x.cos()))(x)) as T;
  const out = y.data() as Float32Array;
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
  test(`${fn}: fast float32 path within 2 ulp on [-8192, 8192] (absolute 2^-23 near zeros)`, () => {
    const n = 200003;
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = -8192 + (16384 * i) / (n - 1);
    for (let i = 0; i < 4000; i++) v[i] = (i - 2000) * 1e-3; // small arguments
    const { max, at } = sweep(v, fn);
    assert.ok(max <= 2, `max error ${max} ulp at ${at}`);
    if (process.env.COIL_PRINT_ULP) console.log(`${fn}: max ${max.toFixed(3)} ulp at ${at}`);
  });

  test(`${fn}: large arguments, NaN, +-Inf, +-0 take the float64 path`, () => {
    const v = new Float32Array([1e4, -3e7, 1e30, NaN, Infinity, -Infinity, 0, -0, 8193, 1e-40, 3, 4, 100000, 2 ** 100, -(2 ** 60), 5]);
    const x = coil.tensor(Array.from(v));
    const y = config.patch({ cpuBackend: "wasm" }, () => coil.compile((x: T) => (fn === "sin" ? x.sin() : x.cos()))(x)) as T;
    const out = y.data() as Float32Array;
    v.forEach((a, i) => {
      const want = Math.fround(fn === "sin" ? Math.sin(a) : Math.cos(a));
      if (Number.isNaN(want)) assert.ok(Number.isNaN(out[i]!), `${fn}(${a})`);
      else assert.ok(ulpErr(out[i]!, want) <= 0.5 || Object.is(out[i], want), `${fn}(${a}) = ${out[i]} want ${want}`);
    });
  });
}
