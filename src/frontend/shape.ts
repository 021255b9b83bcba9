// frontend/shape: torch-level views and data movement (view, expand, clone, contiguous, ...).
// In: tensors and sizes. Out: tensors (views share storage).

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    view(...size: (number | number[])[]): Tensor;
    expand(...size: (number | number[])[]): Tensor;
    clone(): Tensor;
    contiguous(): Tensor;
  }
}

export function sizeList(size: (number | number[])[]): number[] {
  return size.length === 1 && Array.isArray(size[0]) ? size[0].slice() : (size as number[]);
}

export const clone = defineFunction("coil.clone", (x: Tensor): Tensor => aten.clone.default(x));
defineMethod("view", (x, ...size: (number | number[])[]) => aten.view.default(x, sizeList(size)));
defineMethod("expand", (x, ...size: (number | number[])[]) => aten.expand.default(x, sizeList(size)));
defineMethod("clone", (x) => aten.clone.default(x));
defineMethod("contiguous", (x) => aten.contiguous.default(x));
