// ops/kernels/reduce: strided loops shared by reduction, scan, softmax, sort and norm kernels.
// In: tensors of any strides/offsets/dtypes plus the dims to reduce or scan. Out: offset plans,
// per-row readers (no per-output allocation) and Float64Array results rounded by fromFloat64.

import { type Tensor, elementOffsets } from "../../tensor/tensor.js";
import { bfloat16, float16, bfloat16BitsToFloat, halfBitsToFloat, type DType, type NumericArray } from "../../tensor/dtype.js";
import { contiguousStrides } from "../../tensor/shape.js";

let bf16Table: Float64Array | null = null;
let f16Table: Float64Array | null = null;

/** Lookup table bits -> value for 16-bit float storages (null for other dtypes). */
export function halfTable(d: DType): Float64Array | null {
  if (d === bfloat16) {
    if (!bf16Table) { bf16Table = new Float64Array(65536); for (let i = 0; i < 65536; i++) bf16Table[i] = bfloat16BitsToFloat(i); }
    return bf16Table;
  }
  if (d === float16) {
    if (!f16Table) { f16Table = new Float64Array(65536); for (let i = 0; i < 65536; i++) f16Table[i] = halfBitsToFloat(i); }
    return f16Table;
  }
  return null;
}

type Offsets = Int32Array | Float64Array;

/** If offs[i] === offs[0] + i*s for all i, return s (1-length lists give 1), else null. */
export function arithmeticStride(offs: Offsets): number | null {
  if (offs.length <= 1) return 1;
  const s = offs[1]! - offs[0]!;
  for (let i = 2; i < offs.length; i++) if (offs[i]! - offs[i - 1]! !== s) return null;
  return s;
}

/** Offsets plan for reducing `dims` of x: one base offset per output, one relative offset per reduced element. */
export interface ReducePlan {
  arr: NumericArray;
  table: Float64Array | null;
  outN: number;
  redN: number;
  outOff: Offsets;
  redOff: Offsets;
  /** Reduced elements are equally spaced by this stride (fast path), or null. */
  redStride: number | null;
}

export function planReduce(x: Tensor, dims: readonly number[]): ReducePlan {
  const keepShape: number[] = [], keepStr: number[] = [], redShape: number[] = [], redStr: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (dims.includes(i)) { redShape.push(x.shape[i]!); redStr.push(x.strides[i]!); } else { keepShape.push(x.shape[i]!); keepStr.push(x.strides[i]!); }
  }
  const outOff = elementOffsets({ shape: keepShape, strides: keepStr, offset: x.offset });
  const redOff = elementOffsets({ shape: redShape, strides: redStr, offset: 0 });
  return {
    arr: x.data(), table: halfTable(x.dtype), outN: outOff.length, redN: redOff.length,
    outOff, redOff, redStride: arithmeticStride(redOff),
  };
}

/** Copy the reduced elements of output `o` into buf[0..redN) as float64. */
export function readReduced(p: ReducePlan, o: number, buf: Float64Array): void {
  const base = p.outOff[o]!, arr = p.arr, n = p.redN, t = p.table;
  const s = p.redStride;
  if (s !== null) {
    if (t) for (let r = 0, off = base; r < n; r++, off += s) buf[r] = t[arr[off]!]!;
    else for (let r = 0, off = base; r < n; r++, off += s) buf[r] = arr[off]!;
  } else {
    const ro = p.redOff;
    if (t) for (let r = 0; r < n; r++) buf[r] = t[arr[base + ro[r]!]!]!;
    else for (let r = 0; r < n; r++) buf[r] = arr[base + ro[r]!]!;
  }
}

/** Fold every output row with fold(buf, n) (one closure call per output, no per-output allocation). */
export function reduceRows(x: Tensor, dims: readonly number[], fold: (buf: Float64Array, n: number) => number): Float64Array {
  const p = planReduce(x, dims);
  const out = new Float64Array(p.outN);
  const buf = new Float64Array(p.redN);
  for (let o = 0; o < p.outN; o++) {
    readReduced(p, o, buf);
    out[o] = fold(buf, p.redN);
  }
  return out;
}

/** Fast strided sum over `dims` (float64 accumulation). */
export function sumRows(x: Tensor, dims: readonly number[]): Float64Array {
  const p = planReduce(x, dims);
  const out = new Float64Array(p.outN);
  const { arr, table: t, redN, outOff, redOff, redStride: s } = p;
  const outStride = arithmeticStride(outOff);
  if (!t && outStride === 1 && s !== 1 && redN > 1 && p.outN > 1) {
    // Kept dims are innermost and contiguous: stream rows (cache friendly for sum over dim 0).
    const base = outOff[0]!, on = p.outN;
    for (let r = 0; r < redN; r++) {
      const rb = base + redOff[r]!;
      for (let o = 0; o < on; o++) out[o]! += arr[rb + o]!;
    }
    return out;
  }
  for (let o = 0; o < p.outN; o++) {
    const base = outOff[o]!;
    let acc = 0;
    if (s !== null) {
      if (t) for (let r = 0, off = base; r < redN; r++, off += s) acc += t[arr[off]!]!;
      else if (s === 1) for (let off = base, end = base + redN; off < end; off++) acc += arr[off]!;
      else for (let r = 0, off = base; r < redN; r++, off += s) acc += arr[off]!;
    } else if (t) for (let r = 0; r < redN; r++) acc += t[arr[base + redOff[r]!]!]!;
    else for (let r = 0; r < redN; r++) acc += arr[base + redOff[r]!]!;
    out[o] = acc;
  }
  return out;
}

/** Plan for ops that work along one dim (scans, softmax, sort): input and contiguous-output row bases. */
export interface LinePlan {
  arr: NumericArray;
  table: Float64Array | null;
  /** Number of lines (product of the other dims). */
  lines: number;
  len: number;
  inBase: Offsets;
  inStride: number;
  /** Offsets of each line in a contiguous tensor of the same shape. */
  outBase: Offsets;
  outStride: number;
}

export function planLines(x: Tensor, dim: number): LinePlan {
  const shape = x.ndim === 0 ? [1] : x.shape;
  const strides = x.ndim === 0 ? [1] : x.strides;
  const cstr = contiguousStrides(shape);
  const oShape = shape.filter((_, i) => i !== dim);
  const inBase = elementOffsets({ shape: oShape, strides: strides.filter((_, i) => i !== dim), offset: x.offset });
  const outBase = elementOffsets({ shape: oShape, strides: cstr.filter((_, i) => i !== dim), offset: 0 });
  return {
    arr: x.data(), table: halfTable(x.dtype), lines: inBase.length, len: shape[dim]!,
    inBase, inStride: strides[dim]!, outBase, outStride: cstr[dim]!,
  };
}

/** Read line l into buf[0..len). */
export function readLine(p: LinePlan, l: number, buf: Float64Array): void {
  const arr = p.arr, t = p.table, s = p.inStride, n = p.len;
  let off = p.inBase[l]!;
  if (t) for (let i = 0; i < n; i++, off += s) buf[i] = t[arr[off]!]!;
  else for (let i = 0; i < n; i++, off += s) buf[i] = arr[off]!;
}

/** Write buf[0..len) into line l of a contiguous float64 result. */
export function writeLine(p: LinePlan, l: number, buf: Float64Array, out: Float64Array): void {
  const s = p.outStride, n = p.len;
  let off = p.outBase[l]!;
  for (let i = 0; i < n; i++, off += s) out[off] = buf[i]!;
}

/** Map every line through fn(buf, len) in place and return the contiguous float64 result. */
export function mapLines(x: Tensor, dim: number, fn: (buf: Float64Array, n: number) => void): Float64Array {
  const p = planLines(x, dim);
  const out = new Float64Array(p.lines * p.len);
  const buf = new Float64Array(p.len);
  for (let l = 0; l < p.lines; l++) {
    readLine(p, l, buf);
    fn(buf, p.len);
    writeLine(p, l, buf, out);
  }
  return out;
}

/** Logical values of x as a contiguous Float64Array (fast for contiguous inputs, any strides otherwise). */
export function readContiguous(x: Tensor): Float64Array {
  const n = x.numel();
  const out = new Float64Array(n);
  const arr = x.data(), t = halfTable(x.dtype);
  if (x.isContiguous()) {
    const o = x.offset;
    if (t) for (let i = 0; i < n; i++) out[i] = t[arr[o + i]!]!;
    else for (let i = 0; i < n; i++) out[i] = arr[o + i]!;
    return out;
  }
  const offs = elementOffsets(x);
  if (t) for (let i = 0; i < n; i++) out[i] = t[arr[offs[i]!]!]!;
  else for (let i = 0; i < n; i++) out[i] = arr[offs[i]!]!;
  return out;
}
