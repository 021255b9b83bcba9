// ops/norm_ops: normalization ops: native_layer_norm, native_batch_norm (training updates running
// stats in place, like PyTorch), native_group_norm and their *_backward ops (the derivatives Inductor sees).
// In: input, optional affine weight/bias, stats, eps. Out: OpDefs returning (out, mean, rstd/invstd).

import { Tensor } from "../tensor/tensor.js";
import { isHalfLike } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta, GradCtx } from "./registry.js";
import { fromFloat64 } from "./kernels/elementwise.js";
import { copyInto } from "./pointwise_util.js";
import { readContiguous } from "./kernels/reduce.js";
import { requireFloat } from "./reduction_ops.js";
import { aten } from "./ref.js";

type T = Tensor | null | undefined;

function m(x: Tensor, shape: readonly number[]): TensorMeta {
  return { shape: [...shape], dtype: x.dtype, device: x.device };
}
function vals(t: T): Float64Array | null {
  return t ? readContiguous(t) : null;
}
function checkParam(op: string, name: string, t: T, shape: readonly number[]): void {
  if (!t) return;
  if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
    throw new RangeError(`${op}: expected ${name} to be of shape ${fmtShape(shape)} but got ${name} of shape ${fmtShape(t.shape)}`);
  }
}
/** Gradient flowing into output 0 (zeros when only mean/rstd were used). */
function grad0(ctx: GradCtx): Tensor {
  return ctx.grads[0] ?? (aten.zeros_like.default(ctx.outputs[0]!) as Tensor);
}

// ---------------- layer norm ----------------
function layerNormDims(op: string, a: Args): { M: number; N: number; statShape: number[] } {
  const x = a.input as Tensor, ns = a.normalized_shape as number[];
  requireFloat(op, x, "expected a floating point input");
  const k = ns.length;
  const ok = k >= 1 && x.ndim >= k && ns.every((s, i) => s === x.shape[x.ndim - k + i]);
  if (!ok) throw new RangeError(`${op}: Given normalized_shape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(", ")}], but got input of size${fmtShape(x.shape)}`);
  checkParam(op, "weight", a.weight, ns);
  checkParam(op, "bias", a.bias, ns);
  const N = numel(ns), M = numel(x.shape) / Math.max(N, 1);
  const statShape = x.shape.map((s, i) => (i < x.ndim - k ? s : 1));
  return { M: N === 0 ? 0 : M, N, statShape };
}

function layerNormKernel(a: Args): Tensor[] {
  const { M, N, statShape } = layerNormDims("native_layer_norm", a);
  const x = a.input as Tensor;
  // Contiguous float32/float64 inputs are read (and the output written) in place, without float64 copies.
  const direct = x.isContiguous() && !isHalfLike(x.dtype);
  const X = direct ? x.data() : readContiguous(x), xo = direct ? x.offset : 0;
  const W = vals(a.weight), B = vals(a.bias);
  const outT = direct ? Tensor.empty(x.shape, x.dtype) : null;
  const out = outT ? outT.data() : new Float64Array(X.length);
  const mean = new Float64Array(M), rstd = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    const o = i * N, xb = xo + o;
    let s = 0;
    for (let j = 0; j < N; j++) s += X[xb + j]!;
    const mu = s / N;
    let ss = 0;
    for (let j = 0; j < N; j++) { const d = X[xb + j]! - mu; ss += d * d; }
    const r = 1 / Math.sqrt(ss / N + a.eps);
    mean[i] = mu; rstd[i] = r;
    if (W && B) for (let j = 0; j < N; j++) out[o + j] = (X[xb + j]! - mu) * r * W[j]! + B[j]!;
    else for (let j = 0; j < N; j++) {
      let v = (X[xb + j]! - mu) * r;
      if (W) v *= W[j]!;
      if (B) v += B[j]!;
      out[o + j] = v;
    }
  }
  const y = outT ?? fromFloat64(out as Float64Array, x.shape, x.dtype);
  return [y, fromFloat64(mean, statShape, x.dtype), fromFloat64(rstd, statShape, x.dtype)];
}

function layerNormBackwardKernel(a: Args): Tensor[] {
  const { M, N } = layerNormDims("native_layer_norm_backward", a);
  const x = a.input as Tensor, ns = a.normalized_shape as number[];
  const X = readContiguous(x), G = readContiguous(a.grad_out), MU = readContiguous(a.mean), R = readContiguous(a.rstd), W = vals(a.weight);
  const dx = new Float64Array(X.length), dw = new Float64Array(N), db = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    const o = i * N, mu = MU[i]!, r = R[i]!;
    let sa = 0, sb = 0;
    for (let j = 0; j < N; j++) {
      const xh = (X[o + j]! - mu) * r, g = G[o + j]!;
      const dy = W ? g * W[j]! : g;
      sa += dy; sb += dy * xh;
      dw[j]! += g * xh; db[j]! += g;
    }
    sa /= N; sb /= N;
    for (let j = 0; j < N; j++) {
      const xh = (X[o + j]! - mu) * r, g = G[o + j]!;
      const dy = W ? g * W[j]! : g;
      dx[o + j] = r * (dy - sa - xh * sb);
    }
  }
  const pd = (a.weight as T)?.dtype ?? x.dtype;
  return [fromFloat64(dx, x.shape, x.dtype), fromFloat64(dw, ns, pd), fromFloat64(db, ns, (a.bias as T)?.dtype ?? pd)];
}

// ---------------- batch norm ----------------
function bnDims(op: string, x: Tensor): { N: number; C: number; HW: number } {
  requireFloat(op, x, "expected a floating point input");
  if (x.ndim < 2) throw new RangeError(`${op}: expected input with at least 2 dims (N, C, ...), but got input of shape ${fmtShape(x.shape)}`);
  const C = x.shape[1]!;
  return { N: x.shape[0]!, C, HW: numel(x.shape.slice(2)) };
}

function bnMeta(a: Args): TensorMeta[] {
  const x = a.input as Tensor;
  const { C } = bnDims("native_batch_norm", x);
  for (const k of ["weight", "bias", "running_mean", "running_var"]) checkParam("native_batch_norm", k, a[k], [C]);
  if (!a.training && (!a.running_mean || !a.running_var)) throw new RangeError(`native_batch_norm: running_mean and running_var must be defined in evaluation mode (input shape ${fmtShape(x.shape)})`);
  const s = a.training ? [C] : [0];
  return [m(x, x.shape), m(x, s), m(x, s)];
}

function bnKernel(a: Args): Tensor[] {
  bnMeta(a);
  const x = a.input as Tensor;
  const { N, C, HW } = bnDims("native_batch_norm", x);
  const X = readContiguous(x), W = vals(a.weight), B = vals(a.bias);
  const out = new Float64Array(X.length);
  const cnt = N * HW;
  const mean = new Float64Array(C), invstd = new Float64Array(C), varU = new Float64Array(C);
  if (a.training) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let n = 0; n < N; n++) { const o = (n * C + c) * HW; for (let k = 0; k < HW; k++) s += X[o + k]!; }
      const mu = s / cnt;
      let ss = 0;
      for (let n = 0; n < N; n++) { const o = (n * C + c) * HW; for (let k = 0; k < HW; k++) { const d = X[o + k]! - mu; ss += d * d; } }
      mean[c] = mu; invstd[c] = 1 / Math.sqrt(ss / cnt + a.eps); varU[c] = ss / Math.max(cnt - 1, 1);
      if (cnt === 1) varU[c] = NaN;
    }
  } else {
    const RM = readContiguous(a.running_mean), RV = readContiguous(a.running_var);
    for (let c = 0; c < C; c++) { mean[c] = RM[c]!; invstd[c] = 1 / Math.sqrt(RV[c]! + a.eps); }
  }
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const o = (n * C + c) * HW, mu = mean[c]!, r = invstd[c]!, w = W ? W[c]! : 1, b = B ? B[c]! : 0;
    for (let k = 0; k < HW; k++) out[o + k] = (X[o + k]! - mu) * r * w + b;
  }
  if (a.training) {
    const mom = a.momentum as number;
    for (const [t, stat] of [[a.running_mean, mean], [a.running_var, varU]] as [T, Float64Array][]) {
      if (!t) continue;
      const cur = readContiguous(t);
      for (let c = 0; c < C; c++) cur[c] = (1 - mom) * cur[c]! + mom * stat[c]!;
      copyInto(t, fromFloat64(cur, t.shape, t.dtype));
      t.storage.version++;
    }
  }
  const s = a.training ? [C] : [0];
  return [fromFloat64(out, x.shape, x.dtype), fromFloat64(a.training ? mean : new Float64Array(0), s, x.dtype), fromFloat64(a.training ? invstd : new Float64Array(0), s, x.dtype)];
}

function bnBackwardKernel(a: Args): Tensor[] {
  const x = a.input as Tensor;
  const { N, C, HW } = bnDims("native_batch_norm_backward", x);
  const X = readContiguous(x), G = readContiguous(a.grad_out), W = vals(a.weight);
  const cnt = N * HW;
  let mean: Float64Array, invstd: Float64Array;
  if (a.train) {
    if (!a.save_mean || !a.save_invstd) throw new RangeError("native_batch_norm_backward: save_mean and save_invstd must be defined in training mode");
    mean = readContiguous(a.save_mean); invstd = readContiguous(a.save_invstd);
  } else {
    if (!a.running_mean || !a.running_var) throw new RangeError("native_batch_norm_backward: running_mean and running_var must be defined in evaluation mode");
    mean = readContiguous(a.running_mean);
    const rv = readContiguous(a.running_var);
    invstd = rv.map((v) => 1 / Math.sqrt(v + a.eps));
  }
  const dx = new Float64Array(X.length), dw = new Float64Array(C), db = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    const mu = mean[c]!, r = invstd[c]!, w = W ? W[c]! : 1;
    let sg = 0, sgx = 0;
    for (let n = 0; n < N; n++) { const o = (n * C + c) * HW; for (let k = 0; k < HW; k++) { const g = G[o + k]!; sg += g; sgx += g * (X[o + k]! - mu) * r; } }
    dw[c] = sgx; db[c] = sg;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * HW;
      for (let k = 0; k < HW; k++) {
        const g = G[o + k]!;
        dx[o + k] = a.train ? w * r * (g - sg / cnt - (X[o + k]! - mu) * r * (sgx / cnt)) : g * w * r;
      }
    }
  }
  const pd = (a.weight as T)?.dtype ?? x.dtype;
  return [fromFloat64(dx, x.shape, x.dtype), fromFloat64(dw, [C], pd), fromFloat64(db, [C], pd)];
}

// ---------------- group norm ----------------
function gnCheck(op: string, a: Args): { D: number; cpg: number } {
  const x = a.input as Tensor;
  requireFloat(op, x, "expected a floating point input");
  const { N, C, HxW, group } = a as { N: number; C: number; HxW: number; group: number };
  if (N * C * HxW !== x.numel()) throw new RangeError(`${op}: N*C*HxW (${N}*${C}*${HxW}) does not match the number of elements of input of shape ${fmtShape(x.shape)}`);
  if (group <= 0 || C % group !== 0) throw new RangeError(`${op}: Expected number of channels in input to be divisible by num_groups, but got input of shape ${fmtShape(x.shape)} and num_groups=${group}`);
  checkParam(op, "weight", a.weight, [C]);
  checkParam(op, "bias", a.bias, [C]);
  const cpg = C / group;
  return { D: cpg * HxW, cpg };
}

function gnKernel(a: Args): Tensor[] {
  const { D, cpg } = gnCheck("native_group_norm", a);
  const x = a.input as Tensor;
  const { N, HxW, group } = a as { N: number; HxW: number; group: number };
  const X = readContiguous(x), W = vals(a.weight), B = vals(a.bias);
  const out = new Float64Array(X.length), mean = new Float64Array(N * group), rstd = new Float64Array(N * group);
  for (let i = 0; i < N * group; i++) {
    const o = i * D;
    let s = 0;
    for (let j = 0; j < D; j++) s += X[o + j]!;
    const mu = D ? s / D : NaN;
    let ss = 0;
    for (let j = 0; j < D; j++) { const d = X[o + j]! - mu; ss += d * d; }
    const r = 1 / Math.sqrt(ss / D + a.eps);
    mean[i] = mu; rstd[i] = r;
    const g = i % group;
    for (let j = 0; j < D; j++) {
      const c = g * cpg + Math.floor(j / HxW);
      out[o + j] = (X[o + j]! - mu) * r * (W ? W[c]! : 1) + (B ? B[c]! : 0);
    }
  }
  return [fromFloat64(out, x.shape, x.dtype), fromFloat64(mean, [N, group], x.dtype), fromFloat64(rstd, [N, group], x.dtype)];
}

function gnBackwardKernel(a: Args): Tensor[] {
  const { D, cpg } = gnCheck("native_group_norm_backward", a);
  const x = a.input as Tensor;
  const { N, C, HxW, group } = a as { N: number; C: number; HxW: number; group: number };
  const X = readContiguous(x), G = readContiguous(a.grad_out), MU = readContiguous(a.mean), R = readContiguous(a.rstd), W = vals(a.weight);
  const dx = new Float64Array(X.length), dw = new Float64Array(C), db = new Float64Array(C);
  for (let i = 0; i < N * group; i++) {
    const o = i * D, mu = MU[i]!, r = R[i]!, g0 = i % group;
    let sa = 0, sb = 0;
    for (let j = 0; j < D; j++) {
      const c = g0 * cpg + Math.floor(j / HxW);
      const xh = (X[o + j]! - mu) * r, g = G[o + j]!;
      const dy = W ? g * W[c]! : g;
      sa += dy; sb += dy * xh;
      dw[c]! += g * xh; db[c]! += g;
    }
    sa /= D; sb /= D;
    for (let j = 0; j < D; j++) {
      const c = g0 * cpg + Math.floor(j / HxW);
      const xh = (X[o + j]! - mu) * r, g = G[o + j]!;
      dx[o + j] = r * ((W ? g * W[c]! : g) - sa - xh * sb);
    }
  }
  const pd = (a.weight as T)?.dtype ?? x.dtype;
  return [fromFloat64(dx, x.shape, x.dtype), fromFloat64(dw, [C], pd), fromFloat64(db, [C], pd)];
}

/** d/dx of mean (1/D) and rstd (-rstd^3 (x - mean) / D) over each group, with aten ops. */
function groupStatsGrad(a: Args, mean: Tensor, rstd: Tensor, gm: Tensor | null, gr: Tensor | null): Tensor {
  const x = a.input as Tensor, N = a.N as number, G = a.group as number;
  const D = x.numel() / Math.max(1, N * G);
  const s3 = [N, G, 1];
  let r: Tensor | null = gm ? aten.mul.Scalar(aten.view.default(gm, s3), 1 / D) as Tensor : null;
  if (gr) {
    const x3 = aten.view.default(aten.contiguous.default(x), [N, G, D]) as Tensor;
    const centered = aten.sub.Tensor(x3, aten.view.default(mean, s3)) as Tensor;
    const r3 = aten.view.default(rstd, s3) as Tensor;
    const coef = aten.mul.Scalar(aten.mul.Tensor(aten.view.default(gr, s3), aten.mul.Tensor(r3, aten.mul.Tensor(r3, r3))), -1 / D) as Tensor;
    const t = aten.mul.Tensor(coef, centered) as Tensor;
    r = r ? aten.add.Tensor(t, r) as Tensor : t;
  }
  return aten.view.default(aten.contiguous.default(aten.expand.default(r!, [N, G, D])), [...x.shape]) as Tensor;
}

const mask3 = (ctx: GradCtx, names: [string, string, string]) => names.map((n) => ctx.needs(n));
function pick(res: Tensor[], ctx: GradCtx, names: [string, string, string]): Record<string, Tensor | null> {
  return { [names[0]]: ctx.needs(names[0]) ? res[0]! : null, [names[1]]: ctx.needs(names[1]) ? res[1]! : null, [names[2]]: ctx.needs(names[2]) ? res[2]! : null };
}
const noDouble = { notImplemented: "double backward of normalization ops" };

export const normOps = {
  native_layer_norm: {
    default: {
      schema: "native_layer_norm(Tensor input, SymInt[] normalized_shape, Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => { const { statShape } = layerNormDims("native_layer_norm", a); return [m(a.input, a.input.shape), m(a.input, statShape), m(a.input, statShape)]; },
      kernel: layerNormKernel,
      differentiableOutputs: [true, false, false],
      derivative: (ctx) => {
        const { args, outputs } = ctx;
        const names: [string, string, string] = ["input", "weight", "bias"];
        const res = aten.native_layer_norm_backward.default(grad0(ctx), args.input, args.normalized_shape, outputs[1]!, outputs[2]!, args.weight, args.bias, mask3(ctx, names)) as Tensor[];
        return pick(res, ctx, names);
      },
    },
  },
  native_layer_norm_backward: {
    default: {
      schema: "native_layer_norm_backward(Tensor grad_out, Tensor input, SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, Tensor? bias, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => {
        layerNormDims("native_layer_norm_backward", a);
        const pd = a.weight ?? a.input;
        return [m(a.input, a.input.shape), m(pd, a.normalized_shape), m(a.bias ?? pd, a.normalized_shape)];
      },
      kernel: layerNormBackwardKernel,
      derivative: noDouble,
    },
  },
  native_batch_norm: {
    default: {
      // running_mean/running_var are updated in place in training mode (their version counters are bumped).
      schema: "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? running_var, bool training, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
      meta: bnMeta,
      kernel: bnKernel,
      differentiableOutputs: [true, false, false],
      derivative: (ctx) => {
        const { args, outputs } = ctx;
        const names: [string, string, string] = ["input", "weight", "bias"];
        const res = aten.native_batch_norm_backward.default(grad0(ctx), args.input, args.weight, args.running_mean, args.running_var,
          outputs[1]!, outputs[2]!, args.training, args.eps, mask3(ctx, names)) as Tensor[];
        return pick(res, ctx, names);
      },
    },
  },
  native_batch_norm_backward: {
    default: {
      schema: "native_batch_norm_backward(Tensor grad_out, Tensor input, Tensor? weight, Tensor? running_mean, Tensor? running_var, Tensor? save_mean, Tensor? save_invstd, bool train, float eps, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => {
        const { C } = bnDims("native_batch_norm_backward", a.input);
        const pd = a.weight ?? a.input;
        return [m(a.input, a.input.shape), m(pd, [C]), m(pd, [C])];
      },
      kernel: bnBackwardKernel,
      derivative: noDouble,
    },
  },
  native_group_norm: {
    default: {
      schema: "native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, SymInt HxW, int group, float eps) -> (Tensor, Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => { gnCheck("native_group_norm", a); return [m(a.input, a.input.shape), m(a.input, [a.N, a.group]), m(a.input, [a.N, a.group])]; },
      kernel: gnKernel,
      derivative: (ctx) => {
        const { args, outputs } = ctx;
        const names: [string, string, string] = ["input", "weight", "bias"];
        const res = aten.native_group_norm_backward.default(grad0(ctx), args.input, outputs[1]!, outputs[2]!, args.weight,
          args.N, args.C, args.HxW, args.group, mask3(ctx, names)) as Tensor[];
        // mean and rstd are differentiable outputs of native_group_norm (as in PyTorch 1.13).
        const [gm, gr] = [ctx.grads[1], ctx.grads[2]];
        if ((gm || gr) && ctx.needs("input")) res[0] = aten.add.Tensor(res[0]!, groupStatsGrad(args, outputs[1]!, outputs[2]!, gm ?? null, gr ?? null)) as Tensor;
        return pick(res, ctx, names);
      },
    },
  },
  native_group_norm_backward: {
    default: {
      schema: "native_group_norm_backward(Tensor grad_out, Tensor input, Tensor mean, Tensor rstd, Tensor? weight, SymInt N, SymInt C, SymInt HxW, int group, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => {
        gnCheck("native_group_norm_backward", a);
        const pd = a.weight ?? a.input;
        return [m(a.input, a.input.shape), m(pd, [a.C]), m(pd, [a.C])];
      },
      kernel: gnBackwardKernel,
      derivative: noDouble,
    },
  },
} satisfies OpFamily;
