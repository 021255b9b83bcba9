// aot/partitioner: splits a joint forward+backward graph into a forward graph (outputs: forward
// outputs + saved values) and a backward graph (inputs: saved values + tangents; outputs: input grads).
// The default partitioner rematerialises: cheap pointwise and view ops needed by the backward are
// recomputed there from the nearest saved value, so only inputs of the graph and the outputs of
// expensive ops (mm, convolution, reductions, ...) are saved. In: a joint GraphModule. Out: two GraphModules.

import { Graph, GraphModule, Node, type Argument } from "../fx/index.js";
import { isOpOverload } from "../ops/registry.js";

export interface PartitionResult {
  forward: GraphModule;
  backward: GraphModule;
  /** Names of the saved values, in the order the forward returns them after its real outputs. */
  savedNames: string[];
}

export interface PartitionOptions {
  numFwdOutputs: number;
  /** When false, saves every forward value the backward uses (no recomputation). */
  rematerialize?: boolean;
}

function inputsOf(n: Node): Node[] {
  return n.allInputNodes;
}

function ancestors(roots: Node[]): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const i of inputsOf(n)) stack.push(i);
  }
  return seen;
}

/** Pointwise and view ops are cheap to recompute (Inductor fuses them into the backward kernels). */
export function isRecomputable(n: Node): boolean {
  if (n.op !== "call_function") return false;
  const t = n.target;
  if (isOpOverload(t)) {
    if (t.tags.has("random") || t.tags.has("nondeterministic")) return false;
    return t.tags.has("pointwise") || t.tags.has("view");
  }
  return (t as { name?: string }).name === "getitem";
}

function outputNodes(g: Graph): { out: Node; values: Argument[] } {
  const out = g.nodes.toArray().find((n: Node) => n.op === "output")!;
  return { out, values: out.args[0] as Argument[] };
}

function nodesIn(v: Argument[]): Node[] {
  return v.filter((x): x is Node => x instanceof Node);
}

export function defaultPartition(joint: GraphModule, opts: PartitionOptions): PartitionResult {
  const g = joint.graph;
  const { values } = outputNodes(g);
  const fwdOutVals = values.slice(0, opts.numFwdOutputs);
  const bwdOutVals = values.slice(opts.numFwdOutputs);
  const all = g.nodes.toArray();
  const isTangent = (n: Node) => n.op === "placeholder" && n.name.startsWith("tangents_");
  // forward region: everything computable without tangents
  const dependsOnTangent = new Set<Node>();
  for (const n of all) if (isTangent(n) || inputsOf(n).some((i) => dependsOnTangent.has(i))) dependsOnTangent.add(n);
  const fwdNeeded = ancestors(nodesIn(fwdOutVals));
  const bwdNeeded = ancestors(nodesIn(bwdOutVals));
  const remat = opts.rematerialize !== false;
  // values the backward needs from the forward region
  const saved = new Set<Node>();
  const recompute = new Set<Node>();
  const visit = (n: Node) => {
    if (dependsOnTangent.has(n) || saved.has(n) || recompute.has(n)) return;
    if (n.op === "placeholder" || n.op === "get_attr") { saved.add(n); return; }
    if (remat && isRecomputable(n)) {
      recompute.add(n);
      for (const i of inputsOf(n)) visit(i);
      return;
    }
    saved.add(n);
  };
  for (const n of all) {
    if (!bwdNeeded.has(n) || !dependsOnTangent.has(n)) continue;
    for (const i of inputsOf(n)) if (!dependsOnTangent.has(i)) visit(i);
  }
  // bwd outputs that are forward values directly (e.g. a gradient equal to a forward tensor)
  for (const v of nodesIn(bwdOutVals)) if (!dependsOnTangent.has(v)) visit(v);
  const savedList = all.filter((n) => saved.has(n));

  // ---- forward graph ----
  const fwd = new Graph();
  const envF = new Map<Node, Node>();
  for (const n of all) {
    if (isTangent(n) || n.op === "output") continue;
    if (n.op !== "placeholder" && !fwdNeeded.has(n) && !saved.has(n)) continue;
    if (n.op !== "placeholder" && dependsOnTangent.has(n)) continue;
    envF.set(n, fwd.nodeCopy(n, (x: Node) => envF.get(x)!));
  }
  const mapF = (v: Argument): Argument => (v && typeof v === "object" && envF.has(v as Node) ? envF.get(v as Node)! : v);
  fwd.output([...fwdOutVals.map(mapF), ...savedList.map((s) => envF.get(s)!)]);
  fwd.eliminateDeadCode();

  // ---- backward graph ----
  const bwd = new Graph();
  const envB = new Map<Node, Node>();
  for (const s of savedList) {
    const ph = bwd.placeholder(s.name);
    ph.meta = { ...s.meta };
    envB.set(s, ph);
  }
  for (const n of all) if (isTangent(n)) { const ph = bwd.placeholder(n.name); ph.meta = { ...n.meta }; envB.set(n, ph); }
  for (const n of all) {
    if (envB.has(n) || n.op === "placeholder" || n.op === "output") continue;
    if (!bwdNeeded.has(n)) continue;
    if (!dependsOnTangent.has(n) && !recompute.has(n)) continue;
    envB.set(n, bwd.nodeCopy(n, (x: Node) => envB.get(x)!));
  }
  const mapB = (v: Argument): Argument => (v && typeof v === "object" && envB.has(v as Node) ? envB.get(v as Node)! : v);
  bwd.output(bwdOutVals.map(mapB));
  bwd.eliminateDeadCode();
  return {
    forward: new GraphModule(joint, fwd),
    backward: new GraphModule(joint, bwd),
    savedNames: savedList.map((s) => s.name),
  };
}
