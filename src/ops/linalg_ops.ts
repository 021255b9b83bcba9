// ops/linalg_ops: matrix products (mm, bmm, addmm, dot, ...). In: tensors. Out: OpDefs.

import { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { aten } from "./ref.js";

function mmMeta(a: Args): TensorMeta {
  const s = a.self as Tensor, m = a.mat2 as Tensor;
  if (s.ndim !== 2 || m.ndim !== 2) throw new RangeError(`mm: expected 2-D tensors, got self ${fmtShape(s.shape)} and mat2 ${fmtShape(m.shape)}`);
  if (s.shape[1] !== m.shape[0]) throw new RangeError(`mm: mat1 and mat2 shapes cannot be multiplied (${s.shape[0]}x${s.shape[1]} and ${m.shape[0]}x${m.shape[1]})`);
  if (s.dtype !== m.dtype) throw new TypeError(`mm: expected mat1 and mat2 to have the same dtype, but got: ${s.dtype.name} != ${m.dtype.name}`);
  return { shape: [s.shape[0]!, m.shape[1]!], dtype: s.dtype, device: s.device };
}

/** Reference (unblocked) matmul; the linalg helper replaces it with a blocked kernel. */
function mmKernel(a: Args): Tensor {
  const meta = mmMeta(a);
  const [M, K] = a.self.shape as number[];
  const N = a.mat2.shape[1] as number;
  const A = readAs(a.self, a.self.shape), B = readAs(a.mat2, a.mat2.shape);
  const C = new Float64Array(M! * N);
  for (let i = 0; i < M!; i++) for (let k = 0; k < K!; k++) {
    const av = A[i * K! + k]!;
    for (let j = 0; j < N; j++) C[i * N + j]! += av * B[k * N + j]!;
  }
  return fromFloat64(C, meta.shape, meta.dtype);
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
} satisfies OpFamily;
