// inductor/lowering/scans: cumsum/cumprod, logsumexp and sort/topk. A scan along dim d of length n is a
// Reduction over the full shape whose inner loop runs j = 0..n-1 and adds x[..j..] where j <= i (the
// identity elsewhere): the float64 accumulator sees the same values in the same order as eager's running
// sum, so results are bit-exact; the cost is n per element, so lines longer than SCAN_MAX_LEN call the
// eager kernel as an ExternKernel instead. logsumexp is max, sum of exp(x - max), log + max in float64:
// two reductions and an epilogue that fuse into one kernel. sort/topk are ExternKernels (planned, not
// fallbacks). In: TensorBoxes, dims. Out: realized Reductions, Pointwise epilogues, extern outputs.

import { dtypeOf, float32, float64, int64, type DType, type DTypeName } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { Pointwise, Reduction } from "../ir/nodes.js";
import { StorageBox, TensorBox } from "../ir/tensor_box.js";
import { box, dimList, externCall, lower } from "./common.js";
import { keepDims, makeReduction } from "./reductions.js";

/** Longest scanned line lowered to a generated kernel: the cost grows with the square of the length (on this
 * machine the kernel beats eager at 16 and loses 3x at 64; a sequential-scan codegen would lift this). */
export const SCAN_MAX_LEN = 32;

function scanDtype(x: TensorBox, dtype: unknown): DType {
  if (dtype !== null && dtype !== undefined) return dtypeOf(dtype as DType | DTypeName);
  return x.getDtype().isFloatingPoint ? x.getDtype() : int64;
}

for (const [op, type] of [[aten.cumsum.default, "sum"], [aten.cumprod.default, "prod"]] as const) {
  lower(op, (a, o) => {
    const x = a.self as TensorBox, size = x.getSize(), nd = size.length;
    const out = scanDtype(x, a.dtype);
    const load = x.makeLoader();
    if (nd === 0) return box(new Pointwise(x.getDevice(), out, [], (ops) => ops.toDtype(ops.toDtype(load(ops, []), float64), out)));
    const d = wrapDim(o.name, a.dim, nd), n = size[d]!;
    if (n > SCAN_MAX_LEN) return externCall("extern", o, a) as TensorBox;
    const identity = type === "sum" ? 0 : 1;
    const red = new Reduction(x.getDevice(), out, x.getDtype(), size, [n], type, (ops, idx, [j]) => {
      const v = ops.toDtype(load(ops, idx.map((e, i) => (i === d ? j! : e))), float64);
      const keep = ops.op("le", [ops.indexExpr(j!, int64), ops.indexExpr(idx[d]!, int64)], int64);
      return ops.op("where", [keep, v, ops.constant(identity, float64)], float64);
    });
    const sb = new StorageBox(red);
    sb.realize();
    return new TensorBox(sb);
  });
}

lower(aten.logsumexp.default, (a) => {
  const x = a.self as TensorBox, nd = x.getSize().length;
  const out = x.getDtype().isFloatingPoint ? x.getDtype() : float32;
  const dims = dimList(a.dim as number[], nd, "logsumexp");
  const load = x.makeLoader();
  const as64 = (ops: Parameters<Reduction["inner"]>[0], full: Parameters<typeof load>[1]) => ops.toDtype(load(ops, full), float64);
  const mx = makeReduction(x, dims, "max", float64, as64);
  const lmx = keepDims(mx, dims).makeLoader();
  // eager: a max of +-inf shifts by 0 (so exp(inf - inf) is not NaN); a NaN max propagates through the sum
  const shift = (ops: Parameters<Reduction["inner"]>[0], m: unknown) =>
    ops.op("where", [ops.op("isinf", [m], float64), ops.constant(0, float64), m], float64);
  const s = makeReduction(x, dims, "sum", float64, (ops, full) =>
    ops.op("exp", [ops.op("sub", [as64(ops, full), shift(ops, lmx(ops, full))], float64)], float64));
  const ls = s.makeLoader(), lm = mx.makeLoader();
  const r = box(new Pointwise(x.getDevice(), out, s.getSize(), (ops, idx) =>
    ops.toDtype(ops.op("add", [ops.op("log", [ls(ops, idx)], float64), shift(ops, lm(ops, idx))], float64), out)));
  return a.keepdim ? keepDims(r, dims) : r;
});

for (const op of [aten.sort.default, aten.sort.stable, aten.topk.default]) {
  lower(op, (a, o) => externCall("extern", o, a));
}
