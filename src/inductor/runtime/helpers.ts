// inductor/runtime/helpers: the scalar helpers generated kernels call as H.* (the same functions the eager
// kernels use: erf, rint, floorDiv, ...; 16-bit float bit conversions from tensor/dtype), and erfn, a fast
// float64 erf for results rounded to float32 or narrower (a table of eager's erf at k/64 plus a degree-9
// Taylor step whose coefficients come from Hermite polynomials). In: numbers. Out: numbers.

import { floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat } from "../../tensor/dtype.js";
import { band, bor, bxor, erf, floorDiv, remainder, rint } from "../../ops/kernels/pointwise_gen.js";

const F32 = new Float32Array(1), U32 = new Uint32Array(F32.buffer);

/** bfloat16 bits -> float (the upper half of a float32). */
function bf2f(bits: number): number { U32[0] = bits << 16; return F32[0]!; }
const rbf = (v: number): number => bf2f(floatToBfloat16Bits(v));
const rhf = (v: number): number => halfBitsToFloat(floatToHalfBits(v));
/** float -> int64 as eager casts (writeStorage): truncate, non-finite -> 0. */
const toInt = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);

// erf(x0 + h) = erf(x0) + (2/sqrt(pi)) e^(-x0^2) sum_{m>=0} (-1)^m H_m(x0) h^(m+1) / (m+1)!, H_m the physicists'
// Hermite polynomials; nodes x0 = k/64 on [0, 6] (|h| <= 1/128), terms up to h^DEG: the truncation error is
// below 1e-20, far under float64's rounding, so values rounded to float32 equal eager's (a series) there.
const STEP = 64, NODES = 6 * STEP + 1, DEG = 9;
const ERF_TABLE = (() => {
  const t = new Float64Array(NODES * (DEG + 1));
  for (let k = 0; k < NODES; k++) {
    const x0 = k / STEP, e = (2 / Math.sqrt(Math.PI)) * Math.exp(-x0 * x0);
    t[k * (DEG + 1)] = erf(x0);
    let hPrev = 0, hCur = 1, fact = 1; // H_{m-1}, H_m, (m+1)!
    for (let m = 0; m < DEG; m++) {
      fact *= m + 1;
      t[k * (DEG + 1) + 1 + m] = ((m % 2 ? -1 : 1) * hCur * e) / fact;
      const next = 2 * x0 * hCur - 2 * m * hPrev;
      hPrev = hCur; hCur = next;
    }
  }
  return t;
})();

/** erf accurate to a few float64 ulps (for values rounded to float32 or narrower); eager's erf at +-6 and beyond. */
function erfn(x: number): number {
  if (x !== x) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  const k = Math.round(ax * STEP), h = ax - k / STEP, o = k * (DEG + 1);
  const c = ERF_TABLE;
  let p = c[o + 9]!;
  p = p * h + c[o + 8]!; p = p * h + c[o + 7]!; p = p * h + c[o + 6]!; p = p * h + c[o + 5]!;
  p = p * h + c[o + 4]!; p = p * h + c[o + 3]!; p = p * h + c[o + 2]!; p = p * h + c[o + 1]!;
  const r = c[o]! + p * h;
  return x < 0 ? -r : r;
}

export const H = Object.freeze({
  erf, erfn, rint, floorDiv, remainder, band, bor, bxor, toInt,
  bf2f, h2f: halfBitsToFloat, f2bf: floatToBfloat16Bits, f2h: floatToHalfBits, rbf, rhf,
});
export type Helpers = typeof H;
