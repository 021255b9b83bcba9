// inductor/fx_passes/joint_graph: the joint stage, once per compile, on the aten-level joint graph
// (training) or the inference graph: `jointCustomPrePass`, the built-in joint patterns when
// `config.patternMatcher` is on, then `jointCustomPostPass`. In: an aten Graph and its kind. Out: the
// graph, mutated in place and linted.

import type { Graph } from "../../fx/index.js";
import { config } from "../config.js";
import { runPass } from "../custom_graph_pass.js";

export function runJointGraphPasses(graph: Graph, kind: "joint" | "inference"): void {
  runPass("jointCustomPrePass", config.jointCustomPrePass, graph, kind);
  runPass("jointCustomPostPass", config.jointCustomPostPass, graph, kind);
  graph.lint();
}
