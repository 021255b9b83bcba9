// nn/conv: convolution and pooling layers: Conv1d, Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d,
// AdaptiveAvgPool2d. Conv1d/Conv2d/ConvTranspose2d call coil.conv1d / coil.conv2d / coil.convTranspose2d
// (capture targets, like torch.conv2d in PyTorch's graphs).
// In: channel counts, kernel sizes, options. Out: Modules.

import type { Tensor } from "../tensor/tensor.js";
import * as C from "../frontend/index.js";
import { Module, type Parameter } from "./module.js";
import * as F from "./functional.js";
import { emptyParameter, resetLinearLike } from "./layers.js";

type IntOrPair = number | number[];
const tuple = (v: IntOrPair, n: number, what: string): number[] => {
  if (typeof v === "number") return new Array<number>(n).fill(v);
  if (v.length !== n) throw new RangeError(`${what}: expected ${n} values, got ${JSON.stringify(v)}`);
  return v.slice();
};

export interface ConvOptions { stride?: IntOrPair; padding?: IntOrPair; dilation?: IntOrPair; groups?: number; bias?: boolean }

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly groups: number;
  constructor(name: string, public readonly inChannels: number, public readonly outChannels: number, kernelSize: IntOrPair, nd: number,
    opts: ConvOptions, transposed: boolean) {
    super();
    this.kernelSize = tuple(kernelSize, nd, `${name} kernel_size`);
    this.stride = tuple(opts.stride ?? 1, nd, `${name} stride`);
    this.padding = tuple(opts.padding ?? 0, nd, `${name} padding`);
    this.dilation = tuple(opts.dilation ?? 1, nd, `${name} dilation`);
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0) throw new Error(`${name}: in_channels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new Error(`${name}: out_channels (${outChannels}) must be divisible by groups (${this.groups})`);
    const wshape = transposed ? [inChannels, outChannels / this.groups, ...this.kernelSize] : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = emptyParameter(wshape);
    this.bias = null;
    this.registerParameter("bias", opts.bias === false ? null : emptyParameter([outChannels]));
    resetLinearLike(this.weight, this.bias);
  }
  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel_size=(${this.kernelSize.join(", ")}), stride=(${this.stride.join(", ")})` +
      `${this.padding.some((p) => p !== 0) ? `, padding=(${this.padding.join(", ")})` : ""}${this.groups !== 1 ? `, groups=${this.groups}` : ""}${this.bias ? "" : ", bias=False"}`;
  }
}

export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvOptions = {}) {
    super("Conv1d", inChannels, outChannels, kernelSize, 1, opts, false);
  }
  override forward(x: Tensor): Tensor {
    return C.conv1d(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvOptions = {}) {
    super("Conv2d", inChannels, outChannels, kernelSize, 2, opts, false);
  }
  override forward(x: Tensor): Tensor {
    return C.conv2d(x, this.weight, this.bias, this.stride, this.padding, this.dilation, this.groups);
  }
}

export class ConvTranspose2d extends ConvNd {
  readonly outputPadding: number[];
  constructor(inChannels: number, outChannels: number, kernelSize: IntOrPair, opts: ConvOptions & { outputPadding?: IntOrPair } = {}) {
    super("ConvTranspose2d", inChannels, outChannels, kernelSize, 2, opts, true);
    this.outputPadding = tuple(opts.outputPadding ?? 0, 2, "ConvTranspose2d output_padding");
  }
  override forward(x: Tensor): Tensor {
    return C.convTranspose2d(x, this.weight, this.bias, this.stride, this.padding, this.outputPadding, this.groups, this.dilation);
  }
}

export class MaxPool2d extends Module {
  constructor(public readonly kernelSize: IntOrPair, public readonly opts: F.MaxPoolOptions = {}) { super(); }
  override forward(x: Tensor): Tensor { return F.maxPool2d(x, this.kernelSize, this.opts); }
  override extraRepr(): string { return `kernel_size=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.opts.stride ?? this.kernelSize)}`; }
}

export class AvgPool2d extends Module {
  constructor(public readonly kernelSize: IntOrPair, public readonly opts: F.AvgPoolOptions = {}) { super(); }
  override forward(x: Tensor): Tensor { return F.avgPool2d(x, this.kernelSize, this.opts); }
  override extraRepr(): string { return `kernel_size=${JSON.stringify(this.kernelSize)}, stride=${JSON.stringify(this.opts.stride ?? this.kernelSize)}`; }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(public readonly outputSize: number | (number | null)[]) { super(); }
  override forward(x: Tensor): Tensor { return F.adaptiveAvgPool2d(x, this.outputSize); }
  override extraRepr(): string { return `output_size=${JSON.stringify(this.outputSize)}`; }
}
