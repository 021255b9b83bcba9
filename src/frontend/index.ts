// frontend/index: the torch-level API that users call and that capture records. Importing it
// attaches every Tensor method. In: nothing. Out: the public functions.

import "./tensor_basics.js";
export { dispose } from "./tensor_basics.js";
export * from "./creation.js";
export * from "./pointwise.js";
export * from "./reduction.js";
export * from "./linalg.js";
export * from "./shape.js";
export { torchFunction, withTorchFunctionMode, defineFunction, type TorchFunctionMode, type CallKind, type CoilFunction } from "./torch_function.js";
export * from "./norm.js";
export * from "./conv.js";
export * from "./loss.js";
export * from "./indexing.js";
export * from "./random.js";
export * from "./printing.js";
