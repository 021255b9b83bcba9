// aot/min_cut_partitioner: the default partitioner (PyTorch's min_cut_rematerialization_partition).
// Builds a flow network over the joint graph (each node split into n_in -> n_out with capacity = the
// bytes of its value, scaled by how far it is from the backward and by whether it must be
// materialised), forbids recomputing expensive/random ops in the backward (infinite capacity from the
// source), runs a max-flow/min-cut (Dinic) and saves exactly the cut nodes; everything between the
// cut and the backward is recomputed there. In: a joint GraphModule. Out: forward + backward graphs.

import type { GraphModule, Node } from "../fx/index.js";
import { Tensor } from "../tensor/tensor.js";
import { isOpOverload, type OpOverload } from "../ops/registry.js";
import { extractFwdBwd, splitJoint, valueBytes, type JointRegions, type PartitionOptions, type PartitionResult } from "./partitioner.js";

/** Ops the backward may recompute besides pointwise, view and creation ops (PyTorch's recomputable_ops). */
const RECOMPUTABLE_NAMES = new Set([
  "sum", "mean", "amax", "amin", "_softmax", "_log_softmax", "_to_copy", "clone", "cat", "where",
  "_unsafe_view", "contiguous", "slice_scatter", "select_scatter", "constant_pad_nd",
]);

/**
 * Far-from-backward cutoff (PyTorch's functorch config.max_dist_from_bw, 1000): a fusible node more
 * than this many users away from the backward is saved rather than recomputed. Override per call
 * with `opts.maxDistFromBw` (a small value, e.g. 3, makes recomputation chains short).
 */
export const MAX_DIST_FROM_BW = 1000;

const isGetitem = (n: Node): boolean => n.op === "call_function" && !isOpOverload(n.target) && (n.target as { name?: string }).name === "getitem";

function opOf(n: Node): OpOverload | null {
  return n.op === "call_function" && isOpOverload(n.target) ? n.target : null;
}

/** Random ops are never recomputed (the backward would see different random numbers). */
export function isRandomOp(n: Node): boolean {
  const op = opOf(n);
  return !!op && (op.tags.has("random") || op.tags.has("nondeterministic"));
}

/** Compute-intensive ops (mm, bmm, addmm, convolution, ...): extern kernels Inductor never fuses. */
export function isComputeIntensive(n: Node): boolean {
  const op = opOf(n);
  return !!op && op.tags.has("extern");
}

/** Cheap ops the backward may recompute: pointwise, views, creation, a few reductions (allowlist). */
export function isRecomputable(n: Node): boolean {
  if (isGetitem(n)) return true;
  const op = opOf(n);
  if (!op || isRandomOp(n) || op.isInplace) return false;
  if (op.tags.has("pointwise") || op.tags.has("view") || op.tags.has("creation")) return true;
  return RECOMPUTABLE_NAMES.has(op.opName);
}

/** Ops Inductor fuses into one loop with their neighbours. */
export function isFusible(n: Node): boolean {
  return isRecomputable(n) || isRandomOp(n);
}

const isViewNode = (n: Node): boolean => !!opOf(n)?.isView;

interface Flow {
  addEdge(u: number, v: number, cap: number): void;
  maxFlow(s: number, t: number): number;
  reachableFromSource(s: number): Uint8Array;
}

/** Dinic's max-flow on an adjacency list with paired residual edges (capacities may be Infinity). */
export function makeFlowNetwork(numVertices: number): Flow {
  const head = new Int32Array(numVertices).fill(-1);
  const to: number[] = [];
  const cap: number[] = [];
  const next: number[] = [];
  const addHalf = (u: number, v: number, c: number) => { to.push(v); cap.push(c); next.push(head[u]!); head[u] = to.length - 1; };
  const level = new Int32Array(numVertices);
  const iter = new Int32Array(numVertices);
  const bfs = (s: number, t: number): boolean => {
    level.fill(-1);
    level[s] = 0;
    const q = [s];
    for (let qi = 0; qi < q.length; qi++) {
      const u = q[qi]!;
      for (let e = head[u]!; e !== -1; e = next[e]!) {
        if (cap[e]! > 0 && level[to[e]!]! < 0) { level[to[e]!] = level[u]! + 1; q.push(to[e]!); }
      }
    }
    return level[t]! >= 0;
  };
  const dfs = (u: number, t: number, f: number): number => {
    if (u === t) return f;
    for (; iter[u] !== -1; iter[u] = next[iter[u]!]!) {
      const e = iter[u]!;
      const v = to[e]!;
      if (cap[e]! > 0 && level[v] === level[u]! + 1) {
        const d = dfs(v, t, Math.min(f, cap[e]!));
        if (d > 0) { cap[e] = cap[e]! - d; cap[e ^ 1] = cap[e ^ 1]! + d; return d; }
      }
    }
    return 0;
  };
  return {
    addEdge(u, v, c) { addHalf(u, v, c); addHalf(v, u, 0); },
    maxFlow(s, t) {
      let flow = 0;
      while (bfs(s, t)) {
        iter.set(head);
        for (let f = dfs(s, t, Infinity); f > 0; f = dfs(s, t, Infinity)) {
          if (f === Infinity) throw new Error("min-cut partitioner: the backward needs a value that can neither be saved nor recomputed (infinite cut) [stage: aot partition]");
          flow += f;
        }
      }
      return flow;
    },
    reachableFromSource(s) {
      const seen = new Uint8Array(numVertices);
      seen[s] = 1;
      const q = [s];
      for (let qi = 0; qi < q.length; qi++) {
        const u = q[qi]!;
        for (let e = head[u]!; e !== -1; e = next[e]!) if (cap[e]! > 0 && !seen[to[e]!]) { seen[to[e]!] = 1; q.push(to[e]!); }
      }
      return seen;
    },
  };
}

/** Why each node may not be recomputed in the backward (null: it may), PyTorch's should_ban_recomputation. */
function banReason(n: Node, r: JointRegions, dist: Map<Node, number>, maxDist: number): string | null {
  if (n.op !== "call_function" || isGetitem(n)) return null;
  if (!isRecomputable(n)) return isRandomOp(n) ? "random" : isComputeIntensive(n) ? "compute-intensive" : "not in the recompute allowlist";
  if (isMaterializedBackwards(n, r)) return "materialised in the backward";
  const d = dist.get(n) ?? 0;
  // PyTorch's "used far apart" ban: only for nodes within reach of the backward at all
  if (d < MAX_DIST_FROM_BW && d > maxDist) return "too far from the backward";
  const inBytes = n.allInputNodes.reduce((s, i) => s + valueBytes(i), 0);
  if (valueBytes(n) * 4 < inBytes) return "reduction (output 4x smaller than its inputs)";
  return null;
}

/** A value that a non-fusible backward op reads (through views) must exist in memory: recomputing it is not free. */
function isMaterializedBackwards(n: Node, r: JointRegions): boolean {
  if (isViewNode(n)) return false;
  const todo = [n];
  while (todo.length) {
    const cur = todo.pop()!;
    for (const u of cur.users.keys()) {
      if (u.op === "output") continue;
      if (!r.requiredFw.has(u) && !(isFusible(cur) && isFusible(u))) return true;
      if (isViewNode(u)) todo.push(u);
    }
  }
  return false;
}

function isMaterialized(n: Node): boolean {
  if (n.op === "placeholder") return true;
  return ![...n.users.keys()].every((u) => u.op !== "output" && isFusible(n) && isFusible(u));
}

export interface MinCutInfo {
  /** Nodes the backward may not recompute, with the reason. */
  banned: Map<string, string>;
  cutValue: number;
}

/**
 * PyTorch's min_cut_rematerialization_partition: saves the cheapest set of values (in bytes, biased
 * against values far from the backward or that need materialising) from which the backward can be
 * computed without recomputing banned ops. `info` (optional) receives the banned nodes and cut value.
 */
export function minCutRematerializationPartition(joint: GraphModule, opts: PartitionOptions, info?: MinCutInfo): PartitionResult {
  const r = splitJoint(joint.graph, opts.numFwdOutputs);
  const nodes = r.nodes.filter((n) => n.op !== "output" && n.op !== "get_attr");
  // distance (in users) from the backward region: 0 for backward nodes
  const dist = new Map<Node, number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!r.requiredFw.has(n)) { dist.set(n, 0); continue; }
    let d = 1e9;
    for (const u of n.users.keys()) if (u.op !== "output" && dist.has(u)) d = Math.min(d, dist.get(u)! + 1);
    dist.set(n, d);
  }
  const idx = new Map<Node, number>(nodes.map((n, i) => [n, i]));
  const SRC = 2 * nodes.length, SINK = SRC + 1;
  const net = makeFlowNetwork(2 * nodes.length + 2);
  const vin = (n: Node) => 2 * idx.get(n)!;
  const vout = (n: Node) => 2 * idx.get(n)! + 1;
  const staticInputs = new Set(opts.staticInputIndices ?? []);
  const primalIndex = new Map<Node, number>(r.primals.map((p, i) => [p, i]));
  for (const n of nodes) {
    const isPrimal = primalIndex.has(n);
    if (r.requiredBw.has(n)) {
      if (!isPrimal) { net.addEdge(vin(n), SINK, Infinity); continue; }
      net.addEdge(vout(n), SINK, Infinity);
    }
    if (isPrimal) net.addEdge(SRC, vin(n), Infinity);
    const why = banReason(n, r, dist, opts.maxDistFromBw ?? MAX_DIST_FROM_BW);
    if (why !== null && r.requiredFw.has(n)) { net.addEdge(SRC, vin(n), Infinity); info?.banned.set(n.name, why); }
    let weight: number;
    if (!(n.meta.val instanceof Tensor)) weight = Infinity; // tuples: save their getitems instead
    else if (isPrimal && staticInputs.has(primalIndex.get(n)!)) weight = 0; // parameters are alive anyway
    else {
      const bytes = valueBytes(n) * Math.pow(1.1, Math.max(Math.min(dist.get(n)!, 100), 1));
      weight = Math.ceil(isMaterialized(n) ? bytes : bytes * 2);
    }
    net.addEdge(vin(n), vout(n), weight);
    for (const u of n.users.keys()) if (idx.has(u)) net.addEdge(vout(n), vin(u), Infinity);
  }
  const cutValue = net.maxFlow(SRC, SINK);
  const reach = net.reachableFromSource(SRC);
  const saved = nodes.filter((n) => reach[vin(n)] && !reach[vout(n)]);
  if (info) info.cutValue = cutValue;
  return extractFwdBwd(joint, r, saved);
}

/** coil's default partitioner (what the inductor and aot_eager backends use): the min-cut one. */
export const defaultPartition = minCutRematerializationPartition;
