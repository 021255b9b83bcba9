// aot/index: public API of the AOT autograd stage. In: torch-level graphs. Out: aten graphs, joint
// graphs, partitions and the aotAutograd backend factory.

export { makeFx, ProxyTensorMode, functionalVariant, type TraceOptions, type TracedGraph } from "./make_fx.js";
export { traceInference, traceJoint, type JointGraph } from "./joint.js";
export { saveAllPartition, splitJoint, extractFwdBwd, valueBytes, type PartitionResult, type PartitionOptions, type JointRegions } from "./partitioner.js";
export { defaultPartition, minCutRematerializationPartition, makeFlowNetwork, isRecomputable, isFusible, isRandomOp, isComputeIntensive, MAX_DIST_FROM_BW, type MinCutInfo } from "./min_cut_partitioner.js";
export { aotAutograd, interpretTorchGraph, type AotOptions, type GraphCompiler, type GraphCompileInfo, type CompiledGraph, type GraphKind, type PartitionFn } from "./aot_autograd.js";
export { defaultDecompositions, toDecompositionTable, DECOMPOSED_OPS, type Decomposition, type DecompositionTable, type DecompositionsOption } from "./decompositions.js";
