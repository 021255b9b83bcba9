// aot/decompositions: the decomposition table, chosen like Inductor's: which composite ops are split
// into primitives while tracing aten graphs and which stay whole. Users extend or override it with the
// `decompositions` option of compile / aotAutograd (keys: "aten.gelu.default" or the OpOverload).
// In: an op. Out: a function computing it from other aten ops (called with the schema's arguments in
// order, defaults filled in), or null when the op stays whole.

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { isOpOverload, lookupOp, type OpOverload } from "../ops/registry.js";

/** A decomposition receives the op's schema arguments positionally (kwarg-only ones too, in order). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Decomposition = (...args: any[]) => unknown;
export type DecompositionTable = Map<OpOverload, Decomposition>;
/** What users pass: a Map or a plain object keyed by op qualname ("aten.gelu.default") or OpOverload. */
export type DecompositionsOption = DecompositionTable | Map<OpOverload | string, Decomposition> | Record<string, Decomposition>;

type T = Tensor;
const t = (x: unknown) => x as T;

/**
 * Ops that stay whole (Inductor lowers them to extern kernels, fused reductions or has a pointwise
 * template): mm, bmm, addmm, baddbmm, convolution(+_backward), _softmax, _log_softmax (+ backward
 * data), native_layer_norm, native_batch_norm, native_group_norm (+ backwards), max_pool2d_with_indices,
 * avg_pool2d, embedding, every pointwise op including the *_backward activations (
 * gelu_backward, silu_backward, sigmoid_backward, tanh_backward; threshold_backward is decomposed, as in
 * PyTorch), reductions, views other than t/transpose.
 * Decomposed (here): thin composites with no kernel of their own in Inductor.
 */
const ENTRIES: Record<string, Decomposition> = {
  // layout-only composites: a functional graph has no aliasing to preserve
  "aten.contiguous.default": (self: T) => (self.isContiguous() ? aten.alias.default(self) : aten.clone.default(self, { memory_format: "contiguous_format" })),
  "aten._unsafe_view.default": (self: T, size: number[]) => aten.view.default(self, size),
  "aten.t.default": (self: T) => (self.ndim < 2 ? aten.alias.default(self) : aten.permute.default(self, [1, 0])),
  "aten.transpose.int": (self: T, d0: number, d1: number) => {
    const n = Math.max(self.ndim, 1);
    const perm = [...Array(n).keys()];
    const a = ((d0 % n) + n) % n, b = ((d1 % n) + n) % n;
    [perm[a], perm[b]] = [perm[b]!, perm[a]!];
    return self.ndim === 0 ? aten.alias.default(self) : aten.permute.default(self, perm);
  },
  // arithmetic composites
  "aten.rsub.Tensor": (self: T, other: T, alpha: number) => aten.sub.Tensor(other, self, { alpha }),
  "aten.rsub.Scalar": (self: T, other: number, alpha: number) => aten.add.Scalar(aten.mul.Scalar(self, -alpha), other),
  // PyTorch's: the backward keeps a bool mask (le) instead of the float activation, so the min-cut
  // partitioner saves 1 byte per element for relu
  "aten.threshold_backward.default": (g: T, self: T, threshold: number) =>
    aten.where.self(aten.le.Scalar(self, threshold), aten.full.default([], 0, { dtype: g.dtype }), g),
  "aten.hardtanh.default": (self: T, min: number, max: number) => aten.clamp.default(self, min, max),
  "aten.hardtanh_backward.default": (g: T, self: T, min: number, max: number) =>
    aten.where.self(aten.logical_or.default(aten.le.Scalar(self, min), aten.ge.Scalar(self, max)), aten.full.default([], 0, { dtype: g.dtype }), g),
  "aten.masked_fill.Scalar": (self: T, mask: T, value: number) => aten.where.self(mask, aten.full.default([], value, { dtype: self.dtype }), self),
  "aten.masked_fill.Tensor": (self: T, mask: T, value: T) => aten.where.self(mask, aten._to_copy.default(value, { dtype: self.dtype }), self),
  "aten.native_dropout_backward.default": (g: T, mask: T, scale: number) => aten.mul.Scalar(aten.mul.Tensor(g, mask), scale),
  // reductions built from other reductions
  "aten.std.correction": (self: T, dim: number[] | null, correction: number | null, keepdim: boolean) =>
    aten.sqrt.default(aten.var.correction(self, dim, { correction, keepdim })),
  "aten.logsumexp.default": (self: T, dim: number[], keepdim: boolean) => {
    if (self.numel() === 0) return aten.log.default(aten.sum.dim_IntList(aten.exp.default(self), dim, keepdim));
    const m = aten.amax.default(self, dim, true);
    const finite = aten.where.self(aten.isinf.default(m), aten.full.default([], 0, { dtype: m.dtype }), m);
    const s = aten.log.default(aten.sum.dim_IntList(aten.exp.default(aten.sub.Tensor(self, finite)), dim, keepdim));
    return aten.add.Tensor(s, keepdim ? finite : aten.squeeze.dims(finite, dim.length ? dim : [...Array(self.ndim).keys()]));
  },
  // backward helpers of indexing views
  "aten.slice_backward.default": (g: T, sizes: number[], dim: number, start: number, end: number, step: number) =>
    aten.slice_scatter.default(aten.new_zeros.default(g, sizes), g, dim, start, end, step),
  "aten.select_backward.default": (g: T, sizes: number[], dim: number, index: number) =>
    aten.select_scatter.default(aten.new_zeros.default(g, sizes), g, dim, index),
  // losses
  "aten.mse_loss.default": (self: T, target: T, reduction: number) => reduce(aten.pow.Tensor_Scalar(aten.sub.Tensor(self, target), 2), reduction),
  "aten.binary_cross_entropy_with_logits.default": (self: T, target: T, weight: T | null, posWeight: T | null, reduction: number) => {
    // (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x), softplus(-x) = log1p(exp(-|x|)) + max(-x, 0)
    const softplusNeg = aten.add.Tensor(aten.log1p.default(aten.exp.default(aten.neg.default(aten.abs.default(self)))), aten.clamp.default(aten.neg.default(self), 0, null));
    const oneMinusY = aten.rsub.Scalar(target, 1, 1);
    const coef = posWeight ? aten.add.Scalar(aten.mul.Tensor(aten.sub.Scalar(posWeight, 1, 1), target), 1, 1) : null;
    let loss = aten.add.Tensor(aten.mul.Tensor(oneMinusY, self), coef ? aten.mul.Tensor(coef, softplusNeg) : softplusNeg);
    if (weight) loss = aten.mul.Tensor(loss, weight);
    return reduce(loss, reduction);
  },
};

/** Reduction enum as in PyTorch: 0 none, 1 mean, 2 sum. */
function reduce(x: T, reduction: number): T {
  if (reduction === 0) return x;
  return reduction === 1 ? aten.mean.default(x) : aten.sum.default(x);
}

/** The default table (a fresh Map: callers may extend it). Each entry is registered only when the op exists. */
export function defaultDecompositions(): DecompositionTable {
  const table: DecompositionTable = new Map();
  for (const [name, fn] of Object.entries(ENTRIES)) {
    const o = lookupOp(name);
    if (o) table.set(o, fn);
  }
  return table;
}

/** Normalise a user `decompositions` option into a table keyed by OpOverload (unknown names throw). */
export function toDecompositionTable(opt: DecompositionsOption | undefined | null, where = "decompositions"): DecompositionTable | undefined {
  if (opt === undefined || opt === null) return undefined;
  const entries: [unknown, unknown][] = opt instanceof Map ? [...opt.entries()] : Object.entries(opt);
  const table: DecompositionTable = new Map();
  for (const [k, fn] of entries) {
    const o = isOpOverload(k) ? k : typeof k === "string" ? lookupOp(k) ?? lookupOp(`aten.${k}`) : undefined;
    if (!o) throw new TypeError(`${where}: unknown op '${String(k)}'; keys are op overloads or qualified names like "aten.gelu.default"`);
    if (typeof fn !== "function") throw new TypeError(`${where}: the decomposition of ${o.qualname} must be a function (got ${typeof fn})`);
    table.set(o, fn as Decomposition);
  }
  return table;
}

let defaults: DecompositionTable | null = null;

/** The decomposition in effect for `o`: the user's table first, then the default one. */
export function decompositionFor(o: OpOverload, extra: DecompositionTable | undefined): Decomposition | null {
  if (extra?.has(o)) return extra.get(o)!;
  defaults ??= defaultDecompositions();
  return defaults.get(o) ?? null;
}

/** Call a decomposition with the bound args laid out in schema order. */
export function runDecomposition(o: OpOverload, fn: Decomposition, args: Record<string, unknown>): unknown {
  return fn(...o.schema.args.map((a) => args[a.name]));
}

export const DECOMPOSED_OPS: readonly string[] = Object.keys(ENTRIES);
