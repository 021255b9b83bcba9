// frontend/reduction: torch-level reductions, scans, softmax and sorting (coil.sum, x.mean(dim, keepdim),
// coil.max(x, dim) -> {values, indices}, coil.softmax, coil.sort, coil.topk, ...). In: tensors. Out: tensors.
//
// Ops that return (values, indices) in PyTorch (max/min with a dim, sort, topk) return a `ValuesIndices`:
// a [values, indices] tuple that also has `.values` and `.indices` (like PyTorch's namedtuple), so both
// `const [v, i] = x.max(1)` and `x.max(1).values` work.

import type { Tensor } from "../tensor/tensor.js";
import type { DType, DTypeName } from "../tensor/dtype.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

export type ValuesIndices = [Tensor, Tensor] & { readonly values: Tensor; readonly indices: Tensor };
export type Dims = number | number[] | null;
export interface DtypeOption { dtype?: DType | DTypeName }
export interface VarOptions {
  /** Degrees-of-freedom correction (default 1). */
  correction?: number;
  /** Legacy flag: unbiased=false means correction=0. */
  unbiased?: boolean;
  keepdim?: boolean;
}
export interface SortOptions { stable?: boolean }

declare module "../tensor/tensor.js" {
  interface Tensor {
    sum(dim?: Dims, keepdim?: boolean, opts?: DtypeOption): Tensor;
    mean(dim?: Dims, keepdim?: boolean, opts?: DtypeOption): Tensor;
    prod(dim?: number | null, keepdim?: boolean, opts?: DtypeOption): Tensor;
    amax(dim?: number | number[], keepdim?: boolean): Tensor;
    amin(dim?: number | number[], keepdim?: boolean): Tensor;
    max(): Tensor;
    max(dim: number, keepdim?: boolean): ValuesIndices;
    min(): Tensor;
    min(dim: number, keepdim?: boolean): ValuesIndices;
    argmax(dim?: number | null, keepdim?: boolean): Tensor;
    argmin(dim?: number | null, keepdim?: boolean): Tensor;
    var(dim?: Dims, opts?: VarOptions): Tensor;
    std(dim?: Dims, opts?: VarOptions): Tensor;
    logsumexp(dim: number | number[], keepdim?: boolean): Tensor;
    any(dim?: number | null, keepdim?: boolean): Tensor;
    all(dim?: number | null, keepdim?: boolean): Tensor;
    norm(p?: number | "fro", dim?: Dims, keepdim?: boolean): Tensor;
    cumsum(dim: number, opts?: DtypeOption): Tensor;
    cumprod(dim: number, opts?: DtypeOption): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    sort(dim?: number, descending?: boolean, opts?: SortOptions): ValuesIndices;
    topk(k: number, dim?: number, largest?: boolean, sorted?: boolean): ValuesIndices;
  }
}

type T = Tensor;

export function valuesIndices(out: Tensor[]): ValuesIndices {
  const [values, indices] = out as [Tensor, Tensor];
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

const dimList = (dim: number | number[]): number[] => (typeof dim === "number" ? [dim] : dim);
const kw = (o?: DtypeOption) => (o?.dtype ? { dtype: o.dtype } : {});

function sumImpl(x: T, dim?: Dims, keepdim = false, opts?: DtypeOption): T {
  if (dim === undefined || dim === null) return keepdim ? aten.sum.dim_IntList(x, null, true, kw(opts)) : aten.sum.default(x, kw(opts));
  return aten.sum.dim_IntList(x, dimList(dim), keepdim, kw(opts));
}
function meanImpl(x: T, dim?: Dims, keepdim = false, opts?: DtypeOption): T {
  if (dim === undefined || dim === null) return keepdim ? aten.mean.dim(x, null, true, kw(opts)) : aten.mean.default(x, kw(opts));
  return aten.mean.dim(x, dimList(dim), keepdim, kw(opts));
}
function prodImpl(x: T, dim?: number | null, keepdim = false, opts?: DtypeOption): T {
  if (dim === undefined || dim === null) return aten.prod.default(x, kw(opts));
  return aten.prod.dim_int(x, dim, keepdim, kw(opts));
}
const amaxImpl = (x: T, dim: number | number[] = [], keepdim = false): T => aten.amax.default(x, dimList(dim), keepdim);
const aminImpl = (x: T, dim: number | number[] = [], keepdim = false): T => aten.amin.default(x, dimList(dim), keepdim);

function maxMin(name: "max" | "min") {
  function impl(x: T): T;
  function impl(x: T, dim: number, keepdim?: boolean): ValuesIndices;
  function impl(x: T, dim?: number | T, keepdim = false): T | ValuesIndices {
    if (dim === undefined) return aten[name].default(x);
    if (typeof dim !== "number") throw new TypeError(`coil.${name}: comparing two tensors elementwise is coil.${name === "max" ? "maximum" : "minimum"}(a, b); ${name}(x, dim) takes an integer dim`);
    return valuesIndices(aten[name].dim(x, dim, keepdim));
  }
  return impl;
}
const maxImpl = maxMin("max"), minImpl = maxMin("min");

const argmaxImpl = (x: T, dim: number | null = null, keepdim = false): T => aten.argmax.default(x, dim, keepdim);
const argminImpl = (x: T, dim: number | null = null, keepdim = false): T => aten.argmin.default(x, dim, keepdim);

function varStd(name: "var" | "std") {
  return (x: T, dim: Dims = null, opts: VarOptions = {}): T => {
    const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
    return aten[name].correction(x, dim === null ? null : dimList(dim), { correction, keepdim: opts.keepdim ?? false });
  };
}
const varImpl = varStd("var"), stdImpl = varStd("std");

const logsumexpImpl = (x: T, dim: number | number[], keepdim = false): T => aten.logsumexp.default(x, dimList(dim), keepdim);
const anyImpl = (x: T, dim: number | null = null, keepdim = false): T => (dim === null ? aten.any.default(x) : aten.any.dim(x, dim, keepdim));
const allImpl = (x: T, dim: number | null = null, keepdim = false): T => (dim === null ? aten.all.default(x) : aten.all.dim(x, dim, keepdim));
function normImpl(x: T, p: number | "fro" = 2, dim: Dims = null, keepdim = false): T {
  const ord = p === "fro" ? 2 : p;
  return aten.linalg_vector_norm.default(x, ord, dim === null ? null : dimList(dim), keepdim);
}
const cumsumImpl = (x: T, dim: number, opts?: DtypeOption): T => aten.cumsum.default(x, dim, kw(opts));
const cumprodImpl = (x: T, dim: number, opts?: DtypeOption): T => aten.cumprod.default(x, dim, kw(opts));
const softmaxImpl = (x: T, dim: number): T => aten._softmax.default(x, dim, false);
const logSoftmaxImpl = (x: T, dim: number): T => aten._log_softmax.default(x, dim, false);
function sortImpl(x: T, dim = -1, descending = false, opts: SortOptions = {}): ValuesIndices {
  return valuesIndices(opts.stable === undefined ? aten.sort.default(x, dim, descending) : aten.sort.stable(x, { stable: opts.stable, dim, descending }));
}
const topkImpl = (x: T, k: number, dim = -1, largest = true, sorted = true): ValuesIndices => valuesIndices(aten.topk.default(x, k, dim, largest, sorted));

export const sum = defineFunction("coil.sum", sumImpl);
export const mean = defineFunction("coil.mean", meanImpl);
export const prod = defineFunction("coil.prod", prodImpl);
export const amax = defineFunction("coil.amax", amaxImpl);
export const amin = defineFunction("coil.amin", aminImpl);
export const max = defineFunction("coil.max", maxImpl);
export const min = defineFunction("coil.min", minImpl);
export const argmax = defineFunction("coil.argmax", argmaxImpl);
export const argmin = defineFunction("coil.argmin", argminImpl);
export const var_ = defineFunction("coil.var", varImpl);
export const std = defineFunction("coil.std", stdImpl);
export const logsumexp = defineFunction("coil.logsumexp", logsumexpImpl);
export const any = defineFunction("coil.any", anyImpl);
export const all = defineFunction("coil.all", allImpl);
export const norm = defineFunction("coil.norm", normImpl);
export const cumsum = defineFunction("coil.cumsum", cumsumImpl);
export const cumprod = defineFunction("coil.cumprod", cumprodImpl);
export const softmax = defineFunction("coil.softmax", softmaxImpl);
export const logSoftmax = defineFunction("coil.logSoftmax", logSoftmaxImpl);
export const sort = defineFunction("coil.sort", sortImpl);
export const topk = defineFunction("coil.topk", topkImpl);
export { var_ as var };

defineMethod("sum", sumImpl);
defineMethod("mean", meanImpl);
defineMethod("prod", prodImpl);
defineMethod("amax", amaxImpl);
defineMethod("amin", aminImpl);
defineMethod("max", maxImpl);
defineMethod("min", minImpl);
defineMethod("argmax", argmaxImpl);
defineMethod("argmin", argminImpl);
defineMethod("var", varImpl);
defineMethod("std", stdImpl);
defineMethod("logsumexp", logsumexpImpl);
defineMethod("any", anyImpl);
defineMethod("all", allImpl);
defineMethod("norm", normImpl);
defineMethod("cumsum", cumsumImpl);
defineMethod("cumprod", cumprodImpl);
defineMethod("softmax", softmaxImpl);
defineMethod("logSoftmax", logSoftmaxImpl);
defineMethod("sort", sortImpl);
defineMethod("topk", topkImpl);
