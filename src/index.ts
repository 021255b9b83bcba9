// coil: the public entry point. Tensors, ops, autograd, nn, optim and compile.
// In: nothing. Out: everything a user needs (`import * as coil from "coil"`).

export { Tensor, Storage, type Device } from "./tensor/tensor.js";
export { float64, float32, float16, bfloat16, int64, int32, uint8, bool, dtypes, type DType, type DTypeName, promoteTypes, resultType } from "./tensor/dtype.js";
export { manualSeed, Generator, defaultGenerator } from "./tensor/random.js";
export { aten } from "./ops/aten.js";
export { cpu } from "./ops/cpu.js";
export * as autograd from "./autograd/index.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./autograd/index.js";
export * from "./frontend/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * from "./dynamo/index.js";
export { counters } from "./utils/counters.js";
export { setLogs, setLogSink } from "./utils/logging.js";
export { wasmReady, type WasmReadyOptions, type WasmReadyState } from "./wasm/ready.js";
import "./aot/register.js";
import "./inductor/register.js";
