// inductor/compile_fx: the Inductor pipeline driver (PyTorch's compile_fx). Runs, in order: pre-grad
// passes on the torch-level graph, AOT autograd with the joint hooks, the partitioner, and per
// forward/backward/inference graph (compileFxInner): post-grad passes, then code generation.
// In: a captured GraphModule and example inputs. Out: a callable.

import { Tensor } from "../tensor/tensor.js";
import type { GraphModule, Node } from "../fx/index.js";
import { aotAutograd, defaultPartition, type CompiledGraph, type GraphCompileInfo } from "../aot/index.js";
import { log } from "../utils/logging.js";
import { isGradEnabled } from "../autograd/index.js";
import { config } from "./config.js";
import type { PartitionerHook, PartitionOptions } from "./custom_graph_pass.js";
import { runPreGradPasses } from "./fx_passes/pre_grad.js";
import { runJointGraphPasses } from "./fx_passes/joint_graph.js";
import { runPostGradPasses } from "./fx_passes/post_grad.js";
import { compileWithFxGraphCache, loadArtifact } from "./codecache/index.js";
import { codegenGraph } from "./codegen/index.js";
import type { CompiledArtifact } from "./codegen/artifact.js";
import { freeze, dropFrozenArgs } from "./freezing/freezing.js";
import { mathFma } from "../wasm/math_scope.js";
import { wasmMemory } from "../wasm/memory.js";

export { devicesInGraph } from "./fx_passes/post_grad.js";

/**
 * Code generation for one post-grad graph: lowering to the loop-level IR, scheduling/fusion and the
 * device codegen (codegen/index.ts). Returns a CompiledArtifact, which the FX graph cache stores and
 * loads through its format's runtime (runtime/), or a callable when the graph runs eagerly instead.
 */
function codegenAndLoad(gm: GraphModule, _examples: Tensor[], info: GraphCompileInfo): CompiledArtifact | CompiledGraph {
  return codegenGraph(gm, info);
}

/**
 * Names the code generator in FX graph cache keys: change the version whenever codegen's output changes. The
 * Wasm kernels also depend on the process: fused multiply-adds where relaxed SIMD is on (mathFma), and shared
 * or unshared memory, so both are part of the id (a kernel built with FMA must not load where relaxed SIMD is
 * off, e.g. COIL_WASM_RELAXED=0).
 */
function codegenId(): string {
  // the JS codegen's artifacts hold no Wasm kernels: do not probe Wasm features or create the memory for them
  if (config.cpuBackend !== "wasm") return "cpu-js/1";
  return `cpu-js/1 wasm-fma=${mathFma() ? 1 : 0} wasm-shared=${wasmMemory().shared ? 1 : 0}`;
}

/**
 * One forward, backward or inference graph: the FX graph cache lookup (a hit skips the rest), then
 * post-grad passes and code generation. The cache stores what codegen returns when it is a
 * CompiledArtifact (memory and disk; loaded through its format's registered loader); a plain callable
 * is kept in memory only.
 */
export function compileFxInner(gm: GraphModule, examples: Tensor[], info: GraphCompileInfo): CompiledGraph {
  // Freezing (inference + config.freezing) runs before the cache lookup; a frozen graph takes only the
  // flat args in frozen.inputIndices (the cache bypasses frozen compiles).
  const frozen = config.freezing ? freeze(gm, info) : null;
  const graphExamples = frozen ? frozen.inputIndices.map((i) => examples[i]!) : examples;
  const compiled = compileWithFxGraphCache({
    gm, examples: graphExamples, info, codegenId: codegenId(), load: loadArtifact,
    compile: () => {
      runPostGradPasses(gm, info.kind);
      return codegenAndLoad(gm, graphExamples, info);
    },
  });
  return frozen ? dropFrozenArgs(compiled, frozen.inputIndices) : compiled;
}

function partitionerFrom(hook: PartitionerHook) {
  if (!hook) return defaultPartition;
  const split = typeof hook === "function" ? hook : (joint: GraphModule, opts: PartitionOptions) => hook.call(joint, opts);
  return (joint: GraphModule, opts: PartitionOptions) => ({ ...split(joint, opts), savedNames: [] });
}

/** The "inductor" backend: (gm, exampleInputs) => callable. */
export function compileFx(gm: GraphModule, exampleInputs: Tensor[]): (...args: unknown[]) => unknown {
  const training = isGradEnabled() && (exampleInputs.some((t) => t instanceof Tensor && t.requiresGrad) ||
    gm.graph.nodes.toArray().some((n: Node) => n.op === "get_attr" && (gm.getAttr(String(n.target)) as Tensor | undefined)?.requiresGrad));
  runPreGradPasses(gm, training ? "joint" : "inference");
  const backend = aotAutograd({
    fwCompiler: compileFxInner,
    bwCompiler: compileFxInner,
    inferenceCompiler: compileFxInner,
    partitionFn: partitionerFrom(config.customPartitionerFn as PartitionerHook),
    jointGraphPasses: runJointGraphPasses,
  });
  return backend(gm, exampleInputs);
}
