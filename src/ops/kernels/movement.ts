// ops/kernels/movement: data-movement loops shared by shape/index/padding kernels. A movement op is
// described by, for each output element, the logical (row-major) index of the input element it reads
// (or -1 for a fill value). In: tensors of any strides/dtype plus index maps. Out: new contiguous tensors.
// Values are copied as raw storage words, so every dtype (bf16/f16 bit patterns included) is exact.

import { Tensor, elementOffsets, readStorage, writeStorage } from "../../tensor/tensor.js";
import { contiguousStrides, numel } from "../../tensor/shape.js";
import type { DType } from "../../tensor/dtype.js";

/** Storage offsets of `t`'s elements in logical order (identity-shifted when contiguous). */
export function storageOffsets(t: Tensor): ArrayLike<number> {
  if (t.isContiguous()) {
    const n = t.numel();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = t.offset + i;
    return out;
  }
  return elementOffsets(t);
}

/** Encoded storage word for `v` in dtype d. */
export function encodeValue(d: DType, v: number): number {
  const tmp = new d.arrayCtor(1);
  writeStorage(tmp, d, 0, v);
  return tmp[0]!;
}

/** out[i] = self[src[i]] (logical indices), or `fill` where src[i] < 0. */
export function takeLogical(self: Tensor, outShape: readonly number[], src: ArrayLike<number>, fill = 0): Tensor {
  const out = Tensor.empty(outShape, self.dtype, self.device);
  const n = numel(outShape);
  if (n === 0) return out;
  const o = out.storage.data!;
  const s = self.numel() ? self.data() : o;
  const offs = self.numel() ? storageOffsets(self) : new Float64Array(0);
  const fillWord = encodeValue(self.dtype, fill);
  for (let i = 0; i < n; i++) {
    const j = src[i]!;
    o[i] = j < 0 ? fillWord : s[offs[j]!]!;
  }
  return out;
}

/**
 * Scatter: start from a contiguous copy of `base` (or zeros of `shape` when base is null), then for
 * each element i of `values` write (or add, when accumulate) values[i] at logical index dst[i].
 * Accumulation happens in float64 and rounds once per element (deterministic order).
 */
export function scatterLogical(base: Tensor | null, shape: readonly number[], dtype: DType, values: Tensor,
  dst: ArrayLike<number>, accumulate: boolean): Tensor {
  const n = numel(shape);
  const acc = new Float64Array(n);
  if (base && n) {
    const bo = storageOffsets(base), ba = base.data();
    for (let i = 0; i < n; i++) acc[i] = readStorage(ba, base.dtype, bo[i]!);
  }
  const m = dst.length;
  if (m) {
    const vo = storageOffsets(values), va = values.data();
    for (let i = 0; i < m; i++) {
      const j = dst[i]!;
      if (j < 0) continue;
      const v = readStorage(va, values.dtype, vo[i]!);
      if (accumulate) acc[j] += v; else acc[j] = v;
    }
  }
  const out = Tensor.empty(shape, dtype, values.device);
  const o = out.storage.data!;
  for (let i = 0; i < n; i++) writeStorage(o, dtype, i, acc[i]!);
  return out;
}

/**
 * Build a logical-index map for an output of `outShape` given a per-dim source function:
 * srcDim(d, i) -> index into dim d of the input (or -1 for fill). Input dims align with output dims.
 */
export function separableIndex(outShape: readonly number[], inShape: readonly number[],
  srcDim: (d: number, i: number) => number): Float64Array {
  const nd = outShape.length;
  const inStr = contiguousStrides(inShape);
  const maps: Int32Array[] = [];
  for (let d = 0; d < nd; d++) {
    const m = new Int32Array(outShape[d]!);
    for (let i = 0; i < m.length; i++) m[i] = srcDim(d, i);
    maps.push(m);
  }
  const n = numel(outShape);
  const out = new Float64Array(n);
  if (n === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < n; k++) {
    let off = 0, bad = false;
    for (let d = 0; d < nd; d++) {
      const s = maps[d]![idx[d]!]!;
      if (s < 0) { bad = true; break; }
      off += s * inStr[d]!;
    }
    out[k] = bad ? -1 : off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Multi-index (row-major) of logical position k in `shape`, into `out`. */
export function unravel(k: number, shape: readonly number[], out: number[]): void {
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d]!;
    out[d] = k % s;
    k = Math.floor(k / s);
  }
}
