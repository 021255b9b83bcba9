// ops/creation_ops: ops that create tensors: full/zeros/ones/empty, *_like, new_*, arange, linspace,
// eye, scalar_tensor. In: sizes, dtypes, fill values. Out: OpDefs (nondifferentiable, or grads of
// zero for *_like inputs). `empty` is zero-filled so results stay deterministic.

import { Tensor, checkDevice, type Device } from "../tensor/tensor.js";
import { castScalar, dtypeOf, defaultFloatDtype, int64, bool, type DType } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta, OpDef } from "./registry.js";
import { writeStorage } from "../tensor/tensor.js";

const FACTORY_KW = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None";

export function filled(shape: readonly number[], d: DType, value: number, device: Device = "cpu"): Tensor {
  const t = Tensor.empty(shape, d, device);
  const arr = t.storage.data!;
  if (value !== 0 && arr.length) {
    writeStorage(arr, d, 0, castScalar(value, d));
    arr.fill(arr[0]!);
  }
  return t;
}

function checkSize(op: string, size: readonly number[]): number[] {
  for (const s of size) if (!Number.isInteger(s) || s < 0) throw new RangeError(`${op}: Trying to create tensor with negative dimension ${s}: ${fmtShape(size)}`);
  return size.slice();
}

const dev = (a: Args, fallback: Device = "cpu"): Device => checkDevice(a.device ?? fallback);
const likeDtype = (a: Args): DType => (a.dtype ? dtypeOf(a.dtype) : (a.self as Tensor).dtype);
/** Dtype of a fill value without an explicit dtype (full infers bool/int64/float from the scalar). */
export function scalarDtype(v: number | boolean): DType {
  return typeof v === "boolean" ? bool : Number.isInteger(v) ? int64 : defaultFloatDtype.current;
}

function factory(name: string, value: number | null): OpDef {
  const schema = name === "empty"
    ? `empty.memory_format(SymInt[] size, *, ${FACTORY_KW}, MemoryFormat? memory_format=None) -> Tensor`
    : `${name}(SymInt[] size, *, ${FACTORY_KW}) -> Tensor`;
  const d = (a: Args) => (a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current);
  return {
    schema, tags: ["creation"],
    meta: (a: Args): TensorMeta => ({ shape: checkSize(name, a.size), dtype: d(a), device: dev(a) }),
    kernel: (a: Args) => filled(checkSize(name, a.size), d(a), value ?? 0, dev(a)),
    derivative: "nondifferentiable",
  };
}

function likeOp(name: string, value: number | null): OpDef {
  const fillArg = value === null ? "Scalar fill_value, " : "";
  return {
    schema: `${name}(Tensor self, ${fillArg}*, ${FACTORY_KW}, MemoryFormat? memory_format=None) -> Tensor`,
    tags: ["creation"],
    meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: likeDtype(a), device: dev(a, a.self.device) }),
    kernel: (a: Args) => filled(a.self.shape, likeDtype(a), value ?? Number(a.fill_value), dev(a, a.self.device)),
    derivative: "nondifferentiable",
  };
}

function newOp(name: string, value: number | null): OpDef {
  const fillArg = value === null ? "Scalar fill_value, " : "";
  return {
    schema: `${name}(Tensor self, SymInt[] size, ${fillArg}*, ${FACTORY_KW}) -> Tensor`,
    tags: ["creation"],
    meta: (a: Args): TensorMeta => ({ shape: checkSize(name, a.size), dtype: likeDtype(a), device: dev(a, a.self.device) }),
    kernel: (a: Args) => filled(checkSize(name, a.size), likeDtype(a), value ?? Number(a.fill_value), dev(a, a.self.device)),
    derivative: "nondifferentiable",
  };
}

/** arange's length and dtype (int64 when start/end/step are all integers, else the default float). */
export function arangeInfo(start: number, end: number, step: number, dtype: DType | string | null): { n: number; dtype: DType } {
  if (step === 0) throw new RangeError("arange: step must be nonzero");
  if (![start, end, step].every(Number.isFinite)) throw new RangeError(`arange: unsupported range: ${start} -> ${end}`);
  if ((step > 0 && end < start) || (step < 0 && end > start)) throw new RangeError(`arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`);
  const d = dtype ? dtypeOf(dtype as DType) : [start, end, step].every(Number.isInteger) ? int64 : defaultFloatDtype.current;
  const n = Math.max(0, Math.ceil((end - start) / step));
  return { n, dtype: d };
}

function arangeOp(schema: string): OpDef {
  const get = (a: Args) => ({ start: Number(a.start ?? 0), end: Number(a.end), step: Number(a.step ?? 1) });
  return {
    schema, tags: ["creation"],
    meta: (a: Args): TensorMeta => { const { start, end, step } = get(a); const i = arangeInfo(start, end, step, a.dtype); return { shape: [i.n], dtype: i.dtype, device: dev(a) }; },
    kernel: (a: Args) => {
      const { start, end, step } = get(a);
      const i = arangeInfo(start, end, step, a.dtype);
      const t = Tensor.empty([i.n], i.dtype, dev(a));
      const arr = t.storage.data!;
      for (let k = 0; k < i.n; k++) writeStorage(arr, i.dtype, k, start + k * step);
      return t;
    },
    derivative: "nondifferentiable",
  };
}

export const creationOps = {
  full: {
    default: {
      schema: `full(SymInt[] size, Scalar fill_value, *, ${FACTORY_KW}) -> Tensor`,
      tags: ["creation"],
      meta: (a: Args): TensorMeta => ({ shape: checkSize("full", a.size), dtype: a.dtype ? dtypeOf(a.dtype) : scalarDtype(a.fill_value), device: dev(a) }),
      kernel: (a: Args) => filled(checkSize("full", a.size), a.dtype ? dtypeOf(a.dtype) : scalarDtype(a.fill_value), Number(a.fill_value), dev(a)),
      derivative: "nondifferentiable",
    },
  },
  zeros: { default: factory("zeros", 0) },
  ones: { default: factory("ones", 1) },
  empty: { memory_format: factory("empty", null) },
  ones_like: { default: likeOp("ones_like", 1) },
  zeros_like: { default: likeOp("zeros_like", 0) },
  empty_like: { default: likeOp("empty_like", 0) },
  full_like: { default: likeOp("full_like", null) },
  new_zeros: { default: newOp("new_zeros", 0) },
  new_ones: { default: newOp("new_ones", 1) },
  new_empty: { default: newOp("new_empty", 0) },
  new_full: { default: newOp("new_full", null) },
  scalar_tensor: {
    default: {
      schema: `scalar_tensor(Scalar s, *, ${FACTORY_KW}) -> Tensor`,
      tags: ["creation"],
      meta: (a: Args): TensorMeta => ({ shape: [], dtype: a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current, device: dev(a) }),
      kernel: (a: Args) => filled([], a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current, Number(a.s), dev(a)),
      derivative: "nondifferentiable",
    },
  },
  arange: {
    default: arangeOp(`arange(Scalar end, *, ${FACTORY_KW}) -> Tensor`),
    start: arangeOp(`arange.start(Scalar start, Scalar end, *, ${FACTORY_KW}) -> Tensor`),
    start_step: arangeOp(`arange.start_step(Scalar start, Scalar end, Scalar step=1, *, ${FACTORY_KW}) -> Tensor`),
  },
  linspace: {
    default: {
      schema: `linspace(Scalar start, Scalar end, int steps, *, ${FACTORY_KW}) -> Tensor`,
      tags: ["creation"],
      meta: (a: Args): TensorMeta => {
        if (a.steps < 0) throw new RangeError(`linspace: number of steps must be non-negative (got ${a.steps})`);
        return { shape: [a.steps], dtype: a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current, device: dev(a) };
      },
      kernel: (a: Args) => {
        if (a.steps < 0) throw new RangeError(`linspace: number of steps must be non-negative (got ${a.steps})`);
        const d = a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current;
        const n = a.steps as number, start = Number(a.start), end = Number(a.end);
        const t = Tensor.empty([n], d, dev(a));
        const arr = t.storage.data!;
        const step = n > 1 ? (end - start) / (n - 1) : 0;
        const half = Math.floor(n / 2);
        // PyTorch's CPU kernel: fill from both ends so the last element is exactly `end`.
        for (let k = 0; k < n; k++) writeStorage(arr, d, k, n === 1 ? start : k < half ? start + k * step : end - (n - 1 - k) * step);
        return t;
      },
      derivative: "nondifferentiable",
    },
  },
  eye: {
    default: eyeOp(`eye(SymInt n, *, ${FACTORY_KW}) -> Tensor`),
    m: eyeOp(`eye.m(SymInt n, SymInt m, *, ${FACTORY_KW}) -> Tensor`),
  },
} satisfies OpFamily;

function eyeOp(schema: string): OpDef {
  const dims = (a: Args) => {
    const n = a.n as number, m = (a.m ?? a.n) as number;
    if (n < 0) throw new RangeError(`eye: n must be greater or equal to 0, got ${n}`);
    if (m < 0) throw new RangeError(`eye: m must be greater or equal to 0, got ${m}`);
    return [n, m];
  };
  return {
    schema, tags: ["creation"],
    meta: (a: Args): TensorMeta => ({ shape: dims(a), dtype: a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current, device: dev(a) }),
    kernel: (a: Args) => {
      const [n, m] = dims(a) as [number, number];
      const d = a.dtype ? dtypeOf(a.dtype) : defaultFloatDtype.current;
      const t = filled([n, m], d, 0, dev(a));
      const arr = t.storage.data!;
      for (let i = 0; i < Math.min(n, m); i++) writeStorage(arr, d, i * m + i, 1);
      return t;
    },
    derivative: "nondifferentiable",
  };
}

void numel;
