// ops/kernels/elementwise: slow-path conversions used by eager kernels: read any tensor's logical values
// (broadcast) as float64, and build a contiguous tensor of any dtype from float64 values.
// In: tensors of any strides/dtypes. Out: Float64Arrays / new contiguous tensors.

import { Tensor, elementOffsets, readStorage, writeStorage } from "../../tensor/tensor.js";
import { broadcastStrides, numel } from "../../tensor/shape.js";
import { type DType, isHalfLike } from "../../tensor/dtype.js";

/** Logical values of t broadcast to `shape`, as float64 (fast path for contiguous, same-shape). */
export function readAs(t: Tensor, shape: readonly number[]): Float64Array {
  const n = numel(shape);
  const arr = t.data();
  const out = new Float64Array(n);
  const sameShape = t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i]);
  if (sameShape && t.isContiguous()) {
    if (isHalfLike(t.dtype)) for (let i = 0; i < n; i++) out[i] = readStorage(arr, t.dtype, t.offset + i);
    else for (let i = 0; i < n; i++) out[i] = arr[t.offset + i]!;
    return out;
  }
  const view = { shape, strides: broadcastStrides(t.shape, t.strides, shape), offset: t.offset };
  const offs = elementOffsets(view);
  for (let i = 0; i < n; i++) out[i] = readStorage(arr, t.dtype, offs[i]!);
  return out;
}

/** Write float64 values (logical order) into a new contiguous tensor of dtype `d`. */
export function fromFloat64(values: Float64Array, shape: readonly number[], d: DType): Tensor {
  const t = Tensor.empty(shape, d);
  const arr = t.storage.data!;
  const n = values.length;
  if (d.name === "float32" || d.name === "float64" || d.name === "int32" || d.name === "uint8") {
    if (d.name === "int32") for (let i = 0; i < n; i++) arr[i] = values[i]! | 0;
    else if (d.name === "uint8") for (let i = 0; i < n; i++) arr[i] = Number.isFinite(values[i]!) ? values[i]! & 0xff : 0;
    else arr.set(values);
  } else {
    for (let i = 0; i < n; i++) writeStorage(arr, d, i, values[i]!);
  }
  return t;
}
