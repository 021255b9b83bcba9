// wasm/math_f64: float32 functions evaluated in float64 lanes (two f64x2 halves per f32x4) where float32 alone
// cannot reach a few ulp: sin/cos/tan (Cody-Waite reduction in f64, Payne-Hanek for |x| >= 2^20 through a
// scalar helper and a 2/pi bit table), erf and gelu (erf form: Taylor below 0.5, erfc rational-exponential above;
// tanh form: x * sigmoid(2u)), pow (exp(y log|x|) in f64 + C special cases). In: MathScope, f32x4 locals.
// Out: the f32x4 result pushed on the stack.

import type { MathScope } from "./math_scope.js";
import type { FunctionBuilder, ModuleBuilder } from "./emitter.js";
import { RESERVED } from "./memory.js";

const LOG2E = 1.4426950408889634;
const LN2_HI = 6.93147180369123816490e-01;
const LN2_LO = 1.90821492927058770002e-10;
const PIO2_1 = 1.57079632673412561417e+00;
const PIO2_1T = 6.07710050650619224932e-11;
const INV_PIO2 = 0.6366197723675814;
const FACT = (k: number): number => (k <= 1 ? 1 : k * FACT(k - 1));

/** Split f32x4 local x into two f64x2 locals (lanes 0,1 and 2,3). */
function split(s: MathScope, x: number): [number, number] {
  const f = s.f;
  const lo = s.v(), hi = s.v();
  f.get(x).op("f64x2.promote_low_f32x4").set(lo);
  f.get(x).get(x).shuffle32(2, 3, 2, 3).op("f64x2.promote_low_f32x4").set(hi);
  return [lo, hi];
}

/** Push f32x4 from two f64x2 values on the stack (lo below hi). */
function join(s: MathScope): void {
  const f = s.f;
  const hi = s.save();
  f.op("f32x4.demote_f64x2_zero").get(hi).op("f32x4.demote_f64x2_zero").shuffle32(0, 1, 4, 5);
  s.done(hi);
}

/** 2^k for integral f64x2 k in [-1022, 1023] on the stack. */
function pow2(s: MathScope): void {
  s.f.f64x2(6755399441055744).op("f64x2.add").i32x4(-1023, 0x4337ffff, -1023, 0x4337ffff).op("i64x2.sub").i32(52).op("i64x2.shl");
}

/** exp in f64x2 of local h (relative error ~1e-15 over the f64 range; clamps to 0 / inf). */
export function exp64(s: MathScope, h: number): void {
  const f = s.f;
  const xc = s.v(), nf = s.v(), r = s.v();
  f.get(h).f64x2(-746).op("f64x2.max").f64x2(710).op("f64x2.min").set(xc);
  f.get(xc).f64x2(LOG2E).op("f64x2.mul").op("f64x2.nearest").set(nf);
  f.get(xc).get(nf).f64x2(LN2_HI).op("f64x2.mul").op("f64x2.sub").get(nf).f64x2(LN2_LO).op("f64x2.mul").op("f64x2.sub").set(r);
  s.polyF64(r, Array.from({ length: 12 }, (_, i) => 1 / FACT(11 - i)));
  const n1 = xc;
  f.get(nf).f64x2(0.5).op("f64x2.mul").op("f64x2.floor").set(n1);
  f.get(n1); pow2(s); f.op("f64x2.mul");
  f.get(nf).get(n1).op("f64x2.sub"); pow2(s); f.op("f64x2.mul");
  s.done(xc, nf, r);
}

/** log in f64x2 of local h >= 0 (0 -> -inf, inf -> inf, NaN -> NaN); h must be normal or zero in f64. */
function log64(s: MathScope, h: number): void {
  const f = s.f;
  const e = s.v(), m = s.v(), mask = s.v(), fr = s.v(), sv = s.v(), z = s.v(), hf = s.v();
  f.get(h).i32(52).op("i64x2.shr_u").i32x4(0, 0x43300000, 0, 0x43300000).op("v128.or").f64x2(4503599627371519).op("f64x2.sub").set(e);
  f.get(h).i32x4(-1, 0xfffff, -1, 0xfffff).op("v128.and").i32x4(0, 0x3ff00000, 0, 0x3ff00000).op("v128.or").set(m);
  f.get(m).f64x2(Math.SQRT2).op("f64x2.gt").set(mask);
  f.get(m).f64x2(0.5).op("f64x2.mul").get(m).get(mask).op("v128.bitselect").set(m);
  f.get(e).f64x2(1).get(mask).op("v128.and").op("f64x2.add").set(e);
  f.get(m).f64x2(1).op("f64x2.sub").set(fr);
  f.get(fr).get(fr).f64x2(2).op("f64x2.add").op("f64x2.div").set(sv);
  f.get(sv).get(sv).op("f64x2.mul").set(z);
  f.get(fr).get(fr).op("f64x2.mul").f64x2(0.5).op("f64x2.mul").set(hf);
  f.get(e).f64x2(LN2_HI).op("f64x2.mul");
  f.get(fr).get(hf).get(sv).get(hf);
  s.polyF64(z, [2 / 15, 2 / 13, 2 / 11, 2 / 9, 2 / 7, 2 / 5, 2 / 3]);
  f.get(z).op("f64x2.mul").op("f64x2.add").op("f64x2.mul").op("f64x2.sub").op("f64x2.sub");
  f.get(e).f64x2(LN2_LO).op("f64x2.mul").op("f64x2.add").op("f64x2.add").set(mask);
  f.f64x2(-Infinity).get(mask).get(h).f64x2(0).op("f64x2.eq").op("v128.bitselect");
  f.set(mask);
  f.get(h).get(mask).get(h).f64x2(Infinity).op("f64x2.eq").get(h).get(h).op("f64x2.ne").op("v128.or").op("v128.bitselect");
  s.done(e, m, mask, fr, sv, z, hf);
}

/** Bits of 2/pi: entry i = floor(2/pi * 2^(8(i+1))) mod 2^32, i = 0..23 (Machin's formula in BigInt). */
export function twoOverPiTable(): Uint32Array {
  const B = 400n;
  const one = 1n << B;
  const atanInv = (x: bigint) => {
    let sum = 0n, term = one / x, k = 0n;
    const x2 = x * x;
    while (term !== 0n) {
      sum += (k % 2n === 0n ? 1n : -1n) * (term / (2n * k + 1n));
      term /= x2;
      k++;
    }
    return sum;
  };
  const pi = 16n * atanInv(5n) - 4n * atanInv(239n);
  const out = new Uint32Array(24);
  for (let i = 0; i < 24; i++) out[i] = Number(((2n * one * (1n << BigInt(8 * (i + 1)))) / pi) & 0xffffffffn);
  return out;
}

/** reduce_large(xi: bits of |x| as f32) -> (r: f64 in [-pi/4, pi/4], n: quadrant mod 4), for |x| >= 2^20 finite. */
function reduceLarge(m: ModuleBuilder): FunctionBuilder {
  const table = twoOverPiTable();
  m.addData(RESERVED.twoOverPiBits, new Uint8Array(table.buffer.slice(0)));
  const f = m.func("coil_reduce_large", ["i32"], ["f64", "i32"], { paramNames: ["xi"] });
  const idx = f.local("i32", "idx"), mm = f.local("i32", "m");
  const r0 = f.local("i64", "res0"), r1 = f.local("i64", "res1"), r2 = f.local("i64", "res2"), n = f.local("i64", "n");
  f.get(0).i32(26).op("i32.shr_u").i32(15).op("i32.and").i32(2).op("i32.shl").i32(RESERVED.twoOverPiBits).op("i32.add").set(idx);
  f.get(0).i32(0xffffff).op("i32.and").i32(0x800000).op("i32.or").get(0).i32(23).op("i32.shr_u").i32(7).op("i32.and").op("i32.shl").set(mm);
  f.get(mm).get(idx).mem("i32.load").op("i32.mul").op("i64.extend_i32_u").set(r0);
  f.get(mm).op("i64.extend_i32_u").get(idx).mem("i32.load", 16).op("i64.extend_i32_u").op("i64.mul").set(r1);
  f.get(mm).op("i64.extend_i32_u").get(idx).mem("i32.load", 32).op("i64.extend_i32_u").op("i64.mul").set(r2);
  f.get(r2).i64(32).op("i64.shr_u").get(r0).i64(32).op("i64.shl").op("i64.or").get(r1).op("i64.add").set(r0);
  f.get(r0).i64(1n << 61n).op("i64.add").i64(62).op("i64.shr_u").set(n);
  f.get(r0).get(n).i64(62).op("i64.shl").op("i64.sub").set(r0);
  f.get(r0).op("f64.convert_i64_s").f64(Math.PI / 2 * 2 ** -62).op("f64.mul");
  f.get(n).op("i32.wrap_i64");
  return f;
}

/** sin / cos / tan of f64x2 local h (exact f32 values); pushes f64x2. */
function trig64(s: MathScope, kind: "sin" | "cos" | "tan", h: number): void {
  const f = s.f;
  const jf = s.v(), r = s.v(), big = s.v();
  f.get(h).f64x2(INV_PIO2).op("f64x2.mul").op("f64x2.nearest").set(jf);
  f.get(h).get(jf).f64x2(PIO2_1).op("f64x2.mul").op("f64x2.sub").get(jf).f64x2(PIO2_1T).op("f64x2.mul").op("f64x2.sub").set(r);
  f.get(h).op("f64x2.abs").f64x2(1048576).op("f64x2.ge").get(h).op("f64x2.abs").f64x2(Infinity).op("f64x2.lt").op("v128.and").set(big);
  f.get(big).op("v128.any_true").if_();
  {
    const reduce = s.helper("coil_reduce_large", reduceLarge);
    const rr = f.local("f64"), nn = s.i(), hl = f.local("f64");
    for (let lane = 0; lane < 2; lane++) {
      f.get(big).lane("i32x4.extract_lane", lane * 2).if_();
      f.get(h).lane("f64x2.extract_lane", lane).set(hl);
      f.get(hl).op("f64.abs").op("f32.demote_f64").op("i32.reinterpret_f32").call(reduce).set(nn).set(rr);
      // x < 0: x = -(n*pi/2 + r) -> quadrant -n, remainder -r
      f.get(r).get(rr).op("f64.neg").get(rr).get(hl).f64(0).op("f64.lt").op("select").lane("f64x2.replace_lane", lane).set(r);
      f.get(jf).i32(0).get(nn).op("i32.sub").get(nn).get(hl).f64(0).op("f64.lt").op("select").op("f64.convert_i32_s").lane("f64x2.replace_lane", lane).set(jf);
      f.end();
    }
    s.done(nn);
  }
  f.end();
  const q = big, z = s.v(), S = s.v(), C = s.v(), odd = s.v();
  f.get(jf).get(jf).f64x2(0.25).op("f64x2.mul").op("f64x2.floor").f64x2(4).op("f64x2.mul").op("f64x2.sub").set(q);
  f.get(r).get(r).op("f64x2.mul").set(z);
  f.get(r).get(r).get(z).op("f64x2.mul");
  s.polyF64(z, [-1 / FACT(11), 1 / FACT(9), -1 / FACT(7), 1 / FACT(5), -1 / FACT(3)]);
  f.op("f64x2.mul").op("f64x2.add").set(S);
  f.f64x2(1).get(z);
  s.polyF64(z, [1 / FACT(12), -1 / FACT(10), 1 / FACT(8), -1 / FACT(6), 1 / FACT(4), -1 / FACT(2)]);
  f.op("f64x2.mul").op("f64x2.add").set(C);
  f.get(q).f64x2(1).op("f64x2.eq").get(q).f64x2(3).op("f64x2.eq").op("v128.or").set(odd);
  const isQ = (a: number, b: number) => { f.get(q).f64x2(a).op("f64x2.eq").get(q).f64x2(b).op("f64x2.eq").op("v128.or"); };
  if (kind === "tan") {
    f.get(C).op("f64x2.neg").get(S).op("f64x2.div").get(S).get(C).op("f64x2.div").get(odd).op("v128.bitselect");
  } else {
    const v = z;
    if (kind === "sin") f.get(C).get(S).get(odd).op("v128.bitselect").set(v);
    else f.get(S).get(C).get(odd).op("v128.bitselect").set(v);
    f.get(v).op("f64x2.neg").get(v);
    if (kind === "sin") isQ(2, 3); else isQ(1, 2);
    f.op("v128.bitselect");
  }
  if (kind !== "cos") {
    // keep the sign of zero: sin(-0) = tan(-0) = -0
    f.set(S);
    f.get(h).get(S).get(h).f64x2(0).op("f64x2.eq").op("v128.bitselect");
  }
  s.done(jf, r, big, z, S, C, odd);
}

const ERF_TAYLOR = Array.from({ length: 11 }, (_, i) => {
  const n = 10 - i;
  return ((n % 2 ? -1 : 1) * 2) / Math.sqrt(Math.PI) / (FACT(n) * (2 * n + 1));
});
const ERFC_NR = [0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223];

/** erf(u) for |u| < 0.5 by Taylor (pushes f64x2). */
function erfSmall(s: MathScope, u: number): void {
  const f = s.f;
  const z = s.v();
  f.get(u).get(u).op("f64x2.mul").set(z);
  f.get(u);
  s.polyF64(z, ERF_TAYLOR);
  f.op("f64x2.mul");
  s.done(z);
}

/** erfc(a) for a >= 0 (Numerical Recipes' erfcc: fractional error < 1.2e-7); pushes f64x2. */
function erfcPos(s: MathScope, a: number): void {
  const f = s.f;
  const t = s.v(), arg = s.v();
  f.f64x2(1).f64x2(1).get(a).f64x2(0.5).op("f64x2.mul").op("f64x2.add").op("f64x2.div").set(t);
  f.get(a).get(a).op("f64x2.mul").op("f64x2.neg");
  s.polyF64(t, ERFC_NR);
  f.op("f64x2.add").set(arg);
  f.get(t);
  exp64(s, arg);
  f.op("f64x2.mul");
  s.done(t, arg);
}

function erf64(s: MathScope, h: number): void {
  const f = s.f;
  const a = s.v(), large = s.v();
  f.get(h).op("f64x2.abs").set(a);
  f.f64x2(1);
  erfcPos(s, a);
  f.op("f64x2.sub").get(h).i32x4(-1, 0x7fffffff, -1, 0x7fffffff).op("v128.bitselect").set(large);
  f.get(large);
  erfSmall(s, h);
  f.get(a).f64x2(0.5).op("f64x2.ge").op("v128.bitselect");
  s.done(a, large);
}

function gelu64(s: MathScope, h: number): void {
  const f = s.f;
  const u = s.v(), a = s.v(), y = s.v(), big = s.v();
  f.get(h).f64x2(Math.SQRT1_2).op("f64x2.mul").set(u);
  f.get(u).op("f64x2.abs").set(a);
  erfcPos(s, a);
  f.set(y);
  // |u| >= 0.5: x >= 0 -> x*(1 - y/2), x < 0 -> x*y/2 (no cancellation)
  f.get(h).f64x2(1).get(y).f64x2(0.5).op("f64x2.mul").op("f64x2.sub").op("f64x2.mul");
  f.get(h).get(y).op("f64x2.mul").f64x2(0.5).op("f64x2.mul");
  f.get(h).f64x2(0).op("f64x2.ge").op("v128.bitselect").set(big);
  f.get(big);
  f.get(h).f64x2(0.5).op("f64x2.mul").f64x2(1);
  erfSmall(s, u);
  f.op("f64x2.add").op("f64x2.mul");
  f.get(a).f64x2(0.5).op("f64x2.ge").op("v128.bitselect");
  s.done(u, a, y, big);
}

function geluTanh64(s: MathScope, h: number): void {
  const f = s.f;
  const t = s.v();
  // x * sigmoid(2u), u = sqrt(2/pi) * (x + 0.044715 x^3)
  f.get(h).get(h).get(h).op("f64x2.mul").get(h).op("f64x2.mul").f64x2(0.044715).op("f64x2.mul").op("f64x2.add");
  f.f64x2(-2 * Math.sqrt(2 / Math.PI)).op("f64x2.mul").set(t);
  f.get(h).f64x2(1);
  exp64(s, t);
  f.op("f64x2.add").op("f64x2.div");
  s.done(t);
}

function pow64(s: MathScope, hx: number, hy: number): void {
  const f = s.f;
  const ax = s.v(), l = s.v(), res = s.v(), t = s.v();
  f.get(hx).op("f64x2.abs").set(ax);
  log64(s, ax);
  f.get(hy).op("f64x2.mul").set(l);
  exp64(s, l);
  f.set(res);
  // odd integer y and a negative (incl. -0) x: negate
  const odd = l;
  f.get(hy).op("f64x2.trunc").get(hy).op("f64x2.eq");
  f.get(hy).f64x2(0.5).op("f64x2.mul").op("f64x2.trunc").f64x2(2).op("f64x2.mul").get(hy).op("f64x2.ne").op("v128.and").set(odd);
  f.get(res).op("f64x2.neg").get(res).get(odd).get(hx).i32(63).op("i64x2.shr_s").op("v128.and").op("v128.bitselect").set(res);
  // finite x < 0 with a non-integer y: NaN
  f.f64x2(NaN).get(res);
  f.get(hx).f64x2(0).op("f64x2.lt").get(hx).f64x2(-Infinity).op("f64x2.gt").op("v128.and");
  f.get(hy).op("f64x2.trunc").get(hy).op("f64x2.ne").op("v128.and").op("v128.bitselect").set(res);
  // 1 when y == 0, x == 1, or |x| == 1 and y = ±inf
  f.get(hy).f64x2(0).op("f64x2.eq").get(hx).f64x2(1).op("f64x2.eq").op("v128.or");
  f.get(ax).f64x2(1).op("f64x2.eq").get(hy).op("f64x2.abs").f64x2(Infinity).op("f64x2.eq").op("v128.and").op("v128.or").set(t);
  f.f64x2(1).get(res).get(t).op("v128.bitselect");
  s.done(ax, l, res, t);
}

export type F64Math = "sin" | "cos" | "tan" | "erf" | "gelu" | "gelu_tanh" | "pow";

/** Evaluate fn on f32x4 local x (and y for pow) through two f64x2 halves; pushes the f32x4 result. */
export function emitViaF64(s: MathScope, fn: F64Math, x: number, y?: number): void {
  const [lo, hi] = split(s, x);
  const [ylo, yhi] = y !== undefined ? split(s, y) : [-1, -1];
  for (const [h, hy] of [[lo, ylo], [hi, yhi]] as [number, number][]) {
    switch (fn) {
      case "sin": case "cos": case "tan": trig64(s, fn, h); break;
      case "erf": erf64(s, h); break;
      case "gelu": gelu64(s, h); break;
      case "gelu_tanh": geluTanh64(s, h); break;
      case "pow": pow64(s, h, hy); break;
    }
  }
  join(s);
  s.done(lo, hi);
  if (y !== undefined) s.done(ylo, yhi);
}
