// inductor/fx_passes/joint_graph: the joint stage, once per compile, on the aten-level joint graph
// (training) or the inference graph: `jointCustomPrePass`, the built-in joint passes when
// `config.patternMatcher` is on (CSE, no-op removal, folding of uniform values, the joint patterns,
// DCE), then `jointCustomPostPass`. In: an aten Graph and its kind. Out: the graph, mutated in place
// and linted.

import type { Graph } from "../../fx/index.js";
import { config } from "../config.js";
import { runPass } from "../custom_graph_pass.js";
import { PatternMatcherPass } from "../pattern_matcher/index.js";
import { cse } from "./cse.js";
import { removeNoops } from "./noop_removal.js";
import { constantFoldUniformValues } from "./constant_fold_uniform.js";
import { dce } from "./dce.js";

/** The built-in joint-graph patterns (none of coil's own yet; libraries may register into it). */
export const jointGraphPatterns = new PatternMatcherPass("joint_graph_patterns");

/** The built-in joint passes, in order (what `config.patternMatcher` switches). */
export function runBuiltinJointPasses(graph: Graph): void {
  cse(graph);
  removeNoops(graph);
  constantFoldUniformValues(graph);
  jointGraphPatterns.apply(graph);
  dce(graph);
}

export function runJointGraphPasses(graph: Graph, kind: "joint" | "inference"): void {
  runPass("jointCustomPrePass", config.jointCustomPrePass, graph, kind);
  if (config.patternMatcher) runBuiltinJointPasses(graph);
  runPass("jointCustomPostPass", config.jointCustomPostPass, graph, kind);
  graph.lint();
}
