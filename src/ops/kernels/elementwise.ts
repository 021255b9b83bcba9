// ops/kernels/elementwise: generic strided elementwise loops used by eager kernels.
// In: input tensors (any strides/dtypes), an output dtype and a scalar function. Out: a new contiguous tensor.

import { Tensor, elementOffsets, readStorage, writeStorage } from "../../tensor/tensor.js";
import { broadcastShapes, broadcastStrides, numel } from "../../tensor/shape.js";
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

/** out[i] = f(x[i]) computed in float64, rounded to `outDtype` on store. */
export function mapUnary(x: Tensor, outDtype: DType, f: (v: number) => number): Tensor {
  const v = readAs(x, x.shape);
  for (let i = 0; i < v.length; i++) v[i] = f(v[i]!);
  return fromFloat64(v, x.shape, outDtype);
}

/** Broadcasting binary map. */
export function mapBinary(op: string, a: Tensor, b: Tensor, outDtype: DType, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const va = readAs(a, shape);
  const vb = readAs(b, shape);
  for (let i = 0; i < va.length; i++) va[i] = f(va[i]!, vb[i]!);
  return fromFloat64(va, shape, outDtype);
}

/** Broadcasting n-ary map. */
export function mapNary(op: string, xs: Tensor[], outDtype: DType, f: (vals: number[]) => number): Tensor {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  const vs = xs.map((x) => readAs(x, shape));
  const n = numel(shape);
  const out = new Float64Array(n);
  const tmp = new Array<number>(xs.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < vs.length; k++) tmp[k] = vs[k]![i]!;
    out[i] = f(tmp);
  }
  return fromFloat64(out, shape, outDtype);
}

/** Write `src` values (broadcast) into `dst` in place, respecting dst's strides. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const vals = readAs(src, dst.shape);
  const arr = dst.data();
  if (dst.isContiguous()) {
    for (let i = 0; i < vals.length; i++) writeStorage(arr, dst.dtype, dst.offset + i, vals[i]!);
    return;
  }
  const offs = elementOffsets(dst);
  for (let i = 0; i < vals.length; i++) writeStorage(arr, dst.dtype, offs[i]!, vals[i]!);
}
