// inductor/ir/tensor_box: the values lowerings pass around. A TensorBox holds either a StorageBox
// (the storage: an unrealized Pointwise/Reduction or a Buffer) or a view of one. realize() turns the
// computation into a named ComputedBuffer; realizeAsStrided() gives extern kernels a buffer or a
// strided view of one. In: IR nodes. Out: TensorBoxes, realized buffers.

import type { DType } from "../../tensor/dtype.js";
import type { Device } from "../../tensor/tensor.js";
import { bounds, makeVars } from "./indexing.js";
import { FixedLayout, FlexibleLayout } from "./layout.js";
import { Buffer, ComputedBuffer, IRNode, Pointwise, Reduction, ReinterpretView } from "./nodes.js";
import { ReadsRecorder, type Loader } from "./ops.js";
import { V } from "./virtualized.js";

/** Owns the storage of a value; realizing replaces the computation by a buffer once. */
export class StorageBox extends IRNode {
  constructor(public data: IRNode) { super(); }
  getSize(): readonly number[] { return this.data.getSize(); }
  getDtype(): DType { return this.data.getDtype(); }
  getDevice(): Device { return this.data.getDevice(); }
  makeLoader(): Loader { return this.data.makeLoader(); }
  isRealized(): boolean { return this.data instanceof Buffer; }
  /** Store the computation in a named buffer (a no-op if already a buffer). */
  realize(): Buffer {
    if (this.data instanceof Buffer) return this.data;
    if (!(this.data instanceof Pointwise || this.data instanceof Reduction)) {
      throw new Error(`lowering: cannot realize ${this.data.constructor.name}`);
    }
    const buf = new ComputedBuffer(new FlexibleLayout(this.data.getDevice(), this.data.getDtype(), this.data.getSize()), this.data);
    V.graph.registerBuffer(buf);
    this.data = buf;
    return buf;
  }
  override toString(): string { return `StorageBox(${String(this.data)})`; }
}

/** A lowered tensor value: a StorageBox or a view (GenericView/ReinterpretView) over one. */
export class TensorBox extends IRNode {
  constructor(public data: IRNode) { super(); }
  static create(node: IRNode): TensorBox { return new TensorBox(node instanceof StorageBox ? node : new StorageBox(node)); }
  getSize(): readonly number[] { return this.data.getSize(); }
  getDtype(): DType { return this.data.getDtype(); }
  getDevice(): Device { return this.data.getDevice(); }
  makeLoader(): Loader { return this.data.makeLoader(); }
  /** Realize the underlying storage (views stay views of the realized buffer). */
  realize(): void {
    const root = rootStorage(this.data);
    if (root) root.realize();
  }
  override toString(): string { return `TensorBox(${String(this.data)})`; }
}

/** The StorageBox a value (through any views and boxes) reads. */
export function rootStorage(n: IRNode): StorageBox | null {
  if (n instanceof StorageBox) return n;
  if (n instanceof TensorBox) return rootStorage(n.data);
  const base = (n as { base?: IRNode }).base;
  return base ? rootStorage(base) : null;
}

/**
 * A buffer or a strided view of one holding `x`'s values: realizes x's storage, and when x is a view
 * whose loads are not a plain strided access, copies it into a new contiguous buffer.
 */
export function realizeAsStrided(x: IRNode): Buffer | ReinterpretView {
  const box = x instanceof TensorBox ? x : TensorBox.create(x);
  box.realize();
  if (box.data instanceof StorageBox && box.data.data instanceof Buffer) return box.data.data;
  const strided = stridedAccess(box);
  if (strided) return strided;
  const copy = new StorageBox(new Pointwise(box.getDevice(), box.getDtype(), box.getSize(), box.makeLoader()));
  return copy.realize();
}

/** If x reads exactly one buffer at an affine index of its own index vars, the equivalent strided view. */
export function stridedAccess(x: IRNode): ReinterpretView | null {
  const size = x.getSize();
  const { vars, ranges } = makeVars("x", size);
  const rec = new ReadsRecorder();
  x.makeLoader()(rec, vars);
  if (rec.reads.length !== 1) return null;
  const { name, index } = rec.reads[0]!;
  const buf = V.graph.getBuffer(name);
  if (!buf) return null;
  const strides: number[] = [];
  for (let i = 0; i < size.length; i++) {
    const c = index.linearCoef(`x${i}`);
    if (c === null || c < 0) return null;
    strides.push(c);
  }
  // Every variable must appear only linearly: the index minus its linear part must be a constant.
  const nonlinear = [...index.terms.values()].some((t) => t.atom.kind !== "var");
  if (nonlinear) return null;
  const [lo] = bounds(index, ranges);
  if (lo < 0) return null;
  return new ReinterpretView(buf, new FixedLayout(x.getDevice(), x.getDtype(), size, strides, index.constant));
}
