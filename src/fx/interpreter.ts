// fx/interpreter: runs a graph node by node (torch.fx.Interpreter) with one overridable method
// per node kind, and Transformer, which re-emits each node into a new graph so subclasses can
// rewrite it. In: a GraphModule (or Graph) and inputs. Out: results / a transformed GraphModule.

import { Node, mapArg, type Argument } from "./node.js";
import { Graph } from "./graph.js";
import { GraphModule } from "./graph_module.js";

export type Target = unknown;

/** Call a module-like object with coil's convention (.call, else .forward, else itself). */
export function callModuleObject(m: unknown, args: unknown[], kwargs: Record<string, unknown> = {}): unknown {
  const full = Object.keys(kwargs).length ? [...args, kwargs] : args;
  const o = m as { call?: unknown; forward?: unknown };
  if (typeof m === "object" && m !== null) {
    if (typeof o.call === "function") return (o.call as (...a: unknown[]) => unknown).apply(m, full);
    if (typeof o.forward === "function") return (o.forward as (...a: unknown[]) => unknown).apply(m, full);
  }
  if (typeof m === "function") return (m as (...a: unknown[]) => unknown)(...full);
  throw new TypeError(`call_module: ${String(m)} is not callable (expected .call, .forward or a function)`);
}

/** Wrap an error raised while running a node, keeping the original message first. */
export function wrapNodeError(err: unknown, node: Node): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  let msg = `${e.message}\n  while executing ${node.format()}`;
  const trace = node.meta.stackTrace as string | undefined;
  if (trace) msg += `\n  original traceback:\n${trace.split("\n").map((l) => "    " + l.trim()).join("\n")}`;
  let wrapped: Error;
  try {
    wrapped = new (e.constructor as ErrorConstructor)(msg, { cause: e });
    if (wrapped.message !== msg) throw new Error("constructor changed the message");
  } catch {
    wrapped = new Error(msg, { cause: e });
  }
  wrapped.stack = `${wrapped.name}: ${msg}\n${(e.stack ?? "").split("\n").slice(1).join("\n")}`;
  (wrapped as { fxNode?: Node }).fxNode = node;
  return wrapped;
}

export class Interpreter {
  readonly module: GraphModule | null;
  readonly graph: Graph;
  env = new Map<Node, unknown>();
  /** Drop values from env after their last use (like torch's garbage_collect_values). */
  garbageCollectValues: boolean;
  /** The node being run (for overrides that need more than target/args/kwargs). */
  currentNode: Node | null = null;
  #argsIter: Iterator<unknown> | null = null;
  #lastUse = new Map<Node, Node[]>();

  constructor(gm: GraphModule | Graph, opts: { garbageCollectValues?: boolean } = {}) {
    if (gm instanceof GraphModule) {
      this.module = gm;
      this.graph = gm.graph;
    } else {
      this.module = gm.owningModule;
      this.graph = gm;
    }
    this.garbageCollectValues = opts.garbageCollectValues ?? true;
  }

  #computeLastUses(): void {
    this.#lastUse.clear();
    const seen = new Set<Node>();
    for (const n of [...this.graph.nodes].reverse()) {
      for (const inp of n.allInputNodes) {
        if (seen.has(inp)) continue;
        seen.add(inp);
        const l = this.#lastUse.get(n) ?? [];
        l.push(inp);
        this.#lastUse.set(n, l);
      }
    }
  }

  /** Run the graph on args. Values already in `initialEnv` are not recomputed. */
  run(...args: unknown[]): unknown {
    return this.runWith(args);
  }

  runWith(args: unknown[], initialEnv?: Map<Node, unknown>): unknown {
    this.env = new Map(initialEnv ?? []);
    this.#argsIter = args[Symbol.iterator]();
    if (this.garbageCollectValues) this.#computeLastUses();
    for (const node of this.graph.nodes) {
      if (this.env.has(node)) continue;
      let value: unknown;
      try {
        value = this.runNode(node);
      } catch (err) {
        if ((err as { fxNode?: Node }).fxNode === node) throw err;
        throw wrapNodeError(err, node);
      }
      this.env.set(node, value);
      if (this.garbageCollectValues) for (const dead of this.#lastUse.get(node) ?? []) this.env.delete(dead);
      if (node.op === "output") return value;
    }
    return undefined;
  }

  /** Run one node: fetch its argument values from env and dispatch on its op. */
  runNode(n: Node): unknown {
    this.currentNode = n;
    const args = this.fetchArgs(n.args, n) as unknown[];
    const kwargs = this.fetchArgs(n.kwargs, n) as Record<string, unknown>;
    switch (n.op) {
      case "placeholder": return this.placeholder(n.target, args, kwargs);
      case "get_attr": return this.getAttr(n.target, args, kwargs);
      case "call_function": return this.callFunction(n.target, args, kwargs);
      case "call_method": return this.callMethod(n.target, args, kwargs);
      case "call_module": return this.callModule(n.target, args, kwargs);
      case "output": return this.output(n.target, args, kwargs);
      default: throw new Error(`Interpreter: unknown op ${String(n.op)}`);
    }
  }

  /** Replace nodes in an argument structure by their computed values. */
  fetchArgs(a: Argument, user: Node): unknown {
    return mapArg(a, (n) => {
      if (!this.env.has(n)) throw new Error(`Interpreter: node %${n.name} (used by %${user.name}) has no value; it was not run or was freed`);
      return this.env.get(n) as Argument;
    });
  }

  placeholder(target: Target, args: unknown[], _kwargs: Record<string, unknown>): unknown {
    const it = this.#argsIter?.next();
    if (it && !it.done) return it.value;
    if (args.length > 0) return args[0];
    throw new TypeError(`Interpreter: missing input for placeholder '${String(target)}'`);
  }

  getAttr(target: Target, _args: unknown[], _kwargs: Record<string, unknown>): unknown {
    return this.fetchAttr(target as string);
  }

  callFunction(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const f = target as (...a: unknown[]) => unknown;
    return Object.keys(kwargs).length ? f(...args, kwargs) : f(...args);
  }

  callMethod(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const [self, ...rest] = args;
    const m = (self as Record<string, unknown> | null | undefined)?.[target as string];
    if (typeof m !== "function") throw new TypeError(`Interpreter: ${describe(self)} has no method '${String(target)}'`);
    return (m as (...a: unknown[]) => unknown).apply(self, Object.keys(kwargs).length ? [...rest, kwargs] : rest);
  }

  callModule(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    return callModuleObject(this.fetchAttr(target as string), args, kwargs);
  }

  output(_target: Target, args: unknown[], _kwargs: Record<string, unknown>): unknown {
    return args[0];
  }

  fetchAttr(target: string): unknown {
    if (!this.module) throw new Error(`Interpreter: the graph has no owning module to read '${target}' from`);
    return this.module.getAttr(target);
  }
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

/**
 * Re-emits every node into a new graph; override placeholder/callFunction/... to rewrite. While
 * transforming, env values are the new graph's Nodes (and constants), so overrides receive and
 * return new-graph Nodes.
 */
export class Transformer extends Interpreter {
  readonly newGraph = new Graph();

  constructor(gm: GraphModule) {
    super(gm, { garbageCollectValues: false });
  }

  override runNode(n: Node): unknown {
    const r = super.runNode(n);
    if (r instanceof Node && r.graph === this.newGraph && r !== n) {
      if (n.op === "placeholder") r.meta = { ...n.meta, ...r.meta };
      else if (n.meta.stackTrace !== undefined && r.meta.stackTrace === undefined) r.meta.stackTrace = n.meta.stackTrace;
    }
    return r;
  }

  override placeholder(target: Target, args: unknown[], _kwargs: Record<string, unknown>): unknown {
    const name = this.currentNode?.name;
    return this.newGraph.createNode("placeholder", target, args as Argument[], {}, name, this.currentNode?.type);
  }
  override getAttr(target: Target, _args: unknown[], _kwargs: Record<string, unknown>): unknown {
    return this.newGraph.getAttr(target as string);
  }
  override callFunction(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    return this.newGraph.createNode("call_function", target, args as Argument[], kwargs as Record<string, Argument>);
  }
  override callMethod(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    return this.newGraph.createNode("call_method", target, args as Argument[], kwargs as Record<string, Argument>);
  }
  override callModule(target: Target, args: unknown[], kwargs: Record<string, unknown>): unknown {
    return this.newGraph.createNode("call_module", target, args as Argument[], kwargs as Record<string, Argument>);
  }

  /** Run the transformation; returns a new GraphModule sharing the original's attributes. */
  transform(): GraphModule {
    const result = this.runWith([]) as Argument;
    const old = this.graph.nodes.toArray().find((x) => x.op === "output");
    const out = this.newGraph.createNode("output", "output", [result], {}, old?.name, old?.type);
    if (old) out.meta = { ...old.meta };
    if (!this.module) throw new Error("Transformer: the graph has no owning module");
    return new GraphModule(this.module, this.newGraph, this.module.className);
  }
}
