// inductor/fx_passes/dce: dead-code elimination: erases, last first, every node without users that
// has no side effect (placeholders, the output, in-place ops, random ops and impure calls stay).
// Unused get_attr constants go too. In: a Graph. Out: the number of nodes erased.

import type { Graph } from "../../fx/index.js";

export function dce(graph: Graph): number {
  const before = graph.nodes.length;
  graph.eliminateDeadCode();
  return before - graph.nodes.length;
}
