// wasm/opcodes: the WebAssembly instruction table the emitter encodes (core MVP, 0xfc misc, 0xfd SIMD incl.
// relaxed SIMD, 0xfe atomics). In: nothing. Out: OPS (name -> prefix/opcode/immediate kind) and value-type codes.

/** Immediate kinds: none, memarg (align+offset), lane (one byte), memlane (memarg + lane). */
export type Imm = "none" | "mem" | "lane" | "memlane";
export interface OpInfo { prefix: number | null; code: number; imm: Imm; align?: number }

export const VALTYPE = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = keyof typeof VALTYPE;

const core = (code: number) => ({ prefix: null, code, imm: "none" as const });
const mem = (code: number, align: number) => ({ prefix: null, code, imm: "mem" as const, align });
function simd(code: number): { prefix: number; code: number; imm: "none" };
function simd<I extends Imm>(code: number, imm: I, align?: number): { prefix: number; code: number; imm: I; align?: number };
function simd(code: number, imm: Imm = "none", align?: number): OpInfo {
  return align === undefined ? { prefix: 0xfd, code, imm } : { prefix: 0xfd, code, imm, align };
}
const atomic = (code: number) => ({ prefix: 0xfe, code, imm: "mem" as const, align: 2 });

/** Every no-control instruction by its text-format name. Control, locals, consts, calls, shuffles have builder methods. */
export const OPS = {
  unreachable: core(0x00), nop: core(0x01), return: core(0x0f), drop: core(0x1a), select: core(0x1b),
  "i32.load": mem(0x28, 2), "i64.load": mem(0x29, 3), "f32.load": mem(0x2a, 2), "f64.load": mem(0x2b, 3),
  "i32.load8_s": mem(0x2c, 0), "i32.load8_u": mem(0x2d, 0), "i32.load16_s": mem(0x2e, 1), "i32.load16_u": mem(0x2f, 1),
  "i32.store": mem(0x36, 2), "i64.store": mem(0x37, 3), "f32.store": mem(0x38, 2), "f64.store": mem(0x39, 3),
  "i32.store8": mem(0x3a, 0), "i32.store16": mem(0x3b, 1),
  "i32.eqz": core(0x45), "i32.eq": core(0x46), "i32.ne": core(0x47), "i32.lt_s": core(0x48), "i32.lt_u": core(0x49),
  "i32.gt_s": core(0x4a), "i32.gt_u": core(0x4b), "i32.le_s": core(0x4c), "i32.le_u": core(0x4d), "i32.ge_s": core(0x4e), "i32.ge_u": core(0x4f),
  "f32.eq": core(0x5b), "f32.ne": core(0x5c), "f32.lt": core(0x5d), "f32.gt": core(0x5e), "f32.le": core(0x5f), "f32.ge": core(0x60),
  "f64.eq": core(0x61), "f64.ne": core(0x62), "f64.lt": core(0x63), "f64.gt": core(0x64), "f64.le": core(0x65), "f64.ge": core(0x66),
  "i32.clz": core(0x67), "i32.ctz": core(0x68), "i32.popcnt": core(0x69), "i32.add": core(0x6a), "i32.sub": core(0x6b), "i32.mul": core(0x6c),
  "i32.div_s": core(0x6d), "i32.div_u": core(0x6e), "i32.rem_s": core(0x6f), "i32.rem_u": core(0x70), "i32.and": core(0x71), "i32.or": core(0x72),
  "i32.xor": core(0x73), "i32.shl": core(0x74), "i32.shr_s": core(0x75), "i32.shr_u": core(0x76), "i32.rotl": core(0x77), "i32.rotr": core(0x78),
  "i64.add": core(0x7c), "i64.sub": core(0x7d), "i64.mul": core(0x7e), "i64.and": core(0x83), "i64.or": core(0x84),
  "i64.shl": core(0x86), "i64.shr_s": core(0x87), "i64.shr_u": core(0x88),
  "f32.abs": core(0x8b), "f32.neg": core(0x8c), "f32.ceil": core(0x8d), "f32.floor": core(0x8e), "f32.trunc": core(0x8f), "f32.nearest": core(0x90),
  "f32.sqrt": core(0x91), "f32.add": core(0x92), "f32.sub": core(0x93), "f32.mul": core(0x94), "f32.div": core(0x95), "f32.min": core(0x96),
  "f32.max": core(0x97), "f32.copysign": core(0x98),
  "f64.abs": core(0x99), "f64.neg": core(0x9a), "f64.ceil": core(0x9b), "f64.floor": core(0x9c), "f64.trunc": core(0x9d), "f64.nearest": core(0x9e),
  "f64.sqrt": core(0x9f), "f64.add": core(0xa0), "f64.sub": core(0xa1), "f64.mul": core(0xa2), "f64.div": core(0xa3), "f64.min": core(0xa4), "f64.max": core(0xa5),
  "i32.wrap_i64": core(0xa7), "i32.trunc_f32_s": core(0xa8), "i32.trunc_f64_s": core(0xaa), "i64.extend_i32_s": core(0xac), "i64.extend_i32_u": core(0xad),
  "f32.convert_i32_s": core(0xb2), "f32.convert_i32_u": core(0xb3), "f32.demote_f64": core(0xb6), "f64.convert_i32_s": core(0xb7), "f64.convert_i64_s": core(0xb9),
  "f64.promote_f32": core(0xbb), "i32.reinterpret_f32": core(0xbc), "f32.reinterpret_i32": core(0xbe),
  // SIMD (0xfd prefix)
  "v128.load": simd(0x00, "mem", 4), "v128.load32_splat": simd(0x09, "mem", 2), "v128.load64_splat": simd(0x0a, "mem", 3),
  "v128.store": simd(0x0b, "mem", 4), "i8x16.swizzle": simd(0x0e),
  "v128.load16x4_u": simd(0x04, "mem", 3), "v128.load16_splat": simd(0x08, "mem", 1),
  "v128.load16_lane": simd(0x55, "memlane", 1), "v128.store16_lane": simd(0x59, "memlane", 1), "v128.store64_lane": simd(0x5b, "memlane", 3),
  "i16x8.narrow_i32x4_u": simd(0x86), "i32x4.extend_low_i16x8_u": simd(0xa9),
  "i8x16.splat": simd(0x0f), "i16x8.splat": simd(0x10), "i32x4.splat": simd(0x11), "i64x2.splat": simd(0x12), "f32x4.splat": simd(0x13), "f64x2.splat": simd(0x14),
  "i32x4.extract_lane": simd(0x1b, "lane"), "i32x4.replace_lane": simd(0x1c, "lane"),
  "f32x4.extract_lane": simd(0x1f, "lane"), "f32x4.replace_lane": simd(0x20, "lane"),
  "i32x4.eq": simd(0x37), "i32x4.ne": simd(0x38), "i32x4.lt_s": simd(0x39), "i32x4.lt_u": simd(0x3a), "i32x4.gt_s": simd(0x3b), "i32x4.gt_u": simd(0x3c),
  "i32x4.le_s": simd(0x3d), "i32x4.le_u": simd(0x3e), "i32x4.ge_s": simd(0x3f), "i32x4.ge_u": simd(0x40),
  "f32x4.eq": simd(0x41), "f32x4.ne": simd(0x42), "f32x4.lt": simd(0x43), "f32x4.gt": simd(0x44), "f32x4.le": simd(0x45), "f32x4.ge": simd(0x46),
  "v128.not": simd(0x4d), "v128.and": simd(0x4e), "v128.andnot": simd(0x4f), "v128.or": simd(0x50), "v128.xor": simd(0x51), "v128.bitselect": simd(0x52),
  "v128.any_true": simd(0x53),
  "v128.load32_lane": simd(0x56, "memlane", 2), "v128.store32_lane": simd(0x5a, "memlane", 2), "v128.load32_zero": simd(0x5c, "mem", 2), "v128.load64_zero": simd(0x5d, "mem", 3),
  "f32x4.ceil": simd(0x67), "f32x4.floor": simd(0x68), "f32x4.trunc": simd(0x69), "f32x4.nearest": simd(0x6a),
  "i32x4.abs": simd(0xa0), "i32x4.neg": simd(0xa1), "i32x4.all_true": simd(0xa3), "i32x4.bitmask": simd(0xa4),
  "i32x4.shl": simd(0xab), "i32x4.shr_s": simd(0xac), "i32x4.shr_u": simd(0xad), "i32x4.add": simd(0xae), "i32x4.sub": simd(0xb1), "i32x4.mul": simd(0xb5),
  "i32x4.min_s": simd(0xb6), "i32x4.min_u": simd(0xb7), "i32x4.max_s": simd(0xb8), "i32x4.max_u": simd(0xb9),
  "f32x4.abs": simd(0xe0), "f32x4.neg": simd(0xe1), "f32x4.sqrt": simd(0xe3), "f32x4.add": simd(0xe4), "f32x4.sub": simd(0xe5), "f32x4.mul": simd(0xe6),
  "f32x4.div": simd(0xe7), "f32x4.min": simd(0xe8), "f32x4.max": simd(0xe9), "f32x4.pmin": simd(0xea), "f32x4.pmax": simd(0xeb),
  "f64x2.extract_lane": simd(0x21, "lane"), "f64x2.replace_lane": simd(0x22, "lane"),
  "f64x2.eq": simd(0x47), "f64x2.ne": simd(0x48), "f64x2.lt": simd(0x49), "f64x2.gt": simd(0x4a), "f64x2.le": simd(0x4b), "f64x2.ge": simd(0x4c),
  "f32x4.demote_f64x2_zero": simd(0x5e), "f64x2.promote_low_f32x4": simd(0x5f),
  "f64x2.ceil": simd(0x74), "f64x2.floor": simd(0x75), "f64x2.trunc": simd(0x7a), "f64x2.nearest": simd(0x94),
  "i64x2.shl": simd(0xcb), "i64x2.shr_s": simd(0xcc), "i64x2.shr_u": simd(0xcd), "i64x2.add": simd(0xce), "i64x2.sub": simd(0xd1),
  "f64x2.abs": simd(0xec), "f64x2.neg": simd(0xed), "f64x2.sqrt": simd(0xef), "f64x2.add": simd(0xf0), "f64x2.sub": simd(0xf1),
  "f64x2.mul": simd(0xf2), "f64x2.div": simd(0xf3), "f64x2.min": simd(0xf4), "f64x2.max": simd(0xf5),
  "i32x4.trunc_sat_f64x2_s_zero": simd(0xfc), "f64x2.convert_low_i32x4_s": simd(0xfe),
  "i32x4.trunc_sat_f32x4_s": simd(0xf8), "i32x4.trunc_sat_f32x4_u": simd(0xf9), "f32x4.convert_i32x4_s": simd(0xfa), "f32x4.convert_i32x4_u": simd(0xfb),
  // relaxed SIMD (needs the feature; see features.ts)
  "f32x4.relaxed_madd": simd(0x105), "f32x4.relaxed_nmadd": simd(0x106), "f32x4.relaxed_min": simd(0x10d), "f32x4.relaxed_max": simd(0x10e),
  "i32x4.relaxed_laneselect": simd(0x10b), // 0x10c is i64x2.relaxed_laneselect
  // atomics (0xfe prefix)
  "memory.atomic.notify": atomic(0x00), "memory.atomic.wait32": atomic(0x01),
  "i32.atomic.load": atomic(0x10), "i32.atomic.store": atomic(0x17), "i32.atomic.rmw.add": atomic(0x1e),
} satisfies Record<string, OpInfo>;

export type OpName = keyof typeof OPS;
/** Ops that take no immediate (callable as f.op(name)). */
export type PlainOp = { [K in OpName]: (typeof OPS)[K]["imm"] extends "none" ? K : never }[OpName];
/** Ops that take a memarg (callable as f.mem(name, offset)). */
export type MemOp = { [K in OpName]: (typeof OPS)[K]["imm"] extends "mem" ? K : never }[OpName];
/** Ops that take a lane index (callable as f.lane(name, i)). */
export type LaneOp = { [K in OpName]: (typeof OPS)[K]["imm"] extends "lane" ? K : never }[OpName];
export type MemLaneOp = { [K in OpName]: (typeof OPS)[K]["imm"] extends "memlane" ? K : never }[OpName];
