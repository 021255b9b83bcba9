// inductor/eager: eager ops on CPU float32 tensors dispatched to compiled one-op Wasm programs (see
// docs/eager-wasm.md). In: nothing. Out: the accelerator's install function, settings, stats and cache info.

export { installEagerWasm, accelerate, eagerWasmStats, eagerWasmCacheInfo, clearEagerWasmCache } from "./accelerator.js";
export { eagerWasmConfig, type EagerWasmMode, type EagerWasmSettings } from "./config.js";
export { compileOneOp as compileEagerOneOp, Unaccelerated, ACCELERATED_DTYPES } from "./one_op.js";
