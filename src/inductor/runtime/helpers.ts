// inductor/runtime/helpers: the scalar helpers generated kernels call as H.* (the same functions the eager
// kernels use: erf, rint, floorDiv, ...; 16-bit float bit conversions from tensor/dtype).
// In: numbers. Out: numbers.

import { floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat } from "../../tensor/dtype.js";
import { band, bor, bxor, erf, floorDiv, remainder, rint } from "../../ops/kernels/pointwise_gen.js";

const F32 = new Float32Array(1), U32 = new Uint32Array(F32.buffer);

/** bfloat16 bits -> float (the upper half of a float32). */
function bf2f(bits: number): number { U32[0] = bits << 16; return F32[0]!; }
const rbf = (v: number): number => bf2f(floatToBfloat16Bits(v));
const rhf = (v: number): number => halfBitsToFloat(floatToHalfBits(v));
/** float -> int64 as eager casts (writeStorage): truncate, non-finite -> 0. */
const toInt = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);

export const H = Object.freeze({
  erf, rint, floorDiv, remainder, band, bor, bxor, toInt,
  bf2f, h2f: halfBitsToFloat, f2bf: floatToBfloat16Bits, f2h: floatToHalfBits, rbf, rhf,
});
export type Helpers = typeof H;
