// inductor/lowering/backward: backward ops that write a gradient into a zero tensor of the input's size:
// slice_backward / select_backward (slice_scatter / select_scatter into zeros, through their lowerings),
// value_selecting_reduction_backward (max/min .dim's backward: the gradient where the saved index equals
// the position along dim, compared per element, no indirect store; sort/topk's k indices: a sum over k), and linalg_vector_norm as a float64
// reduction (ord 2, 1, inf, -inf, 0 or any p, as ops/reduction_ops.ts folds the rows).
// In: TensorBoxes, sizes/dims. Out: Pointwise TensorBoxes (reductions realized).

import { dtypeOf, float64, type DType, type DTypeName } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { lowerings } from "../lowering_table.js";
import { cst } from "../ir/indexing.js";
import { Pointwise } from "../ir/nodes.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { box, dimList, lower } from "./common.js";
import { keepDims, makeReduction } from "./reductions.js";

const zeros = (like: TensorBox, size: readonly number[], d: DType) => box(new Pointwise(like.getDevice(), d, size, (ops) => ops.constant(0, d)));

lower(aten.slice_backward.default, (a) => {
  const g = a.grad_output as TensorBox;
  return lowerings.call(aten.slice_scatter.default, zeros(g, a.input_sizes as number[], g.getDtype()), g, a.dim, a.start, a.end, a.step) as TensorBox;
});

lower(aten.select_backward.default, (a) => {
  const g = a.grad_output as TensorBox;
  return lowerings.call(aten.select_scatter.default, zeros(g, a.input_sizes as number[], g.getDtype()), g, a.dim, a.index) as TensorBox;
});

lower(aten.value_selecting_reduction_backward.default, (a) => {
  const g = a.grad as TensorBox, ind = a.indices as TensorBox, sizes = a.sizes as number[], d = g.getDtype();
  const nd = sizes.length;
  const lg = g.makeLoader(), li = ind.makeLoader();
  if (nd === 0) return box(new Pointwise(g.getDevice(), d, [], (ops) => lg(ops, [])));
  const dim = wrapDim("value_selecting_reduction_backward", a.dim, nd);
  const k = a.keepdim ? ind.getSize()[dim]! : 1;
  if (k > 1) {
    // sort/topk: k distinct indices along dim; position i sums the (single) gradient whose index is i
    const s = makeReduction(zeros(g, [...sizes, k], d), [nd], "sum", float64, (ops, full) => {
      const at = full.slice(0, nd).map((e, i) => (i === dim ? full[nd]! : e));
      const hit = ops.op("eq", [ops.toDtype(li(ops, at), float64), ops.indexExpr(full[dim]!, float64)], float64);
      return ops.op("where", [hit, ops.toDtype(lg(ops, at), float64), ops.constant(0, float64)], float64);
    }).makeLoader();
    return box(new Pointwise(g.getDevice(), d, sizes, (ops, idx) => ops.toDtype(s(ops, idx), d)));
  }
  return box(new Pointwise(g.getDevice(), d, sizes, (ops, idx) => {
    // grad and indices have the reduced dim (size 1) when keepdim, else not at all
    const at = a.keepdim ? idx.map((e, i) => (i === dim ? cst(0) : e)) : idx.filter((_, i) => i !== dim);
    const hit = ops.op("eq", [ops.toDtype(li(ops, at), float64), ops.indexExpr(idx[dim]!, float64)], float64);
    return ops.op("where", [hit, lg(ops, at), ops.constant(0, d)], d);
  }));
});

lower(aten.linalg_vector_norm.default, (a) => {
  const x = a.self as TensorBox, p = Number(a.ord), nd = x.getSize().length;
  const dims = dimList(a.dim as number[] | null, nd, "linalg_vector_norm");
  const out = a.dtype !== null && a.dtype !== undefined ? dtypeOf(a.dtype as DType | DTypeName) : x.getDtype();
  const lx = x.makeLoader();
  const absAt = (ops: OpsHandler, full: Parameters<typeof lx>[1]): OpsValue => ops.op("abs", [ops.toDtype(lx(ops, full), float64)], float64);
  const type = p === Infinity ? "max" : p === -Infinity ? "min" : "sum";
  const r = makeReduction(x, dims, type, float64, (ops, full) => {
    const v = absAt(ops, full);
    if (p === 2) return ops.op("mul", [v, v], float64);
    if (p === 1 || type !== "sum") return v;
    if (p === 0) return ops.op("ne", [v, ops.constant(0, float64)], float64);
    return ops.op("pow", [v, ops.constant(p, float64)], float64);
  });
  const lr = r.makeLoader();
  const res = box(new Pointwise(x.getDevice(), out, r.getSize(), (ops, idx) => {
    const s = lr(ops, idx);
    const v = p === 2 ? ops.op("sqrt", [s], float64) : p === 1 || p === 0 || type !== "sum" ? s : ops.op("pow", [s, ops.constant(1 / p, float64)], float64);
    return ops.toDtype(v, out);
  }));
  return a.keepdim ? keepDims(res, dims) : res;
});
