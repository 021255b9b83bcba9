// inductor/ir/ops: the virtual ops handler (Inductor's V.ops). Inner functions of Pointwise and Reduction
// nodes are written against this interface only, so one inner function can be printed (for logs),
// analysed (which buffers it reads at which index) or code-generated (JavaScript today, WebAssembly next).
// In: nothing (interface and the math-op vocabulary). Out: OpsHandler, Loader, MATH_OPS and a printer.

import type { DType } from "../../tensor/dtype.js";
import { printExpr, sym, type Expr } from "./indexing.js";

/** A value produced by a handler: an opaque handle (a temporary's name in codegen, a string when printing). */
export type OpsValue = unknown;

/**
 * Every math op an inner function may call. The name is the aten op whose eager scalar formula it
 * follows (same arithmetic, so compiled results equal eager). `params` are per-op scalar constants.
 */
export const MATH_OPS = {
  // unary
  neg: 1, abs: 1, exp: 1, exp2: 1, log: 1, log2: 1, log1p: 1, expm1: 1, sin: 1, cos: 1, tan: 1, tanh: 1,
  sigmoid: 1, sqrt: 1, rsqrt: 1, reciprocal: 1, erf: 1, relu: 1, gelu: 1, gelu_tanh: 1, silu: 1, floor: 1, ceil: 1,
  round: 1, trunc: 1, sign: 1, logical_not: 1, isnan: 1, isinf: 1, square: 1,
  clamp: 1, /* params [min, max] */
  // binary
  add: 2, sub: 2, add_alpha: 2, sub_alpha: 2, /* params [alpha] */ mul: 2, div: 2, div_floor_float: 2, div_floor_int: 2, div_trunc: 2,
  pow: 2, remainder: 2, fmod: 2, maximum: 2, minimum: 2, atan2: 2,
  eq: 2, ne: 2, lt: 2, le: 2, gt: 2, ge: 2, logical_and: 2, logical_or: 2, logical_xor: 2,
  bitwise_and: 2, bitwise_or: 2, bitwise_xor: 2,
  threshold_backward: 2, /* params [threshold] */
  sigmoid_backward: 2, tanh_backward: 2, gelu_backward: 2, gelu_tanh_backward: 2, silu_backward: 2,
  hardtanh_backward: 2, /* params [min, max] */
  // ternary
  where: 3,
} as const;
export type MathOp = keyof typeof MATH_OPS;

export interface OpsHandler {
  /** Read buffer `name` at flat element index `index` (its dtype is the buffer's). */
  load(name: string, index: Expr): OpsValue;
  constant(value: number, dtype: DType): OpsValue;
  /** An index expression as a value (iota, arange, masks). */
  indexExpr(index: Expr, dtype: DType): OpsValue;
  /** Convert with PyTorch's cast rules (float -> int truncates, -> bool is != 0, rounding to float32/half). */
  toDtype(x: OpsValue, dtype: DType): OpsValue;
  /** Apply a math op; `dtype` is the result's dtype (operands are already in the compute dtype). */
  op(name: MathOp, args: readonly OpsValue[], dtype: DType, params?: readonly number[]): OpsValue;
  /**
   * Inductor's `ops.indirect_indexing`: an index variable holding the (integer) value `x`, checked to lie in
   * [0, size) (after wrapping negatives when `check.wrapNegative`); out of range throws naming `check.op`.
   * The returned Expr may be used in a `load` index. Optional: a backend without it cannot generate
   * kernels that gather (callers use `indirectIndexing()` below).
   */
  indirectIndexing?(x: OpsValue, size: number, check: IndirectCheck): Expr;
  /**
   * Inductor's `ops.masked`: `body()` where `mask` holds, else `other`; the body's loads run only where
   * the mask holds (a read out of a buffer's range never happens). Optional: `masked()` below falls back
   * to `where(mask, body(), other)`, which evaluates the body everywhere.
   */
  masked?(mask: OpsValue, body: () => OpsValue, other: number, dtype: DType): OpsValue;
}

/** What an indirect index is checked against, for the error message (as the eager kernel words it). */
export interface IndirectCheck { op: string; dim: number; wrapNegative: boolean }

/** ops.indirect_indexing through any handler (throws naming the op when the handler has none). */
export function indirectIndexing(ops: OpsHandler, x: OpsValue, size: number, check: IndirectCheck): Expr {
  if (!ops.indirectIndexing) throw new Error(`inductor: ${check.op}: this kernel backend has no indirect indexing`);
  return ops.indirectIndexing(x, size, check);
}

/** ops.masked through any handler (a `where` when the handler has no masked scope). */
export function masked(ops: OpsHandler, mask: OpsValue, body: () => OpsValue, other: number, dtype: DType): OpsValue {
  if (ops.masked) return ops.masked(mask, body, other, dtype);
  return ops.op("where", [mask, body(), ops.constant(other, dtype)], dtype);
}

/** Reads a node's value at an index: the inner function of a Pointwise, or any node's loader. */
export type Loader = (ops: OpsHandler, index: readonly Expr[]) => OpsValue;
/** Inner function of a Reduction: value at (output index, reduction index). */
export type ReductionLoader = (ops: OpsHandler, index: readonly Expr[], rindex: readonly Expr[]) => OpsValue;

export const pyPrint = { fdiv: (a: string, d: number) => `(${a}) // ${d}`, fmod: (a: string, d: number) => `(${a}) % ${d}` };

/** A handler that renders an inner function as readable text, e.g. `cos(load(buf0, x0))`. */
export class PrintHandler implements OpsHandler {
  load(name: string, index: Expr): string { return `load(${name}, ${printExpr(index, pyPrint)})`; }
  constant(value: number, dtype: DType): string { return `constant(${value}, ${dtype.name})`; }
  indexExpr(index: Expr, dtype: DType): string { return `index_expr(${printExpr(index, pyPrint)}, ${dtype.name})`; }
  toDtype(x: OpsValue, dtype: DType): string { return `to_dtype(${String(x)}, ${dtype.name})`; }
  op(name: MathOp, args: readonly OpsValue[], _dtype: DType, params?: readonly number[]): string {
    const ps = params?.length ? `, params=[${params.join(", ")}]` : "";
    return `${name}(${args.map(String).join(", ")}${ps})`;
  }
  indirectIndexing(x: OpsValue, size: number): Expr { return sym(`indirect(${String(x)}, ${size})`); }
  masked(mask: OpsValue, body: () => OpsValue, other: number): string { return `masked(${String(mask)}, ${String(body())}, ${other})`; }
}

/** Records every load (buffer name and index) an inner function makes; values are dummies. */
export class ReadsRecorder implements OpsHandler {
  readonly reads: { name: string; index: Expr }[] = [];
  /** Number of math ops and conversions (0 for a pure load or constant). */
  ops = 0;
  load(name: string, index: Expr): OpsValue { this.reads.push({ name, index }); return 0; }
  constant(): OpsValue { return 0; }
  indexExpr(): OpsValue { this.ops++; return 0; }
  toDtype(x: OpsValue): OpsValue { this.ops++; return x; }
  op(): OpsValue { this.ops++; return 0; }
  private indirect = 0;
  /** A fresh variable per indirect index: a read through it never matches a plain store index. */
  indirectIndexing(): Expr { this.ops++; return sym(`indirect${this.indirect++}`); }
}
