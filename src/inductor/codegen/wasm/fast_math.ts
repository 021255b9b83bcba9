// inductor/codegen/wasm/fast_math: float32 exp and gelu (erf form) for fused kernels, cheaper than the
// general emitters of src/wasm/math where V8's lowering is costly: the clamp uses pmin/pmax (one
// instruction; NaN passes through), the integer n comes from the low mantissa bits of x*log2(e) + 1.5*2^23
// (no trunc_sat), and gelu evaluates erfc in float32 (Numerical Recipes' erfc, relative error < 1.2e-7)
// instead of two float64 halves. With relaxed SIMD (MathScope.fma) the reduction and polynomial steps are fused
// multiply-adds. Errors: docs/wasm.md, tested (both paths) in test/inductor/wasm_math.test.ts.
// In: a MathScope and the f32x4 local x. Out: the result pushed on the stack.

import type { MathScope } from "../../../wasm/math.js";

const MAGIC = 12582912; // 1.5 * 2^23
const LN2_HI = 0.693359375, LN2_LO = -2.12194440e-4;

/** exp(x) in float32 (special values as C: exp(NaN) = NaN, overflow to +Inf, underflow through subnormals to 0). */
export function emitFastExp(s: MathScope, x: number): void {
  const f = s.f;
  const xc = s.v(), t = s.v(), j = s.v(), r = s.v(), n = s.v(), n1 = s.v();
  f.get(x).f32x4(-150).op("f32x4.pmax").f32x4(150).op("f32x4.pmin").set(xc);
  f.get(xc); s.maddK(Math.LOG2E, MAGIC); f.set(t);
  f.get(t).f32x4(MAGIC).op("f32x4.sub").set(j);
  f.get(j); s.maddL(-LN2_HI, xc); f.set(r);
  f.get(j); s.maddL(-LN2_LO, r); f.set(r);
  if (s.fma) {
    // 1 + r (1 + r (1/2 + r/6 + ...)): one Horner chain of fused steps, one rounding at the end
    s.polyF32(r, [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1]);
    f.get(r); s.madd(() => f.f32x4(1));
  } else {
    // 1 + r + r^2 (1/2 + r/6 + ... + r^5/5040)
    s.polyF32(r, [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2]);
    f.get(r).get(r).op("f32x4.mul"); s.madd(() => f.get(r)); f.f32x4(1).op("f32x4.add");
  }
  f.get(t).i32x4(0x4b400000).op("i32x4.sub").set(n);
  f.get(n).i32(1).op("i32x4.shr_s").set(n1);
  // two power-of-two steps keep both factors normal (subnormal results round once)
  f.get(n1).i32x4(127).op("i32x4.add").i32(23).op("i32x4.shl").op("f32x4.mul");
  f.get(n).get(n1).op("i32x4.sub").i32x4(127).op("i32x4.add").i32(23).op("i32x4.shl").op("f32x4.mul");
  s.done(xc, t, j, r, n, n1);
}

const ERFC = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/**
 * gelu(x) = x Phi(x): with z = |x|/sqrt2 and e = erfc(z) = t exp(-z^2 + P(t)), t = 1/(1 + z/2), the result
 * is x - x e/2 for x >= 0 and x e/2 for x < 0 (no cancellation); x e/2 uses min(x, 10), so +Inf stays +Inf.
 */
export function emitFastGelu(s: MathScope, x: number): void {
  const f = s.f;
  const z = s.v(), t = s.v(), a = s.v(), h = s.v();
  f.get(x).op("f32x4.abs").f32x4(Math.SQRT1_2).op("f32x4.mul").set(z);
  f.f32x4(1).f32x4(1).get(z).f32x4(0.5).op("f32x4.mul").op("f32x4.add").op("f32x4.div").set(t);
  s.polyF32(t, ERFC);
  // a = P(t) - z^2
  if (s.fma) f.set(a).get(z).get(z).get(a).op("f32x4.relaxed_nmadd").set(a);
  else f.get(z).get(z).op("f32x4.mul").op("f32x4.sub").set(a);
  emitFastExp(s, a);
  // h = e t min(x, 10) / 2: past 10, h is below half an ulp of x (x - h = x) and +Inf gives h = 0, not NaN
  f.get(t).op("f32x4.mul").get(x).f32x4(10).op("f32x4.pmin").op("f32x4.mul").f32x4(0.5).op("f32x4.mul").set(h);
  // x >= 0: x - h; x < 0: h
  f.get(x).get(h).op("f32x4.sub").get(h).get(x).f32x4(0).op("f32x4.ge").op("v128.bitselect");
  s.done(z, t, a, h);
}
