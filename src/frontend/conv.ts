// frontend/conv: torch-level convolution and pooling functions (coil.conv1d/conv2d/conv3d,
// coil.convTranspose1d/convTranspose2d, coil.maxPool2d/avgPool2d/adaptiveAvgPool2d), torch.conv2d-like
// signatures; unbatched inputs are given a batch dim and lose it again. In: tensors. Out: tensors.

import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";

type T = Tensor;
type IntOrList = number | number[];

function tuple(op: string, name: string, v: IntOrList, S: number): number[] {
  if (typeof v === "number") return new Array<number>(S).fill(v);
  if (v.length === 1) return new Array<number>(S).fill(v[0]!);
  if (v.length !== S) throw new RangeError(`${op}: expected ${name} to be an int or a list of ${S} ints, but got ${JSON.stringify(v)}`);
  return v.slice();
}

/** Run fn on a batched input; an unbatched input (S+1 dims) gets a leading batch dim added and removed. */
function batchify(op: string, x: T, S: number, fn: (xb: T) => T): T {
  if (x.ndim === S + 2) return fn(x);
  if (x.ndim === S + 1) return aten.squeeze.dim(fn(aten.unsqueeze.default(x, 0)), 0);
  throw new RangeError(`${op}: Expected ${S + 1}D (unbatched) or ${S + 2}D (batched) input to ${op}, but got input of size: ${fmtShape(x.shape)}`);
}

/** Symmetric padding for padding="same" (odd total padding is not supported without an explicit pad). */
function samePadding(op: string, w: T, dilation: number[], stride: number[]): number[] {
  if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions`);
  return w.shape.slice(2).map((k, d) => {
    const total = dilation[d]! * (k - 1);
    if (total % 2 !== 0) throw new RangeError(`${op}: padding='same' with kernel size ${k} and dilation ${dilation[d]} needs asymmetric padding, which coil does not support yet; pad the input explicitly`);
    return total / 2;
  });
}

function convN(S: number, op: string) {
  return (x: T, weight: T, bias: T | null = null, stride: IntOrList = 1, padding: IntOrList | "same" | "valid" = 0, dilation: IntOrList = 1, groups = 1): T => {
    const st = tuple(op, "stride", stride, S), di = tuple(op, "dilation", dilation, S);
    const pa = padding === "valid" ? new Array<number>(S).fill(0) : padding === "same" ? samePadding(op, weight, di, st) : tuple(op, "padding", padding, S);
    return batchify(op, x, S, (xb) => aten.convolution.default(xb, weight, bias, st, pa, di, false, new Array<number>(S).fill(0), groups));
  };
}

function convTransposeN(S: number, op: string) {
  return (x: T, weight: T, bias: T | null = null, stride: IntOrList = 1, padding: IntOrList = 0, outputPadding: IntOrList = 0, groups = 1, dilation: IntOrList = 1): T =>
    batchify(op, x, S, (xb) => aten.convolution.default(xb, weight, bias, tuple(op, "stride", stride, S), tuple(op, "padding", padding, S),
      tuple(op, "dilation", dilation, S), true, tuple(op, "output_padding", outputPadding, S), groups));
}

export const conv1d = defineFunction("coil.conv1d", convN(1, "conv1d"));
export const conv2d = defineFunction("coil.conv2d", convN(2, "conv2d"));
export const conv3d = defineFunction("coil.conv3d", convN(3, "conv3d"));
export const convTranspose1d = defineFunction("coil.convTranspose1d", convTransposeN(1, "conv_transpose1d"));
export const convTranspose2d = defineFunction("coil.convTranspose2d", convTransposeN(2, "conv_transpose2d"));
export const convTranspose3d = defineFunction("coil.convTranspose3d", convTransposeN(3, "conv_transpose3d"));

export interface Pool2dOptions { stride?: IntOrList | null; padding?: IntOrList; dilation?: IntOrList; ceilMode?: boolean }

function poolArgs(op: string, kernelSize: IntOrList, o: Pool2dOptions) {
  const k = tuple(op, "kernel_size", kernelSize, 2);
  return { k, s: o.stride == null ? k : tuple(op, "stride", o.stride, 2), p: tuple(op, "padding", o.padding ?? 0, 2), d: tuple(op, "dilation", o.dilation ?? 1, 2) };
}

/** torch.max_pool2d. */
export const maxPool2d = defineFunction("coil.maxPool2d", (x: T, kernelSize: IntOrList, opts: Pool2dOptions = {}): T => {
  const { k, s, p, d } = poolArgs("max_pool2d", kernelSize, opts);
  return (aten.max_pool2d_with_indices.default(x, k, s, p, d, opts.ceilMode ?? false) as T[])[0]!;
});

/** torch.nn.functional.max_pool2d_with_indices: [values, indices (int64, flat over H*W)]. */
export const maxPool2dWithIndices = defineFunction("coil.maxPool2dWithIndices", (x: T, kernelSize: IntOrList, opts: Pool2dOptions = {}): [T, T] => {
  const { k, s, p, d } = poolArgs("max_pool2d", kernelSize, opts);
  const r = aten.max_pool2d_with_indices.default(x, k, s, p, d, opts.ceilMode ?? false) as T[];
  return [r[0]!, r[1]!];
});

export interface AvgPool2dOptions { stride?: IntOrList | null; padding?: IntOrList; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }
export const avgPool2d = defineFunction("coil.avgPool2d", (x: T, kernelSize: IntOrList, opts: AvgPool2dOptions = {}): T => {
  const { k, s, p } = poolArgs("avg_pool2d", kernelSize, opts);
  return aten.avg_pool2d.default(x, k, s, p, opts.ceilMode ?? false, opts.countIncludePad ?? true, opts.divisorOverride ?? null);
});

export const adaptiveAvgPool2d = defineFunction("coil.adaptiveAvgPool2d", (x: T, outputSize: number | (number | null)[]): T => {
  const o = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize.length === 1 ? [outputSize[0]!, outputSize[0]!] : outputSize;
  if (x.ndim < 2) throw new RangeError(`adaptive_avg_pool2d: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`);
  return aten._adaptive_avg_pool2d.default(x, o.map((v, i) => v ?? x.shape[x.ndim - 2 + i]!));
});
