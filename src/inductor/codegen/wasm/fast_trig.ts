// inductor/codegen/wasm/fast_trig: float32 sin/cos for fused kernels: Cody-Waite reduction by pi/2 (exact for
// |x| <= 8192), Cephes' minimax polynomials on [-pi/4, pi/4], quadrant from the low mantissa bits of
// x*2/pi + 1.5*2^23 (+1 for cos: cos x = sin(x + pi/2)). With relaxed SIMD (MathScope.fma) every multiply-add
// is one f32x4.relaxed_madd, the reduction takes two parts (x - j*fl(pi/2) is exact in one fused step) and the
// odd-quadrant choice is one i32x4.relaxed_laneselect (blendvps; the mask is all ones or zeros per lane, so
// the result is the same everywhere); without it, three float32 parts with exact products and differences.
// A vector with any lane beyond 8192 in magnitude, ±Inf or NaN calls the float64 path of src/wasm/math (0.5 ulp
// over the whole range), a helper function built once per module. Measured errors: docs/wasm.md
// (test/inductor/wasm_math.test.ts, both paths). In: a MathScope and the f32x4
// local x. Out: sin(x) or cos(x) pushed on the stack.

import type { FunctionBuilder } from "../../../wasm/emitter.js";
import { MathScope, emitUnary } from "../../../wasm/math.js";

const MAGIC = 12582912; // 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
/** pi/2 in three parts of at most 11 significant bits (j*P1, j*P2 exact for |j| < 2^13). */
const P1 = 1.5703125, P2 = 4.837512969970703125e-4, P3 = 7.54978995489188216e-8;
/** pi/2 in two float32 parts for the fused reduction: fl(pi/2) and fl(pi/2 - fl(pi/2)). */
const F1 = 1.5707963705062866, F2 = -4.371138828673793e-8;
const S = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1];
const C = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2];
export const FAST_TRIG_LIMIT = 8192;
const LIMIT_BITS = 0x46000000; // float32 bits of 8192

/**
 * The float64 path as a module helper `coil_<fn>_f64(v128) -> v128`: a call keeps its code, constants and
 * Payne-Hanek call out of the kernel's loop (TurboFan would otherwise hoist and spill its constants there).
 */
function slowPath(s: MathScope, fn: "sin" | "cos"): FunctionBuilder {
  return s.helper(`coil_${fn}_f64${s.fma ? "_fma" : ""}`, (m) => {
    const h = m.func(`coil_${fn}_f64`, ["v128"], ["v128"], { paramNames: ["x"] });
    emitUnary(new MathScope(m, h, { fma: s.fma }), fn, 0);
    return h;
  });
}

export function emitFastTrig(s: MathScope, fn: "sin" | "cos", x: number): void {
  const f = s.f;
  // |x| > 8192 on the bits (integer and + compare + movmsk: off the two FMA pipes the polynomials load):
  // lanes beyond the limit, ±Inf and NaN take the float64 path
  f.get(x).i32x4(0x7fffffff).op("v128.and").i32x4(LIMIT_BITS).op("i32x4.gt_s").op("i32x4.bitmask");
  f.if_("v128");
  f.get(x).call(slowPath(s, fn));
  f.else_();
  const t = s.v(), j = s.v(), r = s.v(), z = s.v(), sn = s.v(), w = s.v();
  // t = x*2/pi + M (+1 for cos): the quadrant in the low bits; j = the nearest integer to x*2/pi
  const m = fn === "cos" ? MAGIC + 1 : MAGIC;
  f.get(x); s.maddK(2 / Math.PI, m); f.set(t);
  f.get(t).f32x4(m).op("f32x4.sub").set(j);
  // r = x - j*pi/2
  const parts = s.fma ? [F1, F2] : [P1, P2, P3];
  parts.forEach((p, i) => { f.get(j); s.maddL(-p, i === 0 ? x : r); f.set(r); });
  f.get(r).get(r).op("f32x4.mul").set(z);
  // sin r = S(z) (r z) + r; cos r = C(z) z^2 + (1 - z/2): the products r z, z^2 and 1 - z/2 run beside
  // the Horner steps instead of after them
  f.get(r).get(z).op("f32x4.mul").set(w);
  s.polyF32(z, S);
  f.get(w); s.madd(() => f.get(r)); f.set(sn);
  f.get(z).get(z).op("f32x4.mul").set(w);
  s.polyF32(z, C);
  f.get(w); s.madd(() => { f.get(z); s.maddK(-0.5, 1); });
  // odd quadrant: the cos polynomial; bit 1 of the quadrant: negate
  f.get(sn);
  f.get(t).i32(31).op("i32x4.shl").i32(31).op("i32x4.shr_s");
  f.op(s.fma ? "i32x4.relaxed_laneselect" : "v128.bitselect");
  f.get(t).i32(1).op("i32x4.shr_u").i32(31).op("i32x4.shl").op("v128.xor");
  s.done(t, j, r, z, sn, w);
  f.end();
}
