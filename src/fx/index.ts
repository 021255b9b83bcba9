// fx: the graph IR shared by capture, aot and inductor (torch.fx): Node, Graph, GraphModule
// (graph as JavaScript), Interpreter/Transformer, symbolic tracing and the subgraph rewriter.
// In: nothing. Out: the fx API.

export { Node, type NodeOp, type Argument, mapArg, mapAggregate, forEachNode, tuple, isTuple, isPlainObject, formatArg, targetName } from "./node.js";
export { Graph, NodeList } from "./graph.js";
export { Namespace, snakeCase, sanitize, isIdentifier, RESERVED_NAMES } from "./namespace.js";
export { generateCode, compileCode, getitem, type GeneratedCode } from "./codegen.js";
export { GraphModule } from "./graph_module.js";
export { Interpreter, Transformer, callModuleObject, wrapNodeError } from "./interpreter.js";
export { symbolicTrace, Tracer, TraceError, isFxProxy, proxyNode, getattr, type TraceOptions } from "./tracer.js";
export { replacePattern, type Match } from "./subgraph_rewriter.js";
export { parseParams, parameterNames, type ParamInfo } from "./param_names.js";
