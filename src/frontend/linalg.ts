// frontend/linalg: torch-level matrix functions (coil.mm, x.mm(y), ...). In: tensors. Out: tensors.

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    mm(other: Tensor): Tensor;
    t(): Tensor;
  }
}

export const mm = defineFunction("coil.mm", (a: Tensor, b: Tensor): Tensor => aten.mm.default(a, b));
export const t = defineFunction("coil.t", (a: Tensor): Tensor => aten.t.default(a));

defineMethod("mm", (a, b: Tensor) => aten.mm.default(a, b));
defineMethod("t", (a) => aten.t.default(a));
