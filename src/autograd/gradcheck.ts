// autograd/gradcheck: compares analytic gradients (from the engine) against central finite
// differences, like torch.autograd.gradcheck / gradgradcheck.
// In: a function of tensors and float64 inputs. Out: true, or an Error naming the worst element.

import { Tensor, elementOffsets, toFloat64Array } from "../tensor/tensor.js";
import { grad } from "./engine.js";
import { noGrad } from "./grad_mode.js";

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Return false instead of throwing on mismatch (default: throw). */
  raiseException?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(r: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(r) ? r : [r];
}

function shapeStr(t: Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}

/** Numerical Jacobian d out[o].flat[j] / d in[k].flat[i], as jac[k][o][i * outNumel + j]. */
function numericalJacobian(fn: Fn, inputs: Tensor[], diffIdx: number[], eps: number): Float64Array[][] {
  const base = outputsOf(fn(...inputs));
  const res: Float64Array[][] = [];
  for (const k of diffIdx) {
    const x = inputs[k]!;
    const arr = x.data("gradcheck");
    const offs = elementOffsets(x);
    const perOut = base.map((o) => new Float64Array(x.numel() * o.numel()));
    for (let i = 0; i < offs.length; i++) {
      const off = offs[i]!;
      const orig = arr[off]!;
      arr[off] = orig + eps;
      const plus = outputsOf(fn(...inputs)).map(toFloat64Array);
      arr[off] = orig - eps;
      const minus = outputsOf(fn(...inputs)).map(toFloat64Array);
      arr[off] = orig;
      plus.forEach((p, o) => {
        const m = minus[o]!;
        const dst = perOut[o]!;
        const n = p.length;
        for (let j = 0; j < n; j++) dst[i * n + j] = (p[j]! - m[j]!) / (2 * eps);
      });
    }
    res.push(perOut);
  }
  return res;
}

/** Analytic Jacobian by one backward pass per output element (one-hot grad_output). */
function analyticalJacobian(outs: Tensor[], inputs: Tensor[], diffIdx: number[]): Float64Array[][] {
  const res: Float64Array[][] = diffIdx.map((k) => outs.map((o) => new Float64Array(inputs[k]!.numel() * o.numel())));
  const diffInputs = diffIdx.map((k) => inputs[k]!);
  outs.forEach((o, oi) => {
    if (!o.requiresGrad) return;
    const n = o.numel();
    for (let j = 0; j < n; j++) {
      const onehot = new Float64Array(n);
      onehot[j] = 1;
      const go = Tensor.fromValues(onehot, o.shape, o.dtype);
      const gs = grad([o], diffInputs, [go], { retainGraph: true, allowUnused: true });
      gs.forEach((g, kk) => {
        if (!g) return;
        if (g.shape.length !== diffInputs[kk]!.shape.length || g.shape.some((s, d) => s !== diffInputs[kk]!.shape[d])) {
          throw new Error(`gradcheck: gradient for input ${diffIdx[kk]} has shape ${shapeStr(g)} but the input has shape ${shapeStr(diffInputs[kk]!)}`);
        }
        const gv = toFloat64Array(g);
        const dst = res[kk]![oi]!;
        for (let i = 0; i < gv.length; i++) dst[i * n + j] = gv[i]!;
      });
    }
  });
  return res;
}

/**
 * Check the gradients of fn at `inputs` (float64 tensors; those with requiresGrad are checked).
 * Throws an Error describing the worst mismatching element unless raiseException === false.
 */
export function gradcheck(fn: Fn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  const diffIdx: number[] = [];
  inputs.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new TypeError(`gradcheck: input ${k} is not a Tensor`);
    if (t.requiresGrad) {
      if (t.dtype.name !== "float64") {
        throw new TypeError(`gradcheck: input ${k} (shape ${shapeStr(t)}) requires grad but has dtype ${t.dtype.name}; gradcheck needs float64 inputs for precise finite differences`);
      }
      diffIdx.push(k);
    }
  });
  if (diffIdx.length === 0) throw new Error("gradcheck: expected at least one input tensor to require gradient");
  const outs = outputsOf(fn(...inputs));
  for (const [oi, o] of outs.entries()) {
    if (o.dtype.isFloatingPoint && o.dtype.name !== "float64") {
      throw new TypeError(`gradcheck: output ${oi} (shape ${shapeStr(o)}) has dtype ${o.dtype.name}; expected float64`);
    }
  }
  const analytical = analyticalJacobian(outs, inputs, diffIdx);
  const numerical = numericalJacobian(fn, inputs, diffIdx, eps);
  let worst: { k: number; o: number; i: number; j: number; a: number; n: number; excess: number } | null = null;
  diffIdx.forEach((k, kk) => {
    outs.forEach((o, oi) => {
      const a = analytical[kk]![oi]!, n = numerical[kk]![oi]!;
      const on = o.numel();
      for (let e = 0; e < a.length; e++) {
        const diff = Math.abs(a[e]! - n[e]!);
        const bound = atol + rtol * Math.abs(n[e]!);
        const bad = !(diff <= bound);
        if (bad && (worst === null || diff - bound > worst.excess || Number.isNaN(diff))) {
          worst = { k, o: oi, i: Math.floor(e / on), j: e % on, a: a[e]!, n: n[e]!, excess: Number.isNaN(diff) ? Infinity : diff - bound };
        }
      }
    });
  });
  if (worst === null) return true;
  const w = worst as { k: number; o: number; i: number; j: number; a: number; n: number };
  const x = inputs[w.k]!, o = outs[w.o]!;
  const msg = `gradcheck: Jacobian mismatch for output ${w.o} (shape ${shapeStr(o)}) with respect to input ${w.k} (shape ${shapeStr(x)}): ` +
    `worst element d out${JSON.stringify(unravel(w.j, o.shape))} / d in${JSON.stringify(unravel(w.i, x.shape))}: ` +
    `numerical ${w.n}, analytical ${w.a}, difference ${Math.abs(w.n - w.a)} (atol ${atol}, rtol ${rtol}, eps ${eps})`;
  if (opts.raiseException === false) return false;
  throw new Error(msg);
}

/**
 * Second-order check (torch.autograd.gradgradcheck): checks the gradients of
 * (inputs, gradOutputs) -> autograd.grad(fn(inputs), inputs, gradOutputs, createGraph).
 */
export function gradgradcheck(fn: Fn, inputs: Tensor[], opts: GradcheckOptions = {}): boolean {
  const outs = noGrad(() => outputsOf(fn(...inputs)));
  const gos = outs.map((o) => {
    const n = o.numel();
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.sin(1.7 * i + 0.3);
    const t = Tensor.fromValues(v, o.shape, "float64");
    t.requiresGrad = true;
    return t;
  });
  const nIn = inputs.length;
  const wrapped = (...all: Tensor[]): Tensor[] => {
    const ins = all.slice(0, nIn), g = all.slice(nIn);
    const diffIns = ins.filter((t) => t.requiresGrad);
    const r = outputsOf(fn(...ins));
    const gs = grad(r, diffIns, g, { createGraph: true, allowUnused: true });
    return gs.filter((t): t is Tensor => t !== null && t.requiresGrad);
  };
  return gradcheck(wrapped, [...inputs, ...gos], opts);
}
