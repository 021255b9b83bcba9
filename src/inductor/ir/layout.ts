// inductor/ir/layout: where a buffer's elements live: device, dtype, sizes, strides, offset.
// FixedLayout is decided (inputs, constants, extern outputs, graph outputs); FlexibleLayout is a
// contiguous layout the scheduler may still change. In: sizes/strides. Out: layouts and index makers.

import type { DType } from "../../tensor/dtype.js";
import type { Device } from "../../tensor/tensor.js";
import { contiguousStrides } from "../../tensor/shape.js";
import { linearIndex, type Expr } from "./indexing.js";

export class Layout {
  constructor(
    readonly device: Device,
    readonly dtype: DType,
    readonly size: readonly number[],
    readonly stride: readonly number[],
    readonly offset = 0,
  ) {
    if (size.length !== stride.length) throw new RangeError(`Layout: size [${size}] and stride [${stride}] differ in rank`);
  }
  /** Flat storage index of a per-dimension index. */
  index(idx: readonly Expr[]): Expr { return linearIndex(idx, this.stride, this.offset); }
  numel(): number { return this.size.reduce((a, b) => a * b, 1); }
  /** Elements of storage the layout spans (offset + furthest element + 1; 0 when empty). */
  storageSize(): number {
    if (this.size.some((s) => s === 0)) return 0;
    return this.offset + this.size.reduce((acc, s, i) => acc + (s - 1) * this.stride[i]!, 0) + 1;
  }
  isContiguous(): boolean {
    const c = contiguousStrides(this.size);
    return this.offset === 0 && this.size.every((s, i) => s === 1 || c[i] === this.stride[i]);
  }
  toString(): string { return `${this.constructor.name}('${this.device}', ${this.dtype.name}, size=[${this.size}], stride=[${this.stride}]${this.offset ? `, offset=${this.offset}` : ""})`; }
}

export class FixedLayout extends Layout {}

export class FlexibleLayout extends Layout {
  constructor(device: Device, dtype: DType, size: readonly number[]) { super(device, dtype, size, contiguousStrides(size), 0); }
}
