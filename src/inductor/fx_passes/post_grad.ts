// inductor/fx_passes/post_grad: the post-grad stage, per forward/backward/inference aten graph:
// `postGradCustomPrePass`, the built-in post-grad passes when `config.patternMatcher` is on (no-op
// removal, then the patterns: mm + bias -> addmm, frozen conv + epilogue, then GEMM + epilogue),
// `postGradCustomPostPass`, stable topological sort, the custom backend pass of each device present,
// then DCE and lint. In: a GraphModule and its kind. Out: the module, mutated in place and recompiled.

import { Tensor } from "../../tensor/tensor.js";
import type { GraphModule } from "../../fx/index.js";
import { log } from "../../utils/logging.js";
import { config } from "../config.js";
import { runPass, type GraphKind } from "../custom_graph_pass.js";
import { getCustomBackendPassForDevice, type BackendPass } from "../backend_registry.js";
import { PatternMatcherPass } from "../pattern_matcher/index.js";
import { removeNoops } from "./noop_removal.js";
import { registerAddmmFusion, registerGemmEpilogueFusion } from "./addmm_fusion.js";
import { registerConvPointwiseFusion } from "./conv_pointwise_fusion.js";
import { dce } from "./dce.js";

/**
 * The built-in post-grad pattern passes, applied in order (one sweep each, like Inductor's
 * pass_patterns): [0] mm + bias -> addmm, frozen conv + epilogue; [1] GEMM + epilogue, which must see
 * the addmm pass 0 made.
 */
export const postGradPatterns = [new PatternMatcherPass("post_grad_patterns_0"), new PatternMatcherPass("post_grad_patterns_1")] as const;
registerAddmmFusion(postGradPatterns[0]);
registerConvPointwiseFusion(postGradPatterns[0]);
registerGemmEpilogueFusion(postGradPatterns[1]);

/** The built-in post-grad passes, in order (what `config.patternMatcher` switches). */
export function runBuiltinPostGradPasses(gm: GraphModule): void {
  removeNoops(gm.graph);
  for (const p of postGradPatterns) p.apply(gm.graph);
}

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

export function runPostGradPasses(gm: GraphModule, kind: GraphKind): void {
  const g = gm.graph;
  runPass("postGradCustomPrePass", config.postGradCustomPrePass, g, kind);
  if (config.patternMatcher) runBuiltinPostGradPasses(gm);
  runPass("postGradCustomPostPass", config.postGradCustomPostPass, g, kind);
  g.stableTopologicalSort();
  for (const device of devicesInGraph(gm)) {
    const pass = getCustomBackendPassForDevice(device);
    if (pass) runBackendPass(device, pass, gm, kind);
  }
  if (config.dce) dce(g);
  g.lint();
  gm.recompile();
  log("post_grad_graphs", () => `===== ${kind} graph after post-grad passes =====\n${g.toString()}`);
}
