// inductor/fx_passes/cse: common-subexpression elimination on an aten graph. Two calls of the same
// pure target with the same arguments become one; get_attr of the same attribute too. Never merges
// random, in-place or otherwise impure calls, and never across a mutation (an in-place op starts a
// new region, as the pattern matcher's mutation regions). In: a Graph. Out: the number of nodes removed.

import { Node, getitem, isTuple, type Graph } from "../../fx/index.js";
import { isOpOverload } from "../../ops/registry.js";
import { isMutationOp } from "../pattern_matcher/pass.js";

function keyOf(x: unknown, ids: Map<Node, number>): string {
  if (x instanceof Node) return `%${ids.get(x) ?? `?${x.name}`}`;
  if (Array.isArray(x)) return `${isTuple(x) ? "(" : "["}${x.map((e) => keyOf(e, ids)).join(",")}${isTuple(x) ? ")" : "]"}`;
  if (x === null) return "null";
  if (x === undefined) return "undef";
  if (typeof x === "number") return Object.is(x, -0) ? "n-0" : `n${x}`;
  if (typeof x === "string") return `s${JSON.stringify(x)}`;
  if (typeof x === "boolean") return `b${x}`;
  if (typeof x === "object" && "itemsize" in x) return `d${(x as unknown as { name: string }).name}`;
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return `{${Object.entries(x).map(([k, v]) => `${k}:${keyOf(v, ids)}`).join(",")}}`;
  }
  return `?${Math.random()}`; // an opaque value never matches another
}

/** Whether a node may be merged with an identical one. */
export function isCseable(n: Node): boolean {
  if (n.op === "get_attr") return true;
  if (n.op !== "call_function") return false;
  if (n.target === getitem) return true;
  if (!isOpOverload(n.target)) return false;
  const op = n.target;
  return !op.isInplace && !op.tags.has("random") && !op.tags.has("nondeterministic") && !n.isImpure();
}

export function cse(graph: Graph): number {
  const ids = new Map<Node, number>();
  let seen = new Map<string, Node>();
  let removed = 0;
  let next = 0;
  for (const n of graph.nodes.toArray()) {
    if (isMutationOp(n)) seen = new Map();
    if (!isCseable(n)) { ids.set(n, next++); continue; }
    const key = `${n.op}|${n.op === "get_attr" ? String(n.target) : (n.target as { qualname?: string }).qualname ?? "getitem"}|${keyOf(n.args, ids)}|${keyOf(n.kwargs, ids)}`;
    const prev = seen.get(key);
    if (prev) {
      n.replaceAllUsesWith(prev);
      graph.eraseNode(n);
      ids.set(n, ids.get(prev)!);
      removed++;
      continue;
    }
    seen.set(key, n);
    ids.set(n, next++);
  }
  return removed;
}
