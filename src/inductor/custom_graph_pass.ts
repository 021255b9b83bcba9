// inductor/custom_graph_pass: the types users implement to plug passes into the pipeline
// (CustomGraphPass, CustomGraphModulePass, CustomPartitionerFn), getHashForFiles for their uuids,
// and runPass, which runs whatever a config hook holds. In: user passes, fx graphs. Out: mutated graphs.

import type { Graph, GraphModule } from "../fx/index.js";
import { readFileBytes, sha256Hex } from "../platform/node.js";

/** Which graph a pass is running on. Inference: a forward graph compiled without autograd. */
export type GraphKind = "inference" | "forward" | "backward" | "joint";

/** Second argument every pass receives: which hook runs it and on which graph (coil's addition). */
export interface PassContext {
  readonly kind: GraphKind;
  readonly hook: string;
}

/** A pass over an fx Graph that can be identified in cache keys. Mutates the graph in place. */
export abstract class CustomGraphPass {
  abstract call(graph: Graph, ctx?: PassContext): void;
  /**
   * A string that changes whenever the pass's behaviour changes (usually `getHashForFiles([file])`).
   * null: unknown, and the FX graph cache is bypassed for compiles that run this pass.
   */
  abstract uuid(): string | null;
}

/** A pass over a GraphModule (the per-device backend passes receive one). */
export abstract class CustomGraphModulePass {
  abstract call(gm: GraphModule, ctx?: PassContext): void;
  abstract uuid(): string | null;
}

export interface PartitionOptions {
  /** Number of forward outputs of the joint graph (the rest are input gradients). */
  numFwdOutputs: number;
  [key: string]: unknown;
}

export interface Partition {
  forward: GraphModule;
  backward: GraphModule;
}

/** Replaces the min-cut partitioner: splits the joint graph into a forward and a backward graph. */
export abstract class CustomPartitionerFn {
  abstract call(joint: GraphModule, opts: PartitionOptions): Partition;
  abstract uuid(): string | null;
}

export type GraphPassFn = (graph: Graph, ctx: PassContext) => void;
export type GraphPassLike = GraphPassFn | CustomGraphPass;
/** What a graph hook in `config` holds: nothing, one pass, or several run in order. */
export type GraphHook = null | GraphPassLike | readonly GraphPassLike[];
export type PartitionerFn = (joint: GraphModule, opts: PartitionOptions) => Partition;
export type PartitionerHook = null | PartitionerFn | CustomPartitionerFn;

/** Duck-typed check so classes that cannot extend CustomGraphPass (mixins) still qualify. */
export function isCustomGraphPass(x: unknown): x is CustomGraphPass {
  if (x instanceof CustomGraphPass) return true;
  return typeof x === "object" && x !== null
    && typeof (x as CustomGraphPass).call === "function" && typeof (x as CustomGraphPass).uuid === "function";
}

export function isGraphPassLike(x: unknown): x is GraphPassLike {
  return typeof x === "function" || isCustomGraphPass(x);
}

export function isGraphHook(x: unknown): x is GraphHook {
  return x === null || isGraphPassLike(x) || (Array.isArray(x) && x.every(isGraphPassLike));
}

export function isPartitionerHook(x: unknown): x is PartitionerHook {
  return x === null || typeof x === "function" || (typeof x === "object" && x !== null
    && typeof (x as CustomPartitionerFn).call === "function" && typeof (x as CustomPartitionerFn).uuid === "function");
}

/**
 * sha256 (hex) over `extra`, then each path followed by the file's bytes, as PyTorch's
 * get_hash_for_files does. Use it as a pass's uuid: it changes when the pass's source changes.
 */
export function getHashForFiles(paths: readonly string[], extra = ""): string {
  const chunks: (Uint8Array | string)[] = [extra];
  for (const p of paths) chunks.push(p, readFileBytes(p));
  return sha256Hex(...chunks);
}

/** A readable name for error messages: the function's or the class's name. */
export function passName(pass: unknown): string {
  if (typeof pass === "function") return pass.name || "<anonymous>";
  if (typeof pass === "object" && pass !== null) {
    const n = (pass as { name?: unknown }).name;
    if (typeof n === "string" && n) return n;
    return pass.constructor?.name || "<object>";
  }
  return String(pass);
}

/** The uuids of a hook's passes, or null when any pass is a plain function or has no uuid. */
export function hookUuid(hook: GraphHook | PartitionerHook): string | string[] | null {
  if (hook === null) return "";
  const list = Array.isArray(hook) ? hook : [hook];
  const out: string[] = [];
  for (const p of list) {
    if (typeof p === "function") return null;
    const u = (p as CustomGraphPass).uuid();
    if (u === null || u === undefined) return null;
    out.push(String(u));
  }
  return Array.isArray(hook) ? out : out[0]!;
}

/**
 * Run what a graph hook holds on `graph`: a function is called as fn(graph, ctx), a CustomGraphPass
 * as pass.call(graph, ctx), an array in order. Errors are re-thrown as
 * "<hook> custom pass '<name>' failed on the <kind> graph: <message>" with the original as `cause`.
 */
export function runPass(hookName: string, pass: GraphHook | undefined, graph: Graph, graphKind: GraphKind): void {
  if (pass === null || pass === undefined) return;
  const ctx: PassContext = Object.freeze({ kind: graphKind, hook: hookName });
  const list = Array.isArray(pass) ? pass : [pass as GraphPassLike];
  for (const p of list) {
    const before = graphSignature(graph);
    try {
      if (typeof p === "function") p(graph, ctx);
      else if (isCustomGraphPass(p)) p.call(graph, ctx);
      else throw new TypeError(`expected a function or a CustomGraphPass, got ${typeof p}`);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new Error(`${hookName} custom pass '${passName(p)}' failed on the ${graphKind} graph: ${msg}`, { cause: err });
    }
    checkGraphAfterPass(graph, before, `${hookName} custom pass '${passName(p)}'`, graphKind);
  }
}

/** What a pass must not change: the number of inputs and of output values. */
interface GraphSignature { placeholders: number; outputs: number }

function graphSignature(graph: Graph): GraphSignature {
  let placeholders = 0;
  let outputs = 0;
  for (const n of graph.nodes) {
    if (n.op === "placeholder") placeholders++;
    if (n.op === "output") outputs = Array.isArray(n.args[0]) ? (n.args[0] as unknown[]).length : 1;
  }
  return { placeholders, outputs };
}

/**
 * The lint every user pass is held to: the graph is well formed (no dangling node, topologically
 * sorted, consistent users) and keeps its inputs and output count. Throws naming the hook and pass.
 */
export function checkGraphAfterPass(graph: Graph, before: GraphSignature, who: string, graphKind: string): void {
  let problem: string | null = null;
  try {
    graph.lint();
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  if (!problem) {
    const after = graphSignature(graph);
    if (after.placeholders !== before.placeholders) problem = `it changed the number of graph inputs from ${before.placeholders} to ${after.placeholders}`;
    else if (after.outputs !== before.outputs) problem = `it changed the number of graph outputs from ${before.outputs} to ${after.outputs}`;
  }
  if (problem) throw new Error(`${who} left the ${graphKind} graph broken: ${problem}`);
}
