// inductor/scheduler/nodes: scheduler nodes with their memory dependencies (Inductor's SchedulerNode,
// ExternKernelSchedulerNode, FusedSchedulerNode). A computed buffer's reads and its store index are found
// by running its inner function through a recording ops handler under a given loop-variable naming
// (its own x vars, or a fused kernel's outer x / inner r vars). In: IR operations. Out: scheduler nodes.

import { Buffer, ComputedBuffer, ExternKernel, Pointwise, Reduction, ReinterpretView } from "../ir/nodes.js";
import { makeVars, type Expr } from "../ir/indexing.js";
import { ReadsRecorder } from "../ir/ops.js";

export interface MemoryDep { name: string; index: Expr }

/** Where a node sits in a fused kernel: "outer" loops only, or also the inner (reduction) loops. */
export type Placement = "outer" | "inner";

/** The analysis of a node under a placement: reads and the index it stores at, in kernel vars. */
export interface Access { reads: MemoryDep[]; write: Expr; vars: Expr[]; rvars: Expr[]; ranges: Map<string, number> }

export class SchedulerNode {
  readonly kind: "pointwise" | "reduction";
  readonly ranges: readonly number[];
  readonly rranges: readonly number[];
  private cache = new Map<string, Access>();
  /** Position in program order. */
  constructor(readonly node: ComputedBuffer, readonly order: number) {
    const d = node.data;
    this.kind = d instanceof Reduction ? "reduction" : "pointwise";
    this.ranges = d.ranges;
    this.rranges = d instanceof Reduction ? d.reductionRanges : [];
  }
  get name(): string { return this.node.name; }

  /** Reads/stores with the first `outerLen` dims as x vars and the rest (inner placement) as r vars. */
  access(outer: readonly number[], inner: readonly number[]): Access {
    const key = `${outer.join(",")}|${inner.join(",")}`;
    let a = this.cache.get(key);
    if (a) return a;
    const xs = makeVars("x", outer), rs = makeVars("r", inner);
    const ranges = new Map([...xs.ranges, ...rs.ranges]);
    const rec = new ReadsRecorder();
    const d = this.node.data;
    let write: Expr;
    if (d instanceof Reduction) {
      d.inner(rec, xs.vars, rs.vars);
      write = this.node.layout.index(xs.vars);
    } else {
      const idx = [...xs.vars, ...rs.vars];
      (d as Pointwise).inner(rec, idx);
      write = this.node.layout.index(idx);
    }
    a = { reads: rec.reads, write, vars: xs.vars, rvars: rs.vars, ranges };
    this.cache.set(key, a);
    return a;
  }

  /** Names of the buffers this node reads (placement-independent). */
  readNames(): Set<string> {
    return new Set(this.access(this.kind === "reduction" ? this.ranges : this.ranges, this.rranges).reads.map((r) => r.name));
  }
  writeNames(): Set<string> { return new Set([this.name]); }
  toString(): string { return `SchedulerNode(${this.name}, ${this.kind}, [${this.ranges}]${this.rranges.length ? ` r[${this.rranges}]` : ""})`; }
}

/**
 * A clamp-type activation fused into an extern call (extern_epilogue.ts): the call computes
 * clamp(result, lo, hi) and its result is also the buffer `alias` (the dropped pointwise node's).
 */
export interface ExternEpilogue { clamp: [number, number]; alias: string; origins: readonly string[] }

export class ExternSchedulerNode {
  /** Set by epilogue fusion. */
  epilogue: ExternEpilogue | null = null;
  constructor(readonly node: ExternKernel, readonly order: number) {}
  get name(): string { return this.node.name; }
  readNames(): Set<string> {
    return new Set(this.node.inputs().map((b) => (b instanceof ReinterpretView ? b.buffer.name : (b as Buffer).name)));
  }
  /** Its outputs, plus the inputs an in-place op mutates (schema `Tensor(a!)`). */
  writeNames(): Set<string> {
    const out = new Set(this.node.outputs.map((o) => o.name));
    if (this.epilogue) out.add(this.epilogue.alias);
    const schema = this.node.op.schema;
    const positional = schema.args.filter((a) => !a.kwargOnly);
    positional.forEach((a, i) => {
      if (!a.mutable) return;
      const v = this.node.args[i];
      if (v instanceof Buffer) out.add(v.name);
      else if (v instanceof ReinterpretView) out.add(v.buffer.name);
    });
    return out;
  }
  toString(): string { return `ExternSchedulerNode(${this.name}, ${this.node.op.qualname})`; }
}

/** One generated kernel: nodes sharing outer loops `outer` and (for reductions) inner loops `inner`. */
export class FusedGroup {
  readonly nodes: SchedulerNode[] = [];
  readonly placement = new Map<SchedulerNode, Placement>();
  constructor(public outer: readonly number[], public inner: readonly number[], readonly order: number) {}
  /** The node's accesses in this kernel's loop variables. */
  accessOf(n: SchedulerNode): Access {
    const p = this.placement.get(n) ?? "outer";
    if (n.kind === "reduction") return n.access(this.outer, this.inner);
    return p === "inner" ? n.access(this.outer, this.inner) : n.access(this.outer, []);
  }
  names(): Set<string> { return new Set(this.nodes.map((n) => n.name)); }
  hasReduction(): boolean { return this.nodes.some((n) => n.kind === "reduction"); }
  toString(): string { return `FusedGroup([${this.nodes.map((n) => n.name).join(", ")}], outer=[${this.outer}], inner=[${this.inner}])`; }
}

export type ScheduleItem = FusedGroup | ExternSchedulerNode;
