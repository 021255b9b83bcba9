// nn/norm: normalisation layers: LayerNorm, BatchNorm1d/2d (running statistics, momentum or
// cumulative averaging, eval mode), GroupNorm. In: feature sizes and options. Out: Modules.

import { Tensor } from "../tensor/tensor.js";
import { defaultFloatDtype } from "../tensor/dtype.js";
import { Module, Parameter } from "./module.js";
import * as F from "./functional.js";
import { ones_, zeros_ } from "./init.js";

const filled = (shape: number[], v: number): Tensor => Tensor.fromValues(new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(v), shape, defaultFloatDtype.current);

export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  constructor(normalizedShape: number | number[], public readonly eps = 1e-5, opts: { elementwiseAffine?: boolean; bias?: boolean } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape.slice();
    const affine = opts.elementwiseAffine ?? true;
    this.weight = null;
    this.bias = null;
    this.registerParameter("weight", affine ? new Parameter(filled(this.normalizedShape, 1)) : null);
    this.registerParameter("bias", affine && opts.bias !== false ? new Parameter(filled(this.normalizedShape, 0)) : null);
  }
  override forward(x: Tensor): Tensor { return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps); }
  override extraRepr(): string { return `(${this.normalizedShape.join(", ")},), eps=${this.eps}, elementwise_affine=${this.weight !== null}`; }
}

export interface BatchNormOptions { eps?: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean }

abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  numBatchesTracked!: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  constructor(public readonly numFeatures: number, opts: BatchNormOptions, private readonly expectedDims: number[]) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = null;
    this.bias = null;
    this.registerParameter("weight", this.affine ? new Parameter(filled([numFeatures], 1)) : null);
    this.registerParameter("bias", this.affine ? new Parameter(filled([numFeatures], 0)) : null);
    if (this.trackRunningStats) {
      this.registerBuffer("runningMean", filled([numFeatures], 0));
      this.registerBuffer("runningVar", filled([numFeatures], 1));
      this.registerBuffer("numBatchesTracked", Tensor.fromValues([0], [], "int64"));
    } else {
      this.registerBuffer("runningMean", null);
      this.registerBuffer("runningVar", null);
      this.registerBuffer("numBatchesTracked", null);
    }
  }
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.runningMean!);
    ones_(this.runningVar!);
    zeros_(this.numBatchesTracked!);
  }
  override forward(x: Tensor): Tensor {
    if (!this.expectedDims.includes(x.ndim)) {
      throw new RangeError(`${this.constructor.name}: expected ${this.expectedDims.join("D or ")}D input (got ${x.ndim}D input of shape [${x.shape.join(", ")}])`);
    }
    if (x.shape[1] !== this.numFeatures) throw new RangeError(`${this.constructor.name}: expected ${this.numFeatures} channels, got input of shape [${x.shape.join(", ")}]`);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      const arr = nbt.data("BatchNorm");
      arr[nbt.offset] = arr[nbt.offset]! + 1;
      nbt.storage.version++;
      if (this.momentum === null) factor = 1 / arr[nbt.offset]!;
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    return F.batchNorm(x, useBatchStats && !this.training ? null : this.runningMean, useBatchStats && !this.training ? null : this.runningVar, {
      weight: this.weight, bias: this.bias, training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, track_running_stats=${this.trackRunningStats}`;
  }
}

export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) { super(numFeatures, opts, [2, 3]); }
}
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) { super(numFeatures, opts, [4]); }
}

export class GroupNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  constructor(public readonly numGroups: number, public readonly numChannels: number, public readonly eps = 1e-5, opts: { affine?: boolean } = {}) {
    super();
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`);
    const affine = opts.affine ?? true;
    this.weight = null;
    this.bias = null;
    this.registerParameter("weight", affine ? new Parameter(filled([numChannels], 1)) : null);
    this.registerParameter("bias", affine ? new Parameter(filled([numChannels], 0)) : null);
  }
  override forward(x: Tensor): Tensor { return F.groupNorm(x, this.numGroups, this.weight, this.bias, this.eps); }
  override extraRepr(): string { return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.weight !== null}`; }
}
