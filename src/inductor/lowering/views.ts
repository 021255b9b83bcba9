// inductor/lowering/views: view ops as index arithmetic (view/_unsafe_view, permute/t/transpose, expand,
// squeeze/unsqueeze, slice, select, alias, split/split_with_sizes) plus clone/contiguous/_to_copy (a
// Pointwise copy, with the dtype cast). Output sizes come from the node's meta (V.graph.currentVal).
// In: TensorBoxes and view parameters. Out: TensorBoxes over GenericViews, or copies.

import { Tensor } from "../../tensor/tensor.js";
import { dtypeOf, type DType, type DTypeName } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { expand, permute, select, slice, squeeze, unsqueeze, viewAs } from "../ir/views.js";
import { V } from "../ir/virtualized.js";
import { box, loadAs, lower, viewBox } from "./common.js";

function metaShape(op: string): number[] {
  const v = V.graph.currentVal;
  if (!(v instanceof Tensor)) throw new Error(`lowering: ${op} (node ${V.graph.currentNode}) needs a tensor meta value`);
  return v.shape.slice();
}

/** A copy of x in `dtype` (the eager cast rules live in the ops handler's toDtype). */
export function copyAs(x: TensorBox, dtype: DType): TensorBox {
  return box(new Pointwise(x.getDevice(), dtype, x.getSize(), loadAs(x, dtype)));
}

for (const op of [aten.view.default, aten._unsafe_view.default]) lower(op, (a, o) => viewBox(viewAs(a.self, metaShape(o.qualname))));
lower(aten.alias.default, (a) => a.self as TensorBox);
lower(aten.permute.default, (a) => {
  const x = a.self as TensorBox, n = x.getSize().length;
  return viewBox(permute(x, (a.dims as number[]).map((d) => wrapDim("permute", d, n))));
});
lower(aten.t.default, (a) => {
  const x = a.self as TensorBox;
  return x.getSize().length < 2 ? x : viewBox(permute(x, [1, 0]));
});
lower(aten.transpose.int, (a) => {
  const x = a.self as TensorBox, n = x.getSize().length;
  if (n === 0) return x;
  const d0 = wrapDim("transpose", a.dim0, n), d1 = wrapDim("transpose", a.dim1, n);
  const dims = [...Array(n).keys()];
  [dims[d0], dims[d1]] = [dims[d1]!, dims[d0]!];
  return viewBox(permute(x, dims));
});
lower(aten.expand.default, (a, o) => viewBox(expand(a.self, metaShape(o.qualname))));
lower(aten.unsqueeze.default, (a) => {
  const x = a.self as TensorBox;
  return viewBox(unsqueeze(x, wrapDim("unsqueeze", a.dim, x.getSize().length + 1)));
});
lower([aten.squeeze.default, aten.squeeze.dim, aten.squeeze.dims], (a) => {
  const x = a.self as TensorBox, n = x.getSize().length;
  if (n === 0) return x;
  const dims = a.dim === null || a.dim === undefined ? [...Array(n).keys()] : (Array.isArray(a.dim) ? a.dim : [a.dim]).map((d: number) => wrapDim("squeeze", d, n));
  return viewBox(squeeze(x, dims));
});

function sliceStart(start: number | null, size: number): number {
  let s = start ?? 0;
  if (s < 0) s += size;
  return Math.min(Math.max(s, 0), size);
}
lower(aten.slice.Tensor, (a, o) => {
  const x = a.self as TensorBox, n = x.getSize().length;
  const dim = wrapDim("slice", a.dim, n);
  const len = metaShape(o.qualname)[dim]!;
  const start = sliceStart(a.start, x.getSize()[dim]!);
  if (start === 0 && len === x.getSize()[dim] && a.step === 1) return x;
  return viewBox(slice(x, dim, start, a.step, len));
});
lower(aten.select.int, (a) => {
  const x = a.self as TensorBox, n = x.getSize().length;
  const dim = wrapDim("select", a.dim, n);
  const index = a.index < 0 ? a.index + x.getSize()[dim]! : a.index;
  return viewBox(select(x, dim, index));
});

function splitViews(x: TensorBox, sizes: number[], dim0: number): TensorBox[] {
  const dim = wrapDim("split", dim0, x.getSize().length);
  let start = 0;
  return sizes.map((len) => { const v = viewBox(slice(x, dim, start, 1, len)); start += len; return v; });
}
lower(aten.split_with_sizes.default, (a) => splitViews(a.self, a.split_sizes, a.dim));
lower(aten.split.Tensor, (a) => {
  const x = a.self as TensorBox;
  const n = x.getSize()[wrapDim("split", a.dim, x.getSize().length)]!;
  const step = a.split_size as number;
  const sizes: number[] = [];
  for (let s = 0; s < n || (n === 0 && sizes.length === 0); s += Math.max(step, 1)) sizes.push(Math.min(step, n - s));
  return splitViews(x, sizes, a.dim);
});

// Copies: a Pointwise; the scheduler decides whether it is stored at all.
lower([aten.clone.default], (a) => copyAs(a.self, (a.self as TensorBox).getDtype()));
lower(aten._to_copy.default, (a) => {
  const x = a.self as TensorBox;
  if (a.device !== null && a.device !== undefined && a.device !== x.getDevice()) throw new Error(`lowering: _to_copy to device ${a.device} is not lowered`);
  const d = a.dtype === null || a.dtype === undefined ? x.getDtype() : dtypeOf(a.dtype as DType | DTypeName);
  return copyAs(x, d);
});
