// ops/loss_ops: embedding and loss aten ops (embedding, embedding_dense_backward, nll_loss_forward/
// nll_loss_backward, mse_loss/mse_loss_backward, binary_cross_entropy_with_logits and its backward).
// In: tensors, integer targets/indices, reduction (0 none, 1 mean, 2 sum). Out: OpDefs.
// Schemas spell `reduction=Mean` as `reduction=1` (the schema parser reads integer defaults).

import { Tensor } from "../tensor/tensor.js";
import { fmtShape, broadcastShapes, numel } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

type T = Tensor;

function checkReduction(op: string, r: number): void {
  if (r !== 0 && r !== 1 && r !== 2) throw new RangeError(`${op}: ${r} is not a valid value for reduction (expected 0 = none, 1 = mean, 2 = sum)`);
}

function checkIndexDtype(op: string, what: string, t: Tensor): void {
  if (t.dtype.name !== "int64" && t.dtype.name !== "int32") throw new TypeError(`${op}: Expected tensor for argument '${what}' to have one of the following scalar types: Long, Int; but got ${t.dtype.name} instead`);
}

// ---------------------------------------------------------------- embedding

function embeddingMeta(a: Args): TensorMeta {
  const w = a.weight as T, idx = a.indices as T;
  if (w.ndim !== 2) throw new RangeError(`embedding: 'weight' must be 2-D, but got weight of size ${fmtShape(w.shape)}`);
  checkIndexDtype("embedding", "indices", idx);
  return { shape: [...idx.shape, w.shape[1]!], dtype: w.dtype, device: w.device };
}

function embeddingKernel(a: Args): T {
  const meta = embeddingMeta(a);
  const w = a.weight as T, idx = readAs(a.indices, a.indices.shape);
  const [V, D] = w.shape as [number, number];
  for (let i = 0; i < idx.length; i++) {
    const v = idx[i]!;
    if (v < 0 || v >= V) throw new RangeError(`embedding: index out of range in self (index ${v} for weight of size ${fmtShape(w.shape)})`);
  }
  const wv = readAs(w, w.shape);
  const out = new Float64Array(idx.length * D);
  for (let i = 0; i < idx.length; i++) out.set(wv.subarray(idx[i]! * D, idx[i]! * D + D), i * D);
  return fromFloat64(out, meta.shape, meta.dtype);
}

function embeddingBackwardMeta(a: Args): TensorMeta {
  const g = a.grad_output as T, idx = a.indices as T;
  checkIndexDtype("embedding_dense_backward", "indices", idx);
  const D = g.shape[g.ndim - 1]!;
  if (g.ndim !== idx.ndim + 1 || idx.shape.some((s, i) => s !== g.shape[i])) throw new RangeError(`embedding_dense_backward: grad_output of size ${fmtShape(g.shape)} does not match indices of size ${fmtShape(idx.shape)}`);
  return { shape: [a.num_weights, D], dtype: g.dtype, device: g.device };
}

function embeddingBackwardKernel(a: Args): T {
  const meta = embeddingBackwardMeta(a);
  const g = readAs(a.grad_output, a.grad_output.shape), idx = readAs(a.indices, a.indices.shape);
  const [V, D] = meta.shape as [number, number];
  const counts = new Float64Array(V);
  for (let i = 0; i < idx.length; i++) {
    if (idx[i]! < 0 || idx[i]! >= V) throw new RangeError(`embedding_dense_backward: index ${idx[i]} out of range for num_weights ${V}`);
    counts[idx[i]!]!++;
  }
  const out = new Float64Array(V * D);
  for (let i = 0; i < idx.length; i++) {
    const r = idx[i]!;
    if (r === a.padding_idx) continue;
    const scale = a.scale_grad_by_freq ? 1 / counts[r]! : 1;
    for (let d = 0; d < D; d++) out[r * D + d] += g[i * D + d]! * scale;
  }
  return fromFloat64(out, meta.shape, meta.dtype);
}

// ---------------------------------------------------------------- nll_loss

interface NllGeom { N: number; C: number; batched: boolean }

function nllCheck(op: string, self: T, target: T, weight: T | null, reduction: number): NllGeom {
  checkReduction(op, reduction);
  if (self.ndim < 1 || self.ndim > 2) throw new RangeError(`${op}: input tensor should be 1D or 2D, but got input of size ${fmtShape(self.shape)}`);
  if (target.ndim > 1) throw new RangeError(`${op}: 0D or 1D target tensor expected, multi-target not supported (got target of size ${fmtShape(target.shape)})`);
  checkIndexDtype(op, "target", target);
  if (!self.dtype.isFloatingPoint) throw new TypeError(`${op}: expected a floating point input, but got ${self.dtype.name}`);
  const batched = self.ndim === 2;
  const N = batched ? self.shape[0]! : 1, C = self.shape[self.ndim - 1]!;
  const tN = target.ndim === 0 ? 1 : target.shape[0]!;
  if ((batched && target.ndim !== 1) || (!batched && target.ndim !== 0) || tN !== N) {
    throw new RangeError(`${op}: Expected input batch_size (${batched ? N : "none"}) to match target batch_size (${target.ndim === 0 ? "none" : tN}); input ${fmtShape(self.shape)}, target ${fmtShape(target.shape)}`);
  }
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== C)) throw new RangeError(`${op}: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${fmtShape(weight.shape)}`);
  if (weight && weight.dtype !== self.dtype) throw new TypeError(`${op}: expected weight to have dtype ${self.dtype.name}, but got ${weight.dtype.name}`);
  return { N, C, batched };
}

function nllForwardMeta(a: Args): TensorMeta[] {
  const g = nllCheck("nll_loss_forward", a.self, a.target, a.weight, a.reduction);
  const shape = a.reduction === 0 && g.batched ? [g.N] : [];
  return [{ shape, dtype: a.self.dtype, device: a.self.device }, { shape: [], dtype: a.self.dtype, device: a.self.device }];
}

function nllForwardKernel(a: Args): T[] {
  const metas = nllForwardMeta(a);
  const { N, C } = nllCheck("nll_loss_forward", a.self, a.target, a.weight, a.reduction);
  const x = readAs(a.self, a.self.shape), t = readAs(a.target, a.target.shape);
  const w = a.weight ? readAs(a.weight, a.weight.shape) : null;
  const per = new Float64Array(N);
  let total = 0, sum = 0;
  for (let n = 0; n < N; n++) {
    const c = t[n]!;
    if (c === a.ignore_index) continue;
    if (c < 0 || c >= C) throw new RangeError(`nll_loss_forward: Target ${c} is out of bounds (input ${fmtShape(a.self.shape)}, ${C} classes)`);
    const wc = w ? w[c]! : 1;
    per[n] = -wc * x[n * C + c]!;
    total += wc;
    sum += per[n]!;
  }
  const out = a.reduction === 0 ? per : new Float64Array([a.reduction === 1 ? sum / total : sum]);
  return [fromFloat64(out, metas[0]!.shape, metas[0]!.dtype), fromFloat64(new Float64Array([a.reduction === 0 ? 0 : total]), [], metas[1]!.dtype)];
}

function nllBackwardMeta(a: Args): TensorMeta {
  const g = nllCheck("nll_loss_backward", a.self, a.target, a.weight, a.reduction);
  const go = a.grad_output as T;
  const expect = a.reduction === 0 && g.batched ? [g.N] : [];
  if (go.ndim !== expect.length || go.shape.some((s, i) => s !== expect[i])) throw new RangeError(`nll_loss_backward: expected grad_output of size ${fmtShape(expect)}, but got ${fmtShape(go.shape)}`);
  if ((a.total_weight as T).numel() !== 1) throw new RangeError(`nll_loss_backward: expected total_weight to be a single element tensor, got: ${fmtShape(a.total_weight.shape)}`);
  return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
}

function nllBackwardKernel(a: Args): T {
  const meta = nllBackwardMeta(a);
  const { N, C } = nllCheck("nll_loss_backward", a.self, a.target, a.weight, a.reduction);
  const t = readAs(a.target, a.target.shape), go = readAs(a.grad_output, a.grad_output.shape);
  const w = a.weight ? readAs(a.weight, a.weight.shape) : null;
  const tw = readAs(a.total_weight, a.total_weight.shape)[0]!;
  const gx = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    const c = t[n]!;
    if (c === a.ignore_index) continue;
    if (c < 0 || c >= C) throw new RangeError(`nll_loss_backward: Target ${c} is out of bounds (${C} classes)`);
    const wc = w ? w[c]! : 1;
    const g = a.reduction === 0 ? go[n]! : a.reduction === 1 ? go[0]! / tw : go[0]!;
    gx[n * C + c] = -wc * g;
  }
  return fromFloat64(gx, meta.shape, meta.dtype);
}

// ---------------------------------------------------------------- mse_loss

function mseShape(op: string, a: Args): number[] {
  checkReduction(op, a.reduction);
  if (!a.self.dtype.isFloatingPoint) throw new TypeError(`${op}: expected a floating point input, but got ${a.self.dtype.name}`);
  if (a.self.dtype !== a.target.dtype) throw new TypeError(`${op}: expected self and target to have the same dtype, but got ${a.self.dtype.name} and ${a.target.dtype.name}`);
  return broadcastShapes(op, a.self.shape, a.target.shape);
}

function mseKernel(a: Args): T {
  const shape = mseShape("mse_loss", a);
  const x = readAs(a.self, shape), t = readAs(a.target, shape);
  let s = 0;
  for (let i = 0; i < x.length; i++) { const d = x[i]! - t[i]!; x[i] = d * d; s += x[i]!; }
  if (a.reduction === 0) return fromFloat64(x, shape, a.self.dtype);
  return fromFloat64(new Float64Array([a.reduction === 1 ? s / x.length : s]), [], a.self.dtype);
}

function mseBackwardKernel(a: Args): T {
  const shape = mseShape("mse_loss_backward", a);
  const x = readAs(a.self, shape), t = readAs(a.target, shape);
  const g = readAs(a.grad_output, a.reduction === 0 ? shape : []);
  const scale = a.reduction === 1 ? 2 / x.length : 2;
  for (let i = 0; i < x.length; i++) x[i] = scale * (x[i]! - t[i]!) * (a.reduction === 0 ? g[i]! : g[0]!);
  return fromFloat64(x, shape, a.self.dtype);
}

// ---------------------------------------------------------------- binary_cross_entropy_with_logits

function bceCheck(op: string, a: Args): number[] {
  checkReduction(op, a.reduction);
  const x = a.self as T, t = a.target as T;
  if (!x.dtype.isFloatingPoint || x.dtype !== t.dtype) throw new TypeError(`${op}: expected floating point self and target of the same dtype, but got ${x.dtype.name} and ${t.dtype.name}`);
  // The aten op broadcasts like its arithmetic does (the frontend checks that sizes match exactly).
  const shape = broadcastShapes(op, x.shape, t.shape);
  if (a.weight) broadcastShapes(`${op} (weight)`, a.weight.shape, shape);
  if (a.pos_weight) broadcastShapes(`${op} (pos_weight)`, a.pos_weight.shape, shape);
  return shape;
}

function bceOperands(a: Args, shape: number[]) {
  const n = numel(shape);
  return {
    x: readAs(a.self, shape), t: readAs(a.target, shape),
    w: a.weight ? readAs(a.weight, shape) : new Float64Array(n).fill(1),
    pw: a.pos_weight ? readAs(a.pos_weight, shape) : null,
  };
}

function bceKernel(a: Args): T {
  const shape = bceCheck("binary_cross_entropy_with_logits", a);
  const { x, t, w, pw } = bceOperands(a, shape);
  const out = new Float64Array(x.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!, ti = t[i]!;
    const sp = Math.log1p(Math.exp(-Math.abs(xi))) + Math.max(-xi, 0); // softplus(-x)
    const lw = pw ? (pw[i]! - 1) * ti + 1 : 1;
    out[i] = w[i]! * ((1 - ti) * xi + lw * sp);
    s += out[i]!;
  }
  if (a.reduction === 0) return fromFloat64(out, shape, a.self.dtype);
  return fromFloat64(new Float64Array([a.reduction === 1 ? s / x.length : s]), [], a.self.dtype);
}

function bceBackwardKernel(a: Args): T {
  const shape = bceCheck("binary_cross_entropy_with_logits_backward", a);
  const { x, t, w, pw } = bceOperands(a, shape);
  const g = readAs(a.grad_output, a.reduction === 0 ? shape : []);
  const out = new Float64Array(x.length);
  const scale = a.reduction === 1 ? 1 / x.length : 1;
  for (let i = 0; i < x.length; i++) {
    const sig = 1 / (1 + Math.exp(-x[i]!));
    const lw = pw ? (pw[i]! - 1) * t[i]! + 1 : 1;
    const d = (1 - t[i]!) - lw * (1 - sig);
    out[i] = d * w[i]! * scale * (a.reduction === 0 ? g[i]! : g[0]!);
  }
  return fromFloat64(out, shape, a.self.dtype);
}

/** Gradient of the loss w.r.t. target, with aten ops: g * w * (-x + (pos_weight - 1) * softplus(-x)). */
function bceTargetGrad(args: Args, g: T): T {
  const x = args.self as T;
  const shape = broadcastShapes("binary_cross_entropy_with_logits", x.shape, args.target.shape);
  let gg = g;
  if (args.reduction === 1) gg = aten.div.Scalar(gg, numel(shape)) as T;
  if (args.reduction !== 0) gg = aten.expand.default(gg, shape) as T;
  let d = aten.neg.default(x) as T;
  if (args.pos_weight) {
    const sp = aten.add.Tensor(aten.log1p.default(aten.exp.default(aten.neg.default(aten.abs.default(x)))), aten.relu.default(aten.neg.default(x))) as T;
    d = aten.add.Tensor(d, aten.mul.Tensor(aten.sub.Scalar(args.pos_weight, 1), sp)) as T;
  }
  if (args.weight) d = aten.mul.Tensor(d, args.weight) as T;
  return sumToSize(aten.mul.Tensor(gg, d) as T, args.target.shape);
}

/** Gradient w.r.t. the (broadcast) weight: g * unweighted loss. */
function bceWeightGrad(args: Args, g: T): T {
  const unweighted = aten.binary_cross_entropy_with_logits.default(args.self, args.target, null, args.pos_weight, 0) as T;
  let gg = g;
  if (args.reduction === 1) gg = aten.div.Scalar(gg, numel(unweighted.shape)) as T;
  return sumToSize(aten.mul.Tensor(gg, unweighted) as T, args.weight.shape);
}

const BCE_ARGS = "Tensor self, Tensor target, Tensor? weight=None, Tensor? pos_weight=None, int reduction=1";

export const lossOps = {
  embedding: {
    default: {
      schema: "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, bool scale_grad_by_freq=False, bool sparse=False) -> Tensor",
      meta: embeddingMeta,
      kernel: embeddingKernel,
      derivative: ({ args, grads }) => ({
        weight: aten.embedding_dense_backward.default(grads[0]!, args.indices, args.weight.shape[0], args.padding_idx, args.scale_grad_by_freq),
      }),
    },
  },
  embedding_dense_backward: {
    default: {
      schema: "embedding_dense_backward(Tensor grad_output, Tensor indices, SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq) -> Tensor",
      meta: embeddingBackwardMeta,
      kernel: embeddingBackwardKernel,
      derivative: { notImplemented: "double backward of embedding" },
    },
  },
  nll_loss_forward: {
    default: {
      schema: "nll_loss_forward(Tensor self, Tensor target, Tensor? weight, int reduction, SymInt ignore_index) -> (Tensor output, Tensor total_weight)",
      meta: nllForwardMeta,
      kernel: nllForwardKernel,
      derivative: ({ args, outputs, grads }) => ({
        self: grads[0] ? aten.nll_loss_backward.default(grads[0], args.self, args.target, args.weight, args.reduction, args.ignore_index, outputs[1]!) : null,
        weight: null,
      }),
    },
  },
  nll_loss_backward: {
    default: {
      schema: "nll_loss_backward(Tensor grad_output, Tensor self, Tensor target, Tensor? weight, int reduction, SymInt ignore_index, Tensor total_weight) -> Tensor",
      meta: nllBackwardMeta,
      kernel: nllBackwardKernel,
      derivative: ({ args, grads, needs }) => ({
        grad_output: needs("grad_output") ? (aten.nll_loss_forward.default(grads[0]!, args.target, args.weight, args.reduction, args.ignore_index) as T[])[0]! : null,
        self: null, weight: null, total_weight: null,
      }),
    },
  },
  mse_loss: {
    default: {
      schema: "mse_loss(Tensor self, Tensor target, int reduction=1) -> Tensor",
      meta: (a: Args): TensorMeta => {
        const shape = mseShape("mse_loss", a);
        return { shape: a.reduction === 0 ? shape : [], dtype: a.self.dtype, device: a.self.device };
      },
      kernel: mseKernel,
      derivative: ({ args, grads, needs }) => {
        const g = aten.mse_loss_backward.default(grads[0]!, args.self, args.target, args.reduction) as T;
        return {
          self: needs("self") ? sumToSize(g, args.self.shape) : null,
          target: needs("target") ? sumToSize(aten.neg.default(g) as T, args.target.shape) : null,
        };
      },
    },
  },
  mse_loss_backward: {
    default: {
      schema: "mse_loss_backward(Tensor grad_output, Tensor self, Tensor target, int reduction) -> Tensor",
      meta: (a: Args): TensorMeta => ({ shape: mseShape("mse_loss_backward", a), dtype: a.self.dtype, device: a.self.device }),
      kernel: mseBackwardKernel,
      derivative: { notImplemented: "double backward of mse_loss" },
    },
  },
  binary_cross_entropy_with_logits: {
    default: {
      schema: `binary_cross_entropy_with_logits(${BCE_ARGS}) -> Tensor`,
      meta: (a: Args): TensorMeta => ({ shape: a.reduction === 0 ? bceCheck("binary_cross_entropy_with_logits", a) : (bceCheck("binary_cross_entropy_with_logits", a), []), dtype: a.self.dtype, device: a.self.device }),
      kernel: bceKernel,
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? sumToSize(aten.binary_cross_entropy_with_logits_backward.default(grads[0]!, args.self, args.target, args.weight, args.pos_weight, args.reduction) as T, args.self.shape) : null,
        target: needs("target") ? bceTargetGrad(args, grads[0]!) : null,
        weight: needs("weight") ? bceWeightGrad(args, grads[0]!) : null,
        pos_weight: needs("pos_weight") ? (() => { throw new Error("binary_cross_entropy_with_logits: gradient w.r.t. pos_weight is not implemented"); })() : null,
      }),
    },
  },
  binary_cross_entropy_with_logits_backward: {
    default: {
      // PyTorch 1.13's op name; PyTorch 2.x folds it into the autograd formula.
      schema: `binary_cross_entropy_with_logits_backward(Tensor grad_output, ${BCE_ARGS}) -> Tensor`,
      meta: (a: Args): TensorMeta => ({ shape: bceCheck("binary_cross_entropy_with_logits_backward", a), dtype: a.self.dtype, device: a.self.device }),
      kernel: bceBackwardKernel,
      derivative: { notImplemented: "double backward of binary_cross_entropy_with_logits" },
    },
  },
} satisfies OpFamily;
