// inductor/lowering/indexing: gathering ops as Pointwise nodes with indirect loads (Inductor's
// ops.indirect_indexing): embedding, index_select, gather, index.Tensor with integer index tensors, plus
// masked_fill (a where). Each output element loads its index value, checks it against the indexed dim's
// size (out of range throws naming the op, like eager) and loads the source there, so an embedding
// followed by pointwise ops is one kernel. index.Tensor with bool/uint8 masks has a data-dependent shape
// and stays a counted fallback. The scatter family (scatter, scatter_add, index_add, index_put) writes
// through indices: an ExternKernel running the eager kernel (see the note below).
// In: TensorBoxes, dims and index tensors. Out: Pointwise TensorBoxes, ExternKernel outputs.

import type { Tensor } from "../../tensor/tensor.js";
import { float64, type DType } from "../../tensor/dtype.js";
import { broadcastShapes, wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import type { Expr } from "../ir/indexing.js";
import { Pointwise } from "../ir/nodes.js";
import { indirectIndexing, type OpsHandler, type OpsValue } from "../ir/ops.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { expand } from "../ir/views.js";
import { V } from "../ir/virtualized.js";
import { box, externCall, fallback, isBox, lower, makePointwise, viewBox } from "./common.js";

const outShape = (): readonly number[] => (V.graph.currentVal as Tensor).shape;
const isIndexDtype = (d: DType): boolean => d.name === "int64" || d.name === "int32";

/** The index variable for a loaded index value `v` into a dim of `size` (checked; negatives wrap if `wrap`). */
function indirect(ops: OpsHandler, v: OpsValue, size: number, op: string, dim: number, wrap = true): Expr {
  return indirectIndexing(ops, v, size, { op, dim, wrapNegative: wrap });
}

const replaceAt = (idx: readonly Expr[], dim: number, e: Expr): Expr[] => idx.map((v, i) => (i === dim ? e : v));

// embedding(weight [V, D], indices [...]) -> [..., D]: row indices[...] of weight (no negative wrap).
lower(aten.embedding.default, (a) => {
  const w = a.weight as TensorBox, ind = a.indices as TensorBox;
  const [nrows] = w.getSize() as [number, number];
  const lw = w.makeLoader(), li = ind.makeLoader();
  const k = ind.getSize().length;
  return box(new Pointwise(w.getDevice(), w.getDtype(), outShape(), (ops, idx) => {
    const row = indirect(ops, li(ops, idx.slice(0, k)), nrows, "embedding", 0, false);
    return lw(ops, [row, idx[k]!]);
  }));
});

lower(aten.index_select.default, (a) => {
  const x = a.self as TensorBox, ind = a.index as TensorBox;
  const nd = x.getSize().length;
  const lx = x.makeLoader(), li = ind.makeLoader();
  const idxOf = (i: Expr | undefined): Expr[] => (ind.getSize().length === 0 || i === undefined ? [] : [i]);
  if (nd === 0) {
    return box(new Pointwise(x.getDevice(), x.getDtype(), outShape(), (ops) => {
      indirect(ops, li(ops, idxOf(undefined)), 1, "index_select", 0);
      return lx(ops, []);
    }));
  }
  const d = wrapDim("index_select", a.dim, nd), size = x.getSize()[d]!;
  return box(new Pointwise(x.getDevice(), x.getDtype(), outShape(), (ops, idx) =>
    lx(ops, replaceAt(idx, d, indirect(ops, li(ops, idxOf(idx[d])), size, "index_select", d)))));
});

lower(aten.gather.default, (a) => {
  const x = a.self as TensorBox, ind = a.index as TensorBox;
  const nd = x.getSize().length;
  const lx = x.makeLoader(), li = ind.makeLoader();
  const d = wrapDim("gather", a.dim, Math.max(nd, 1));
  const size = nd === 0 ? 1 : x.getSize()[d]!;
  return box(new Pointwise(x.getDevice(), x.getDtype(), outShape(), (ops, idx) => {
    const e = indirect(ops, li(ops, idx), size, "gather", d);
    return nd === 0 ? lx(ops, []) : lx(ops, replaceAt(idx, d, e));
  }));
});

// index.Tensor: advanced indexing with integer index tensors (broadcast together). The indexed dims are
// replaced by the broadcast shape, in place when they are adjacent, else in front (NumPy's rule).
lower(aten.index.Tensor, (a, op) => {
  const x = a.self as TensorBox;
  const indices = (a.indices as (TensorBox | null)[]).map((t) => t ?? null);
  if (indices.some((t) => t !== null && !(isBox(t) && isIndexDtype(t.getDtype())))) return fallback(op, a); // bool masks: data-dependent shape
  const size = x.getSize(), nd = size.length;
  const adv = indices.map((t, i) => (t === null ? -1 : i)).filter((i) => i >= 0);
  if (adv.length === 0) return x;
  const bshape = broadcastShapes("index", ...adv.map((i) => indices[i]!.getSize()));
  const loads = adv.map((i) => viewBox(expand(indices[i]!, bshape)).makeLoader());
  const contiguousAdv = adv[adv.length - 1]! - adv[0]! === adv.length - 1;
  const insertAt = contiguousAdv ? adv[0]! : 0;
  const bl = bshape.length;
  const rest = [...Array(nd).keys()].filter((d) => !(d < indices.length && indices[d] !== null));
  const lx = x.makeLoader();
  return box(new Pointwise(x.getDevice(), x.getDtype(), outShape(), (ops, oi) => {
    const bidx = oi.slice(insertAt, insertAt + bl);
    const src: Expr[] = new Array<Expr>(nd);
    adv.forEach((d, q) => { src[d] = indirect(ops, loads[q]!(ops, bidx), size[d]!, "index", d); });
    rest.forEach((d, q) => { src[d] = oi[contiguousAdv ? (d < adv[0]! ? d : d - adv.length + bl) : bl + q]!; });
    return lx(ops, src);
  }));
});

for (const ov of [aten.masked_fill.Scalar, aten.masked_fill.Tensor]) {
  lower(ov, (a) => {
    const x = a.self as TensorBox, mask = a.mask as TensorBox, d = x.getDtype();
    if (isBox(a.value)) {
      const v = a.value;
      return makePointwise("masked_fill", [x, mask, v], d, d, (ops, [xv, m, fill]) => ops.op("where", [m, fill, xv], d));
    }
    const fill = Number(a.value);
    return makePointwise("masked_fill", [x, mask], d, d, (ops, [xv, m]) => ops.op("where", [m, ops.constant(fill, d), xv], d));
  });
}

// The scatter family writes through indices. Its eager kernels read self, then apply every source element
// in order (later duplicates win for scatter/index_put, sums accumulate in float64 in source order for
// scatter_add/index_add/index_put(accumulate)). A generated loop over the output would need a search per
// element (quadratic) to reproduce that order; the eager kernel already makes one pass. So these are
// ExternKernels: planned by the scheduler (inputs realized, outputs in fresh buffers), not fallbacks.
for (const ov of [aten.scatter.src, aten.scatter.value, aten.scatter_add.default, aten.index_add.default, aten.index_put.default]) {
  lower(ov, (a, o) => externCall("extern", o, a));
}

// native_dropout_backward: grad * scale where the mask holds, else 0 (the product in float64, rounded once).
lower(aten.native_dropout_backward.default, (a) => {
  const g = a.grad_output as TensorBox, m = a.mask as TensorBox, d = g.getDtype(), scale = Number(a.scale);
  return makePointwise("native_dropout_backward", [g, m], float64, d, (ops, [gv, mv]) =>
    ops.op("where", [mv, ops.toDtype(ops.op("mul", [gv, ops.constant(scale, float64)], float64), d), ops.constant(0, d)], d));
});
