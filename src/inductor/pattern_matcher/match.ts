// inductor/pattern_matcher/match: the result of a successful match (captured args/kwargs, covered
// nodes, outputs) and the rewrites a handler can do with it (replaceByExample, replaceWithGraph, eraseNodes).
// In: bindings from patterns.ts. Out: a Match handlers receive; graph edits through replace.ts.

import type { Graph, GraphModule, Node } from "../../fx/index.js";
import type { MatchContext, PatternExpr } from "./patterns.js";
import { eraseMatchedNodes, getReplacementTracer, exampleValueOf, replaceWithGraph, type ReplacementTracer } from "./replace.js";

export class Match {
  /** Positional captures (Arg()), depth-first. */
  args: unknown[];
  /** Named captures (KeywordArg). */
  kwargs: Record<string, unknown>;
  /** Graph nodes the pattern covered (not its captured inputs), producers first. */
  nodes: Node[] = [];
  /** Target each call pattern matched (useful for multi-target patterns). */
  targets = new Map<PatternExpr, unknown>();
  /** Set by registerReplacement's check: the replacement traced with the matched shapes. */
  replacementGraph: Graph | null = null;

  constructor(readonly ctx: MatchContext, readonly pattern: PatternExpr, args: unknown[] = [], kwargs: Record<string, unknown> = {}) {
    this.args = [...args];
    this.kwargs = { ...kwargs };
  }

  get graph(): Graph {
    const g = this.ctx.graph ?? (this.nodes[0] as unknown as { graph?: Graph } | undefined)?.graph;
    if (!g) throw new Error("Match: no graph (match with pattern.match(node, graph))");
    return g;
  }

  /** Merge a sub-match; a name captured twice must be the same value ("kwarg mismatch"). */
  extend(other: Match): void {
    for (const key of Object.keys(other.kwargs)) {
      if (key in this.kwargs && this.kwargs[key] !== other.kwargs[key]) {
        // Thrown, caught by PatternExpr.match and returned as the failure (as in PyTorch).
        throw new (failedMatchCtor())("kwarg mismatch: {}", [key]);
      }
    }
    this.args.push(...other.args);
    this.nodes.push(...other.nodes);
    Object.assign(this.kwargs, other.kwargs);
    for (const [p, t] of other.targets) this.targets.set(p, t);
  }

  /** Wrap the positional captures into one list (ListOf captures one list per Arg). */
  bundle(): this {
    this.args = this.args.length ? [this.args] : [];
    return this;
  }

  /** The nodes bound to the pattern's outputs (null for a null output pattern). */
  outputNodes(): (Node | null)[] {
    return this.ctx.outputs.map((p) => (p === null ? null : ((this.ctx.patternToNode.get(p) as Node | undefined) ?? null)));
  }

  outputNode(): Node {
    const n = this.outputNodes().find((x) => x !== null);
    if (!n) throw new Error("Match: no output node");
    return n;
  }

  /** Erase the covered nodes that have no users left, last first. */
  eraseNodes(): void {
    eraseMatchedNodes(this.graph, this.nodes);
  }

  /**
   * Replace the matched outputs by `replacement` (a Graph or GraphModule whose placeholders take `args`).
   * Keeps the graph topologically sorted and rewires every user of every output.
   */
  replaceWithGraph(replacement: Graph | GraphModule, args: readonly unknown[]): void {
    replaceWithGraph(this, this.graph, replacement, args);
  }

  /**
   * Trace `fn` with the example values of `args` (node.meta.val) using the replacement tracer
   * (setReplacementTracer; default: coil's aten tracer) and splice the result in for the match.
   */
  replaceByExample(fn: (...a: never[]) => unknown, args: readonly unknown[], opts: { tracer?: ReplacementTracer } = {}): void {
    const tracer = opts.tracer ?? getReplacementTracer();
    const graph = tracer(fn as (...a: unknown[]) => unknown, args.map(exampleValueOf));
    replaceWithGraph(this, this.graph, graph, args);
  }

  toString(): string {
    return `Match(..., ${this.args.length} args, kwargs=[${Object.keys(this.kwargs).join(", ")}], nodes=[${this.nodes.map((n) => n.name).join(", ")}])`;
  }
}

// Late-bound to avoid a runtime import cycle with patterns.ts.
let failedMatchClass: (new (fmt: string, args: unknown[]) => unknown) | null = null;
export function setFailedMatchCtor(c: new (fmt: string, args: unknown[]) => unknown): void { failedMatchClass = c; }
function failedMatchCtor(): new (fmt: string, args: unknown[]) => unknown {
  if (!failedMatchClass) throw new Error("pattern_matcher: FailedMatch not initialised");
  return failedMatchClass;
}
