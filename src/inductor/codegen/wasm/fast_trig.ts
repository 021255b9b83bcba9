// inductor/codegen/wasm/fast_trig: float32 sin/cos for fused kernels: Cody-Waite reduction by pi/2 in three
// float32 parts (exact for |x| <= 8192: the quotient has at most 13 bits and each part at most 11), Cephes'
// minimax polynomials on [-pi/4, pi/4], quadrant from the low mantissa bits of x*2/pi + 1.5*2^23. A vector
// with any lane beyond 8192 (or NaN/Inf) takes the float64 path of src/wasm/math (0.5 ulp over the whole
// range). Measured error of the fast path: see docs/wasm-codegen.md (test/inductor/wasm_math.test.ts).
// In: a MathScope and the f32x4 local x. Out: sin(x) or cos(x) pushed on the stack.

import { MathScope, emitUnary } from "../../../wasm/math.js";

const MAGIC = 12582912; // 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
const P1 = 1.5703125, P2 = 4.837512969970703125e-4, P3 = 7.54978995489188216e-8;
const S = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1];
const C = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2];
export const FAST_TRIG_LIMIT = 8192;

export function emitFastTrig(s: MathScope, fn: "sin" | "cos", x: number): void {
  const f = s.f;
  f.get(x).op("f32x4.abs").f32x4(FAST_TRIG_LIMIT).op("f32x4.le").op("i32x4.all_true");
  f.if_("v128");
  const t = s.v(), j = s.v(), r = s.v(), z = s.v(), sn = s.v(), q = s.v();
  f.get(x).f32x4(2 / Math.PI).op("f32x4.mul").f32x4(MAGIC).op("f32x4.add").set(t);
  f.get(t).f32x4(MAGIC).op("f32x4.sub").set(j);
  f.get(x).get(j).f32x4(P1).op("f32x4.mul").op("f32x4.sub").get(j).f32x4(P2).op("f32x4.mul").op("f32x4.sub")
    .get(j).f32x4(P3).op("f32x4.mul").op("f32x4.sub").set(r);
  f.get(r).get(r).op("f32x4.mul").set(z);
  // sin r = r + r z (S3 + z (S2 + z S1)); cos r = 1 - z/2 + z^2 (C3 + z (C2 + z C1))
  s.polyF32(z, S);
  f.get(z).op("f32x4.mul").get(r).op("f32x4.mul").get(r).op("f32x4.add").set(sn);
  s.polyF32(z, C);
  f.get(z).op("f32x4.mul").get(z).op("f32x4.mul").f32x4(1).get(z).f32x4(0.5).op("f32x4.mul").op("f32x4.sub").op("f32x4.add");
  // quadrant (cos x = sin(x + pi/2)): odd -> the cos polynomial, bit 1 -> negate
  f.get(t).i32x4(fn === "cos" ? 1 : 0).op("i32x4.add").set(q);
  f.get(sn);
  f.get(q).i32(31).op("i32x4.shl").i32(31).op("i32x4.shr_s");
  f.op("v128.bitselect"); // (cos poly, sin poly, odd mask) -> chosen
  f.get(q).i32(30).op("i32x4.shl").i32x4(0x80000000 | 0).op("v128.and").op("v128.xor");
  s.done(t, j, r, z, sn, q);
  f.else_();
  emitUnary(s, fn, x);
  f.end();
}
