// ops/linalg_ops: matrix products (mm, bmm, addmm, baddbmm, dot) on the blocked GEMM kernel.
// In: tensors (any strides; transposed inputs are read in place). Out: OpDefs with meta rules,
// kernels and derivatives written with aten ops.

import { Tensor, writeStorage } from "../tensor/tensor.js";
import { fmtShape, broadcastShapes } from "../tensor/shape.js";
import { isHalfLike, float32, float64 } from "../tensor/dtype.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs } from "./kernels/elementwise.js";
import { gemm, type FloatArray, type Mat } from "./kernels/gemm.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

/** Batched strided operand: element (b, i, j) at arr[off + b*bs + i*rs + j*cs]. */
interface BMat extends Mat { bs: number }

/**
 * View a tensor of shape [..., R, C] (batch dims flattened by the caller to at most one) as a strided
 * operand without copying when its dtype is float32/float64; half and integer dtypes are converted
 * into a contiguous float32/float64 buffer.
 */
function operand(t: Tensor): BMat {
  const nd = t.ndim;
  const R = t.shape[nd - 2]!, C = t.shape[nd - 1]!;
  if (t.dtype === float32 || t.dtype === float64) {
    return {
      arr: t.data() as FloatArray, off: t.offset,
      bs: nd === 3 ? t.strides[0]! : 0, rs: t.strides[nd - 2]!, cs: t.strides[nd - 1]!,
    };
  }
  const vals = readAs(t, t.shape);
  const arr = isHalfLike(t.dtype) ? Float32Array.from(vals) : vals;
  return { arr, off: 0, bs: R * C, rs: C, cs: 1 };
}

/** Output buffer: the tensor's own storage for float32/float64, a scratch buffer otherwise. */
function outBuffer(out: Tensor): FloatArray {
  if (out.dtype === float32 || out.dtype === float64) return out.data() as FloatArray;
  return isHalfLike(out.dtype) ? new Float32Array(out.numel()) : new Float64Array(out.numel());
}

function finishOut(out: Tensor, buf: FloatArray): Tensor {
  if (out.dtype === float32 || out.dtype === float64) return out;
  const arr = out.data();
  for (let i = 0; i < buf.length; i++) writeStorage(arr, out.dtype, i, buf[i]!);
  return out;
}

function checkSameDtype(op: string, a: Tensor, b: Tensor, an = "self", bn = "mat2"): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: expected ${an} and ${bn} to have the same dtype, but got: ${a.dtype.name} != ${b.dtype.name}`);
}

function mmMeta(a: Args): TensorMeta {
  const s = a.self as Tensor, m = a.mat2 as Tensor;
  if (s.ndim !== 2) throw new RangeError(`mm: self must be a matrix, got ${s.ndim}-D tensor of shape ${fmtShape(s.shape)} (mat2 ${fmtShape(m.shape)})`);
  if (m.ndim !== 2) throw new RangeError(`mm: mat2 must be a matrix, got ${m.ndim}-D tensor of shape ${fmtShape(m.shape)} (self ${fmtShape(s.shape)})`);
  if (s.shape[1] !== m.shape[0]) throw new RangeError(`mm: mat1 and mat2 shapes cannot be multiplied (${s.shape[0]}x${s.shape[1]} and ${m.shape[0]}x${m.shape[1]})`);
  checkSameDtype("mm", s, m, "mat1", "mat2");
  return { shape: [s.shape[0]!, m.shape[1]!], dtype: s.dtype, device: s.device };
}

/** out (contiguous [B?, M, N]) = alpha * a @ b + beta * out. */
function matmulInto(out: Tensor, buf: FloatArray, a: Tensor, b: Tensor, alpha: number, beta: number): void {
  const A = operand(a), B = operand(b);
  const nd = a.ndim;
  const batch = nd === 3 ? a.shape[0]! : 1;
  const M = a.shape[nd - 2]!, K = a.shape[nd - 1]!, N = b.shape[nd - 1]!;
  for (let i = 0; i < batch; i++) {
    gemm(M, N, K, alpha,
      { arr: A.arr, off: A.off + i * A.bs, rs: A.rs, cs: A.cs },
      { arr: B.arr, off: B.off + i * B.bs, rs: B.rs, cs: B.cs },
      beta, { arr: buf, off: i * M * N, rs: N, cs: 1 });
  }
}

function mmKernel(a: Args): Tensor {
  const meta = mmMeta(a);
  const out = Tensor.empty(meta.shape, meta.dtype);
  const buf = outBuffer(out);
  matmulInto(out, buf, a.self, a.mat2, 1, 0);
  return finishOut(out, buf);
}

function bmmMeta(a: Args): TensorMeta {
  const s = a.self as Tensor, m = a.mat2 as Tensor;
  if (s.ndim !== 3) throw new RangeError(`bmm: batch1 must be a 3D tensor, got ${fmtShape(s.shape)}`);
  if (m.ndim !== 3) throw new RangeError(`bmm: batch2 must be a 3D tensor, got ${fmtShape(m.shape)}`);
  if (s.shape[0] !== m.shape[0]) throw new RangeError(`bmm: batch1 and batch2 must have same number of batches, got ${s.shape[0]} and ${m.shape[0]} (shapes ${fmtShape(s.shape)} and ${fmtShape(m.shape)})`);
  if (s.shape[2] !== m.shape[1]) throw new RangeError(`bmm: Expected size for first two dimensions of batch2 tensor to be: [${s.shape[0]}, ${s.shape[2]}] but got: [${m.shape[0]}, ${m.shape[1]}] (shapes ${fmtShape(s.shape)} and ${fmtShape(m.shape)})`);
  checkSameDtype("bmm", s, m, "batch1", "batch2");
  return { shape: [s.shape[0]!, s.shape[1]!, m.shape[2]!], dtype: s.dtype, device: s.device };
}

function bmmKernel(a: Args): Tensor {
  const meta = bmmMeta(a);
  const out = Tensor.empty(meta.shape, meta.dtype);
  const buf = outBuffer(out);
  matmulInto(out, buf, a.self, a.mat2, 1, 0);
  return finishOut(out, buf);
}

/** Fill `buf` (contiguous, shape) with `self` broadcast to shape (the beta*self term's base). */
function fillBroadcast(buf: FloatArray, self: Tensor, shape: number[]): void {
  const v = readAs(self, shape);
  buf.set(v);
}

function addmmMeta(a: Args): TensorMeta {
  const m1 = a.mat1 as Tensor, m2 = a.mat2 as Tensor, s = a.self as Tensor;
  if (m1.ndim !== 2 || m2.ndim !== 2) throw new RangeError(`addmm: mat1 and mat2 must be matrices, got ${fmtShape(m1.shape)} and ${fmtShape(m2.shape)}`);
  if (m1.shape[1] !== m2.shape[0]) throw new RangeError(`addmm: mat1 and mat2 shapes cannot be multiplied (${m1.shape[0]}x${m1.shape[1]} and ${m2.shape[0]}x${m2.shape[1]})`);
  checkSameDtype("addmm", m1, m2, "mat1", "mat2");
  checkSameDtype("addmm", s, m1, "self", "mat1");
  const shape = [m1.shape[0]!, m2.shape[1]!];
  const b = broadcastShapes("addmm", s.shape, shape);
  if (b.length !== 2 || b[0] !== shape[0] || b[1] !== shape[1]) throw new RangeError(`addmm: self of shape ${fmtShape(s.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  return { shape, dtype: m1.dtype, device: m1.device };
}

function addKernel(meta: TensorMeta, self: Tensor, m1: Tensor, m2: Tensor, beta: number, alpha: number): Tensor {
  const out = Tensor.empty(meta.shape, meta.dtype);
  const buf = outBuffer(out);
  if (beta !== 0) fillBroadcast(buf, self, meta.shape as number[]);
  matmulInto(out, buf, m1, m2, alpha, beta);
  return finishOut(out, buf);
}

function baddbmmMeta(a: Args): TensorMeta {
  const meta = bmmMeta({ self: a.batch1, mat2: a.batch2 });
  const s = a.self as Tensor;
  checkSameDtype("baddbmm", s, a.batch1, "self", "batch1");
  const b = broadcastShapes("baddbmm", s.shape, meta.shape);
  if (b.length !== 3 || b.some((x, i) => x !== meta.shape[i])) throw new RangeError(`baddbmm: self of shape ${fmtShape(s.shape)} cannot be broadcast to ${fmtShape(meta.shape)}`);
  return meta;
}

function dotMeta(a: Args): TensorMeta {
  const s = a.self as Tensor, t = a.tensor as Tensor;
  if (s.ndim !== 1 || t.ndim !== 1) throw new RangeError(`dot: 1D tensors expected, but got ${s.ndim}D and ${t.ndim}D tensors (shapes ${fmtShape(s.shape)} and ${fmtShape(t.shape)})`);
  if (s.shape[0] !== t.shape[0]) throw new RangeError(`dot: inconsistent tensor size, expected tensor [${s.shape[0]}] and src [${t.shape[0]}] to have the same number of elements, but got ${s.shape[0]} and ${t.shape[0]} elements respectively`);
  if (s.dtype !== t.dtype) throw new TypeError(`dot: expected both vectors to have same dtype, but found ${s.dtype.name} and ${t.dtype.name}`);
  return { shape: [], dtype: s.dtype, device: s.device };
}

function dotKernel(a: Args): Tensor {
  const meta = dotMeta(a);
  const x = readAs(a.self, a.self.shape), y = readAs(a.tensor, a.tensor.shape);
  let s = 0; // float64 accumulation, rounded once on store
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  const out = Tensor.empty([], meta.dtype);
  writeStorage(out.data(), meta.dtype, 0, s);
  return out;
}

/** Swap the last two dims of a 3-D tensor (a view) using the shape family's transpose. */
function mT(x: Tensor): Tensor {
  return aten.transpose.int(x, 1, 2) as Tensor;
}

function scaled(x: Tensor, s: number): Tensor {
  return s === 1 ? x : aten.mul.Scalar(x, s) as Tensor;
}

export const linalgOps = {
  mm: {
    default: {
      schema: "mm(Tensor self, Tensor mat2) -> Tensor",
      tags: ["extern"],
      meta: mmMeta,
      kernel: mmKernel,
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.mm.default(grads[0]!, aten.t.default(args.mat2)) : null,
        mat2: needs("mat2") ? aten.mm.default(aten.t.default(args.self), grads[0]!) : null,
      }),
    },
  },
  bmm: {
    default: {
      schema: "bmm(Tensor self, Tensor mat2) -> Tensor",
      tags: ["extern"],
      meta: bmmMeta,
      kernel: bmmKernel,
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.bmm.default(grads[0]!, mT(args.mat2)) : null,
        mat2: needs("mat2") ? aten.bmm.default(mT(args.self), grads[0]!) : null,
      }),
    },
  },
  addmm: {
    default: {
      schema: "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
      tags: ["extern"],
      meta: addmmMeta,
      kernel: (a: Args) => addKernel(addmmMeta(a), a.self, a.mat1, a.mat2, Number(a.beta), Number(a.alpha)),
      derivative: ({ args, grads, needs }) => {
        const g = grads[0]!;
        return {
          self: needs("self") ? sumToSize(scaled(g, Number(args.beta)), args.self.shape) : null,
          mat1: needs("mat1") ? scaled(aten.mm.default(g, aten.t.default(args.mat2)), Number(args.alpha)) : null,
          mat2: needs("mat2") ? scaled(aten.mm.default(aten.t.default(args.mat1), g), Number(args.alpha)) : null,
        };
      },
    },
  },
  baddbmm: {
    default: {
      schema: "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, Scalar alpha=1) -> Tensor",
      tags: ["extern"],
      meta: baddbmmMeta,
      kernel: (a: Args) => addKernel(baddbmmMeta(a), a.self, a.batch1, a.batch2, Number(a.beta), Number(a.alpha)),
      derivative: ({ args, grads, needs }) => {
        const g = grads[0]!;
        return {
          self: needs("self") ? sumToSize(scaled(g, Number(args.beta)), args.self.shape) : null,
          batch1: needs("batch1") ? scaled(aten.bmm.default(g, mT(args.batch2)), Number(args.alpha)) : null,
          batch2: needs("batch2") ? scaled(aten.bmm.default(mT(args.batch1), g), Number(args.alpha)) : null,
        };
      },
    },
  },
  dot: {
    default: {
      schema: "dot(Tensor self, Tensor tensor) -> Tensor",
      meta: dotMeta,
      kernel: dotKernel,
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.mul.Tensor(args.tensor, grads[0]!) : null,
        tensor: needs("tensor") ? aten.mul.Tensor(args.self, grads[0]!) : null,
      }),
    },
  },
} satisfies OpFamily;
