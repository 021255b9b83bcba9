// tensor/tensor: the Tensor data structure (storage, shape, strides, offset, dtype, device,
// autograd fields) and raw element access. In: storage + layout. Out: Tensor objects.
// Operations (cos, mm, ...) are attached to the prototype by src/frontend; this file holds data only.

import {
  type DType, type NumericArray, type DTypeName, dtypeOf, bfloat16, float16,
  bfloat16BitsToFloat, floatToBfloat16Bits, halfBitsToFloat, floatToHalfBits, castScalar,
} from "./dtype.js";
import { contiguousStrides, numel, isContiguous, type Shape } from "./shape.js";

export type Device = "cpu" | "webgpu";
export const DEVICES: readonly Device[] = ["cpu", "webgpu"];

export function checkDevice(d: unknown): Device {
  if (d === "cpu" || d === "webgpu") return d;
  throw new TypeError(`unknown device '${String(d)}'; expected "cpu" (or "webgpu" once its backend is loaded)`);
}

/** A flat buffer plus a version counter shared by every view of it. data === null: a fake tensor. */
export class Storage {
  version = 0;
  /** Set by dispose(): the data is gone and every use of a tensor over this storage throws. */
  disposed = false;
  /** Frees memory held outside the JS heap (a Wasm memory block), set by the allocator that made it. */
  release: (() => void) | null = null;
  constructor(
    public data: NumericArray | null,
    public readonly dtype: DType,
    public readonly device: Device,
    /** Number of elements (also for fake storages). */
    public readonly size: number,
  ) {}
  static allocate(n: number, dtype: DType, device: Device = "cpu"): Storage {
    return new Storage(new dtype.arrayCtor(n), dtype, device, n);
  }
  static fake(n: number, dtype: DType, device: Device = "cpu"): Storage {
    return new Storage(null, dtype, device, n);
  }
  /** Release the data now (a Wasm block goes back to its allocator); later uses throw. Idempotent; no-op for fakes. */
  dispose(): void {
    if (this.disposed || this.data === null) return;
    this.disposed = true;
    const release = this.release;
    this.release = null;
    this.data = new this.dtype.arrayCtor(0);
    release?.();
  }
}

/** Autograd graph node as seen from a tensor (implemented in src/autograd). */
export interface GradFn {
  readonly name: string;
  readonly nextFunctions: readonly ({ fn: GradFn; index: number } | null)[];
}

export type TensorHook = (grad: Tensor) => Tensor | void;

let nextTensorId = 1;

export class Tensor {
  readonly id = nextTensorId++;
  requiresGrad = false;
  grad: Tensor | null = null;
  gradFn: GradFn | null = null;
  /** Which output of gradFn this tensor is. */
  outputNr = 0;
  retainsGrad = false;
  hooks: TensorHook[] = [];
  /** For views: the tensor whose storage this one aliases (null for bases). */
  base: Tensor | null = null;
  /** Free-form tags used by tracers (e.g. the fx node a proxy stands for). */
  name?: string;

  constructor(
    public readonly storage: Storage,
    public readonly shape: readonly number[],
    public readonly strides: readonly number[],
    public readonly offset: number = 0,
  ) {}

  get dtype(): DType { return this.storage.dtype; }
  get device(): Device { return this.storage.device; }
  get ndim(): number { return this.shape.length; }
  get isLeaf(): boolean { return this.gradFn === null; }
  get isFake(): boolean { return this.storage.data === null; }
  get version(): number { return this.storage.version; }
  numel(): number { return numel(this.shape); }
  dim(): number { return this.shape.length; }
  size(): number[];
  size(d: number): number;
  size(d?: number): number | number[] {
    if (d === undefined) return this.shape.slice();
    const nd = this.shape.length;
    const w = d < 0 ? d + nd : d;
    if (w < 0 || w >= nd) throw new RangeError(`size: dimension out of range (expected to be in range of [${-nd}, ${nd - 1}], but got ${d})`);
    return this.shape[w]!;
  }
  stride(): number[];
  stride(d: number): number;
  stride(d?: number): number | number[] {
    if (d === undefined) return this.strides.slice();
    const nd = this.shape.length;
    return this.strides[d < 0 ? d + nd : d]!;
  }
  isContiguous(): boolean { return isContiguous(this.shape, this.strides); }
  elementSize(): number { return this.dtype.itemsize; }

  /**
   * Free this tensor's storage now instead of when it is garbage collected: a block in Wasm memory returns
   * to the allocator at once (JS-backed storage just drops its array). Every view of the same storage is
   * disposed with it; using any of them afterwards throws. Idempotent, and a no-op for fake tensors.
   */
  dispose(): void { this.storage.dispose(); }
  get isDisposed(): boolean { return this.storage.disposed; }

  /** Raw typed array (throws for fake and disposed tensors, naming the op that needed data). */
  data(op = "data access"): NumericArray {
    const d = this.storage.data;
    if (this.storage.disposed) throw new Error(`${op}: the tensor (shape ${JSON.stringify(this.shape)}, dtype ${this.dtype.name}) was disposed (tensor.dispose()); it cannot be used any more`);
    if (d === null) throw new TypeError(`${op}: cannot access the data of a fake tensor (shape ${JSON.stringify(this.shape)}, dtype ${this.dtype.name}); this happens when data-dependent code runs while coil traces a function`);
    return d;
  }

  // ---- construction helpers (no op dispatch) ----
  static empty(shape: Shape, dtype: DType | DTypeName = "float32", device: Device = "cpu"): Tensor {
    const d = dtypeOf(dtype);
    const s = shape.slice();
    return new Tensor(Storage.allocate(numel(s), d, device), s, contiguousStrides(s), 0);
  }
  static fake(shape: Shape, dtype: DType | DTypeName = "float32", device: Device = "cpu", strides?: Shape): Tensor {
    const d = dtypeOf(dtype);
    const s = shape.slice();
    const st = strides ? strides.slice() : contiguousStrides(s);
    let extent = 1;
    for (let i = 0; i < s.length; i++) if (s[i]! > 0) extent += (s[i]! - 1) * Math.abs(st[i]!); else extent = 0;
    return new Tensor(Storage.fake(numel(s) === 0 ? 0 : extent, d, device), s, st, 0);
  }
  /** Build a contiguous tensor from values already in logical order (numbers are cast to dtype). */
  static fromValues(values: ArrayLike<number>, shape: Shape, dtype: DType | DTypeName = "float32", device: Device = "cpu"): Tensor {
    const t = Tensor.empty(shape, dtype, device);
    const arr = t.storage.data!;
    const d = t.dtype;
    if (d === bfloat16) for (let i = 0; i < values.length; i++) arr[i] = floatToBfloat16Bits(values[i]!);
    else if (d === float16) for (let i = 0; i < values.length; i++) arr[i] = floatToHalfBits(values[i]!);
    else if (d.name === "int64") for (let i = 0; i < values.length; i++) arr[i] = castScalar(values[i]!, d);
    else if (d.name === "bool") for (let i = 0; i < values.length; i++) arr[i] = values[i] ? 1 : 0;
    else arr.set(values as ArrayLike<number>);
    return t;
  }
  /** A new tensor object over the same storage (a view), without autograd linkage. */
  aliasAs(shape: Shape, strides: Shape, offset: number = this.offset): Tensor {
    const v = new Tensor(this.storage, shape.slice(), strides.slice(), offset);
    v.base = this.base ?? this;
    return v;
  }
}

// ---- element access, used by printing, tolist and generic (slow-path) kernels ----

/** Read storage element i as a JS number (half types converted). */
export function readStorage(arr: NumericArray, dtype: DType, i: number): number {
  const v = arr[i]!;
  if (dtype === bfloat16) return bfloat16BitsToFloat(v);
  if (dtype === float16) return halfBitsToFloat(v);
  return v;
}

/** Write a JS number into storage element i, rounding to the dtype. */
export function writeStorage(arr: NumericArray, dtype: DType, i: number, v: number): void {
  if (dtype === bfloat16) arr[i] = floatToBfloat16Bits(v);
  else if (dtype === float16) arr[i] = floatToHalfBits(v);
  else if (dtype.name === "int64") arr[i] = Number.isFinite(v) ? Math.trunc(v) : 0;
  else if (dtype.name === "bool") arr[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
  else arr[i] = v;
}

/** Storage offsets of every element in logical (row-major) order. */
export function elementOffsets(t: { shape: readonly number[]; strides: readonly number[]; offset: number }): Int32Array | Float64Array {
  const n = numel(t.shape);
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  const nd = t.shape.length;
  if (n === 0) return out;
  const idx = new Array<number>(nd).fill(0);
  let off = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += t.strides[d]!;
      if (idx[d]! < t.shape[d]!) break;
      off -= t.strides[d]! * t.shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Logical values of a tensor as a Float64Array (converts half types). */
export function toFloat64Array(t: Tensor): Float64Array {
  const arr = t.data("toArray");
  const n = t.numel();
  const out = new Float64Array(n);
  if (t.isContiguous() && t.dtype !== bfloat16 && t.dtype !== float16) {
    for (let i = 0; i < n; i++) out[i] = arr[t.offset + i]!;
    return out;
  }
  const offs = elementOffsets(t);
  for (let i = 0; i < n; i++) out[i] = readStorage(arr, t.dtype, offs[i]!);
  return out;
}
