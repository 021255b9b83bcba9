// inductor/pattern_matcher/replace: splicing a replacement graph in place of a match (PyTorch's
// ReplacementPatternEntry.replace_with_graph), erasing matched nodes, and the injectable replacement tracer.
// In: a Match, the graph, a replacement Graph and its arguments. Out: the rewritten, topologically sorted graph.

import { Node, getitem, mapArg, symbolicTrace, type Argument, type Graph, type GraphModule } from "../../fx/index.js";
import type { Match } from "./match.js";
import { traceAten } from "./trace.js";

/** Turns a function and example inputs into a Graph whose placeholders are the function's parameters. */
export type ReplacementTracer = (fn: (...args: unknown[]) => unknown, exampleArgs: readonly unknown[]) => Graph;

/**
 * The default tracer: coil's aten tracer (fake tensors, a small make_fx) when the example values are
 * tensors or constants; fx symbolic tracing when some are graph nodes without meta.val.
 */
export const defaultReplacementTracer: ReplacementTracer = (fn, exampleArgs) => {
  if (exampleArgs.some((a) => a instanceof Node)) return symbolicTrace(fn).graph;
  return traceAten(fn, exampleArgs);
};

let tracer: ReplacementTracer = defaultReplacementTracer;

/** Install the tracer used by replaceByExample and registerReplacement's default. Returns the previous one. */
export function setReplacementTracer(t: ReplacementTracer): ReplacementTracer {
  const prev = tracer;
  tracer = t;
  return prev;
}
export function getReplacementTracer(): ReplacementTracer { return tracer; }

/** The example value of a graph value: node.meta.val (aten graphs) or meta.example_value (torch graphs). */
export function exampleValueOf(x: unknown): unknown {
  if (x instanceof Node) return x.meta.val ?? x.meta.example_value ?? x;
  if (Array.isArray(x)) return x.map(exampleValueOf);
  return x;
}

export function eraseMatchedNodes(graph: Graph, nodes: readonly Node[]): void {
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.isErased && n.users.size === 0) graph.eraseNode(n);
  }
}

function isTopologicallySorted(graph: Graph): boolean {
  const seen = new Set<Node>();
  for (const n of graph.nodes) {
    for (const inp of n.allInputNodes) if (!seen.has(inp)) return false;
    seen.add(n);
  }
  return true;
}

/** Make the users of `old` (except `exclude`) use `value` instead; a list value rewires getitem users. */
function replaceUses(graph: Graph, old: Node, value: unknown, exclude: Set<Node>, toErase: Node[]): void {
  if (Array.isArray(value)) {
    for (const user of [...old.users.keys()]) {
      if (exclude.has(user)) continue;
      if (user.op === "call_function" && user.target === getitem && user.args[0] === old && typeof user.args[1] === "number") {
        const idx = user.args[1];
        if (idx < 0 || idx >= value.length) throw new RangeError(`replaceWithGraph: %${user.name} reads item ${idx} but the replacement returns ${value.length} values`);
        replaceUses(graph, user, value[idx], exclude, toErase);
        toErase.push(user);
      } else {
        throw new Error(`replaceWithGraph: the replacement for %${old.name} returns a list, but its user %${user.name} is not a getitem`);
      }
    }
    return;
  }
  for (const user of [...old.users.keys()]) {
    if (exclude.has(user) || user === value) continue;
    if (value instanceof Node) user.replaceInputWith(old, value);
    else {
      const m = (n: Node): Argument => (n === old ? (value as Argument) : n);
      user.args = mapArg(user.args, m) as Argument[];
      user.kwargs = mapArg(user.kwargs, m) as Record<string, Argument>;
    }
  }
}

/**
 * Splice `replacement` (placeholders bound to `args`, in order) into `graph` in place of the match's
 * outputs: inserted before the earliest output, every user of every output rewired (list results
 * rewire getitem users), matched nodes left without users erased, dead replacement nodes erased,
 * and the graph re-sorted topologically if an input of the replacement came after the insertion point.
 */
export function replaceWithGraph(match: Match, graph: Graph, replacement: Graph | GraphModule, args: readonly unknown[]): void {
  const repl: Graph = "graph" in replacement && !(replacement as { nodes?: unknown }).nodes ? (replacement as GraphModule).graph : (replacement as Graph);
  const outputs = match.outputNodes();
  const live = outputs.filter((n): n is Node => n !== null);
  if (!live.length) throw new Error("replaceWithGraph: the match has no output node");
  const order = new Map<Node, number>();
  let i = 0;
  for (const n of graph.nodes) order.set(n, i++);
  const first = live.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b));
  const placeholders = repl.nodes.toArray().filter((n) => n.op === "placeholder");
  if (placeholders.length !== args.length) {
    throw new Error(`replaceWithGraph: the replacement graph takes ${placeholders.length} inputs but ${args.length} were given`);
  }
  const env = new Map<Node, unknown>();
  placeholders.forEach((p, k) => env.set(p, args[k]));
  const newNodes: Node[] = [];
  let outVal: unknown = undefined;
  const lookup = (n: Node): Argument => {
    if (!env.has(n)) throw new Error(`replaceWithGraph: replacement node %${n.name} used before it is defined`);
    return env.get(n) as Argument;
  };
  graph.insertingBefore(first, () => {
    for (const n of repl.nodes) {
      if (n.op === "placeholder") continue;
      if (n.op === "output") { outVal = mapArg(n.args[0] as Argument, lookup); continue; }
      if (n.op === "get_attr") throw new Error(`replaceWithGraph: replacement graphs cannot hold get_attr nodes (%${n.name})`);
      const nn = graph.createNode(n.op, n.target, mapArg(n.args, lookup) as Argument[], mapArg(n.kwargs, lookup) as Record<string, Argument>);
      for (const [k, v] of Object.entries(n.meta)) if (k !== "stackTrace") nn.meta[k] = v;
      env.set(n, nn);
      newNodes.push(nn);
    }
  });
  const newSet = new Set(newNodes);
  let outVals: unknown[];
  if (outputs.length === 1) outVals = [outVal];
  else {
    if (!Array.isArray(outVal) || outVal.length !== outputs.length) {
      throw new Error(`replaceWithGraph: the pattern has ${outputs.length} outputs but the replacement returns ${Array.isArray(outVal) ? outVal.length : 1}`);
    }
    outVals = outVal;
  }
  const toErase: Node[] = [];
  outputs.forEach((old, k) => {
    if (old === null) return;
    const v = outVals[k];
    if (v instanceof Node && v.meta.val === undefined && old.meta.val !== undefined && !Array.isArray(old.meta.val)) v.meta.val = old.meta.val;
    replaceUses(graph, old, v, newSet, toErase);
  });
  for (let k = toErase.length - 1; k >= 0; k--) if (!toErase[k]!.isErased && toErase[k]!.users.size === 0) graph.eraseNode(toErase[k]!);
  eraseMatchedNodes(graph, match.nodes);
  for (let k = newNodes.length - 1; k >= 0; k--) {
    const n = newNodes[k]!;
    if (!n.isErased && n.users.size === 0 && !n.isImpure()) graph.eraseNode(n);
  }
  if (!isTopologicallySorted(graph)) graph.stableTopologicalSort();
}
