// frontend/linalg: torch-level matrix functions (coil.mm, coil.bmm, coil.addmm, coil.dot, coil.matmul,
// coil.linear and the Tensor methods). matmul follows torch.matmul: dot / mm / folding into mm /
// broadcast batch dims via expand + reshape + bmm. In: tensors. Out: tensors, via aten ops.

import type { Tensor } from "../tensor/tensor.js";
import { broadcastShapes, fmtShape, numel } from "../tensor/shape.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    mm(other: Tensor): Tensor;
    t(): Tensor;
    bmm(other: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    matmul(other: Tensor): Tensor;
    addmm(mat1: Tensor, mat2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor;
  }
}

type T = Tensor;

/** view when strides allow, else contiguous + view (aten.reshape's decomposition). */
function reshapeTo(x: T, shape: number[]): T {
  if (x.ndim === shape.length && x.shape.every((s, i) => s === shape[i])) return x;
  const src = x.isContiguous() ? x : aten.contiguous.default(x) as T;
  return aten.view.default(src, shape) as T;
}

function matmulImpl(a: T, b: T): T {
  const da = a.ndim, db = b.ndim;
  if (da === 0 || db === 0) throw new RangeError(`matmul: both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`);
  if (da === 1 && db === 1) return aten.dot.default(a, b);
  if (da === 2 && db === 1) return aten.squeeze.dim(aten.mm.default(a, aten.unsqueeze.default(b, 1)), 1);
  if (da === 1 && db === 2) return aten.squeeze.dim(aten.mm.default(aten.unsqueeze.default(a, 0), b), 0);
  if (da === 2 && db === 2) return aten.mm.default(a, b);
  const k = a.shape[da - 1]!;
  const kb = db === 1 ? b.shape[0]! : b.shape[db - 2]!;
  if (k !== kb) throw new RangeError(`matmul: mat1 and mat2 shapes cannot be multiplied (${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
  if (da >= 3 && db <= 2) {
    // fold a's batch dims into rows: [..., n, k] -> [prod, k] @ b
    const lead = a.shape.slice(0, -1);
    const b2 = db === 1 ? aten.unsqueeze.default(b, 1) as T : b;
    const y = aten.mm.default(reshapeTo(a, [numel(lead), k]), b2) as T;
    return db === 1 ? reshapeTo(y, lead) : reshapeTo(y, [...lead, b.shape[1]!]);
  }
  // general case: broadcast batch dims, then bmm
  const a3 = da === 1 ? aten.unsqueeze.default(a, 0) as T : a;
  const b3 = db === 1 ? aten.unsqueeze.default(b, 1) as T : b;
  const n = a3.shape[a3.ndim - 2]!, m = b3.shape[b3.ndim - 1]!;
  const batch = broadcastShapes("matmul", a3.shape.slice(0, -2), b3.shape.slice(0, -2));
  const B = numel(batch);
  const ae = reshapeTo(aten.expand.default(a3, [...batch, n, k]) as T, [B, n, k]);
  const be = reshapeTo(aten.expand.default(b3, [...batch, k, m]) as T, [B, k, m]);
  const out = [...batch, ...(da === 1 ? [] : [n]), ...(db === 1 ? [] : [m])];
  return reshapeTo(aten.bmm.default(ae, be) as T, out);
}

/** F.linear as torch does it: addmm for 2-D input with bias, else matmul (+ bias). */
function linearImpl(x: T, weight: T, bias: T | null = null): T {
  if (weight.ndim !== 2) throw new RangeError(`linear: weight must be 2-D, got shape ${fmtShape(weight.shape)}`);
  const wt = aten.t.default(weight) as T;
  if (x.ndim === 2 && bias) return aten.addmm.default(bias, x, wt);
  const y = matmulImpl(x, wt);
  return bias ? aten.add.Tensor(y, bias) : y;
}

export const mm = defineFunction("coil.mm", (a: T, b: T): T => aten.mm.default(a, b));
export const t = defineFunction("coil.t", (a: T): T => aten.t.default(a));
export const bmm = defineFunction("coil.bmm", (a: T, b: T): T => aten.bmm.default(a, b));
export const dot = defineFunction("coil.dot", (a: T, b: T): T => aten.dot.default(a, b));
export const matmul = defineFunction("coil.matmul", matmulImpl);
export const linear = defineFunction("coil.linear", linearImpl);
export const addmm = defineFunction("coil.addmm", (self: T, m1: T, m2: T, opts: { beta?: number; alpha?: number } = {}): T =>
  aten.addmm.default(self, m1, m2, { beta: opts.beta ?? 1, alpha: opts.alpha ?? 1 }));
export const baddbmm = defineFunction("coil.baddbmm", (self: T, b1: T, b2: T, opts: { beta?: number; alpha?: number } = {}): T =>
  aten.baddbmm.default(self, b1, b2, { beta: opts.beta ?? 1, alpha: opts.alpha ?? 1 }));

defineMethod("mm", (a, b: T) => aten.mm.default(a, b));
defineMethod("t", (a) => aten.t.default(a));
defineMethod("bmm", (a, b: T) => aten.bmm.default(a, b));
defineMethod("dot", (a, b: T) => aten.dot.default(a, b));
defineMethod("matmul", (a, b: T) => matmulImpl(a, b));
defineMethod("addmm", (a, m1: T, m2: T, opts: { beta?: number; alpha?: number } = {}) => aten.addmm.default(a, m1, m2, { beta: opts.beta ?? 1, alpha: opts.alpha ?? 1 }));
