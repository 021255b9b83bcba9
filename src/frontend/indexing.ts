// frontend/indexing: torch-level indexing. TypeScript has no `x[...]` overloading, so coil offers:
//   x.get(0, coil.slice(1, 3), null, "...", idx)  — Python's x[0, 1:3, None, ..., idx]: numbers select,
//       coil.slice(start?, end?, step?) slices (null/undefined bounds = open), null inserts a new axis,
//       "..." is the ellipsis, int64/bool Tensors are advanced indices (broadcast together, like NumPy).
//   x.index([null, idxTensor])  — aten.index.Tensor directly (one entry per leading dim, null = full dim).
//   coil.indexPut(x, indices, values, accumulate?) — functional x[indices] = values (returns a new tensor).
//   x.indexSelect / gather / scatter / scatterAdd / indexAdd / maskedFill.
// In: tensors and index items. Out: tensors (basic indexing gives views; advanced indexing copies).

import { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

/** A Python-style slice: coil.slice(1, 3), coil.slice(null, null, 2). */
export interface Slice { readonly kind: "slice"; readonly start: number | null; readonly end: number | null; readonly step: number }
export type IndexItem = number | Slice | null | "..." | Tensor;

export function slice(start: number | null = null, end: number | null = null, step = 1): Slice {
  return { kind: "slice", start, end, step };
}

declare module "../tensor/tensor.js" {
  interface Tensor {
    get(...items: IndexItem[]): Tensor;
    index(indices: (Tensor | null)[]): Tensor;
    indexPut(indices: (Tensor | null)[], values: Tensor | number, accumulate?: boolean): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    indexAdd(dim: number, index: Tensor, source: Tensor, alpha?: number): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatter(dim: number, index: Tensor, src: Tensor | number): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    maskedFill(mask: Tensor, value: Tensor | number): Tensor;
  }
}

const isSlice = (x: unknown): x is Slice => typeof x === "object" && x !== null && (x as Slice).kind === "slice";

/** Python's __getitem__: basic items applied as views, then one aten.index for the tensor items. */
function getImpl(x: Tensor, items: IndexItem[]): Tensor {
  const consumes = (it: IndexItem) => (it === null || it === "..." ? 0 : it instanceof Tensor && (it.dtype.name === "bool" || it.dtype.name === "uint8") ? Math.max(it.ndim, 1) : 1);
  const used = items.reduce<number>((p, it) => p + consumes(it), 0);
  if (items.filter((it) => it === "...").length > 1) throw new RangeError("get: an index can only have a single ellipsis ('...')");
  if (used > x.ndim) throw new RangeError(`get: too many indices for tensor of dimension ${x.ndim} (got ${used}; shape [${x.shape.join(", ")}])`);
  let r = x;
  let dim = 0;
  const adv: (Tensor | null)[] = [];
  let anyAdv = false;
  for (const it of items) {
    if (typeof it === "number") {
      r = aten.select.int(r, dim, it);
    } else if (isSlice(it)) {
      r = aten.slice.Tensor(r, dim, it.start, it.end, it.step);
      adv.push(null); dim++;
    } else if (it === null) {
      r = aten.unsqueeze.default(r, dim);
      adv.push(null); dim++;
    } else if (it === "...") {
      const skip = x.ndim - used;
      for (let k = 0; k < skip; k++) adv.push(null);
      dim += skip;
    } else if (it instanceof Tensor) {
      adv.push(it); anyAdv = true;
      dim += it.dtype.name === "bool" || it.dtype.name === "uint8" ? it.ndim : 1;
    } else {
      throw new TypeError(`get: unsupported index item ${String(it)}; use numbers, coil.slice(...), null, "..." or tensors`);
    }
  }
  if (!anyAdv) return r === x ? aten.alias.default(x) : r;
  while (adv.length && adv[adv.length - 1] === null) adv.pop();
  return aten.index.Tensor(r, adv);
}

function indexPutImpl(x: Tensor, indices: (Tensor | null)[], values: Tensor | number, accumulate = false): Tensor {
  const v = values instanceof Tensor ? values : aten.scalar_tensor.default(values, { dtype: x.dtype });
  return aten.index_put.default(x, indices, v, accumulate);
}

function scatterImpl(x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor {
  return src instanceof Tensor ? aten.scatter.src(x, dim, index, src) : aten.scatter.value(x, dim, index, src);
}

function maskedFillImpl(x: Tensor, mask: Tensor, value: Tensor | number): Tensor {
  return value instanceof Tensor ? aten.masked_fill.Tensor(x, mask, value) : aten.masked_fill.Scalar(x, mask, value);
}

export const index = defineFunction("coil.index", (x: Tensor, indices: (Tensor | null)[]): Tensor => aten.index.Tensor(x, indices));
export const indexPut = defineFunction("coil.indexPut", indexPutImpl);
export const indexSelect = defineFunction("coil.indexSelect", (x: Tensor, dim: number, idx: Tensor): Tensor => aten.index_select.default(x, dim, idx));
export const gather = defineFunction("coil.gather", (x: Tensor, dim: number, idx: Tensor): Tensor => aten.gather.default(x, dim, idx));
export const scatter = defineFunction("coil.scatter", scatterImpl);
export const scatterAdd = defineFunction("coil.scatterAdd", (x: Tensor, dim: number, idx: Tensor, src: Tensor): Tensor => aten.scatter_add.default(x, dim, idx, src));
export const maskedFill = defineFunction("coil.maskedFill", maskedFillImpl);

defineMethod("get", (x, ...items: IndexItem[]) => getImpl(x, items));
defineMethod("index", (x, indices: (Tensor | null)[]) => aten.index.Tensor(x, indices));
defineMethod("indexPut", indexPutImpl);
defineMethod("indexSelect", (x, dim: number, idx: Tensor) => aten.index_select.default(x, dim, idx));
defineMethod("indexAdd", (x, dim: number, idx: Tensor, src: Tensor, alpha = 1) => aten.index_add.default(x, dim, idx, src, { alpha }));
defineMethod("gather", (x, dim: number, idx: Tensor) => aten.gather.default(x, dim, idx));
defineMethod("scatter", scatterImpl);
defineMethod("scatterAdd", (x, dim: number, idx: Tensor, src: Tensor) => aten.scatter_add.default(x, dim, idx, src));
defineMethod("maskedFill", maskedFillImpl);
