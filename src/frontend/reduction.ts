// frontend/reduction: torch-level reductions (coil.sum, x.sum(dim, keepdim), ...). In: tensors. Out: tensors.

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    sum(dim?: number | number[] | null, keepdim?: boolean): Tensor;
  }
}

function sumImpl(x: Tensor, dim?: number | number[] | null, keepdim = false): Tensor {
  if (dim === undefined || dim === null) return aten.sum.default(x);
  return aten.sum.dim_IntList(x, typeof dim === "number" ? [dim] : dim, keepdim);
}

export const sum = defineFunction("coil.sum", sumImpl);
defineMethod("sum", sumImpl);
