// nn/functional: torch.nn.functional for coil (F.relu, F.linear, F.crossEntropy, ...). Each function
// is a capture target of its own (defineFunction("coil.nn.functional.<name>")), so dynamo records it
// as one call_function node, like torch.nn.functional.relu in PyTorch's graphs. Inside, the math is
// written with aten ops (PyTorch schemas), so AOT tracing sees the same aten graph as PyTorch.
// F.conv1d / F.conv2d / F.convTranspose2d are coil.conv1d / ... themselves (as in PyTorch, F.conv2d is torch.conv2d).
// In: tensors and options. Out: tensors.

import { Tensor } from "../tensor/tensor.js";
import { aten as A } from "../ops/ref.js";
import type { OpOverload } from "../ops/registry.js";
import { defineFunction } from "../frontend/torch_function.js";
import * as C from "../frontend/index.js";

/** aten.<name>.<overload>, or a clear error naming the F function that needs it. */
export function op(fn: string, qualname: string): OpOverload {
  const [name, overload] = qualname.split(".") as [string, string];
  const o = A[name]?.[overload];
  if (!o) throw new Error(`nn.functional.${fn}: needs aten.${qualname}, which is not registered in coil's op registry`);
  return o;
}

const T = (x: unknown): Tensor => x as Tensor;
const fmt = (t: Tensor): string => `[${t.shape.join(", ")}]`;

export type Reduction = "none" | "mean" | "sum";
function reductionEnum(fn: string, r: Reduction): number {
  if (r === "none") return 0;
  if (r === "mean") return 1;
  if (r === "sum") return 2;
  throw new Error(`nn.functional.${fn}: ${String(r)} is not a valid value for reduction`);
}
function pair(v: number | number[], what: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (v.length === 1) return [v[0]!, v[0]!];
  if (v.length !== 2) throw new RangeError(`${what}: expected an int or a pair of ints, got ${JSON.stringify(v)}`);
  return [v[0]!, v[1]!];
}

/** Reshape via view, making the tensor contiguous first when needed (aten.reshape's decomposition). */
export function reshape(x: Tensor, shape: number[]): Tensor {
  const src = x.isContiguous() ? x : T(op("reshape", "contiguous.default")(x));
  return T(op("reshape", "view.default")(src, shape));
}

// ---- activations ----
export const relu = defineFunction("coil.nn.functional.relu", (x: Tensor): Tensor => T(op("relu", "relu.default")(x)));
export const gelu = defineFunction("coil.nn.functional.gelu", (x: Tensor, opts: { approximate?: "none" | "tanh" } = {}): Tensor =>
  T(op("gelu", "gelu.default")(x, { approximate: opts.approximate ?? "none" })));
export const silu = defineFunction("coil.nn.functional.silu", (x: Tensor): Tensor => T(op("silu", "silu.default")(x)));
export const sigmoid = defineFunction("coil.nn.functional.sigmoid", (x: Tensor): Tensor => T(op("sigmoid", "sigmoid.default")(x)));
export const tanh = defineFunction("coil.nn.functional.tanh", (x: Tensor): Tensor => T(op("tanh", "tanh.default")(x)));
export const softmax = defineFunction("coil.nn.functional.softmax", (x: Tensor, dim: number): Tensor =>
  T(op("softmax", "_softmax.default")(x, dim, false)));
export const logSoftmax = defineFunction("coil.nn.functional.logSoftmax", (x: Tensor, dim: number): Tensor =>
  T(op("logSoftmax", "_log_softmax.default")(x, dim, false)));

// ---- linear ----
function linearImpl(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new RangeError(`nn.functional.linear: weight must be 2-D, got shape ${fmt(weight)}`);
  const inF = weight.shape[1]!, outF = weight.shape[0]!;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`nn.functional.linear: input shape ${fmt(x)} does not match weight shape ${fmt(weight)} (expected last dim ${inF})`);
  }
  const wt = T(op("linear", "t.default")(weight));
  const lead = x.shape.slice(0, -1);
  const x2 = x.ndim === 2 ? x : reshape(x, [-1, inF]);
  const y2 = bias ? T(op("linear", "addmm.default")(bias, x2, wt)) : T(op("linear", "mm.default")(x2, wt));
  return x.ndim === 2 ? y2 : T(op("linear", "view.default")(y2, [...lead, outF]));
}
export const linear = defineFunction("coil.nn.functional.linear", linearImpl);

export const bilinear = defineFunction("coil.nn.functional.bilinear", (x1: Tensor, x2: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor => {
  const [outF, in1, in2] = weight.shape as [number, number, number];
  if (weight.ndim !== 3 || x1.shape[x1.ndim - 1] !== in1 || x2.shape[x2.ndim - 1] !== in2) {
    throw new RangeError(`nn.functional.bilinear: input shapes ${fmt(x1)} and ${fmt(x2)} do not match weight shape ${fmt(weight)}`);
  }
  const lead = x1.shape.slice(0, -1);
  const a = reshape(x1, [-1, in1]), b = reshape(x2, [-1, in2]);
  // tmp[n, o, j] = sum_i a[n, i] * W[o, i, j]
  const wp = reshape(T(op("bilinear", "permute.default")(weight, [1, 0, 2])), [in1, outF * in2]);
  const tmp = T(op("bilinear", "view.default")(T(op("bilinear", "mm.default")(a, wp)), [-1, outF, in2]));
  const prod = T(op("bilinear", "mul.Tensor")(tmp, T(op("bilinear", "unsqueeze.default")(b, 1))));
  let y = T(op("bilinear", "sum.dim_IntList")(prod, [2], false));
  if (bias) y = T(op("bilinear", "add.Tensor")(y, bias));
  return T(op("bilinear", "view.default")(y, [...lead, outF]));
});

// ---- convolution and pooling ----
/** F.conv1d / F.conv2d / F.convTranspose2d are coil.conv1d / coil.conv2d / coil.convTranspose2d themselves
 *  (in PyTorch, torch.nn.functional.conv2d is torch.conv2d), so captured graphs show the same target. */
export const conv1d = C.conv1d;
export const conv2d = C.conv2d;
export const convTranspose2d = C.convTranspose2d;

export interface MaxPoolOptions { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean }
export const maxPool2d = defineFunction("coil.nn.functional.maxPool2d", (x: Tensor, kernelSize: number | number[], opts: MaxPoolOptions = {}): Tensor => {
  const k = pair(kernelSize, "maxPool2d kernelSize");
  const s = opts.stride === undefined || opts.stride === null ? k : pair(opts.stride, "maxPool2d stride");
  const out = op("maxPool2d", "max_pool2d_with_indices.default")(x, k, s, pair(opts.padding ?? 0, "maxPool2d padding"),
    pair(opts.dilation ?? 1, "maxPool2d dilation"), opts.ceilMode ?? false) as Tensor[];
  return out[0]!;
});

export interface AvgPoolOptions { stride?: number | number[] | null; padding?: number | number[]; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }
export const avgPool2d = defineFunction("coil.nn.functional.avgPool2d", (x: Tensor, kernelSize: number | number[], opts: AvgPoolOptions = {}): Tensor => {
  const k = pair(kernelSize, "avgPool2d kernelSize");
  const s = opts.stride === undefined || opts.stride === null ? k : pair(opts.stride, "avgPool2d stride");
  return T(op("avgPool2d", "avg_pool2d.default")(x, k, s, pair(opts.padding ?? 0, "avgPool2d padding"), opts.ceilMode ?? false,
    opts.countIncludePad ?? true, opts.divisorOverride ?? null));
});

export const adaptiveAvgPool2d = defineFunction("coil.nn.functional.adaptiveAvgPool2d", (x: Tensor, outputSize: number | (number | null)[]): Tensor => {
  const o = typeof outputSize === "number" ? [outputSize, outputSize] : outputSize;
  const size = o.map((v, i) => v ?? x.shape[x.ndim - 2 + i]!);
  return T(op("adaptiveAvgPool2d", "_adaptive_avg_pool2d.default")(x, size));
});

// ---- normalisation ----
export const layerNorm = defineFunction("coil.nn.functional.layerNorm", (x: Tensor, normalizedShape: number[], weight: Tensor | null = null,
  bias: Tensor | null = null, eps = 1e-5): Tensor =>
  (op("layerNorm", "native_layer_norm.default")(x, normalizedShape, weight, bias, eps) as Tensor[])[0]!);

export interface BatchNormOptions { weight?: Tensor | null; bias?: Tensor | null; training?: boolean; momentum?: number; eps?: number }
export const batchNorm = defineFunction("coil.nn.functional.batchNorm", (x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  opts: BatchNormOptions = {}): Tensor => {
  const training = opts.training ?? false;
  if (!training && (!runningMean || !runningVar)) throw new Error("nn.functional.batchNorm: running_mean and running_var must be defined in evaluation mode");
  if (training) {
    let size = 1;
    for (let i = 0; i < x.ndim; i++) if (i !== 1) size *= x.shape[i]!;
    if (size === 1) throw new Error(`nn.functional.batchNorm: expected more than 1 value per channel when training, got input size ${fmt(x)}`);
  }
  return (op("batchNorm", "native_batch_norm.default")(x, opts.weight ?? null, opts.bias ?? null, runningMean, runningVar, training,
    opts.momentum ?? 0.1, opts.eps ?? 1e-5) as Tensor[])[0]!;
});

export const groupNorm = defineFunction("coil.nn.functional.groupNorm", (x: Tensor, numGroups: number, weight: Tensor | null = null,
  bias: Tensor | null = null, eps = 1e-5): Tensor => {
  const N = x.shape[0]!, Cn = x.shape[1]!;
  if (x.ndim < 2 || Cn % numGroups !== 0) throw new RangeError(`nn.functional.groupNorm: expected the number of channels of input ${fmt(x)} to be divisible by num_groups=${numGroups}`);
  let hw = 1;
  for (let i = 2; i < x.ndim; i++) hw *= x.shape[i]!;
  return (op("groupNorm", "native_group_norm.default")(x, weight, bias, N, Cn, hw, numGroups, eps) as Tensor[])[0]!;
});

// ---- dropout, embedding, padding ----
export const dropout = defineFunction("coil.nn.functional.dropout", (x: Tensor, p = 0.5, training = true): Tensor => {
  if (p < 0 || p > 1) throw new RangeError(`nn.functional.dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  return (op("dropout", "native_dropout.default")(x, p, true) as Tensor[])[0]!;
});

export const embedding = defineFunction("coil.nn.functional.embedding", (input: Tensor, weight: Tensor, paddingIdx: number | null = null): Tensor => {
  let pi = -1;
  if (paddingIdx !== null) {
    pi = paddingIdx < 0 ? paddingIdx + weight.shape[0]! : paddingIdx;
    if (pi < 0 || pi >= weight.shape[0]!) throw new RangeError(`nn.functional.embedding: padding_idx ${paddingIdx} must be within num_embeddings (${weight.shape[0]})`);
  }
  return T(op("embedding", "embedding.default")(weight, input, pi));
});

export const pad = defineFunction("coil.nn.functional.pad", (x: Tensor, padding: number[], mode: "constant" = "constant", value = 0): Tensor => {
  if (padding.length % 2 !== 0 || padding.length / 2 > x.ndim) throw new RangeError(`nn.functional.pad: padding length ${padding.length} must be even and at most 2 * ndim (input ${fmt(x)})`);
  if (mode !== "constant") throw new Error(`nn.functional.pad: mode '${String(mode)}' is not supported by coil yet (only 'constant')`);
  return T(op("pad", "constant_pad_nd.default")(x, padding, value));
});

// ---- losses ----
export interface NllOptions { weight?: Tensor | null; ignoreIndex?: number; reduction?: Reduction }
function nllImpl(input: Tensor, target: Tensor, opts: NllOptions = {}): Tensor {
  const red = reductionEnum("nllLoss", opts.reduction ?? "mean");
  const ignore = opts.ignoreIndex ?? -100;
  if (input.ndim < 1 || input.ndim > 2) {
    // (N, C, d1, ...) -> (N * d1 * ..., C), as nll_loss_nd does for the loss value
    const Cn = input.shape[1]!;
    const perm = [0, ...Array.from({ length: input.ndim - 2 }, (_, i) => i + 2), 1];
    const flat = reshape(T(op("nllLoss", "permute.default")(input, perm)), [-1, Cn]);
    const tflat = reshape(target, [-1]);
    const r = (op("nllLoss", "nll_loss_forward.default")(flat, tflat, opts.weight ?? null, red, ignore) as Tensor[])[0]!;
    return red === 0 ? reshape(r, [...target.shape]) : r;
  }
  return (op("nllLoss", "nll_loss_forward.default")(input, target, opts.weight ?? null, red, ignore) as Tensor[])[0]!;
}
export const nllLoss = defineFunction("coil.nn.functional.nllLoss", nllImpl);

export interface CrossEntropyOptions extends NllOptions { labelSmoothing?: number }
export const crossEntropy = defineFunction("coil.nn.functional.crossEntropy", (input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor => {
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = T(op("crossEntropy", "_log_softmax.default")(input, classDim, false));
  const ls = opts.labelSmoothing ?? 0;
  const reduction = opts.reduction ?? "mean";
  if (target.dtype.isFloatingPoint) {
    // class probabilities
    if (target.shape.length !== input.shape.length) throw new RangeError(`nn.functional.crossEntropy: probability target shape ${fmt(target)} must match input ${fmt(input)}`);
    let tgt = target;
    if (ls > 0) tgt = T(op("crossEntropy", "add.Scalar")(T(op("crossEntropy", "mul.Scalar")(target, 1 - ls)), ls / input.shape[classDim]!));
    let prod = T(op("crossEntropy", "mul.Tensor")(logp, tgt));
    if (opts.weight) prod = T(op("crossEntropy", "mul.Tensor")(prod, reshape(opts.weight, [input.shape[classDim]!, ...new Array(Math.max(0, input.ndim - classDim - 1)).fill(1)])));
    const per = T(op("crossEntropy", "neg.default")(T(op("crossEntropy", "sum.dim_IntList")(prod, [classDim], false))));
    if (reduction === "none") return per;
    const s = T(op("crossEntropy", "sum.default")(per));
    return reduction === "sum" ? s : T(op("crossEntropy", "div.Scalar")(s, input.ndim === 1 ? 1 : per.numel()));
  }
  const nll = nllImpl(logp, target, opts);
  if (ls <= 0) return nll;
  if (opts.weight) throw new Error("nn.functional.crossEntropy: labelSmoothing together with class weights is not supported by coil yet");
  // smooth term: -sum_c logp / C, with ignored targets masked out
  const Cn = input.shape[classDim]!;
  let smooth = T(op("crossEntropy", "neg.default")(T(op("crossEntropy", "sum.dim_IntList")(logp, [classDim], false))));
  const ignore = opts.ignoreIndex ?? -100;
  const keep = T(op("crossEntropy", "ne.Scalar")(target, ignore));
  smooth = T(op("crossEntropy", "mul.Tensor")(smooth, keep));
  let smoothRed: Tensor;
  if (reduction === "none") smoothRed = smooth;
  else {
    smoothRed = T(op("crossEntropy", "sum.default")(smooth));
    if (reduction === "mean") smoothRed = T(op("crossEntropy", "div.Tensor")(smoothRed, T(op("crossEntropy", "sum.default")(keep))));
  }
  return T(op("crossEntropy", "add.Tensor")(T(op("crossEntropy", "mul.Scalar")(nll, 1 - ls)), T(op("crossEntropy", "mul.Scalar")(smoothRed, ls / Cn))));
});

export const mseLoss = defineFunction("coil.nn.functional.mseLoss", (input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor =>
  T(op("mseLoss", "mse_loss.default")(input, target, reductionEnum("mseLoss", opts.reduction ?? "mean"))));

export interface BceOptions { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction }
export const binaryCrossEntropyWithLogits = defineFunction("coil.nn.functional.binaryCrossEntropyWithLogits",
  (input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor => {
    if (input.shape.length !== target.shape.length || input.shape.some((s, i) => s !== target.shape[i])) {
      throw new RangeError(`nn.functional.binaryCrossEntropyWithLogits: target size ${fmt(target)} must be the same as input size ${fmt(input)}`);
    }
    return T(op("binaryCrossEntropyWithLogits", "binary_cross_entropy_with_logits.default")(input, target, opts.weight ?? null,
      opts.posWeight ?? null, reductionEnum("binaryCrossEntropyWithLogits", opts.reduction ?? "mean")));
  });

// ---- attention ----
export interface SdpaOptions { attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null }

/** Additive float mask (0 / -inf) from a boolean "may attend" mask, or the float mask itself. */
export function additiveMask(fn: string, mask: Tensor, like: Tensor): Tensor {
  if (mask.dtype.name !== "bool") return mask;
  const zeros = T(op(fn, "zeros_like.default")(mask, { dtype: like.dtype }));
  return T(op(fn, "masked_fill.Scalar")(zeros, T(op(fn, "logical_not.default")(mask)), -Infinity));
}

/** Lower-triangular "may attend" mask of shape [L, S] (constant). */
export function causalMask(L: number, S: number): Tensor {
  const v = new Uint8Array(L * S);
  for (let i = 0; i < L; i++) for (let j = 0; j <= Math.min(i, S - 1); j++) v[i * S + j] = 1;
  return Tensor.fromValues(v, [L, S], "bool");
}

/** Batched matmul over leading dims via bmm: a [..., n, k] @ b [..., k, m] (same leading dims). */
export function batchedMatmul(fn: string, a: Tensor, b: Tensor): Tensor {
  const lead = a.shape.slice(0, -2);
  const n = a.shape[a.ndim - 2]!, k = a.shape[a.ndim - 1]!, m = b.shape[b.ndim - 1]!;
  const r = T(op(fn, "bmm.default")(reshape(a, [-1, n, k]), reshape(b, [-1, k, m])));
  return T(op(fn, "view.default")(r, [...lead, n, m]));
}

export function attentionWeights(fn: string, q: Tensor, k: Tensor, opts: SdpaOptions, training = true): Tensor {
  const E = q.shape[q.ndim - 1]!;
  const L = q.shape[q.ndim - 2]!, S = k.shape[k.ndim - 2]!;
  const scale = opts.scale ?? 1 / Math.sqrt(E);
  const kt = T(op(fn, "transpose.int")(k, -2, -1));
  let scores = T(op(fn, "mul.Scalar")(batchedMatmul(fn, q, kt), scale));
  if (opts.isCausal) {
    if (opts.attnMask) throw new Error(`${fn}: explicit attn_mask should not be set when is_causal=True`);
    scores = T(op(fn, "add.Tensor")(scores, additiveMask(fn, causalMask(L, S), scores)));
  }
  if (opts.attnMask) scores = T(op(fn, "add.Tensor")(scores, additiveMask(fn, opts.attnMask, scores)));
  let attn = T(op(fn, "_softmax.default")(scores, -1, false));
  const p = opts.dropoutP ?? 0;
  if (p > 0 && training) attn = (op(fn, "native_dropout.default")(attn, p, true) as Tensor[])[0]!;
  return attn;
}

export const scaledDotProductAttention = defineFunction("coil.nn.functional.scaledDotProductAttention",
  (q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions = {}): Tensor => {
    if (q.ndim < 2 || k.ndim !== q.ndim || v.ndim !== q.ndim || q.shape[q.ndim - 1] !== k.shape[k.ndim - 1] || k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
      throw new RangeError(`nn.functional.scaledDotProductAttention: incompatible shapes query ${fmt(q)}, key ${fmt(k)}, value ${fmt(v)}`);
    }
    return batchedMatmul("scaledDotProductAttention", attentionWeights("scaledDotProductAttention", q, k, opts), v);
  });
