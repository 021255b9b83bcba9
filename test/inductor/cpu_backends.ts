// test/inductor/cpu_backends: the two code generators for device "cpu" that behaviour tests run on, and how far a
// float32 result of the WebAssembly one may be from eager. In: nothing. Out: CPU_BACKENDS (js, and wasm where
// WebAssembly SIMD exists), onBackend (config.patch around compile and call), testOnCpuBackends, WASM_ULPS,
// ulpClose, wasmClose, assertMatchesEager and the program tolerance wasmProgramTol.
//
// The JS codegen computes pointwise float32 math in float64 and rounds once, like eager: its results equal eager
// bit for bit. The Wasm codegen evaluates exp, log, sin, ... as f32x4 polynomials; docs/wasm-codegen.md and
// docs/wasm.md list each one's maximum error against the exact result (measured in test/wasm/math.test.ts and
// test/inductor/wasm_math.test.ts). Eager's own float32 result is within 0.5 ulp of the exact one, so the distance
// from eager is at most (documented error + 0.5) ulp: WASM_ULPS holds that sum rounded up.

import { test } from "node:test";
import assert from "node:assert/strict";
import { toFloat64Array, type Tensor } from "../../src/tensor/tensor.js";
import { config } from "../../src/inductor/config.js";
import { wasmFeatures } from "../../src/wasm/features.js";

export type CpuBackend = "js" | "wasm";

/** Every CPU code generator this engine can run ("wasm" needs WebAssembly SIMD). */
export const CPU_BACKENDS: readonly CpuBackend[] = wasmFeatures().simd ? ["js", "wasm"] : ["js"];

/** Run fn (compile and calls) with config.cpuBackend = backend. */
export function onBackend<R>(backend: CpuBackend, fn: () => R): R {
  return config.patch({ cpuBackend: backend }, fn);
}

/**
 * Max distance, in float32 ulps of eager's value, of one Wasm-vectorised function from eager: ceil(documented
 * max error + 0.5). sin/cos also have an absolute error of 2^-23 near their zeros (WASM_ABS). Exact operations
 * (arithmetic, min/max, relu, where, sqrt, comparisons) are 0 on both backends.
 */
export const WASM_ULPS = {
  exp: 2, // 0.94 ulp (codegen/wasm/fast_math.ts)
  log: 2, // 0.83
  sin: 2, cos: 2, // 1.49 ulp, plus 2^-23 absolute near the zeros (codegen/wasm/fast_trig.ts)
  tanh: 3, // 2.33
  sigmoid: 3, // 2.18
  rsqrt: 2, // 1.47
  erf: 2, // 0.98
  silu: 4, // x * sigmoid(x): 2.18 + one rounding of the product (0.5) + eager's 0.5, rounded up
  gelu: 9, // erf form (codegen/wasm/fast_math.ts): 3.3 ulp for x >= -1, 7.8 below
  gelu_tanh: 1, // 0.50 (float64 lanes)
  pow: 1, // 0.50 (float64 lanes)
  log1p: 3, expm1: 3, // 2.37, 1.58
} as const;

/** Absolute error allowance of sin/cos near their zeros (2^-23), where an ulp of the result is tiny. */
export const WASM_ABS = 2 ** -23;

/** Spacing of float32 values around v (the ulp of |v|; the smallest subnormal step at 0). */
export function ulpOf(v: number): number {
  const a = Math.abs(v);
  if (a < 2 ** -126) return 2 ** -149;
  return 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** |actual - expected| <= ulps * ulp(expected) + abs; NaN matches NaN, infinities must be equal. */
export function ulpClose(actual: number, expected: number, ulps: number, abs = 0): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= ulps * ulpOf(expected) + abs;
}

/** Float32 ulps in one ulp of a narrower float dtype (a result rounded to it may flip by one of its ulps). */
const NARROW_ULP: Record<string, number> = { bfloat16: 2 ** 16, float16: 2 ** 13 };

/**
 * Whether a compiled value is close enough to eager's for an output of `dtype` computed with Wasm functions whose
 * allowance is `ulps` (e.g. WASM_ULPS.exp): float32 within ulps (+ abs); bfloat16/float16 within one of their
 * own ulps (the float32 error only flips a rounding); float64 and integers exactly (the Wasm codegen generates
 * JavaScript kernels for them).
 */
export function wasmClose(actual: number, expected: number, dtype: string, ulps: number, abs = 0): boolean {
  if (dtype === "float32") return ulpClose(actual, expected, ulps, abs);
  const narrow = NARROW_ULP[dtype];
  if (narrow !== undefined && ulps > 0) return ulpClose(actual, expected, narrow, abs);
  return Number.isNaN(expected) ? Number.isNaN(actual) : actual === expected;
}

/** node:test `test` once per CPU backend, named `<name> [js]` / `<name> [wasm]`, the body run under onBackend. */
export function testOnCpuBackends(name: string, fn: (backend: CpuBackend) => void | Promise<void>): void {
  for (const b of CPU_BACKENDS) test(`${name} [${b}]`, () => onBackend(b, () => fn(b)));
}

/**
 * Relative tolerance (times 1 + |expected|) for a float32 one-op program with reductions on the Wasm codegen,
 * where the JS codegen and eager give the same bits: Wasm keeps float32 intermediates that they compute in
 * float64 (sums and means accumulate in 8 float32 partial sums, row statistics, exp/log within WASM_ULPS), so
 * over the few-dozen-element rows of these tests the result is within 8 float32 ulps of max(1, |expected|)
 * (docs/wasm-codegen.md, "Numerics").
 */
export const WASM_F32_PROGRAM_TOL = 2 ** -20;

/** A narrow float dtype's tolerance on Wasm: one of its ulps relative to 1 + |expected| (a flipped rounding). */
export function wasmProgramTol(dtype: string): number {
  if (dtype === "bfloat16") return 2 ** -7;
  if (dtype === "float16") return 2 ** -10;
  return dtype === "float32" ? WASM_F32_PROGRAM_TOL : 0;
}

/**
 * A compiled float tensor against eager's: bit for bit on the JS codegen; on the Wasm codegen every element
 * within `ulps` float32 ulps (+ abs) of eager's (wasmClose). Shapes and dtypes must match on both.
 */
export function assertMatchesEager(actual: Tensor, expected: Tensor, backend: CpuBackend, ulps: number, abs = 0, what = "result"): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  if (backend === "js") { assert.deepEqual(actual.toArray(), expected.toArray(), `${what}: JS codegen, bit for bit`); return; }
  const a = toFloat64Array(actual), e = toFloat64Array(expected);
  e.forEach((w, k) => assert.ok(wasmClose(a[k]!, w, actual.dtype.name, ulps, abs), `${what}[${k}] (wasm, within ${ulps} ulp + ${abs}): ${a[k]} vs ${w}`));
}
