// inductor/codegen/wasm/fast_math: float32 exp and gelu (erf form) for fused kernels, cheaper than the
// general emitters of src/wasm/math where V8's lowering is costly: the clamp uses pmin/pmax (one
// instruction; NaN passes through), the integer n comes from the low mantissa bits of x*log2(e) + 1.5*2^23
// (no trunc_sat). gelu is branch-free float32: an odd polynomial for |x| < 0.75, exp(-x^2/2) times a
// rational P/Q beyond (no long dependency chain: the division runs beside the exp, whose polynomial is
// Estrin-split). With relaxed SIMD (MathScope.fma) the reduction and polynomial steps are fused
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


/** Horner in f32x4 on the local x, coefficients lowest degree first. */
function polyLow(s: MathScope, x: number, c: number[]): void {
  s.f.f32x4(c[c.length - 1]!);
  for (let i = c.length - 2; i >= 0; i--) { s.f.get(x); s.madd(() => s.f.f32x4(c[i]!)); }
}

// Coefficients (lowest degree first) fitted in float64 against mpmath references: weighted least squares on
// Chebyshev nodes, reweighted (Lawson) towards minimax relative error; rationals linearised as P - y Q.
/** Phi(x) = 1/2 + x S(x^2) for |x| < GELU_CUT: relative error of S 2.4e-9. */
const GELU_CUT = 0.75;
const GELU_S = [0.3989422794359059, -0.06649029496402858, 0.009972348980381868, -0.0011812850737728114, 0.00010294056865553687];
/** erfc(v/sqrt2) exp(v^2/2) / 2 = P(v) / Q(v) on [0.75, 15]: relative error 2.4e-8. */
const GELU_P = [0.49994892198656166, 0.37271815142250553, 0.1269860745647517, 0.01948791786252277, 7.449192651609593e-08];
const GELU_Q = [1.0, 1.542720362841242, 0.9864857777535132, 0.3180572201100727, 0.04885943324057354];

/** exp(r) = 1 + r + ... on |r| <= ln2/2, minimax: relative error 2.0e-9. */
const EXP_R = [1, 1.0000000321674656, 0.49999994208629484, 0.16666431252909505, 0.04166800208705668, 0.008374156064315557, 0.001384365304932667];

/**
 * With the f32x4 local r: push exp(r) ~ EXP_R(r) by Estrin, A + r^2 (B + r^2 C) with A = c0 + c1 r,
 * B = c2 + c3 r, C = c4 + c5 r + c6 r^2: three short dependency chains instead of one of six multiply-adds.
 */
function expPolyEstrin(s: MathScope, r: number): void {
  const f = s.f, c = EXP_R;
  const r2 = s.v(), b = s.v();
  f.get(r).get(r).op("f32x4.mul").set(r2);
  f.get(r); s.maddK(c[3]!, c[2]!); f.set(b);
  f.get(r2).f32x4(c[6]!); s.madd(() => { f.get(r); s.maddK(c[5]!, c[4]!); });
  f.get(r2); s.madd(() => f.get(b));
  f.get(r2); s.madd(() => { f.get(r); s.maddK(c[1]!, c[0]!); });
  s.done(r2, b);
}

/** P scaled by 2^-64: the 2^n of exp becomes one power of two 2^(n + 64), normal for every n >= -163 (see gelu). */
const GELU_P64 = GELU_P.map((c) => c * 2 ** -64);

/**
 * gelu(x) = x Phi(x), two branch-free pieces blended by |x| < 0.75:
 * - |x| < 0.75: x (1/2 + x S(x^2)), S an odd-erf polynomial (Phi >= 0.22 there: no cancellation);
 * - else, with v = min(|x|, 15) and g = v exp(-v^2/2) P(v)/Q(v) = v erfc(v/sqrt2)/2 >= 0: x - g for
 *   x >= 0, -g for x < 0 (no cancellation either side). v^2/2 is split exactly (v = vh + vl, vh with 12
 *   mantissa bits: vh^2 exact, lo = vl (v + vh)) so the exp argument carries no rounding error in the far
 *   negative tail: exp(hi + lo) adds lo to the reduced argument. n >= -163 (|hi| <= 112.5), so the 2^n of
 *   exp is applied last as 2^(n + 64) with P pre-scaled by 2^-64 (all intermediates normal; results in the
 *   subnormal range round once). Past 15, g is below the smallest subnormal (x < 0: -0) or half an ulp of x;
 *   as eager: +Inf -> Inf, -Inf -> -Inf * 0 = NaN, NaN -> NaN (pmin/pmax pass it).
 * The rational's division runs beside the exp, off the critical path.
 */
export function emitFastGelu(s: MathScope, x: number): void {
  const f = s.f;
  const v = s.v(), vh = s.v(), hi = s.v(), lo = s.v(), t = s.v(), j = s.v(), r = s.v(), g = s.v();
  f.get(x).op("f32x4.abs").f32x4(15).op("f32x4.pmin").set(v);
  f.get(v).i32x4(-4096).op("v128.and").set(vh); // vh: v with the low 12 mantissa bits cleared
  f.get(vh).f32x4(-0.5).op("f32x4.mul").get(vh).op("f32x4.mul").set(hi); // -vh^2/2, exact
  f.get(v).get(vh).op("f32x4.add").f32x4(-0.5).op("f32x4.mul").set(lo); // -(v^2 - vh^2)/2 = (v - vh) lo
  // exp(hi + lo) = 2^n exp(r): n = round(hi log2 e), r = hi - n ln2 + (v - vh) lo
  f.get(hi); s.maddK(Math.LOG2E, MAGIC); f.set(t);
  f.get(t).f32x4(MAGIC).op("f32x4.sub").set(j);
  f.get(j); s.maddL(-LN2_HI, hi); f.set(r);
  f.get(j); s.maddL(-LN2_LO, r); f.set(r);
  f.get(v).get(vh).op("f32x4.sub").get(lo); s.madd(() => f.get(r)); f.set(r);
  expPolyEstrin(s, r);
  // times v P(v) 2^-64 / Q(v), then 2^(n + 64): bits (n + 64 + 127) << 23, n + 0x4b400000 the bits of t
  f.get(v); polyLow(s, v, GELU_P64); f.op("f32x4.mul");
  polyLow(s, v, GELU_Q); f.op("f32x4.div").op("f32x4.mul");
  f.get(t).i32x4(0x4b400000 - 191).op("i32x4.sub").i32(23).op("i32x4.shl").op("f32x4.mul").set(g);
  // tail: -(g - q), q = x - pmin(x, -0): x for x >= 0 (x - g), +0 for finite x < 0 (-g, -0 where g underflows),
  // NaN for -Inf (eager: -Inf * Phi(-Inf) = -Inf * 0)
  f.get(g).get(x).get(x).f32x4(-0).op("f32x4.pmin").op("f32x4.sub").op("f32x4.sub").op("f32x4.neg");
  // |x| < 0.75: x (1/2 + x S(x^2))
  const u = hi;
  f.get(x).get(x).op("f32x4.mul").set(u);
  f.get(x); polyLow(s, u, GELU_S); s.madd(() => f.f32x4(0.5)); f.get(x).op("f32x4.mul");
  f.get(v).f32x4(GELU_CUT).op("f32x4.ge").op("v128.bitselect"); // v >= cut (NaN: the central form)
  s.done(v, vh, hi, lo, t, j, r, g);
}
