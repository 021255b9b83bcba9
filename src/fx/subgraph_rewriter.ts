// fx/subgraph_rewriter: replace every match of a pattern subgraph by a replacement subgraph
// (torch.fx.subgraph_rewriter.replace_pattern). Both are example functions traced symbolically.
// In: a GraphModule, pattern and replacement functions. Out: the matches (graph rewritten in place).

import { Node, isPlainObject, type Argument } from "./node.js";
import type { Graph } from "./graph.js";
import type { GraphModule } from "./graph_module.js";
import { symbolicTrace } from "./tracer.js";

export interface Match {
  /** The graph node that matched the pattern's (first) returned node. */
  anchor: Node;
  /** Pattern node -> graph node, for every pattern node incl. placeholders. */
  nodesMap: Map<Node, Node>;
  /** The nodes inserted in place of the match (outputs of the replacement). */
  replacements: Node[];
}

function literalEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => literalEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && literalEqual(a[k], b[k]));
  }
  return false;
}

function outputsOf(g: Graph): Node[] {
  const out = g.nodes.toArray().find((n) => n.op === "output");
  if (!out) throw new Error("replacePattern: the pattern graph has no output");
  const r = out.args[0];
  const list = Array.isArray(r) ? r : [r];
  if (!list.every((x) => x instanceof Node)) throw new Error("replacePattern: pattern outputs must be traced values");
  return list as Node[];
}

/** Try to match pattern node pn at graph node gn, extending map; restores map on failure. */
function matchNode(pn: Node, gn: Node, map: Map<Node, Node>, used: Set<Node>): boolean {
  const prev = map.get(pn);
  if (prev) return prev === gn;
  if (pn.op === "placeholder") {
    map.set(pn, gn);
    return true;
  }
  if (used.has(gn) || pn.op !== gn.op || pn.target !== gn.target) return false;
  if ([...map.values()].includes(gn)) return false;
  if (pn.args.length !== gn.args.length) return false;
  const pk = Object.keys(pn.kwargs), gk = Object.keys(gn.kwargs);
  if (pk.length !== gk.length || !pk.every((k) => k in gn.kwargs)) return false;
  const snapshot = new Map(map);
  map.set(pn, gn);
  const ok = pn.args.every((a, i) => matchArg(a, gn.args[i], map, used)) &&
    pk.every((k) => matchArg(pn.kwargs[k], gn.kwargs[k], map, used));
  if (!ok) {
    map.clear();
    for (const [k, v] of snapshot) map.set(k, v);
  }
  return ok;
}

function matchArg(pa: Argument, ga: Argument, map: Map<Node, Node>, used: Set<Node>): boolean {
  if (pa instanceof Node) return ga instanceof Node && matchNode(pa, ga, map, used);
  if (Array.isArray(pa)) return Array.isArray(ga) && pa.length === ga.length && pa.every((x, i) => matchArg(x as Argument, ga[i] as Argument, map, used));
  if (isPlainObject(pa)) {
    if (!isPlainObject(ga)) return false;
    const ka = Object.keys(pa);
    return ka.length === Object.keys(ga).length && ka.every((k) => k in ga && matchArg(pa[k] as Argument, ga[k] as Argument, map, used));
  }
  return !(ga instanceof Node) && literalEqual(pa, ga);
}

/**
 * Find non-overlapping matches of pattern in gm's graph and replace each by replacement.
 * A match is rejected when one of its inner nodes is used outside it. Recompiles gm.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function replacePattern(gm: GraphModule, pattern: (...a: any[]) => any, replacement: (...a: any[]) => any): Match[] {
  const pg = symbolicTrace(pattern).graph;
  const rgm = symbolicTrace(replacement);
  const rg = rgm.graph;
  for (const n of rg.nodes) {
    if (n.op === "get_attr" && !gm.hasAttr(n.target as string)) gm.setAttr(n.target as string, rgm.getAttr(n.target as string));
  }
  const patternPlaceholders = pg.nodes.toArray().filter((n) => n.op === "placeholder");
  const replPlaceholders = rg.nodes.toArray().filter((n) => n.op === "placeholder");
  if (patternPlaceholders.length !== replPlaceholders.length) {
    throw new Error(`replacePattern: pattern takes ${patternPlaceholders.length} inputs but replacement takes ${replPlaceholders.length}`);
  }
  const pOuts = outputsOf(pg);
  const graph = gm.graph;
  const used = new Set<Node>();
  const matches: Match[] = [];

  for (const candidate of graph.nodes.toArray()) {
    if (used.has(candidate)) continue;
    const map = new Map<Node, Node>();
    if (!matchNode(pOuts[0]!, candidate, map, used)) continue;
    if (!pOuts.slice(1).every((po) => {
      // Other outputs must be reachable from the inputs already bound: search the graph.
      if (map.has(po)) return true;
      return graph.nodes.toArray().some((g) => matchNode(po, g, map, used));
    })) continue;
    // Inner nodes (not placeholders, not returned) must not be used outside the match.
    const matched = new Set([...map.entries()].filter(([p]) => p.op !== "placeholder").map(([, g]) => g));
    const outs = new Set(pOuts.map((p) => map.get(p)!));
    let escapes = false;
    for (const g of matched) {
      if (outs.has(g)) continue;
      for (const u of g.users.keys()) if (!matched.has(u)) escapes = true;
    }
    if (escapes) continue;
    // Placeholders must bind distinct inputs that are not themselves matched nodes.
    const inputs = patternPlaceholders.map((p) => map.get(p));
    if (inputs.some((x) => x === undefined || matched.has(x))) continue;

    const valMap = new Map<Node, Node>();
    replPlaceholders.forEach((rp, i) => valMap.set(rp, inputs[i]!));
    const anchor = map.get(pOuts[0]!)!;
    let outVal: Argument;
    graph.insertingBefore(anchor, () => {
      outVal = graph.graphCopy(rg, valMap);
    });
    const newOuts = (Array.isArray(outVal!) ? outVal : [outVal!]) as Argument[];
    if (newOuts.length !== pOuts.length) throw new Error(`replacePattern: pattern returns ${pOuts.length} values but replacement returns ${newOuts.length}`);
    pOuts.forEach((po, i) => {
      const g = map.get(po)!;
      const r = newOuts[i];
      if (!(r instanceof Node)) throw new Error("replacePattern: replacement outputs must be traced values");
      g.replaceAllUsesWith(r);
    });
    // Erase matched nodes, users first.
    const order = graph.nodes.toArray().filter((n) => matched.has(n)).reverse();
    for (const n of order) if (n.users.size === 0) graph.eraseNode(n);
    for (const n of matched) used.add(n);
    const replacements = newOuts as Node[];
    for (const r of replacements) used.add(r);
    matches.push({ anchor, nodesMap: map, replacements });
  }
  graph.stableTopologicalSort();
  gm.recompile();
  return matches;
}
