// inductor/ir/nodes: the loop-level IR nodes. Pointwise (an inner function over an index) and Reduction
// (an inner function over an index and a reduction index) are unrealized computations; Buffers are
// named storage (buf0, buf1, ...): InputBuffer, ConstantBuffer, ComputedBuffer (a realized Pointwise or
// Reduction), MultiOutput (a result of an ExternKernel: mm, convolution, or an eager FallbackKernel).
// In: sizes, dtypes, inner functions, op calls. Out: IR nodes with loaders.

import type { DType } from "../../tensor/dtype.js";
import type { Device } from "../../tensor/tensor.js";
import type { OpOverload } from "../../ops/registry.js";
import { makeVars, type Expr } from "./indexing.js";
import { PrintHandler, type Loader, type ReductionLoader } from "./ops.js";
import type { Layout } from "./layout.js";

export abstract class IRNode {
  abstract getSize(): readonly number[];
  abstract getDtype(): DType;
  abstract getDevice(): Device;
  /** A function reading this node's value at an index (through the ops handler). */
  abstract makeLoader(): Loader;
  numel(): number { return this.getSize().reduce((a, b) => a * b, 1); }
}

/** An elementwise computation over `ranges` (not yet stored anywhere). */
export class Pointwise extends IRNode {
  constructor(readonly device: Device, readonly dtype: DType, readonly ranges: readonly number[], readonly inner: Loader) { super(); }
  getSize(): readonly number[] { return this.ranges; }
  getDtype(): DType { return this.dtype; }
  getDevice(): Device { return this.device; }
  makeLoader(): Loader { return this.inner; }
  override toString(): string {
    const { vars } = makeVars("x", this.ranges);
    return `Pointwise(${this.dtype.name}, ranges=[${this.ranges}], ${String(this.inner(new PrintHandler(), vars))})`;
  }
}

export type ReductionType = "sum" | "prod" | "max" | "min" | "argmax" | "argmin" | "any" | "all";

/** Reduces `inner(index, rindex)` over `reductionRanges` for every index of `ranges`. */
export class Reduction extends IRNode {
  constructor(
    readonly device: Device, readonly dtype: DType, readonly srcDtype: DType,
    readonly ranges: readonly number[], readonly reductionRanges: readonly number[],
    readonly reductionType: ReductionType, readonly inner: ReductionLoader,
  ) { super(); }
  getSize(): readonly number[] { return this.ranges; }
  getDtype(): DType { return this.dtype; }
  getDevice(): Device { return this.device; }
  makeLoader(): Loader {
    throw new Error(`lowering: a ${this.reductionType} Reduction must be realized before it is read`);
  }
  override toString(): string {
    const { vars } = makeVars("x", this.ranges), { vars: rvars } = makeVars("r", this.reductionRanges);
    return `Reduction(${this.reductionType}, ${this.dtype.name}, ranges=[${this.ranges}], reduction_ranges=[${this.reductionRanges}], ` +
      `${String(this.inner(new PrintHandler(), vars, rvars))})`;
  }
}

/** Named storage with a layout. Reads go through ops.load at the layout's flat index. */
export abstract class Buffer extends IRNode {
  name = "";
  /** Mutable only while lowering: a FlexibleLayout may be fixed (e.g. to a graph output's strides). */
  constructor(public layout: Layout) { super(); }
  getSize(): readonly number[] { return this.layout.size; }
  getDtype(): DType { return this.layout.dtype; }
  getDevice(): Device { return this.layout.device; }
  makeLoader(): Loader {
    return (ops, idx) => ops.load(this.name, this.layout.index(idx));
  }
  override toString(): string { return `${this.constructor.name}(${this.name}, ${this.layout})`; }
}

/** A graph input (placeholder): its sizes and strides are checked when the module is called. */
export class InputBuffer extends Buffer {}

/** A tensor the module reads from artifact.constants (parameters, lifted tensor constants). */
export class ConstantBuffer extends Buffer {}

/** A realized Pointwise or Reduction: the scheduler turns these into (fused) kernels. */
export class ComputedBuffer extends Buffer {
  /** Graph nodes that produced it (for the kernel comment and name). */
  origins: string[] = [];
  constructor(layout: Layout, readonly data: Pointwise | Reduction) { super(layout); }
  override toString(): string { return `ComputedBuffer(${this.name}, ${this.layout}, ${String(this.data)})`; }
}

/** A strided view of a buffer's storage (what an extern kernel receives for a view input). */
export class ReinterpretView extends IRNode {
  constructor(readonly buffer: Buffer, readonly layout: Layout) { super(); }
  getSize(): readonly number[] { return this.layout.size; }
  getDtype(): DType { return this.layout.dtype; }
  getDevice(): Device { return this.layout.device; }
  makeLoader(): Loader { return (ops, idx) => ops.load(this.buffer.name, this.layout.index(idx)); }
}

/** Arguments of an extern call: buffers/views stand for tensors, everything else is a literal. */
export type ExternArg = Buffer | ReinterpretView | number | boolean | string | null | DType | ExternArg[];

/**
 * A call the wrapper makes itself: `kind: "extern"` for library kernels the IR does not loop over
 * (mm, addmm, bmm, convolution), `kind: "fallback"` for ops without a lowering (their eager kernel).
 * Its results are MultiOutput buffers.
 */
export class ExternKernel {
  name = "";
  outputs: MultiOutput[] = [];
  origins: string[] = [];
  constructor(
    readonly kind: "extern" | "fallback", readonly op: OpOverload,
    readonly args: readonly ExternArg[], readonly kwargs: Readonly<Record<string, ExternArg>>,
  ) {}
  /** The buffers and views this call reads. */
  inputs(): (Buffer | ReinterpretView)[] {
    const out: (Buffer | ReinterpretView)[] = [];
    const walk = (a: ExternArg): void => {
      if (a instanceof Buffer || a instanceof ReinterpretView) out.push(a);
      else if (Array.isArray(a)) a.forEach(walk);
    };
    this.args.forEach(walk);
    Object.values(this.kwargs).forEach(walk);
    return out;
  }
  toString(): string { return `${this.kind === "extern" ? "ExternKernel" : "FallbackKernel"}(${this.name}, ${this.op.qualname})`; }
}

/** Output `index` of an ExternKernel (null: the call returns a single tensor). */
export class MultiOutput extends Buffer {
  constructor(layout: Layout, readonly kernel: ExternKernel, readonly index: number | null) { super(layout); }
}
