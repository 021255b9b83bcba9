// ops/creation_ops: ops that create tensors (full, zeros_like, arange, random fills, ...).
// In: sizes, dtypes, fill values. Out: OpDefs.

import { Tensor } from "../tensor/tensor.js";
import { castScalar, dtypeOf, type DType } from "../tensor/dtype.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { writeStorage } from "../tensor/tensor.js";

function likeDtype(a: Args): DType {
  return a.dtype ? dtypeOf(a.dtype) : (a.self as Tensor).dtype;
}

export function filled(shape: readonly number[], d: DType, value: number): Tensor {
  const t = Tensor.empty(shape, d);
  const arr = t.storage.data!;
  if (value !== 0) {
    writeStorage(arr, d, 0, castScalar(value, d));
    arr.fill(arr[0]!);
  }
  return t;
}

function likeOp(name: string, value: number) {
  return {
    schema: `${name}(Tensor self, *, ScalarType? dtype=None, Device? device=None) -> Tensor`,
    tags: ["creation"] as const,
    meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: likeDtype(a), device: a.self.device }),
    kernel: (a: Args) => filled(a.self.shape, likeDtype(a), value),
    derivative: "nondifferentiable" as const,
  };
}

export const creationOps = {
  ones_like: { default: likeOp("ones_like", 1) },
  zeros_like: { default: likeOp("zeros_like", 0) },
} satisfies OpFamily;
