// frontend/creation: tensor factories (tensor, zeros, ones, full, randn, ...).
// In: nested arrays / typed arrays / sizes and options. Out: new tensors (leaves).

import { Tensor, checkDevice, type Device } from "../tensor/tensor.js";
import { dtypeOf, resultType, int64, bool, float32, float64, int32, uint8, type DType, type DTypeName, defaultFloatDtype } from "../tensor/dtype.js";
import { defaultGenerator } from "../tensor/random.js";
import { numel } from "../tensor/shape.js";

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

function typedDtype(a: ArrayLike<number>): DType {
  if (a instanceof Float64Array) return float64;
  if (a instanceof Int32Array) return int32;
  if (a instanceof Uint8Array) return uint8;
  return float32;
}

/** coil.tensor(data, {dtype, device, requiresGrad}): data is a number, boolean, nested array or typed array. */
export function tensor(data: NestedArray | Float32Array | Float64Array | Int32Array | Uint8Array, opts: TensorOptions = {}): Tensor {
  const device = checkDevice(opts.device ?? "cpu");
  if (ArrayBuffer.isView(data)) {
    const d = opts.dtype ? dtypeOf(opts.dtype) : typedDtype(data);
    return finish(Tensor.fromValues(data, [data.length], d, device), opts);
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

function sizeArgs(op: string, size: (number | number[])[]): number[] {
  const s = size.length === 1 && Array.isArray(size[0]) ? size[0] : size;
  for (const v of s as number[]) if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: invalid size ${JSON.stringify(s)}: sizes must be non-negative integers`);
  return (s as number[]).slice();
}

function splitOpts(args: (number | number[] | TensorOptions)[]): { sizes: (number | number[])[]; opts: TensorOptions } {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === "object" && !Array.isArray(last)) return { sizes: args.slice(0, -1) as (number | number[])[], opts: last };
  return { sizes: args as (number | number[])[], opts: {} };
}

export function full(size: number[], value: number | boolean, opts: TensorOptions = {}): Tensor {
  const s = sizeArgs("full", [size]);
  const d = opts.dtype ? dtypeOf(opts.dtype) : typeof value === "boolean" ? bool : Number.isInteger(value) ? int64 : defaultFloatDtype.current;
  const t = Tensor.fromValues(new Float64Array(numel(s)).fill(Number(value)), s, d, checkDevice(opts.device ?? "cpu"));
  return finish(t, opts);
}

export function zeros(...args: (number | number[] | TensorOptions)[]): Tensor {
  const { sizes, opts } = splitOpts(args);
  return finish(Tensor.empty(sizeArgs("zeros", sizes), opts.dtype ?? defaultFloatDtype.current, checkDevice(opts.device ?? "cpu")), opts);
}

export function ones(...args: (number | number[] | TensorOptions)[]): Tensor {
  const { sizes, opts } = splitOpts(args);
  return full(sizeArgs("ones", sizes), 1, { dtype: defaultFloatDtype.current, ...opts });
}

export function randn(...args: (number | number[] | TensorOptions)[]): Tensor {
  const { sizes, opts } = splitOpts(args);
  const s = sizeArgs("randn", sizes);
  const n = numel(s);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = defaultGenerator.normal();
  const d = opts.dtype ? dtypeOf(opts.dtype) : defaultFloatDtype.current;
  if (!d.isFloatingPoint) throw new TypeError(`randn: expected a floating point dtype, got ${d.name}`);
  return finish(Tensor.fromValues(vals, s, d, checkDevice(opts.device ?? "cpu")), opts);
}

export function rand(...args: (number | number[] | TensorOptions)[]): Tensor {
  const { sizes, opts } = splitOpts(args);
  const s = sizeArgs("rand", sizes);
  const n = numel(s);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = defaultGenerator.random();
  const d = opts.dtype ? dtypeOf(opts.dtype) : defaultFloatDtype.current;
  return finish(Tensor.fromValues(vals, s, d, checkDevice(opts.device ?? "cpu")), opts);
}
