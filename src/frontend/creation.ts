// frontend/creation: tensor factories (tensor, zeros, ones, full, randn, ...).
// In: nested arrays / typed arrays / sizes and options. Out: new tensors (leaves).

import { Tensor, checkDevice, type Device } from "../tensor/tensor.js";
import { dtypeOf, resultType, int64, bool, float32, float64, int32, uint8, type DType, type DTypeName, defaultFloatDtype } from "../tensor/dtype.js";
import { defaultGenerator } from "../tensor/random.js";
import { numel } from "../tensor/shape.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

export interface TensorOptions {
  dtype?: DType | DTypeName;
  device?: Device;
  requiresGrad?: boolean;
}

export type NestedArray = number | boolean | NestedArray[];

function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) { shape.push(cur.length); cur = cur[0] as NestedArray; if (cur === undefined) break; }
  return shape;
}

function flatten(op: string, data: NestedArray, shape: number[], depth: number, out: number[]): { anyFloat: boolean; anyBool: boolean; allBool: boolean } {
  const stats = { anyFloat: false, anyBool: false, allBool: true };
  const rec = (d: NestedArray, k: number) => {
    if (k === shape.length) {
      if (Array.isArray(d)) throw new TypeError(`${op}: ragged nested array (too deep at dimension ${k})`);
      if (typeof d === "boolean") { stats.anyBool = true; out.push(d ? 1 : 0); return; }
      if (typeof d !== "number") throw new TypeError(`${op}: expected numbers or booleans, got ${typeof d}`);
      stats.allBool = false;
      if (!Number.isInteger(d)) stats.anyFloat = true;
      out.push(d);
      return;
    }
    if (!Array.isArray(d) || d.length !== shape[k]) throw new TypeError(`${op}: ragged nested array: expected sequence of length ${shape[k]} at dim ${k}`);
    for (const e of d) rec(e, k + 1);
  };
  rec(data, depth);
  return stats;
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) {
    if (!t.dtype.isFloatingPoint) throw new TypeError(`only tensors of floating point dtype can require gradients (got ${t.dtype.name})`);
    t.requiresGrad = true;
  }
  return t;
}

function typedDtype(a: ArrayLike<number> | BigInt64Array): DType {
  if (a instanceof BigInt64Array) return int64;
  if (a instanceof Float64Array) return float64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Uint8Array) return uint8;
  return float32;
}

/** coil.tensor(data, {dtype, device, requiresGrad}): data is a number, boolean, nested array or typed array. */
export type TensorData = NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array | BigInt64Array;
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  const device = checkDevice(opts.device ?? "cpu");
  if (ArrayBuffer.isView(data)) {
    const d = opts.dtype ? dtypeOf(opts.dtype) : typedDtype(data);
    const vals = data instanceof BigInt64Array ? Array.from(data, (v) => Number(v)) : data;
    return finish(Tensor.fromValues(vals, [data.length], d, device), opts);
  }
  const shape = inferShape(data);
  const values: number[] = [];
  const st = flatten("tensor", data, shape, 0, values);
  const inferred = st.allBool && st.anyBool ? bool : st.anyFloat ? defaultFloatDtype.current : values.length === 0 ? defaultFloatDtype.current : int64;
  const d = opts.dtype ? dtypeOf(opts.dtype) : inferred;
  return finish(Tensor.fromValues(values, shape, d, device), opts);
}

/** A 0-d tensor holding a scalar, with the dtype PyTorch would give it next to `like`. */
export function scalarTensor(v: number | boolean, like: Tensor): Tensor {
  const d = resultType([like], [v]) === like.dtype && like.dtype.isFloatingPoint ? like.dtype
    : typeof v === "boolean" ? bool : Number.isInteger(v) ? int64 : defaultFloatDtype.current;
  return Tensor.fromValues([Number(v)], [], d, like.device);
}

/** Largest element count of one storage (JS typed arrays hold at most 2^32 - 1 elements). */
const MAX_ELEMENTS = 2 ** 32 - 1;

function sizeArgs(op: string, size: (number | number[])[]): number[] {
  const s = size.length === 1 && Array.isArray(size[0]) ? size[0] : size;
  for (const v of s as number[]) if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: invalid size ${JSON.stringify(s)}: sizes must be non-negative integers`);
  const n = numel(s as number[]);
  if (n > MAX_ELEMENTS) throw new RangeError(`${op}: size [${(s as number[]).join(", ")}] has ${n} elements, more than a tensor can hold (at most ${MAX_ELEMENTS})`);
  return (s as number[]).slice();
}

type SizeArgs = (number | number[] | TensorOptions)[];
function splitOpts(args: SizeArgs): { sizes: (number | number[])[]; opts: TensorOptions } {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) return { sizes: args.slice(0, -1) as (number | number[])[], opts: last };
  return { sizes: args as (number | number[])[], opts: {} };
}

/** Factory kwargs for aten ops (dtype/device only when given). */
function kw(opts: TensorOptions): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (opts.dtype !== undefined) o.dtype = dtypeOf(opts.dtype);
  if (opts.device !== undefined) o.device = checkDevice(opts.device);
  return o;
}

function sized(name: string, op: (size: number[], k: Record<string, unknown>) => Tensor) {
  return defineFunction(`coil.${name}`, (...args: SizeArgs): Tensor => {
    const { sizes, opts } = splitOpts(args);
    return finish(op(sizeArgs(name, sizes), kw(opts)), opts);
  });
}

export const full = defineFunction("coil.full", (size: number[], value: number | boolean, opts: TensorOptions = {}): Tensor =>
  finish(aten.full.default(sizeArgs("full", [size]), value, kw(opts)), opts));
export const zeros = sized("zeros", (s, k) => aten.zeros.default(s, k));
export const ones = sized("ones", (s, k) => aten.ones.default(s, k));
/** coil.empty: like torch.empty, but zero-filled (coil never exposes uninitialised memory). */
export const empty = sized("empty", (s, k) => aten.empty.memory_format(s, k));
export const randn = sized("randn", (s, k) => aten.randn.default(s, k));
export const rand = sized("rand", (s, k) => aten.rand.default(s, k));
/** coil.randint(low?, high, size, opts): integers in [low, high), int64 by default. */
export const randint = defineFunction("coil.randint", (...args: (number | number[] | TensorOptions)[]): Tensor => {
  const { sizes, opts } = splitOpts(args);
  const size = sizes[sizes.length - 1];
  if (!Array.isArray(size)) throw new TypeError("randint: expected (high, size) or (low, high, size) with size an array");
  const nums = sizes.slice(0, -1) as number[];
  const [low, high] = nums.length === 1 ? [0, nums[0]!] : [nums[0]!, nums[1]!];
  return finish(aten.randint.low(low, high, size, kw(opts)), opts);
});

const like = (name: string, op: (x: Tensor, k: Record<string, unknown>) => Tensor) =>
  defineFunction(`coil.${name}`, (x: Tensor, opts: TensorOptions = {}): Tensor => finish(op(x, kw(opts)), opts));
export const zerosLike = like("zerosLike", (x, k) => aten.zeros_like.default(x, k));
export const onesLike = like("onesLike", (x, k) => aten.ones_like.default(x, k));
export const emptyLike = like("emptyLike", (x, k) => aten.empty_like.default(x, k));
export const randLike = like("randLike", (x, k) => aten.rand_like.default(x, k));
export const randnLike = like("randnLike", (x, k) => aten.randn_like.default(x, k));
export const randintLike = defineFunction("coil.randintLike", (x: Tensor, high: number, opts: TensorOptions = {}): Tensor => finish(aten.randint_like.default(x, high, kw(opts)), opts));
export const fullLike = defineFunction("coil.fullLike", (x: Tensor, value: number | boolean, opts: TensorOptions = {}): Tensor => finish(aten.full_like.default(x, value, kw(opts)), opts));

/**
 * coil.arange(end) / arange(start, end, step?) with an optional trailing options object. The dtype is
 * int64 when every bound is an integer and the default float otherwise; JS cannot tell 5.0 from 5, so
 * pass { dtype: coil.float32 } for float ranges with integral bounds.
 */
export const arange = defineFunction("coil.arange", (...args: (number | TensorOptions)[]): Tensor => {
  const last = args[args.length - 1];
  const opts = typeof last === "object" ? (args.pop() as TensorOptions) : {};
  const n = args as number[];
  const [start, end, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
  return finish(aten.arange.start_step(start, end, step, kw(opts)), opts);
});
export const linspace = defineFunction("coil.linspace", (start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor =>
  finish(aten.linspace.default(start, end, steps, kw(opts)), opts));
export const eye = defineFunction("coil.eye", (n: number, m?: number | TensorOptions, opts: TensorOptions = {}): Tensor => {
  if (typeof m === "object") { opts = m; m = undefined; }
  return finish(m === undefined ? aten.eye.default(n, kw(opts)) : aten.eye.m(n, m, kw(opts)), opts);
});

declare module "../tensor/tensor.js" {
  interface Tensor {
    newZeros(size: number[], opts?: TensorOptions): Tensor;
    newOnes(size: number[], opts?: TensorOptions): Tensor;
    newEmpty(size: number[], opts?: TensorOptions): Tensor;
    newFull(size: number[], value: number | boolean, opts?: TensorOptions): Tensor;
    newTensor(data: NestedArray, opts?: TensorOptions): Tensor;
  }
}
defineMethod("newZeros", (x, size: number[], opts: TensorOptions = {}) => finish(aten.new_zeros.default(x, size, kw(opts)), opts));
defineMethod("newOnes", (x, size: number[], opts: TensorOptions = {}) => finish(aten.new_ones.default(x, size, kw(opts)), opts));
defineMethod("newEmpty", (x, size: number[], opts: TensorOptions = {}) => finish(aten.new_empty.default(x, size, kw(opts)), opts));
defineMethod("newFull", (x, size: number[], value: number | boolean, opts: TensorOptions = {}) => finish(aten.new_full.default(x, size, value, kw(opts)), opts));
defineMethod("newTensor", (x, data: NestedArray, opts: TensorOptions = {}) => tensor(data, { dtype: x.dtype, device: x.device, ...opts }));

void numel; void defaultGenerator; void float32;
