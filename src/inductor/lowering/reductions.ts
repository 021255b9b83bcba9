// inductor/lowering/reductions: reductions over dims (sum, mean, prod, amax/amin, max/min(.dim), argmax/
// argmin, var/std) as Reduction nodes (Inductor's make_reduction). A Reduction is always realized into a
// buffer; keepdim is a view. Accumulation is in float64 like eager; the store rounds to the result dtype.
// In: TensorBoxes, dims, keepdim, dtype. Out: realized TensorBoxes (plus Pointwise epilogues for mean/var).

import { dtypeOf, float64, int64, type DType, type DTypeName } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import type { Expr } from "../ir/indexing.js";
import { Pointwise, Reduction, type ReductionType } from "../ir/nodes.js";
import { StorageBox, TensorBox } from "../ir/tensor_box.js";
import { unsqueeze } from "../ir/views.js";
import { box, dimList, fallback, lower, realizeIfExpensive, viewBox } from "./common.js";

/** Full index of x from the kept (index) and reduced (rindex) parts. */
function mergeIndex(ndim: number, dims: readonly number[], idx: readonly Expr[], ridx: readonly Expr[]): Expr[] {
  const out: Expr[] = [];
  let i = 0, r = 0;
  for (let d = 0; d < ndim; d++) out.push(dims.includes(d) ? ridx[r++]! : idx[i++]!);
  return out;
}

/** Add the reduced dims back as size-1 views. */
export function keepDims(x: TensorBox, dims: readonly number[]): TensorBox {
  let v: TensorBox = x;
  for (const d of dims) v = viewBox(unsqueeze(v, d));
  return v;
}

/**
 * make_reduction: reduce `value(fullIndex)` (default: x's values) over `dims` of x's shape into a new
 * realized buffer of `dtype`. Returns the buffer without the reduced dims.
 */
export function makeReduction(x: TensorBox, dims: readonly number[], type: ReductionType, dtype: DType,
  value?: (ops: Parameters<Reduction["inner"]>[0], full: Expr[]) => unknown): TensorBox {
  const size = x.getSize(), nd = size.length;
  const ranges = size.filter((_, d) => !dims.includes(d));
  const rranges = size.filter((_, d) => dims.includes(d));
  const load = x.makeLoader();
  const read = value ?? ((ops, full) => load(ops, full));
  const red = new Reduction(x.getDevice(), dtype, x.getDtype(), ranges, rranges, type, (ops, idx, ridx) => read(ops, mergeIndex(nd, dims, idx, ridx)));
  const sb = new StorageBox(red);
  sb.realize();
  return new TensorBox(sb);
}

/** A Pointwise over `like`'s size computing f(values of the inputs), with inputs read in their dtypes. */
function epilogue(like: TensorBox, dtype: DType, inputs: TensorBox[], f: (ops: Parameters<Reduction["inner"]>[0], vals: unknown[]) => unknown): TensorBox {
  const loads = inputs.map((t) => t.makeLoader());
  return box(new Pointwise(like.getDevice(), dtype, like.getSize(), (ops, idx) => f(ops, loads.map((l) => l(ops, idx)))));
}

function sumDtype(x: TensorBox, dtype: unknown): DType {
  if (dtype !== null && dtype !== undefined) return dtypeOf(dtype as DType | DTypeName);
  return x.getDtype().isFloatingPoint ? x.getDtype() : int64;
}

function reduceTo(x: TensorBox, dimsArg: unknown, keepdim: boolean, type: ReductionType, dtype: DType, op: string): TensorBox {
  const dims = dimList(dimsArg as number[] | null, x.getSize().length, op);
  const r = makeReduction(x, dims, type, dtype);
  return keepdim ? keepDims(r, dims) : r;
}

lower(aten.sum.default, (a) => reduceTo(a.self, null, false, "sum", sumDtype(a.self, a.dtype), "sum"));
lower(aten.sum.dim_IntList, (a) => reduceTo(a.self, a.dim, a.keepdim, "sum", sumDtype(a.self, a.dtype), "sum"));
lower(aten.prod.default, (a) => reduceTo(a.self, null, false, "prod", sumDtype(a.self, a.dtype), "prod"));
lower(aten.prod.dim_int, (a) => reduceTo(a.self, [a.dim], a.keepdim, "prod", sumDtype(a.self, a.dtype), "prod"));
for (const [op, t] of [[aten.amax.default, "max"], [aten.amin.default, "min"]] as const) {
  lower(op, (a) => reduceTo(a.self, a.dim, a.keepdim, t, (a.self as TensorBox).getDtype(), op.qualname));
}
for (const [op, t] of [[aten.max.default, "max"], [aten.min.default, "min"]] as const) {
  lower(op, (a) => reduceTo(a.self, null, false, t, (a.self as TensorBox).getDtype(), op.qualname));
}
for (const [op, t] of [[aten.argmax.default, "argmax"], [aten.argmin.default, "argmin"]] as const) {
  lower(op, (a, o) => {
    const x = a.self as TensorBox;
    if (a.dim === null) {
      const flat = x.getSize().length ? [...Array(x.getSize().length).keys()] : [];
      if (flat.length > 1) return fallback(o, a); // argmax of the flattened tensor: its eager kernel
      return reduceTo(x, flat, false, t, int64, op.qualname);
    }
    return reduceTo(x, [a.dim], a.keepdim, t, int64, op.qualname);
  });
}
for (const [op, t, at] of [[aten.max.dim, "max", "argmax"], [aten.min.dim, "min", "argmin"]] as const) {
  lower(op, (a) => {
    const x = a.self as TensorBox;
    return [reduceTo(x, [a.dim], a.keepdim, t, x.getDtype(), op.qualname), reduceTo(x, [a.dim], a.keepdim, at, int64, op.qualname)];
  });
}

/** mean over dims: float64 sum, divided and rounded once (as eager). */
export function meanOf(x: TensorBox, dims: number[], out: DType): TensorBox {
  const n = dims.reduce((p, d) => p * x.getSize()[d]!, 1);
  const s = makeReduction(x, dims, "sum", float64);
  return epilogue(s, out, [s], (ops, [v]) => ops.toDtype(ops.op("div", [v, ops.constant(n, float64)], float64), out));
}

function meanDtype(x: TensorBox, dtype: unknown): DType {
  return dtype !== null && dtype !== undefined ? dtypeOf(dtype as DType | DTypeName) : x.getDtype();
}
lower(aten.mean.default, (a) => meanOf(a.self, dimList(null, (a.self as TensorBox).getSize().length, "mean"), meanDtype(a.self, a.dtype)));
lower(aten.mean.dim, (a) => {
  const x = a.self as TensorBox;
  const dims = dimList(a.dim, x.getSize().length, "mean");
  const m = meanOf(x, dims, meanDtype(x, a.dtype));
  return a.keepdim ? keepDims(m, dims) : m;
});

/** var with a correction: two passes (mean, then squared deviations), in float64. */
export function varOf(x0: TensorBox, dims: number[], correction: number, out: DType): { var: TensorBox; mean: TensorBox } {
  const x = realizeIfExpensive(x0);
  const n = dims.reduce((p, d) => p * x.getSize()[d]!, 1);
  const s = makeReduction(x, dims, "sum", float64);
  const mean = epilogue(s, float64, [s], (ops, [v]) => ops.op("div", [v, ops.constant(n, float64)], float64));
  const meanK = keepDims(mean, dims);
  const load = x.makeLoader(), loadMean = meanK.makeLoader();
  const sq = makeReduction(x, dims, "sum", float64, (ops, full) => {
    const dv = ops.op("sub", [ops.toDtype(load(ops, full), float64), loadMean(ops, full)], float64);
    return ops.op("mul", [dv, dv], float64);
  });
  const v = epilogue(sq, out, [sq], (ops, [q]) => ops.toDtype(ops.op("div", [q, ops.constant(Math.max(n - correction, 0), float64)], float64), out));
  return { var: v, mean };
}

for (const [op, isStd] of [[aten.var.correction, false], [aten.std.correction, true]] as const) {
  lower(op, (a) => {
    const x = a.self as TensorBox;
    const dims = dimList(a.dim, x.getSize().length, op.qualname);
    const out = x.getDtype().isFloatingPoint ? x.getDtype() : float64;
    const corr = a.correction === null || a.correction === undefined ? 1 : Number(a.correction);
    let r = varOf(x, dims, corr, isStd ? float64 : out).var;
    if (isStd) r = epilogue(r, out, [r], (ops, [v]) => ops.toDtype(ops.op("sqrt", [v], float64), out));
    return a.keepdim ? keepDims(r, dims) : r;
  });
}
