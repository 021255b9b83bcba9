// inductor/fx_passes/pre_grad: the pre-grad stage on the captured torch-level graph (call_method /
// call_function on coil functions, meta.exampleValue): built-in pre-grad patterns when
// `config.patternMatcher` is on, then the user's `preGradCustomPass`. In: the captured GraphModule and
// the graph kind. Out: the module, mutated in place, linted and recompiled.

import type { GraphModule } from "../../fx/index.js";
import { config } from "../config.js";
import { runPass, type GraphKind } from "../custom_graph_pass.js";

export function runPreGradPasses(gm: GraphModule, kind: GraphKind): void {
  runPass("preGradCustomPass", config.preGradCustomPass, gm.graph, kind);
  gm.graph.lint();
  gm.recompile();
}
