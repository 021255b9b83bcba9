// frontend/shape: torch-level views and data movement: view/reshape ("copies only when it must"),
// expand, permute, transpose, squeeze/unsqueeze, flatten, narrow, select, split/chunk, cat/stack,
// flip/roll/repeat/triu/tril, dtype casts (x.to / x.float() ...) and coil.pad. In: tensors and sizes.
// Out: tensors (views share storage). Sizes accept x.view(2, 3) and x.view([2, 3]).

import { Tensor } from "../tensor/tensor.js";
import { dtypeOf, type DType, type DTypeName } from "../tensor/dtype.js";
import { viewStrides, inferSize, wrapDim } from "../tensor/shape.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

type Sizes = (number | number[])[];
declare module "../tensor/tensor.js" {
  interface Tensor {
    view(...size: Sizes): Tensor;
    reshape(...size: Sizes): Tensor;
    expand(...size: Sizes): Tensor;
    expandAs(other: Tensor): Tensor;
    permute(...dims: Sizes): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    squeeze(dim?: number | number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    unflatten(dim: number, sizes: number[]): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    select(dim: number, index: number): Tensor;
    asStrided(size: number[], stride: number[], storageOffset?: number): Tensor;
    clone(): Tensor;
    contiguous(): Tensor;
    split(splitSize: number | number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    flip(...dims: Sizes): Tensor;
    roll(shifts: number | number[], dims?: number | number[]): Tensor;
    repeat(...repeats: Sizes): Tensor;
    triu(diagonal?: number): Tensor;
    tril(diagonal?: number): Tensor;
    to(dtype: DType | DTypeName): Tensor;
    float(): Tensor;
    double(): Tensor;
    half(): Tensor;
    bfloat16(): Tensor;
    int(): Tensor;
    long(): Tensor;
    bool(): Tensor;
    byte(): Tensor;
  }
}

export function sizeList(size: Sizes): number[] {
  return size.length === 1 && Array.isArray(size[0]) ? size[0].slice() : (size as number[]);
}

/** reshape: a view when the strides allow it, else a contiguous copy viewed (PyTorch's rule). */
function reshapeImpl(x: Tensor, shape: number[]): Tensor {
  const s = inferSize("reshape", shape, x.numel());
  if (viewStrides(x.shape, x.strides, s)) return aten.view.default(x, s);
  return aten._unsafe_view.default(aten.clone.default(x), s);
}

function flattenImpl(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshapeImpl(x, [1]);
  const s = wrapDim("flatten", startDim, x.ndim), e = wrapDim("flatten", endDim, x.ndim);
  if (s > e) throw new RangeError(`flatten: flatten() has invalid args: start_dim (${startDim}) cannot come after end_dim (${endDim})`);
  if (s === e) return x;
  const shape = [...x.shape.slice(0, s), x.shape.slice(s, e + 1).reduce((p, v) => p * v, 1), ...x.shape.slice(e + 1)];
  return reshapeImpl(x, shape);
}

function squeezeImpl(x: Tensor, dim?: number | number[]): Tensor {
  if (dim === undefined) return aten.squeeze.default(x);
  return typeof dim === "number" ? aten.squeeze.dim(x, dim) : aten.squeeze.dims(x, dim);
}

function narrowImpl(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = wrapDim("narrow", dim, x.ndim);
  const size = x.shape[d]!;
  const st = start < 0 ? start + size : start;
  if (st < 0 || st > size) throw new RangeError(`narrow: start (${start}) is out of bounds for dimension ${dim} of size ${size} (shape [${x.shape.join(", ")}])`);
  if (length < 0 || st + length > size) throw new RangeError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) (shape [${x.shape.join(", ")}])`);
  return aten.slice.Tensor(x, d, st, st + length, 1);
}

function splitImpl(x: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  return typeof splitSize === "number" ? aten.split.Tensor(x, splitSize, dim) : aten.split_with_sizes.default(x, splitSize, dim);
}

function chunkImpl(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new RangeError(`chunk: chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const size = x.shape[wrapDim("chunk", dim, x.ndim)]!;
  return aten.split.Tensor(x, Math.max(Math.ceil(size / chunks), 1), dim);
}

function stackImpl(tensors: Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new RangeError("stack: stack expects a non-empty TensorList");
  const first = tensors[0]!;
  tensors.forEach((t, i) => {
    if (t.shape.length !== first.shape.length || t.shape.some((s, k) => s !== first.shape[k])) {
      throw new RangeError(`stack: stack expects each tensor to be equal size, but got [${first.shape.join(", ")}] at entry 0 and [${t.shape.join(", ")}] at entry ${i}`);
    }
  });
  const d = wrapDim("stack", dim, first.ndim + 1);
  return aten.cat.default(tensors.map((t) => aten.unsqueeze.default(t, d)), d);
}

function toImpl(x: Tensor, dtype: DType | DTypeName): Tensor {
  const d = dtypeOf(dtype);
  return d === x.dtype ? x : aten._to_copy.default(x, { dtype: d });
}

export type PadMode = "constant" | "reflect" | "replicate";
/** coil.pad(x, pads, mode, value): pads list last dim first, as torch.nn.functional.pad. */
function padImpl(x: Tensor, pads: number[], mode: PadMode = "constant", value = 0): Tensor {
  if (mode === "constant") return aten.constant_pad_nd.default(x, pads, value);
  const k = pads.length / 2;
  if (k !== 1 && k !== 2) throw new RangeError(`pad: ${mode} padding supports 1-d and 2-d padding (got ${pads.length} pad values for input [${x.shape.join(", ")}])`);
  const name = `${mode === "reflect" ? "reflection" : "replication"}_pad${k}d`;
  return (aten as unknown as Record<string, { default: (x: Tensor, p: number[]) => Tensor }>)[name]!.default(x, pads);
}

function rollImpl(x: Tensor, shifts: number | number[], dims: number | number[] = []): Tensor {
  return aten.roll.default(x, typeof shifts === "number" ? [shifts] : shifts, typeof dims === "number" ? [dims] : dims);
}

export const clone = defineFunction("coil.clone", (x: Tensor): Tensor => aten.clone.default(x));
export const reshape = defineFunction("coil.reshape", (x: Tensor, shape: number[]): Tensor => reshapeImpl(x, shape));
export const flatten = defineFunction("coil.flatten", flattenImpl);
export const permute = defineFunction("coil.permute", (x: Tensor, dims: number[]): Tensor => aten.permute.default(x, dims));
export const transpose = defineFunction("coil.transpose", (x: Tensor, d0: number, d1: number): Tensor => aten.transpose.int(x, d0, d1));
export const squeeze = defineFunction("coil.squeeze", squeezeImpl);
export const unsqueeze = defineFunction("coil.unsqueeze", (x: Tensor, dim: number): Tensor => aten.unsqueeze.default(x, dim));
export const narrow = defineFunction("coil.narrow", narrowImpl);
export const select = defineFunction("coil.select", (x: Tensor, dim: number, index: number): Tensor => aten.select.int(x, dim, index));
export const split = defineFunction("coil.split", splitImpl);
export const chunk = defineFunction("coil.chunk", chunkImpl);
export const cat = defineFunction("coil.cat", (tensors: Tensor[], dim = 0): Tensor => aten.cat.default(tensors, dim));
export const stack = defineFunction("coil.stack", stackImpl);
export const flip = defineFunction("coil.flip", (x: Tensor, dims: number[]): Tensor => aten.flip.default(x, dims));
export const roll = defineFunction("coil.roll", rollImpl);
export const triu = defineFunction("coil.triu", (x: Tensor, diagonal = 0): Tensor => aten.triu.default(x, diagonal));
export const tril = defineFunction("coil.tril", (x: Tensor, diagonal = 0): Tensor => aten.tril.default(x, diagonal));
export const pad = defineFunction("coil.pad", padImpl);

defineMethod("view", (x, ...size: Sizes) => aten.view.default(x, sizeList(size)));
defineMethod("reshape", (x, ...size: Sizes) => reshapeImpl(x, sizeList(size)));
defineMethod("expand", (x, ...size: Sizes) => aten.expand.default(x, sizeList(size)));
defineMethod("expandAs", (x, other: Tensor) => aten.expand.default(x, [...other.shape]));
defineMethod("permute", (x, ...dims: Sizes) => aten.permute.default(x, sizeList(dims)));
defineMethod("transpose", (x, d0: number, d1: number) => aten.transpose.int(x, d0, d1));
defineMethod("squeeze", squeezeImpl);
defineMethod("unsqueeze", (x, dim: number) => aten.unsqueeze.default(x, dim));
defineMethod("flatten", flattenImpl);
defineMethod("unflatten", (x, dim: number, sizes: number[]) => {
  const d = wrapDim("unflatten", dim, x.ndim);
  const inner = inferSize("unflatten", sizes, x.shape[d]!);
  return aten.view.default(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
});
defineMethod("narrow", narrowImpl);
defineMethod("select", (x, dim: number, index: number) => aten.select.int(x, dim, index));
defineMethod("asStrided", (x, size: number[], stride: number[], off?: number) => aten.as_strided.default(x, size, stride, off ?? null));
defineMethod("clone", (x) => aten.clone.default(x));
defineMethod("contiguous", (x) => aten.contiguous.default(x));
defineMethod("split", splitImpl);
defineMethod("chunk", chunkImpl);
defineMethod("flip", (x, ...dims: Sizes) => aten.flip.default(x, sizeList(dims)));
defineMethod("roll", rollImpl);
defineMethod("repeat", (x, ...r: Sizes) => aten.repeat.default(x, sizeList(r)));
defineMethod("triu", (x, diagonal = 0) => aten.triu.default(x, diagonal));
defineMethod("tril", (x, diagonal = 0) => aten.tril.default(x, diagonal));
defineMethod("to", toImpl);
const casts: [string, DTypeName][] = [["float", "float32"], ["double", "float64"], ["half", "float16"], ["bfloat16", "bfloat16"], ["int", "int32"], ["long", "int64"], ["bool", "bool"], ["byte", "uint8"]];
for (const [m, d] of casts) defineMethod(m, (x) => toImpl(x, d));

void Tensor;
