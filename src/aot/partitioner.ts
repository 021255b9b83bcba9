// aot/partitioner: the shared machinery of the partitioners. Splits a joint forward+backward graph
// into regions (forward-required, backward-required), and given the set of saved values extracts
// the forward graph (outputs: forward outputs + saved values) and the backward graph (inputs: saved
// values + tangents; outputs: input grads). Also saveAllPartition (PyTorch's default_partition: no
// recomputation, saves every forward value the backward reads). The default, the min-cut
// rematerialisation partitioner, lives in min_cut_partitioner.ts.
// In: a joint GraphModule. Out: forward and backward GraphModules + the saved values.

import { Graph, GraphModule, Node, type Argument } from "../fx/index.js";
import { Tensor } from "../tensor/tensor.js";

export interface PartitionResult {
  forward: GraphModule;
  backward: GraphModule;
  /** Names of the saved values, in the order the forward returns them after its real outputs. */
  savedNames: string[];
}

export interface PartitionOptions {
  numFwdOutputs: number;
  /** Indices of primals that are parameters/buffers (alive anyway: free to save). */
  staticInputIndices?: number[];
  /** Min-cut only: recompute no chain longer than this from the backward (default MAX_DIST_FROM_BW). */
  maxDistFromBw?: number;
  /** Custom partitioners (inductor's CustomPartitionerFn) may receive more options. */
  [key: string]: unknown;
}

/** The joint graph's regions, as PyTorch's partitioners classify them. */
export interface JointRegions {
  nodes: Node[];
  primals: Node[];
  tangents: Node[];
  fwdOutVals: Argument[];
  bwdOutVals: Argument[];
  /** Tangents and everything computed from them. */
  tangentDep: Set<Node>;
  /** call_function nodes the forward outputs need. */
  requiredFw: Set<Node>;
  /** tangentDep plus the backward's outputs. */
  requiredBw: Set<Node>;
}

export const isTangent = (n: Node): boolean => n.op === "placeholder" && n.name.startsWith("tangents_");

/** Bytes of a node's value (sum over a tuple of tensors; 0 for non-tensors). */
export function valueBytes(n: Node): number {
  const v = n.meta.val;
  const one = (t: unknown) => (t instanceof Tensor ? t.numel() * t.dtype.itemsize : 0);
  return Array.isArray(v) ? v.reduce((s: number, t) => s + one(t), 0) : one(v);
}

function ancestors(roots: Iterable<Node>, stop: (n: Node) => boolean = () => false): Set<Node> {
  const seen = new Set<Node>();
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    if (stop(n)) continue;
    for (const i of n.allInputNodes) stack.push(i);
  }
  return seen;
}

const nodesIn = (v: Argument[]): Node[] => v.filter((x): x is Node => x instanceof Node);

export function splitJoint(g: Graph, numFwdOutputs: number): JointRegions {
  const nodes = g.nodes.toArray();
  const out = nodes.find((n) => n.op === "output");
  if (!out) throw new Error("partitioner: the joint graph has no output node [stage: aot partition]");
  const values = out.args[0] as Argument[];
  const fwdOutVals = values.slice(0, numFwdOutputs);
  const bwdOutVals = values.slice(numFwdOutputs);
  const tangentDep = new Set<Node>();
  for (const n of nodes) if (n.op !== "output" && (isTangent(n) || n.allInputNodes.some((i) => tangentDep.has(i)))) tangentDep.add(n);
  const requiredFw = new Set([...ancestors(nodesIn(fwdOutVals))].filter((n) => n.op === "call_function"));
  for (const n of requiredFw) {
    if (tangentDep.has(n)) throw new Error(`partitioner: forward output depends on a tangent (%${n.name}) [stage: aot partition]`);
  }
  const requiredBw = new Set(tangentDep);
  for (const n of nodesIn(bwdOutVals)) requiredBw.add(n);
  return {
    nodes, primals: nodes.filter((n) => n.op === "placeholder" && !isTangent(n)), tangents: nodes.filter(isTangent),
    fwdOutVals, bwdOutVals, tangentDep, requiredFw, requiredBw,
  };
}

/** Build the forward and backward graphs given the values the forward saves for the backward. */
export function extractFwdBwd(joint: GraphModule, r: JointRegions, savedIn: Iterable<Node>): PartitionResult {
  const savedSet = new Set(savedIn);
  const saved = r.nodes.filter((n) => savedSet.has(n));
  for (const s of saved) if (r.tangentDep.has(s)) throw new Error(`partitioner: cannot save %${s.name}, it depends on a tangent [stage: aot partition]`);

  // ---- forward: every primal, then what the outputs and saved values need ----
  const fwdNeed = ancestors([...nodesIn(r.fwdOutVals), ...saved]);
  const fwd = new Graph();
  const envF = new Map<Node, Node>();
  for (const n of r.nodes) {
    if (n.op === "output" || isTangent(n)) continue;
    if (n.op !== "placeholder" && !fwdNeed.has(n)) continue;
    envF.set(n, fwd.nodeCopy(n, (x: Node) => envF.get(x)!));
  }
  const mapF = (v: Argument): Argument => (v instanceof Node ? envF.get(v)! : v);
  fwd.output([...r.fwdOutVals.map(mapF), ...saved.map((s) => envF.get(s)!)]);

  // ---- backward: saved values + tangents, then what the grads need (recomputing the rest) ----
  const stop = (n: Node) => savedSet.has(n) || n.op === "placeholder" || n.op === "get_attr";
  const bwdNeed = ancestors(nodesIn(r.bwdOutVals), stop);
  const bwd = new Graph();
  const envB = new Map<Node, Node>();
  for (const s of saved) { const ph = bwd.placeholder(s.name); ph.meta = { ...s.meta }; envB.set(s, ph); }
  for (const t of r.tangents) { const ph = bwd.placeholder(t.name); ph.meta = { ...t.meta }; envB.set(t, ph); }
  // PyTorch's reordering_to_mimic_autograd_engine: backward nodes in joint order, each recomputed
  // forward value inserted right before its first use
  const copyB = (n: Node): void => {
    if (envB.has(n)) return;
    if (n.op === "placeholder") {
      throw new Error(`partitioner: the backward needs %${n.name}, which the forward does not save [stage: aot partition]`);
    }
    for (const i of n.allInputNodes) copyB(i);
    envB.set(n, bwd.nodeCopy(n, (x: Node) => envB.get(x)!));
  };
  for (const n of r.nodes) if (bwdNeed.has(n) && n.op !== "output" && (r.tangentDep.has(n) || r.requiredBw.has(n))) copyB(n);
  for (const n of r.nodes) if (bwdNeed.has(n) && n.op !== "output") copyB(n);
  bwd.output(r.bwdOutVals.map((v) => (v instanceof Node ? envB.get(v)! : v)));
  fwd.lint();
  bwd.lint();
  return { forward: new GraphModule(joint, fwd), backward: new GraphModule(joint, bwd), savedNames: saved.map((s) => s.name) };
}

/**
 * PyTorch's default_partition: no recomputation. Saves every value outside the backward that a
 * backward node reads (and forward values returned as grads). Useful as a baseline and for debugging.
 */
export function saveAllPartition(joint: GraphModule, opts: PartitionOptions): PartitionResult {
  const r = splitJoint(joint.graph, opts.numFwdOutputs);
  const saved = new Set<Node>();
  const bwNeed = ancestors(nodesIn(r.bwdOutVals), (n) => !r.tangentDep.has(n));
  for (const n of bwNeed) {
    if (!r.tangentDep.has(n)) continue;
    for (const i of n.allInputNodes) if (!r.tangentDep.has(i) && i.op !== "get_attr" && (i.op === "placeholder" || i.allInputNodes.length > 0)) saved.add(i);
  }
  for (const v of nodesIn(r.bwdOutVals)) if (!r.tangentDep.has(v) && v.op !== "get_attr") saved.add(v);
  return extractFwdBwd(joint, r, saved);
}
