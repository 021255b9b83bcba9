// inductor/codegen/wasm/half: bfloat16 and float16 conversions in f32x4/i32x4 registers, for kernels that
// load or store 2-byte float buffers and compute in float32 (as Inductor does). Each emitter reads a v128
// local and leaves its result on the stack. The results equal src/tensor/dtype.ts's scalar conversions bit
// for bit (round to nearest even, NaN stays NaN, overflow to ±Inf, float16 subnormals exact); tested over
// sweeps of float32 bit patterns in test/inductor/wasm_codegen.test.ts.
// In: a FunctionBuilder, a MathScope (temporaries) and the v128 local holding the input. Out: emitted code.

import type { FunctionBuilder } from "../../../wasm/emitter.js";
import type { MathScope } from "../../../wasm/math.js";

export type HalfKind = "bfloat16" | "float16";

/** i32x4 lanes holding zero-extended 16-bit patterns in `h` -> the float32 values (exact). */
export function emitHalfToF32(f: FunctionBuilder, s: MathScope, kind: HalfKind, h: number): void {
  if (kind === "bfloat16") { f.get(h).i32(16).op("i32x4.shl"); return; }
  // float16: em = h & 0x7fff shifted to a float32's exponent/mantissa position; times 2^112 rebiases the
  // exponent (15 -> 127) and makes subnormal halves (a float32 denormal times 2^112) exact normals
  const t = s.v(), em = s.v();
  f.get(h).i32x4(0x7fff).op("v128.and").set(em);
  f.get(em).i32(13).op("i32x4.shl").set(t);
  // Inf/NaN (exponent 31): keep the mantissa, set the float32 exponent to 255
  f.get(t).i32x4(0x7f800000).op("v128.or");
  f.get(t).f32x4(2 ** 112).op("f32x4.mul");
  f.get(em).i32x4(0x7bff).op("i32x4.gt_s");
  f.op("v128.bitselect");
  f.get(h).i32x4(0x8000).op("v128.and").i32(16).op("i32x4.shl").op("v128.or");
  s.done(em); s.done(t);
}

/** float32 lanes in `x` -> i32x4 lanes holding the 16-bit patterns (upper halves zero), rounded to nearest even. */
export function emitF32ToHalfBits(f: FunctionBuilder, s: MathScope, kind: HalfKind, x: number): void {
  if (kind === "bfloat16") {
    // NaN: the upper half with the quiet bit set; else (bits + 0x7fff + lsb) >> 16
    f.get(x).i32(16).op("i32x4.shr_u").i32x4(0x40).op("v128.or");
    f.get(x).i32x4(0x7fff).op("i32x4.add");
    f.get(x).i32(16).op("i32x4.shr_u").i32x4(1).op("v128.and").op("i32x4.add").i32(16).op("i32x4.shr_u");
    f.get(x).get(x).op("f32x4.ne").op("v128.bitselect");
    return;
  }
  // float16 (the FP16 library's branch-free conversion): the float adder rounds to nearest even. base =
  // |x| * 2^112 * 2^-110 (overflows to Inf above the half range), plus a power of two that aligns the
  // half's mantissa lsb with the float32's (at least 2^-14 * 2^...: subnormal halves); the sum's bits hold
  // the half's exponent and mantissa.
  const base = s.v(), bias = s.v();
  f.get(x).op("f32x4.abs").f32x4(2 ** 112).op("f32x4.mul").f32x4(2 ** -110).op("f32x4.mul").set(base);
  f.get(x).get(x).op("i32x4.add").i32x4(0xff000000).op("v128.and").i32x4(0x71000000).op("i32x4.max_u").set(bias);
  f.get(bias).i32(1).op("i32x4.shr_u").i32x4(0x07800000).op("i32x4.add").get(base).op("f32x4.add").set(base);
  // nonsign = ((bits >> 13) & 0x7c00) + (bits & 0x0fff); NaN -> 0x7e00
  f.i32x4(0x7e00);
  f.get(base).i32(13).op("i32x4.shr_u").i32x4(0x7c00).op("v128.and");
  f.get(base).i32x4(0x0fff).op("v128.and").op("i32x4.add");
  f.get(x).get(x).op("f32x4.ne").op("v128.bitselect");
  f.get(x).i32(16).op("i32x4.shr_u").i32x4(0x8000).op("v128.and").op("v128.or");
  s.done(bias); s.done(base);
}

/**
 * float32 lanes in `x` -> the same values rounded to bfloat16/float16 precision, as float32 lanes (a
 * rounded value is stored with emitExactF32ToHalfBits: for bfloat16 one shift, NaN included).
 */
export function emitRoundToHalf(f: FunctionBuilder, s: MathScope, kind: HalfKind, x: number): void {
  if (kind === "bfloat16") {
    // NaN: x with its quiet bit set (so its upper half alone is a NaN too); else (bits + 0x7fff + lsb)
    // with the low half cleared
    f.get(x).i32x4(0x00400000).op("v128.or");
    f.get(x).i32x4(0x7fff).op("i32x4.add");
    f.get(x).i32(16).op("i32x4.shr_u").i32x4(1).op("v128.and").op("i32x4.add").i32x4(0xffff0000).op("v128.and");
    f.get(x).get(x).op("f32x4.ne").op("v128.bitselect");
    return;
  }
  // float16, in the float domain: (x + c) - c with c = ±2^(e + 13) (e: x's exponent, at least -14, the
  // subnormal halves' fixed exponent, at most 16) rounds x to 11 significant bits (or to a multiple of
  // 2^-24) by the adder's round to nearest even; the sign is or-ed back (-0, and negatives rounding to 0);
  // magnitudes past 65504 (65520 rounds up to 65536) become ±Inf; NaN and ±Inf pass through
  const sign = s.v(), c = s.v(), r = s.v();
  f.get(x).i32x4(0x80000000).op("v128.and").set(sign);
  f.get(x).i32x4(0x7f800000).op("v128.and").i32x4(113 << 23).op("i32x4.max_s").i32x4(143 << 23).op("i32x4.min_s");
  f.i32x4(13 << 23).op("i32x4.add").get(sign).op("v128.or").set(c);
  f.get(x).get(c).op("f32x4.add").get(c).op("f32x4.sub").get(sign).op("v128.or").set(r);
  f.get(sign).i32x4(0x7f800000).op("v128.or").get(r);
  f.get(r).op("f32x4.abs").f32x4(65504).op("f32x4.gt").op("v128.bitselect");
  s.done(r, c, sign);
}

/** float32 lanes in `x` holding float16 values exactly (NaN, ±Inf included) -> their 16-bit patterns. */
export function emitExactF32ToHalfBits(f: FunctionBuilder, kind: HalfKind, x: number): void {
  if (kind === "bfloat16") { f.get(x).i32(16).op("i32x4.shr_u"); return; }
  // times 2^-112 moves the exponent bias from 127 to 15 (exact: subnormal halves become float32
  // denormals; Inf and NaN stay), so the half's exponent and mantissa are bits 13..27
  f.get(x).f32x4(2 ** -112).op("f32x4.mul").i32(13).op("i32x4.shr_u").i32x4(0x7fff).op("v128.and");
  f.get(x).i32(16).op("i32x4.shr_u").i32x4(0x8000).op("v128.and").op("v128.or");
}
