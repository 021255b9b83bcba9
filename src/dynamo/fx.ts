// dynamo/fx: the fx pieces dynamo uses (temporary shim until src/fx/index.ts lands). In: nothing. Out: re-exports.
export { Graph } from "../fx/graph.js";
export { Node } from "../fx/node.js";
export { GraphModule } from "../fx/graph_module.js";
export { getitem } from "../fx/codegen.js";
