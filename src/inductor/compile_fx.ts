// inductor/compile_fx: the Inductor pipeline driver (PyTorch's compile_fx). Runs, in order: pre-grad
// passes on the torch-level graph, AOT autograd with the joint hooks, the partitioner, and per
// forward/backward/inference graph the post-grad hooks, stable topological sort and the per-device
// backend passes, then hands each graph to the code generator. In: a captured GraphModule and example
// inputs. Out: a callable.

import { Tensor } from "../tensor/tensor.js";
import type { GraphModule, Node } from "../fx/index.js";
import { aotAutograd, defaultPartition, type GraphKind, type CompiledGraph } from "../aot/index.js";
import { log } from "../utils/logging.js";
import { config } from "./config.js";
import { runPass, type PartitionerHook, type PartitionOptions } from "./custom_graph_pass.js";
import { getCustomBackendPassForDevice, type BackendPass } from "./backend_registry.js";
import { isGradEnabled } from "../autograd/index.js";

/** Devices of the tensors flowing through a graph (from meta.val / meta.exampleValue). */
export function devicesInGraph(gm: GraphModule): string[] {
  const devs = new Set<string>();
  for (const n of gm.graph.nodes) {
    const v = (n.meta.val ?? n.meta.exampleValue) as unknown;
    const vals = Array.isArray(v) ? v : [v];
    for (const t of vals) if (t instanceof Tensor) devs.add(t.device);
  }
  if (devs.size === 0) devs.add("cpu");
  return [...devs].sort();
}

function runBackendPass(device: string, pass: BackendPass, gm: GraphModule, kind: GraphKind): void {
  try {
    if (typeof pass === "function") pass(gm);
    else pass.call(gm, { kind, hook: `backend pass (${device})` });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const name = typeof pass === "function" ? pass.name || "<anonymous>" : pass.constructor.name;
    throw new Error(`custom backend pass for device '${device}' ('${name}') failed on the ${kind} graph: ${msg}`, { cause: err });
  }
}

/** Post-grad stage for one graph, then code generation (fx codegen until the loop-level IR lands). */
export function postGradAndCodegen(gm: GraphModule, _examples: Tensor[], kind: GraphKind): CompiledGraph {
  const g = gm.graph;
  runPass("postGradCustomPrePass", config.postGradCustomPrePass, g, kind);
  runPass("postGradCustomPostPass", config.postGradCustomPostPass, g, kind);
  g.stableTopologicalSort();
  for (const device of devicesInGraph(gm)) {
    const pass = getCustomBackendPassForDevice(device);
    if (pass) runBackendPass(device, pass, gm, kind);
  }
  if (config.dce) g.eliminateDeadCode();
  g.lint();
  gm.recompile();
  log("post_grad_graphs", () => `===== ${kind} graph after post-grad passes =====\n${g.toString()}`);
  log("output_code", () => `// ${kind} graph\n${gm.code}`);
  return (args: Tensor[]) => {
    const r = gm.forward(...args);
    return Array.isArray(r) ? r : [r];
  };
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
  runPass("preGradCustomPass", config.preGradCustomPass, gm.graph, training ? "joint" : "inference");
  gm.graph.lint();
  gm.recompile();
  const backend = aotAutograd({
    fwCompiler: postGradAndCodegen,
    bwCompiler: postGradAndCodegen,
    inferenceCompiler: postGradAndCodegen,
    partitionFn: partitionerFrom(config.customPartitionerFn as PartitionerHook),
    jointGraphPasses: (graph, kind) => {
      runPass("jointCustomPrePass", config.jointCustomPrePass, graph, kind);
      runPass("jointCustomPostPass", config.jointCustomPostPass, graph, kind);
      graph.lint();
    },
  });
  return backend(gm, exampleInputs);
}
