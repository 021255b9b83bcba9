// coil/inductor: the compiler's configuration and extension API (filled by the pass-pipeline issue).
// In: nothing. Out: config, custom-pass types, pattern matcher, lowering table.

export { config } from "./inductor/config.js";
export type { Config, ConfigValues, ConfigKey, ConfigPatch } from "./inductor/config.js";
export {
  CustomGraphPass, CustomGraphModulePass, CustomPartitionerFn, getHashForFiles, runPass, hookUuid, passName,
  isCustomGraphPass,
} from "./inductor/custom_graph_pass.js";
export type {
  GraphKind, PassContext, GraphHook, GraphPassFn, GraphPassLike, PartitionerFn, PartitionerHook, PartitionOptions, Partition,
} from "./inductor/custom_graph_pass.js";
export * from "./inductor/pattern_matcher/index.js";
export { lowerings, registerLowering, LoweringTable } from "./inductor/lowering_table.js";
export type { LoweringFn, LoweringTarget } from "./inductor/lowering_table.js";
export { registerBackendForDevice, getCustomBackendPassForDevice, getBackendForDevice, patchInductorBackend, type DeviceBackend, type BackendPass } from "./inductor/backend_registry.js";
export { compileFx, compileFxInner, devicesInGraph } from "./inductor/compile_fx.js";
export type { CompiledArtifact } from "./inductor/codegen/artifact.js";
export {
  clearFxGraphCache, fxGraphCacheInfo, setCacheEnvironment, computeCacheKey,
  COIL_VERSION, type CacheStore, type CacheEnvironment, type CacheKeyResult,
} from "./inductor/codecache/index.js";
export { freeze, isFrozen, dropFrozenArgs, type FreezeResult } from "./inductor/freezing/freezing.js";
export { constantFold } from "./inductor/freezing/constant_folding.js";
export { freezingPatterns, applyFreezingPatterns } from "./inductor/freezing/freezing_patterns.js";
export { jointGraphPatterns, runBuiltinJointPasses } from "./inductor/fx_passes/joint_graph.js";
export { postGradPatterns, runBuiltinPostGradPasses } from "./inductor/fx_passes/post_grad.js";
export { cse } from "./inductor/fx_passes/cse.js";
export { dce } from "./inductor/fx_passes/dce.js";
export { removeNoops } from "./inductor/fx_passes/noop_removal.js";
export { constantFoldUniformValues } from "./inductor/fx_passes/constant_fold_uniform.js";
// The CPU backend: loop-level IR, lowering helpers, scheduler, per-device codegen, runtime (docs/inductor-backend.md).
export * as ir from "./inductor/ir/index.js";
export { lower, fallback, makePointwise, mathPointwise, makeReduction, type Bound, type Lowered } from "./inductor/lowering/index.js";
export { GraphLowering } from "./inductor/graph_lowering.js";
export { Scheduler, SchedulerNode, ExternSchedulerNode, FusedGroup, type ScheduleItem, type PreFusionPass, type PostFusionPass } from "./inductor/scheduler/index.js";
export { compileToArtifact, deviceCodegen, runAndGetArtifacts } from "./inductor/codegen/index.js";
export type { DeviceCodegen, KernelCodegen, WrapperCodegen, GeneratedKernel, ModuleMeta } from "./inductor/codegen/device.js";
export { CPU_JS_FORMAT, runtimeStats } from "./inductor/runtime/index.js";
export { disposeWasmTensor, wasmOutputMemory, wasmRuntimeStats } from "./inductor/runtime/cpu_wasm.js";
export { eagerWasmConfig, eagerWasmStats, eagerWasmCacheInfo, clearEagerWasmCache, type EagerWasmMode, type EagerWasmSettings } from "./inductor/eager/index.js";
