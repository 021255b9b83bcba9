// inductor/pattern_matcher/pass: PatternMatcherPass (patterns keyed by (op, target), one reverse sweep
// per apply), the pattern entries (graph, lowering, replacement) and mutation regions.
// In: an fx Graph and registered entries. Out: the rewritten graph, match counts and counters.

import { Graph, type GraphModule, type Node } from "../../fx/index.js";
import { bump } from "../../utils/counters.js";
import { isOpOverload } from "../../ops/registry.js";
import { CustomGraphPass, type PassContext } from "../custom_graph_pass.js";
import { config } from "../config.js";
import { isMatch, type MatchResult, type PatternExpr } from "./patterns.js";
import type { Match } from "./match.js";
import { replaceWithGraph } from "./replace.js";

export type ExtraCheck = (match: Match) => boolean;

/** Where debugPatternMatcher explanations go (default: console.warn). Returns the previous sink. */
let debugSink: (line: string) => void = (line) => console.warn(`[coil:pattern_matcher] ${line}`);
export function setPatternMatcherDebugSink(fn: (line: string) => void): (line: string) => void {
  const prev = debugSink;
  debugSink = fn;
  return prev;
}

interface Registrable { op: string; registrationTargets(): unknown[] }

export abstract class PatternEntry {
  constructor(readonly pattern: PatternExpr, readonly extraCheck: ExtraCheck) {}
  abstract apply(match: Match, graph: Graph, node: Node): void;

  /** Add this entry to one or several passes under every (op, target) of its pattern. */
  register(passDicts: PatternMatcherPass | readonly PatternMatcherPass[], prepend = false): void {
    const p = this.pattern as unknown as Partial<Registrable>;
    if (typeof p.registrationTargets !== "function" || typeof p.op !== "string") {
      throw new TypeError(`pattern matcher: cannot register ${this.pattern}: the outermost pattern must be a CallFunction/CallMethod/CallModule or MultiOutputPattern`);
    }
    const passes = Array.isArray(passDicts) ? passDicts : [passDicts as PatternMatcherPass];
    for (const pass of passes) {
      for (const target of p.registrationTargets()) pass.addEntry(p.op, target, this, prepend);
    }
  }
}

/** Calls handler(match, ...args, kwargs?) with the insert point before the matched output. */
export class GraphPatternEntry extends PatternEntry {
  constructor(pattern: PatternExpr, extraCheck: ExtraCheck, readonly handler: (match: Match, ...args: any[]) => unknown) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super(pattern, extraCheck);
  }
  apply(match: Match, graph: Graph, node: Node): void {
    graph.insertingBefore(node, () => this.handler(match, ...handlerArgs(match)));
  }
}

/** Positional captures, then the kwargs object when there are named captures. */
export function handlerArgs(match: Match): unknown[] {
  return Object.keys(match.kwargs).length ? [...match.args, { ...match.kwargs }] : [...match.args];
}

/** Replaces the match by one call_function node that calls handler(match, ...loweredArgs) at lowering. */
export class LoweringPatternEntry extends PatternEntry {
  constructor(pattern: PatternExpr, extraCheck: ExtraCheck, readonly handler: (match: Match, ...args: any[]) => unknown) { // eslint-disable-line @typescript-eslint/no-explicit-any
    super(pattern, extraCheck);
  }
  apply(match: Match, graph: Graph, node: Node): void {
    const handler = this.handler;
    const target = function (...loweredArgs: unknown[]): unknown { return handler(match, ...loweredArgs); };
    Object.defineProperty(target, "name", { value: handler.name || "lowering_pattern" });
    Object.assign(target, { loweringPattern: handler });
    const replacement = graph.insertingBefore(node, () => graph.callFunction(target, match.args as never[], match.kwargs as never));
    for (const [k, v] of Object.entries(node.meta)) replacement.meta[k] = v;
    replacement.meta.loweringPattern = handler;
    replacement.meta.loweringMatch = match;
    node.replaceAllUsesWith(replacement);
    if (match.nodes[match.nodes.length - 1] !== node) throw new Error("lowering pattern: the matched output must be the last matched node");
    match.eraseNodes();
  }
}

/** Splices match.replacementGraph (set by the check) in place of the match. */
export class ReplacementPatternEntry extends PatternEntry {
  constructor(pattern: PatternExpr, extraCheck: ExtraCheck, readonly normalizeArgs: (args: unknown[], kwargs: Record<string, unknown>) => unknown[]) {
    super(pattern, extraCheck);
  }
  apply(match: Match, graph: Graph, _node: Node): void {
    if (!match.replacementGraph) throw new Error("replacement pattern: the check did not produce a replacement graph");
    replaceWithGraph(match, graph, match.replacementGraph, this.normalizeArgs(match.args, match.kwargs));
  }
}

// ---------------------------------------------------------------------------------------------
// mutation regions

const MUTATION_NAME = /(?<!_)(_$|_[.]|(\b|_)(set|enter|exit|seed)(\b|_))(?!_)/;

/** In-place aten ops, functions/methods named like `add_`, and calls with an `out=` kwarg mutate. */
export function isMutationOp(node: Node): boolean {
  const t = node.target;
  if (isOpOverload(t)) return t.isInplace;
  if (node.op === "call_function" && typeof t === "function" && MUTATION_NAME.test(t.name)) return true;
  if (node.op === "call_method" && typeof t === "string" && MUTATION_NAME.test(t)) return true;
  return node.kwargs.out !== undefined && node.kwargs.out !== null;
}

export function computeMutationRegionIds(graph: Graph): void {
  let id = 0;
  for (const n of graph.nodes) {
    if (isMutationOp(n)) id++;
    n.meta.mutation_region_id = id;
  }
}

/** The region of a node; nodes created since the last computation get theirs from their predecessors. */
export function getMutationRegionId(graph: Graph, node: Node): number {
  const chain: Node[] = [];
  let n: Node | undefined = node;
  const first = graph.nodes.first;
  while (n && !("mutation_region_id" in n.meta)) {
    chain.push(n);
    n = n === first ? undefined : n.prev;
  }
  let id = n ? (n.meta.mutation_region_id as number) : 0;
  for (let i = chain.length - 1; i >= 0; i--) {
    if (isMutationOp(chain[i]!)) id++;
    chain[i]!.meta.mutation_region_id = id;
  }
  return id;
}

// ---------------------------------------------------------------------------------------------

/**
 * A set of patterns applied together. `apply(graph)` makes one sweep over the nodes that existed
 * when it started, latest first; returns the number of matches that passed their extraCheck.
 * Extends CustomGraphPass so it can be put directly into a config hook (uuid() null: subclass and
 * return getHashForFiles([...]) to keep the FX graph cache on).
 */
export class PatternMatcherPass extends CustomGraphPass {
  readonly patterns = new Map<string, Map<unknown, PatternEntry[]>>();
  constructor(readonly passName: string | null = null) { super(); }

  addEntry(op: string, target: unknown, entry: PatternEntry, prepend = false): void {
    let byTarget = this.patterns.get(op);
    if (!byTarget) this.patterns.set(op, (byTarget = new Map()));
    const list = byTarget.get(target) ?? [];
    if (prepend) list.unshift(entry);
    else list.push(entry);
    byTarget.set(target, list);
  }

  entriesFor(op: string, target: unknown): PatternEntry[] {
    return this.patterns.get(op)?.get(target) ?? [];
  }

  get size(): number {
    let n = 0;
    for (const m of this.patterns.values()) for (const l of m.values()) n += l.length;
    return n;
  }

  call(graph: Graph, _ctx?: PassContext): void { this.apply(graph); }
  uuid(): string | null { return null; }

  apply(graphOrModule: Graph | GraphModule): number {
    const graph = (graphOrModule instanceof Graph ? graphOrModule : (graphOrModule as { graph?: unknown } | null)?.graph) as Graph | undefined;
    if (!(graph instanceof Graph)) throw new TypeError(`PatternMatcherPass${this.passName ? ` '${this.passName}'` : ""}.apply: expected a Graph or a GraphModule, got ${graphOrModule === null ? "null" : typeof graphOrModule}`);
    if (this.size === 0) return 0;
    let hasIds = false;
    for (const n of graph.nodes) if ("mutation_region_id" in n.meta) { hasIds = true; break; }
    if (!hasIds) computeMutationRegionIds(graph);
    const candidates: Node[] = [];
    for (const n of graph.nodes) {
      if (n.op !== "placeholder" && n.op !== "output" && this.entriesFor(n.op, n.target).length) candidates.push(n);
    }
    const debugName = config.debugPatternMatcher;
    let count = 0;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const node = candidates[i]!;
      for (const entry of this.entriesFor(node.op, node.target)) {
        if (node.isErased) break;
        const m: MatchResult = entry.pattern.match(node, graph);
        if (debugName !== null && node.name === debugName) {
          debugSink(`${this.passName ?? "pattern_matcher"}: %${node.name} vs ${entry.pattern}: ${isMatch(m) ? `matched ${m.nodes.length} node(s)` : `no match: ${m.message}`}`);
        }
        if (!isMatch(m)) continue;
        const regions = new Set(m.nodes.map((x) => getMutationRegionId(graph, x)));
        if (regions.size > 1) {
          if (debugName !== null && node.name === debugName) debugSink(`  match spans ${regions.size} mutation regions; skipped`);
          continue;
        }
        if (!entry.extraCheck(m)) {
          if (debugName !== null && node.name === debugName) debugSink("  extraCheck returned false");
          continue;
        }
        count++;
        bump("inductor", "pattern_matcher_count");
        bump("inductor", "pattern_matcher_nodes", m.nodes.length);
        entry.apply(m, graph, node);
      }
    }
    return count;
  }
}
