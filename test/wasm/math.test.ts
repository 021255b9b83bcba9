// test/wasm/math: each vectorised math emitter over a sweep of float32 bit patterns (both signs, subnormals,
// huge arguments, ±0, ±inf, NaN) plus dense random samples in [-10, 10], against float64 references rounded to
// float32: special values must match exactly and the max error in ulps must stay within the documented bound,
// for both the portable mul + add path and fused multiply-adds (relaxed SIMD, where the engine has it). Runs
// without Liftoff, so the bounds hold for the optimised code that hot loops run in.
import { setFlagsFromString } from "node:v8";
setFlagsFromString("--no-liftoff");
import { test } from "node:test";
import assert from "node:assert/strict";
import { UNARY } from "../../src/wasm/math.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { twoOverPiTable } from "../../src/wasm/math_f64.js";
import { buildMathKernels, sweep, run, measure, REF, erf64, erfc64, type Fn } from "./math_harness.js";

/** Documented max error in float32 ulps (docs/wasm.md). */
const BOUND: Record<Fn, number> = {
  exp: 1, expm1: 2, log: 1, log1p: 2.5, sigmoid: 2.5, tanh: 2.5, sqrt: 0.5, rsqrt: 1.5,
  sin: 0.501, cos: 0.501, tan: 0.501, erf: 1, gelu: 2.5, gelu_tanh: 0.501, pow: 0.501,
};

const PATHS: boolean[] = wasmFeatures().relaxedSimd ? [false, true] : [false];
const kernels = new Map(PATHS.map((fma) => [fma, buildMathKernels(fma)] as const));
const pathName = (fma: boolean) => (fma ? "fused" : "mul+add");
let seed = 99;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const xs = (() => {
  const a = sweep(8191);
  const extra = Float32Array.from({ length: 50000 }, () => (rnd() - 0.5) * 20);
  const out = new Float32Array(a.length + extra.length);
  out.set(a);
  out.set(extra, a.length);
  return out;
})();

test("float64 references: erf/erfc agree across their two methods and with known values", () => {
  assert.ok(Math.abs(erf64(1) - 0.8427007929497149) < 1e-15);
  assert.ok(Math.abs(erfc64(3) / 2.209049699858544e-5 - 1) < 1e-12);
  for (const x of [1.9, 2, 2.1, 2.5]) {
    let fr = x;
    for (let i = 300; i >= 1; i--) fr = x + i / 2 / fr;
    const cf = Math.exp(-x * x) / Math.sqrt(Math.PI) / fr;
    let sum = 0, term = x;
    for (let n = 0; n < 80; n++) { sum += term / (2 * n + 1); term *= (-x * x) / (n + 1); }
    assert.ok(Math.abs(cf - (1 - (2 / Math.sqrt(Math.PI)) * sum)) / cf < 1e-10, `erfc(${x})`);
  }
});

test("the 2/pi bit table matches the known expansion 0.A2F9836E4E441529FC2757D1...", () => {
  const t = twoOverPiTable();
  assert.equal(t[0], 0xa2);
  assert.equal(t[3], 0xa2f9836e);
  assert.equal(t[4], 0xf9836e4e);
  assert.equal(t[11], 0xfc2757d1);
});

for (const fma of PATHS) {
  const k = kernels.get(fma)!;
  for (const fn of UNARY) {
    test(`${fn} (${pathName(fma)}): specials exact, max error <= ${BOUND[fn]} ulp over ${xs.length} inputs`, () => {
      const got = run(k, fn, xs);
      const st = measure(xs, got, (i) => REF[fn](xs[i]!));
      assert.deepEqual(st.bad, [], `${fn}: special values differ`);
      if (process.env.COIL_PRINT_ULP) console.log(`${fn} (${pathName(fma)}): max ${st.maxUlp.toFixed(3)} ulp at ${st.atUlp}`);
      assert.ok(st.maxUlp <= BOUND[fn], `${fn}: max error ${st.maxUlp} ulp at x=${st.atUlp} (bound ${BOUND[fn]})`);
    });
  }
}

test("fused multiply-adds change results: the fused build differs from mul + add somewhere (relaxed SIMD only)", { skip: PATHS.length < 2 }, () => {
  const a = run(kernels.get(false)!, "exp", xs), b = run(kernels.get(true)!, "exp", xs);
  assert.ok(a.some((v, i) => v !== b[i] && !Number.isNaN(v)), "the two builds gave identical exp results: relaxed_madd was not emitted or not fused");
});

test(`pow: C special cases exact, max error <= ${BOUND.pow} ulp`, () => {
  const k = kernels.get(PATHS[PATHS.length - 1]!)!;
  const base = sweep(65521);
  const ys = [0, -0, 1, -1, 2, 3, -3, 0.5, -0.5, 1.5, 10, 31, -31, 100.25, 1e10, -1e10, Infinity, -Infinity, NaN, 2.5e-3, 7, 1 / 3];
  const X: number[] = [], Y: number[] = [];
  for (const x of [...base, -1, 1, -2, 2, 0, -0, 0.5, -0.5, 10, -10, NaN]) for (const y of ys) { X.push(x); Y.push(y); }
  for (let i = 0; i < 100000; i++) { X.push(rnd() * 20); Y.push((rnd() - 0.5) * 60); }
  while (X.length % 4) { X.push(1); Y.push(1); }
  const px = Float32Array.from(X), py = Float32Array.from(Y);
  const mem = wasmMemory();
  const a = mem.putF32(px), b = mem.putF32(py), d = mem.malloc(px.length * 4);
  k.pow(a, b, d, px.length);
  const got = mem.f32View(d, px.length).slice();
  mem.free(a); mem.free(b); mem.free(d);
  const st = measure(px, got, (i) => REF.pow(px[i]!, py[i]!));
  assert.deepEqual(st.bad, []);
  assert.ok(st.maxUlp <= BOUND.pow, `pow: ${st.maxUlp} ulp`);
  // spot checks of the C rules
  const at = (x: number, y: number) => got[X.findIndex((v, i) => Object.is(v, x) && Object.is(Y[i], y))];
  assert.equal(at(-1, Infinity), 1);
  assert.ok(Object.is(at(-0, 3), -0));
  assert.equal(at(-0, -3), -Infinity);
  assert.ok(Number.isNaN(at(-2, 0.5)!));
  assert.equal(at(NaN, 0), 1);
  assert.equal(at(-2, 3), -8);
});
