// inductor/scheduler/index: the Scheduler. Builds scheduler nodes from a lowered graph's operations, folds
// relu/clamp epilogues into extern GEMM/conv calls (extern_epilogue.ts), hands the node list to the
// pre-fusion hook, fuses (fusion.ts), hands the kernels to the post-fusion hook, and
// decides which buffers need storage (the rest stay in a fused kernel's locals).
// In: a GraphLowering. Out: schedule items and the set of buffers to allocate.

import { ComputedBuffer, ExternKernel, ReinterpretView, type Buffer } from "../ir/nodes.js";
import type { GraphLowering } from "../graph_lowering.js";
import { ExternSchedulerNode, FusedGroup, SchedulerNode, type ScheduleItem } from "./nodes.js";
import { fuse } from "./fusion.js";
import { fuseExternEpilogues } from "./extern_epilogue.js";

export { ExternSchedulerNode, FusedGroup, SchedulerNode, type ScheduleItem } from "./nodes.js";
export type { Access, ExternEpilogue, MemoryDep, Placement } from "./nodes.js";

export type BaseSchedulerNode = SchedulerNode | ExternSchedulerNode;
/** `preFusionCustomPass`: receives the scheduler nodes in program order, returns the list to fuse. */
export type PreFusionPass = (nodes: BaseSchedulerNode[]) => BaseSchedulerNode[];
/** `postFusionCustomPass`: receives the kernels and extern calls in order, returns the list to generate. */
export type PostFusionPass = (items: ScheduleItem[]) => ScheduleItem[];

export interface SchedulerOptions {
  fusion: boolean;
  preFusion: PreFusionPass | null;
  postFusion: PostFusionPass | null;
}

export class Scheduler {
  readonly nodes: BaseSchedulerNode[];
  items: ScheduleItem[] = [];
  /** Buffers written by a kernel that must live in memory (read elsewhere, or a graph output). */
  readonly stored = new Set<string>();
  /**
   * Buffers written in a kernel's inner loop and read only by later inner loops of the same kernel: the
   * kernel keeps one row of them in a local array (Inductor's local_buffer_data), not in memory.
   */
  readonly localArrays = new Set<string>();

  constructor(readonly graph: GraphLowering, readonly opts: SchedulerOptions) {
    this.nodes = graph.operations.map((op, i) => (op instanceof ComputedBuffer ? new SchedulerNode(op, i) : new ExternSchedulerNode(op as ExternKernel, i)));
  }

  run(): this {
    let nodes = this.removeDead(this.nodes);
    if (this.opts.fusion) nodes = fuseExternEpilogues(nodes, this.graph.outputs);
    if (this.opts.preFusion) nodes = checkList(this.opts.preFusion(nodes.slice()), "preFusionCustomPass");
    this.items = fuse(nodes, { enabled: this.opts.fusion });
    if (this.opts.postFusion) this.items = checkList(this.opts.postFusion(this.items.slice()), "postFusionCustomPass");
    this.planStorage();
    return this;
  }

  /** Drop computed buffers nothing reads (an unused argmax of max_pool2d, ...); extern calls stay (effects). */
  private removeDead(nodes: BaseSchedulerNode[]): BaseSchedulerNode[] {
    const live = new Set<string>();
    for (const o of this.graph.outputs) {
      if (o instanceof ReinterpretView) live.add(o.buffer.name);
      else if (o && typeof o === "object") live.add((o as Buffer).name);
    }
    const kept: BaseSchedulerNode[] = [];
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i]!;
      if (n instanceof SchedulerNode && !live.has(n.name)) continue;
      kept.push(n);
      for (const r of n.readNames()) live.add(r);
    }
    return kept.reverse();
  }

  /** A kernel keeps a buffer in locals only if nothing outside the kernel (or in another loop) reads it. */
  private planStorage(): void {
    const outputs = new Set<string>();
    for (const o of this.graph.outputs) {
      if (o instanceof ReinterpretView) outputs.add(o.buffer.name);
      else if (o && typeof o === "object") outputs.add((o as Buffer).name);
    }
    const groupOf = new Map<string, FusedGroup>();
    for (const it of this.items) if (it instanceof FusedGroup) for (const n of it.nodes) groupOf.set(n.name, it);
    for (const it of this.items) {
      const reads = it instanceof FusedGroup ? it.nodes.flatMap((n) => [...n.readNames()].map((r) => ({ r, g: it, n }))) : [...it.readNames()].map((r) => ({ r, g: null, n: null }));
      for (const { r, g, n } of reads) {
        const owner = groupOf.get(r);
        if (!owner) continue;
        if (owner !== g) { this.stored.add(r); continue; }
        if (!sameLoop(owner, r, n!)) this.localArrays.add(r);
      }
    }
    for (const o of outputs) if (groupOf.has(o)) this.stored.add(o);
    for (const b of this.localArrays) if (this.stored.has(b)) this.localArrays.delete(b);
  }
}

/**
 * Whether the reader sees the writer's value in a local: the writer is a reduction or at outer level (a
 * scalar per outer iteration), or both sit in the same inner loop (loopIds).
 */
function sameLoop(g: FusedGroup, written: string, reader: SchedulerNode): boolean {
  const writer = g.nodes.find((m) => m.name === written)!;
  const ids = loopIds(g);
  const wi = ids.get(writer)!;
  if (writer.kind === "reduction" || g.placement.get(writer) === "outer") return true; // a scalar of the outer iteration
  return wi === ids.get(reader);
}

/**
 * Inner loops of a kernel: consecutive inner-level nodes share a loop, unless a node reads a reduction
 * finished in the current loop (its result exists only after the loop). Outer-level pointwise nodes close
 * the loop. Returns each node's loop id (-1 for outer-level pointwise nodes).
 */
export function loopIds(g: FusedGroup): Map<SchedulerNode, number> {
  const ids = new Map<SchedulerNode, number>();
  let cur = 0;
  let open: SchedulerNode[] = [];
  for (const n of g.nodes) {
    const inner = n.kind === "reduction" || g.placement.get(n) === "inner";
    if (!inner) { ids.set(n, -1); if (open.length) { cur++; open = []; } continue; }
    const reads = n.readNames();
    if (open.some((m) => m.kind === "reduction" && reads.has(m.name))) { cur++; open = []; }
    open.push(n);
    ids.set(n, cur);
  }
  return ids;
}

/** A kernel's nodes in order, as codegen walks them: a node of the outer loop body, or a run of nodes
 * sharing one inner loop (with its reductions). */
export type LoopSegment = { outer: SchedulerNode } | { members: SchedulerNode[]; reductions: SchedulerNode[] };

/** g's nodes grouped as loopIds says: consecutive members of the same inner loop form one segment. */
export function loopSegments(g: FusedGroup): LoopSegment[] {
  const ids = loopIds(g);
  const out: LoopSegment[] = [];
  let i = 0;
  while (i < g.nodes.length) {
    const n = g.nodes[i]!;
    const id = ids.get(n)!;
    if (id < 0) { out.push({ outer: n }); i++; continue; }
    const members: SchedulerNode[] = [];
    while (i < g.nodes.length && ids.get(g.nodes[i]!) === id) members.push(g.nodes[i++]!);
    out.push({ members, reductions: members.filter((m) => m.kind === "reduction") });
  }
  return out;
}

function checkList<T>(v: T[], hook: string): T[] {
  if (!Array.isArray(v)) throw new TypeError(`inductor config.${hook} must return an array of scheduler nodes, got ${typeof v}`);
  return v;
}
