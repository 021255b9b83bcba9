// frontend/pointwise: torch-level elementwise functions and Tensor methods (coil.cos, x.add(y), ...).
// In: tensors and scalars. Out: tensors, via aten ops.

import { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";
import { scalarTensor } from "./creation.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    cos(): Tensor;
    sin(): Tensor;
    neg(): Tensor;
    relu(): Tensor;
    add(other: Tensor | number, alpha?: number): Tensor;
    mul(other: Tensor | number): Tensor;
  }
}

type T = Tensor;
const asTensor = (x: Tensor | number, like: Tensor): Tensor => (x instanceof Tensor ? x : scalarTensor(x, like));

export const cos = defineFunction("coil.cos", (x: T): T => aten.cos.default(x));
export const sin = defineFunction("coil.sin", (x: T): T => aten.sin.default(x));
export const neg = defineFunction("coil.neg", (x: T): T => aten.neg.default(x));
export const relu = defineFunction("coil.relu", (x: T): T => aten.relu.default(x));
export const add = defineFunction("coil.add", (x: T, y: T | number, alpha = 1): T => aten.add.Tensor(x, asTensor(y, x), { alpha }));
export const mul = defineFunction("coil.mul", (x: T, y: T | number): T => typeof y === "number" ? aten.mul.Scalar(x, y) : aten.mul.Tensor(x, y));

defineMethod("cos", (x) => aten.cos.default(x));
defineMethod("sin", (x) => aten.sin.default(x));
defineMethod("neg", (x) => aten.neg.default(x));
defineMethod("relu", (x) => aten.relu.default(x));
defineMethod("add", (x, y: T | number, alpha = 1) => add(x, y, alpha));
defineMethod("mul", (x, y: T | number) => mul(x, y));
