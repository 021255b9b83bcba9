// ops/reduction_ops: reductions over dims (sum, mean, prod, amax/amin, max/min with indices, argmax/argmin,
// var/std, logsumexp, any/all, linalg_vector_norm) and value_selecting_reduction_backward.
// In: tensors, dims, keepdim, dtype. Out: OpDefs with meta rules, strided eager kernels and aten derivatives.

import type { Tensor } from "../tensor/tensor.js";
import { int64, bool, uint8, dtypeOf, isHalfLike, type DType } from "../tensor/dtype.js";
import { wrapDim, fmtShape, numel, contiguousStrides } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { fromFloat64, readAs } from "./kernels/elementwise.js";
import { reduceRows, sumRows } from "./kernels/reduce.js";
import { aten } from "./ref.js";

/** Normalised reduction dims (empty or null = all dims), sorted and unique. */
export function reductionDims(op: string, dims: readonly number[] | number | null | undefined, ndim: number): number[] {
  if (typeof dims === "number") dims = [dims];
  if (!dims || dims.length === 0) return [...Array(ndim).keys()];
  const out = [...new Set(dims.map((d) => wrapDim(op, d, ndim)))].sort((x, y) => x - y);
  if (out.length !== dims.length) throw new RangeError(`${op}: dim ${dims.join(", ")} appears multiple times in the list of dims`);
  return ndim === 0 ? [] : out;
}

export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (dims.includes(i)) { if (keepdim) out.push(1); } else out.push(s);
  });
  return out;
}

/** sum/prod/cumsum dtype rule: integers and bool accumulate into int64 unless dtype is given. */
export function accDtype(d: DType, dtype: DType | string | null | undefined): DType {
  if (dtype) return dtypeOf(dtype as DType);
  return d.isFloatingPoint ? d : int64;
}

const torchName: Record<string, string> = {
  float64: "Double", float32: "Float", float16: "Half", bfloat16: "BFloat16", int64: "Long", int32: "Int", uint8: "Byte", bool: "Bool",
};
export function requireFloat(op: string, x: Tensor, what = "Input dtype must be either a floating point or complex dtype"): void {
  if (!x.dtype.isFloatingPoint) throw new TypeError(`${op}: ${what}. Got: ${torchName[x.dtype.name]} (shape ${fmtShape(x.shape)})`);
}

function meta(x: Tensor, shape: number[], dtype: DType): TensorMeta {
  return { shape, dtype, device: x.device };
}

/** Reductions without an identity (amax, max, argmax) reject zero-size reduced dims. */
function checkNonEmpty(op: string, x: Tensor, dims: readonly number[]): void {
  for (const d of dims) {
    if (x.shape[d] === 0) throw new RangeError(`${op}(): Expected reduction dim ${d} to have non-zero size (input shape ${fmtShape(x.shape)})`);
  }
}

/** Reduced values folded per output, stored with dtype `out`. */
function reduceTo(x: Tensor, dims: number[], keepdim: boolean, out: DType, fold: (b: Float64Array, n: number) => number): Tensor {
  return fromFloat64(reduceRows(x, dims, fold), reducedShape(x.shape, dims, keepdim), out);
}

// ---- folds (float64; NaN propagates like PyTorch) ----
const foldProd = (b: Float64Array, n: number) => { let p = 1; for (let i = 0; i < n; i++) p *= b[i]!; return p; };
const foldMax = (b: Float64Array, n: number) => {
  let m = -Infinity;
  for (let i = 0; i < n; i++) { const v = b[i]!; if (v > m) m = v; else if (v !== v) return NaN; }
  return m;
};
const foldMin = (b: Float64Array, n: number) => {
  let m = Infinity;
  for (let i = 0; i < n; i++) { const v = b[i]!; if (v < m) m = v; else if (v !== v) return NaN; }
  return m;
};
/** Index of the first maximum (first NaN wins). */
const foldArgMax = (b: Float64Array, n: number) => {
  let m = b[0]!, k = 0;
  if (m !== m) return 0;
  for (let i = 1; i < n; i++) { const v = b[i]!; if (v !== v) return i; if (v > m) { m = v; k = i; } }
  return k;
};
const foldArgMin = (b: Float64Array, n: number) => {
  let m = b[0]!, k = 0;
  if (m !== m) return 0;
  for (let i = 1; i < n; i++) { const v = b[i]!; if (v !== v) return i; if (v < m) { m = v; k = i; } }
  return k;
};
const foldAny = (b: Float64Array, n: number) => { for (let i = 0; i < n; i++) if (b[i] !== 0) return 1; return 0; };
const foldAll = (b: Float64Array, n: number) => { for (let i = 0; i < n; i++) if (b[i] === 0) return 0; return 1; };
function foldVar(correction: number) {
  return (b: Float64Array, n: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += b[i]!;
    const mean = s / n;
    let ss = 0;
    for (let i = 0; i < n; i++) { const d = b[i]! - mean; ss += d * d; }
    return ss / Math.max(0, n - correction);
  };
}
const foldLogSumExp = (b: Float64Array, n: number) => {
  let m = -Infinity;
  for (let i = 0; i < n; i++) { const v = b[i]!; if (v > m || v !== v) m = v; }
  if (m !== m) return NaN;
  const mm = Math.abs(m) === Infinity ? 0 : m;
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.exp(b[i]! - mm);
  return Math.log(s) + mm;
};
function foldNorm(p: number) {
  return (b: Float64Array, n: number) => {
    if (p === 2) { let s = 0; for (let i = 0; i < n; i++) s += b[i]! * b[i]!; return Math.sqrt(s); }
    if (p === 1) { let s = 0; for (let i = 0; i < n; i++) s += Math.abs(b[i]!); return s; }
    if (p === Infinity) { let m = 0; for (let i = 0; i < n; i++) { const a = Math.abs(b[i]!); if (a > m || a !== a) m = a; } return m; }
    if (p === -Infinity) { let m = Infinity; for (let i = 0; i < n; i++) { const a = Math.abs(b[i]!); if (a < m || a !== a) m = a; } return m; }
    if (p === 0) { let c = 0; for (let i = 0; i < n; i++) if (b[i] !== 0) c++; return c; }
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(b[i]!) ** p;
    return s ** (1 / p);
  };
}

// ---- gradient helpers (aten ops only) ----
/** Cast a gradient back to the input's dtype (ops with a dtype= argument compute in another dtype). */
export function castLike(g: Tensor, like: Tensor): Tensor {
  return g.dtype === like.dtype || !like.dtype.isFloatingPoint ? g : aten._to_copy.default(g, { dtype: like.dtype }) as Tensor;
}
/** Restore reduced dims of g (keepdim=false) and expand it to the input shape. */
export function expandGradBack(g: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  let r = g;
  if (!keepdim && dims.length) r = aten.view.default(r, reducedShape(inShape, dims, true)) as Tensor;
  return aten.expand.default(r, [...inShape]) as Tensor;
}
/** Restore reduced dims without expanding (for broadcasting against the input). */
export function unsqueezeBack(t: Tensor, inShape: readonly number[], dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim || !dims.length) return t;
  return aten.view.default(t, reducedShape(inShape, dims, true)) as Tensor;
}
/** Gradient of amax-like reductions: split evenly among the positions equal to the result. */
function evenlyDistribute(g: Tensor, x: Tensor, result: Tensor, dims: number[], keepdim: boolean): Tensor {
  const res = unsqueezeBack(result, x.shape, dims, keepdim);
  const mask = aten.eq.Tensor(x, res) as Tensor;
  const count = aten.sum.dim_IntList(mask, dims, true) as Tensor;
  const gg = unsqueezeBack(g, x.shape, dims, keepdim);
  return aten.div.Tensor(aten.mul.Tensor(gg, mask), count) as Tensor;
}
function varBackward(g: Tensor, x: Tensor, dims: number[], keepdim: boolean, correction: number): Tensor {
  const n = dims.reduce((p, d) => p * x.shape[d]!, 1);
  const centered = aten.sub.Tensor(x, aten.mean.dim(x, dims, true)) as Tensor;
  const gg = unsqueezeBack(g, x.shape, dims, keepdim);
  return aten.mul.Scalar(aten.mul.Tensor(gg, centered), 2 / Math.max(0, n - correction)) as Tensor;
}
/** prod backward that handles zeros: d prod / d x_i = product of the other elements. */
function prodBackward(g: Tensor, x: Tensor, dims: number[], keepdim: boolean): Tensor {
  const zero = aten.eq.Scalar(x, 0) as Tensor;
  const safe = aten.where.self(zero, aten.ones_like.default(x), x) as Tensor;
  const pSafe = dims.length === x.ndim && x.ndim > 1
    ? aten.view.default(aten.prod.default(safe), reducedShape(x.shape, dims, true)) as Tensor
    : dims.length === 0 ? safe : aten.prod.dim_int(safe, dims[0]!, true) as Tensor;
  const nz = dims.length === 0 ? zero : aten.sum.dim_IntList(zero, dims, true) as Tensor;
  const noZeros = aten.eq.Scalar(nz, 0) as Tensor;
  const oneZero = aten.eq.Scalar(nz, 1) as Tensor;
  const others = aten.where.self(zero, aten.mul.Tensor(pSafe, oneZero), aten.mul.Tensor(aten.div.Tensor(pSafe, safe), noZeros)) as Tensor;
  return aten.mul.Tensor(unsqueezeBack(g, x.shape, dims, keepdim), others) as Tensor;
}
function normBackward(g: Tensor, x: Tensor, norm: Tensor, p: number, dims: number[], keepdim: boolean): Tensor {
  const gg = unsqueezeBack(g, x.shape, dims, keepdim);
  const nb = unsqueezeBack(norm, x.shape, dims, keepdim);
  if (p === 0) return aten.mul.Scalar(aten.expand.default(gg, [...x.shape]), 0) as Tensor;
  if (p === 1) return aten.mul.Tensor(gg, aten.sign.default(x)) as Tensor;
  if (p === 2) return aten.mul.Tensor(gg, aten.div.Tensor(x, nb)) as Tensor;
  if (p === Infinity || p === -Infinity) {
    const mask = aten.eq.Tensor(aten.abs.default(x), nb) as Tensor;
    const count = aten.sum.dim_IntList(mask, dims, true) as Tensor;
    return aten.div.Tensor(aten.mul.Tensor(aten.mul.Tensor(gg, aten.sign.default(x)), mask), count) as Tensor;
  }
  // g * x * |x|^(p-2) / norm^(p-1)
  const num = aten.mul.Tensor(x, aten.pow.Tensor_Scalar(aten.abs.default(x), p - 2)) as Tensor;
  return aten.mul.Tensor(gg, aten.div.Tensor(num, aten.pow.Tensor_Scalar(nb, p - 1))) as Tensor;
}

// ---- OpDef builders ----
function dimsOf(op: string, a: Args, key = "dim"): number[] {
  return reductionDims(op, a[key], a.self.ndim);
}

function meanDtype(a: Args): DType {
  if (a.dtype) return dtypeOf(a.dtype);
  requireFloat("mean(): could not infer output dtype", a.self);
  return a.self.dtype;
}

function amaxOp(name: "amax" | "amin") {
  const fold = name === "amax" ? foldMax : foldMin;
  const m = (a: Args): TensorMeta => {
    const dims = dimsOf(name, a);
    checkNonEmpty(name, a.self, dims);
    return meta(a.self, reducedShape(a.self.shape, dims, a.keepdim), a.self.dtype);
  };
  return {
    schema: `${name}(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor`,
    tags: ["reduction"] as const,
    meta: m,
    kernel: (a: Args) => { m(a); return reduceTo(a.self, dimsOf(name, a), a.keepdim, a.self.dtype, fold); },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) =>
      ({ self: evenlyDistribute(grads[0]!, args.self, outputs[0]!, dimsOf(name, args), args.keepdim) }),
  };
}

function maxAllOp(name: "max" | "min") {
  const fold = name === "max" ? foldMax : foldMin;
  const m = (a: Args): TensorMeta => {
    if (a.self.numel() === 0) throw new RangeError(`${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument (input shape ${fmtShape(a.self.shape)})`);
    return meta(a.self, [], a.self.dtype);
  };
  return {
    schema: `${name}(Tensor self) -> Tensor`,
    tags: ["reduction"] as const,
    meta: m,
    kernel: (a: Args) => { m(a); return reduceTo(a.self, dimsOf(name, a, "__none"), false, a.self.dtype, fold); },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) =>
      ({ self: evenlyDistribute(grads[0]!, args.self, outputs[0]!, dimsOf(name, args, "__none"), false) }),
  };
}

function maxDimOp(name: "max" | "min") {
  const fold = name === "max" ? foldArgMax : foldArgMin;
  const m = (a: Args): TensorMeta[] => {
    const d = wrapDim(name, a.dim, a.self.ndim);
    const dims = a.self.ndim === 0 ? [] : [d];
    checkNonEmpty(name, a.self, dims);
    const shape = reducedShape(a.self.shape, dims, a.keepdim);
    return [meta(a.self, shape, a.self.dtype), meta(a.self, shape, int64)];
  };
  return {
    schema: `${name}.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)`,
    tags: ["reduction"] as const,
    meta: m,
    kernel: (a: Args) => {
      const ms = m(a);
      const dims = a.self.ndim === 0 ? [] : [wrapDim(name, a.dim, a.self.ndim)];
      const vals = new Float64Array(numel(ms[0]!.shape));
      let o = 0;
      const idx = reduceRows(a.self, dims, (b, n) => { const k = fold(b, n); vals[o++] = b[k]!; return k; });
      return [fromFloat64(vals, ms[0]!.shape, a.self.dtype), fromFloat64(idx, ms[1]!.shape, int64)];
    },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) => ({
      self: aten.value_selecting_reduction_backward.default(grads[0]!, args.self.ndim === 0 ? 0 : wrapDim(name, args.dim, args.self.ndim), outputs[1]!, [...args.self.shape], args.keepdim) as Tensor,
    }),
  };
}

function argOp(name: "argmax" | "argmin") {
  const fold = name === "argmax" ? foldArgMax : foldArgMin;
  const m = (a: Args): TensorMeta => {
    if (a.dim === null || a.dim === undefined) {
      if (a.self.numel() === 0) throw new RangeError(`${name}(): Expected reduction dim to be specified for input.numel() == 0 (input shape ${fmtShape(a.self.shape)})`);
      return meta(a.self, a.keepdim ? a.self.shape.map(() => 1) : [], int64);
    }
    const d = wrapDim(name, a.dim, a.self.ndim);
    const dims = a.self.ndim === 0 ? [] : [d];
    checkNonEmpty(name, a.self, dims);
    return meta(a.self, reducedShape(a.self.shape, dims, a.keepdim), int64);
  };
  return {
    schema: `${name}(Tensor self, int? dim=None, bool keepdim=False) -> Tensor`,
    tags: ["reduction"] as const,
    meta: m,
    kernel: (a: Args) => {
      const mm = m(a);
      if (a.dim === null || a.dim === undefined) {
        // Flattened index in logical (row-major) order.
        const flat = readAs(a.self, a.self.shape);
        return fromFloat64(new Float64Array([fold(flat, flat.length)]), mm.shape, int64);
      }
      const dims = a.self.ndim === 0 ? [] : [wrapDim(name, a.dim, a.self.ndim)];
      return fromFloat64(reduceRows(a.self, dims, fold), mm.shape, int64);
    },
    derivative: "nondifferentiable" as const,
  };
}

function varOp(name: "var" | "std") {
  const m = (a: Args): TensorMeta => {
    requireFloat(`${name}`, a.self, "std and var only support floating point and complex dtypes");
    return meta(a.self, reducedShape(a.self.shape, dimsOf(name, a), a.keepdim), a.self.dtype);
  };
  const corr = (a: Args): number => (a.correction === null || a.correction === undefined ? 1 : Number(a.correction));
  return {
    schema: `${name}.correction(Tensor self, int[1]? dim=None, *, Scalar? correction=None, bool keepdim=False) -> Tensor`,
    tags: ["reduction"] as const,
    meta: m,
    kernel: (a: Args) => {
      const mm = m(a);
      const f = foldVar(corr(a));
      const fold = name === "std" ? (b: Float64Array, n: number) => Math.sqrt(f(b, n)) : f;
      return fromFloat64(reduceRows(a.self, dimsOf(name, a), fold), mm.shape, mm.dtype);
    },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) => {
      const dims = dimsOf(name, args);
      let g = grads[0]!;
      if (name === "std") g = aten.div.Tensor(g, aten.mul.Scalar(outputs[0]!, 2)) as Tensor;
      return { self: varBackward(g, args.self, dims, args.keepdim, corr(args)) };
    },
  };
}

function anyAllOps(name: "any" | "all") {
  const fold = name === "any" ? foldAny : foldAll;
  const outDtype = (x: Tensor): DType => (x.dtype === uint8 ? uint8 : bool);
  return {
    default: {
      schema: `${name}(Tensor self) -> Tensor`,
      tags: ["reduction"] as const,
      meta: (a: Args): TensorMeta => meta(a.self, [], outDtype(a.self)),
      kernel: (a: Args) => reduceTo(a.self, dimsOf(name, a, "__none"), false, outDtype(a.self), fold),
      derivative: "nondifferentiable" as const,
    },
    dim: {
      schema: `${name}.dim(Tensor self, int dim, bool keepdim=False) -> Tensor`,
      tags: ["reduction"] as const,
      meta: (a: Args): TensorMeta => meta(a.self, reducedShape(a.self.shape, dimsOf(name, a), a.keepdim), outDtype(a.self)),
      kernel: (a: Args) => reduceTo(a.self, dimsOf(name, a), a.keepdim, outDtype(a.self), fold),
      derivative: "nondifferentiable" as const,
    },
  };
}

function normMeta(a: Args): TensorMeta {
  requireFloat("linalg.vector_norm", a.self, "Expected a floating point or complex tensor as input");
  const dims = dimsOf("linalg.vector_norm", a);
  const p = Number(a.ord);
  if (p < 0 || p === Infinity) {
    const empty = a.self.numel() === 0 || dims.some((d) => a.self.shape[d] === 0);
    if (empty) throw new RangeError(`linalg.vector_norm cannot compute the ${a.ord} norm on an empty tensor because the operation does not have an identity (input shape ${fmtShape(a.self.shape)})`);
  }
  return meta(a.self, reducedShape(a.self.shape, dims, a.keepdim), a.dtype ? dtypeOf(a.dtype) : a.self.dtype);
}

function sumKernel(x: Tensor, dims: number[], keepdim: boolean, d: DType): Tensor {
  return fromFloat64(sumRows(x, dims), reducedShape(x.shape, dims, keepdim), d);
}

export const reductionOps = {
  sum: {
    default: {
      schema: "sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, [], accDtype(a.self.dtype, a.dtype)),
      kernel: (a: Args) => sumKernel(a.self, dimsOf("sum", a, "__none"), false, accDtype(a.self.dtype, a.dtype)),
      derivative: ({ args, grads }) => ({ self: castLike(aten.expand.default(grads[0]!, [...args.self.shape]) as Tensor, args.self) }),
    },
    dim_IntList: {
      schema: "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, reducedShape(a.self.shape, dimsOf("sum", a), a.keepdim), accDtype(a.self.dtype, a.dtype)),
      kernel: (a: Args) => sumKernel(a.self, dimsOf("sum", a), a.keepdim, accDtype(a.self.dtype, a.dtype)),
      derivative: ({ args, grads }) => ({ self: castLike(expandGradBack(grads[0]!, args.self.shape, dimsOf("sum", args), args.keepdim), args.self) }),
    },
  },
  mean: {
    default: {
      schema: "mean(Tensor self, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, [], meanDtype(a)),
      kernel: (a: Args) => {
        const d = meanDtype(a), n = a.self.numel();
        const s = sumRows(a.self, dimsOf("mean", a, "__none"));
        s[0] = s[0]! / n;
        return fromFloat64(s, [], d);
      },
      derivative: ({ args, grads }) => ({
        self: castLike(aten.mul.Scalar(aten.expand.default(grads[0]!, [...args.self.shape]), 1 / Math.max(1, args.self.numel())) as Tensor, args.self),
      }),
    },
    dim: {
      schema: "mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, reducedShape(a.self.shape, dimsOf("mean", a), a.keepdim), meanDtype(a)),
      kernel: (a: Args) => {
        const d = meanDtype(a), dims = dimsOf("mean", a);
        const n = dims.reduce((p, k) => p * a.self.shape[k]!, 1);
        const s = sumRows(a.self, dims);
        for (let i = 0; i < s.length; i++) s[i] = s[i]! / n;
        return fromFloat64(s, reducedShape(a.self.shape, dims, a.keepdim), d);
      },
      derivative: ({ args, grads }) => {
        const dims = dimsOf("mean", args);
        const n = dims.reduce((p, k) => p * args.self.shape[k]!, 1);
        return { self: castLike(aten.mul.Scalar(expandGradBack(grads[0]!, args.self.shape, dims, args.keepdim), 1 / Math.max(1, n)) as Tensor, args.self) };
      },
    },
  },
  prod: {
    default: {
      schema: "prod(Tensor self, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, [], accDtype(a.self.dtype, a.dtype)),
      kernel: (a: Args) => reduceTo(a.self, dimsOf("prod", a, "__none"), false, accDtype(a.self.dtype, a.dtype), foldProd),
      derivative: ({ args, grads }) => ({ self: castLike(prodBackward(grads[0]!, args.self, dimsOf("prod", args, "__none"), false), args.self) }),
    },
    dim_int: {
      schema: "prod.dim_int(Tensor self, int dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, reducedShape(a.self.shape, dimsOf("prod", a), a.keepdim), accDtype(a.self.dtype, a.dtype)),
      kernel: (a: Args) => reduceTo(a.self, dimsOf("prod", a), a.keepdim, accDtype(a.self.dtype, a.dtype), foldProd),
      derivative: ({ args, grads }) => ({ self: castLike(prodBackward(grads[0]!, args.self, dimsOf("prod", args), args.keepdim), args.self) }),
    },
  },
  amax: { default: amaxOp("amax") },
  amin: { default: amaxOp("amin") },
  max: { default: maxAllOp("max"), dim: maxDimOp("max") },
  min: { default: maxAllOp("min"), dim: maxDimOp("min") },
  argmax: { default: argOp("argmax") },
  argmin: { default: argOp("argmin") },
  var: { correction: varOp("var") },
  std: { correction: varOp("std") },
  logsumexp: {
    default: {
      schema: "logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => meta(a.self, reducedShape(a.self.shape, dimsOf("logsumexp", a), a.keepdim), a.self.dtype.isFloatingPoint ? a.self.dtype : dtypeOf("float32")),
      kernel: (a: Args) => reduceTo(a.self, dimsOf("logsumexp", a), a.keepdim, a.self.dtype.isFloatingPoint ? a.self.dtype : dtypeOf("float32"), foldLogSumExp),
      derivative: ({ args, outputs, grads }) => {
        const dims = dimsOf("logsumexp", args);
        const res = unsqueezeBack(outputs[0]!, args.self.shape, dims, args.keepdim);
        const gg = unsqueezeBack(grads[0]!, args.self.shape, dims, args.keepdim);
        return { self: aten.mul.Tensor(gg, aten.exp.default(aten.sub.Tensor(args.self, res))) as Tensor };
      },
    },
  },
  any: anyAllOps("any"),
  all: anyAllOps("all"),
  linalg_vector_norm: {
    default: {
      schema: "linalg_vector_norm(Tensor self, Scalar ord=2, int[1]? dim=None, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: normMeta,
      kernel: (a: Args) => {
        const m = normMeta(a);
        return fromFloat64(reduceRows(a.self, dimsOf("linalg.vector_norm", a), foldNorm(Number(a.ord))), m.shape, m.dtype);
      },
      derivative: ({ args, outputs, grads }) =>
        ({ self: castLike(normBackward(grads[0]!, args.self, outputs[0]!, Number(args.ord), dimsOf("linalg.vector_norm", args), args.keepdim), args.self) }),
    },
  },
  value_selecting_reduction_backward: {
    default: {
      schema: "value_selecting_reduction_backward(Tensor grad, int dim, Tensor indices, SymInt[] sizes, bool keepdim) -> Tensor",
      meta: (a: Args): TensorMeta => ({ shape: [...a.sizes], dtype: a.grad.dtype, device: a.grad.device }),
      kernel: (a: Args) => {
        const sizes = a.sizes as number[];
        const nd = sizes.length;
        const dim = nd === 0 ? 0 : wrapDim("value_selecting_reduction_backward", a.dim, nd);
        const ishape = nd === 0 ? [] : a.keepdim ? (a.indices as Tensor).shape.slice() : [...a.indices.shape.slice(0, dim), 1, ...a.indices.shape.slice(dim)];
        const g = readAs(a.grad, a.grad.shape), idx = readAs(a.indices, a.indices.shape);
        const out = new Float64Array(numel(sizes));
        if (nd === 0) { if (out.length) out[0] = g[0]!; return fromFloat64(out, sizes, a.grad.dtype); }
        const ostr = contiguousStrides(sizes), istr = contiguousStrides(ishape);
        const k = ishape[dim]!;
        const n = idx.length;
        // Iterate index positions: p = (outer, j, inner) in ishape's contiguous order.
        const inner = istr[dim]!, outerStep = inner * k;
        for (let p = 0; p < n; p++) {
          const outer = Math.floor(p / outerStep), rem = p % outerStep, innerPos = rem % inner;
          const i = idx[p]!;
          if (i < 0 || i >= sizes[dim]!) throw new RangeError(`value_selecting_reduction_backward: index ${i} out of range for dim ${dim} of size ${sizes[dim]}`);
          out[outer * ostr[dim]! * sizes[dim]! + i * ostr[dim]! + innerPos] = g[p]!;
        }
        return fromFloat64(out, sizes, a.grad.dtype);
      },
      derivative: { notImplemented: "double backward of max/min/sort/topk (needs gather)" },
    },
  },
} satisfies OpFamily;

void isHalfLike;
