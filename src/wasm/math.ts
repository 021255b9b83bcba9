// wasm/math: vectorised float32 math emitters (f32x4) that inline into any function body, for fused kernels:
// exp, expm1, log, log1p, sigmoid, tanh, sqrt, rsqrt here; sin, cos, tan, erf, gelu (erf and tanh forms), pow
// through the float64 cores in math_f64.ts. Where the scope fuses multiply-adds (relaxed SIMD, MathScope.fma) the
// Cody-Waite and polynomial steps are f32x4.relaxed_madd. In: a MathScope and the v128 local(s) holding the input lanes.
// Out: the result vector pushed on the wasm stack. Error bounds are measured in test/wasm/math.test.ts and
// listed in docs/wasm.md.

import { MathScope } from "./math_scope.js";
import { emitViaF64 } from "./math_f64.js";

export { MathScope } from "./math_scope.js";

export const UNARY = ["exp", "expm1", "log", "log1p", "sigmoid", "tanh", "sqrt", "rsqrt", "sin", "cos", "tan", "erf", "gelu", "gelu_tanh"] as const;
export type UnaryMath = (typeof UNARY)[number];

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const SQRT2 = 1.4142135623730951;

/** 2^k as f32x4 for i32x4 k in [-126, 127] on the stack (consumes it). */
function pow2i(s: MathScope): void {
  s.f.i32x4(127).op("i32x4.add").i32(23).op("i32x4.shl");
}

const MAGIC = 12582912; // 1.5 * 2^23: x + MAGIC rounds x to an integer kept in the low mantissa bits

/**
 * Shared range reduction of exp/expm1: x = n*ln2 + r (Cody-Waite), em = expm1(r) by a degree-7 Taylor polynomial
 * on |r| <= ln2/2. The clamp to [-150, 150] is pmax/pmin (one instruction each; NaN passes through) and n comes
 * from the low mantissa bits of x*log2(e) + 1.5*2^23 (no nearest + trunc_sat, which V8 lowers to a handful of
 * instructions). Returns locals { n: i32x4 (n in [-217, 217]), em: f32x4 }.
 */
function expCore(s: MathScope, x: number, want: "expm1" | "exp" = "expm1"): { n: number; em: number } {
  const f = s.f;
  const xc = s.v(), t = s.v(), r = s.v();
  f.get(x).f32x4(-150).op("f32x4.pmax").f32x4(150).op("f32x4.pmin").set(xc);
  f.get(xc); s.maddK(LOG2E, MAGIC); f.set(t);
  const nf = s.v();
  f.get(t).f32x4(MAGIC).op("f32x4.sub").set(nf);
  // r = xc - nf*LN2_HI - nf*LN2_LO (multiply-adds by the negated constants: the same rounding unfused)
  f.get(nf); s.maddL(-LN2_HI, xc); f.set(r);
  f.get(nf); s.maddL(-LN2_LO, r); f.set(r);
  const em = s.v();
  if (want === "exp" && s.fma) {
    // fused: exp(r) = 1 + r (1 + r (1/2 + r/6 + ...)) in one Horner chain, one rounding at the end (the
    // em form below rounds em, then 1 + em: 1.01 ulp fused against 0.99 here)
    s.polyF32(r, [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1]);
    f.get(r); s.madd(() => f.f32x4(1)); f.set(em);
  } else {
    // em = r + r^2 * (1/2 + r/6 + r^2/24 + ...)
    s.polyF32(r, [1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2]);
    f.get(r).get(r).op("f32x4.mul"); s.madd(() => f.get(r)); f.set(em);
  }
  const n = t; // reuse: n as i32x4
  f.get(t).i32x4(0x4b400000).op("i32x4.sub").set(n);
  s.done(xc, r, nf);
  return { n, em };
}

/** exp from expCore's n and em: (1 + em) * 2^n1 * 2^(n - n1) (em already exp(r) when `isExp`); pushes it. */
function expFinish(s: MathScope, n: number, em: number, isExp = false): void {
  const f = s.f;
  const n1 = s.v();
  f.get(n).i32(1).op("i32x4.shr_s").set(n1);
  // two steps keep both factors normal, so subnormal results round once at the end
  f.get(em);
  if (!isExp) f.f32x4(1).op("f32x4.add");
  f.get(n1); pow2i(s); f.op("f32x4.mul");
  f.get(n).get(n1).op("i32x4.sub"); pow2i(s); f.op("f32x4.mul");
  s.done(n1);
}

function emitExp(s: MathScope, x: number): void {
  const { n, em } = expCore(s, x, "exp");
  expFinish(s, n, em, s.fma);
  s.done(n, em);
}

function emitExpm1(s: MathScope, x: number): void {
  const f = s.f;
  const big = s.v();
  const { n, em } = expCore(s, x);
  expFinish(s, n, em);
  f.set(big);
  const t = s.v();
  f.get(n).i32x4(-30).op("i32x4.max_s"); pow2i(s); f.set(t);
  // expm1 = t*em + (t - 1); exact t - 1 for n <= 24; x > 80 takes exp(x)
  f.get(big);
  f.get(em).get(t); s.madd(() => f.get(t).f32x4(1).op("f32x4.sub"));
  f.get(x).f32x4(80).op("f32x4.gt").op("v128.bitselect").set(t);
  // keep the sign of zero
  f.get(x).get(t).get(x).f32x4(0).op("f32x4.eq").op("v128.bitselect");
  s.done(big, n, em, t);
}

function emitLog(s: MathScope, x: number): void {
  const f = s.f;
  const xs = s.v(), e = s.v(), m = s.v(), mask = s.v(), fr = s.v(), sv = s.v(), z = s.v(), hf = s.v();
  // subnormals: scale by 2^23 and take 23 off the exponent
  f.get(x).f32x4(1.1754943508222875e-38).op("f32x4.lt").set(mask);
  f.get(x).f32x4(8388608).op("f32x4.mul").get(x).get(mask).op("v128.bitselect").set(xs);
  f.get(xs).i32(23).op("i32x4.shr_s").i32x4(127).op("i32x4.sub");
  f.i32x4(23).get(mask).op("v128.and").op("i32x4.sub").set(e);
  f.get(xs).i32x4(0x7fffff).op("v128.and").i32x4(0x3f800000).op("v128.or").set(m);
  // m in [1, 2): fold to [sqrt(1/2), sqrt(2))
  f.get(m).f32x4(SQRT2).op("f32x4.gt").set(mask);
  f.get(m).f32x4(0.5).op("f32x4.mul").get(m).get(mask).op("v128.bitselect").set(m);
  f.get(e).get(mask).op("i32x4.sub").set(e);
  f.get(m).f32x4(1).op("f32x4.sub").set(fr);
  f.get(fr).get(fr).f32x4(2).op("f32x4.add").op("f32x4.div").set(sv);
  f.get(sv).get(sv).op("f32x4.mul").set(z);
  f.get(fr).get(fr).op("f32x4.mul").f32x4(0.5).op("f32x4.mul").set(hf);
  // log(1+f) = f - (hfsq - s*(hfsq + R)), R = z*(2/3 + z*(2/5 + ...))
  const ef = mask;
  f.get(e).op("f32x4.convert_i32x4_s").set(ef);
  if (s.fma) {
    // the same formula in fused steps: ef*LN2_HI + (ef*LN2_LO + (f - (hfsq - s*(hfsq + P*z))))
    f.get(ef).f32x4(LN2_HI);
    f.get(ef).f32x4(LN2_LO);
    f.get(fr);
    f.get(sv);
    s.polyF32(z, [2 / 11, 2 / 9, 2 / 7, 2 / 5, 2 / 3]);
    f.get(z).get(hf).op("f32x4.relaxed_madd");
    f.get(hf).op("f32x4.relaxed_nmadd");
    f.op("f32x4.sub");
    f.op("f32x4.relaxed_madd").op("f32x4.relaxed_madd");
  } else {
    f.get(ef).f32x4(LN2_HI).op("f32x4.mul");
    f.get(fr).get(hf);
    f.get(sv).get(hf);
    s.polyF32(z, [2 / 11, 2 / 9, 2 / 7, 2 / 5, 2 / 3]);
    f.get(z).op("f32x4.mul").op("f32x4.add").op("f32x4.mul").op("f32x4.sub").op("f32x4.sub");
    f.get(ef).f32x4(LN2_LO).op("f32x4.mul").op("f32x4.add").op("f32x4.add");
  }
  const res = xs;
  f.set(res);
  // specials: 0 -> -inf, < 0 or NaN -> NaN, +inf -> +inf
  f.f32x4(-Infinity).get(res).get(x).f32x4(0).op("f32x4.eq").op("v128.bitselect").set(res);
  f.f32x4(NaN).get(res).get(x).f32x4(0).op("f32x4.lt").get(x).get(x).op("f32x4.ne").op("v128.or").op("v128.bitselect").set(res);
  f.get(x).get(res).get(x).f32x4(Infinity).op("f32x4.eq").op("v128.bitselect");
  s.done(xs, e, m, mask, fr, sv, z, hf);
}

function emitLog1p(s: MathScope, x: number): void {
  const f = s.f;
  const u = s.v(), lg = s.v();
  f.get(x).f32x4(1).op("f32x4.add").set(u);
  emitLog(s, u);
  f.set(lg);
  // log1p(x) = log(u) * x / (u - 1) (u = 1 + x rounded); u == 1 -> x; x = +inf -> +inf
  f.get(lg).get(x).get(u).f32x4(1).op("f32x4.sub").op("f32x4.div").op("f32x4.mul");
  f.set(lg);
  f.get(x).get(lg).get(u).f32x4(1).op("f32x4.eq").op("v128.bitselect");
  f.get(x).f32x4(Infinity).op("f32x4.eq").set(u);
  f.set(lg);
  f.get(x).get(lg).get(u).op("v128.bitselect");
  s.done(u, lg);
}

function emitSigmoid(s: MathScope, x: number): void {
  const f = s.f;
  const e = s.v();
  // e = exp(-|x|) never overflows: x >= 0 -> 1 / (1 + e), x < 0 -> e / (1 + e)
  f.get(x).op("f32x4.abs").op("f32x4.neg").set(e);
  emitExp(s, e);
  f.set(e);
  f.f32x4(1).get(e).get(x).f32x4(0).op("f32x4.ge").op("v128.bitselect");
  f.get(e).f32x4(1).op("f32x4.add").op("f32x4.div");
  s.done(e);
}

function emitTanh(s: MathScope, x: number): void {
  const f = s.f;
  const ax = s.v(), t = s.v();
  f.get(x).op("f32x4.abs").set(ax);
  f.get(ax).get(ax).op("f32x4.add").set(t);
  emitExpm1(s, t);
  f.set(t);
  // tanh|x| = t / (t + 2), t = expm1(2|x|); 1 past 9; sign from x
  f.f32x4(1).get(t).get(t).f32x4(2).op("f32x4.add").op("f32x4.div").get(ax).f32x4(9).op("f32x4.gt").op("v128.bitselect");
  f.get(x).i32x4(0x7fffffff).op("v128.bitselect");
  s.done(ax, t);
}

/** Emit unary `fn` on the f32x4 local x; pushes the result. */
export function emitUnary(s: MathScope, fn: UnaryMath, x: number): void {
  const f = s.f;
  switch (fn) {
    case "exp": return emitExp(s, x);
    case "expm1": return emitExpm1(s, x);
    case "log": return emitLog(s, x);
    case "log1p": return emitLog1p(s, x);
    case "sigmoid": return emitSigmoid(s, x);
    case "tanh": return emitTanh(s, x);
    case "sqrt": f.get(x).op("f32x4.sqrt"); return;
    case "rsqrt": f.f32x4(1).get(x).op("f32x4.sqrt").op("f32x4.div"); return;
    case "sin": case "cos": case "tan": case "erf": case "gelu": case "gelu_tanh":
      return emitViaF64(s, fn, x);
    default: {
      const never: never = fn;
      throw new Error(`wasm math: unknown function ${String(never)}`);
    }
  }
}

/** pow(x, y) with C/PyTorch semantics (pow(x, 0) = 1, pow(1, y) = 1, pow(-1, ±inf) = 1). */
export function emitPow(s: MathScope, x: number, y: number): void {
  emitViaF64(s, "pow", x, y);
}
