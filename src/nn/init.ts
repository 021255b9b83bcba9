// nn/init: parameter initialisers (torch.nn.init): uniform_, normal_, constant_, zeros_, ones_,
// xavier/kaiming uniform/normal, fan computation. Seeded by coil.manualSeed (coil's own stream).
// In: tensors to fill (in place, no autograd history). Out: the same tensors.

import { Tensor, elementOffsets, writeStorage } from "../tensor/tensor.js";
import { defaultGenerator } from "../tensor/random.js";

function fill(t: Tensor, op: string, gen: () => number): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`nn.init.${op}: expected a Tensor`);
  const arr = t.data(`nn.init.${op}`);
  const offs = elementOffsets(t);
  for (let i = 0; i < offs.length; i++) writeStorage(arr, t.dtype, offs[i]!, gen());
  t.storage.version++;
  return t;
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return fill(t, "uniform_", () => a + (b - a) * defaultGenerator.random());
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, "normal_", () => mean + std * defaultGenerator.normal());
}
export function constant_(t: Tensor, v: number): Tensor { return fill(t, "constant_", () => v); }
export function zeros_(t: Tensor): Tensor { return constant_(t, 0); }
export function ones_(t: Tensor): Tensor { return constant_(t, 1); }

/** (fan_in, fan_out) as torch.nn.init._calculate_fan_in_and_fan_out. */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) throw new RangeError(`nn.init: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [${t.shape.join(", ")}])`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i]!;
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

export type Nonlinearity = "linear" | "conv1d" | "conv2d" | "sigmoid" | "tanh" | "relu" | "leaky_relu" | "selu";

export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case "linear": case "conv1d": case "conv2d": case "sigmoid": return 1;
    case "tanh": return 5 / 3;
    case "relu": return Math.SQRT2;
    case "leaky_relu": { const s = param ?? 0.01; return Math.sqrt(2 / (1 + s * s)); }
    case "selu": return 3 / 4;
    default: throw new Error(`nn.init.calculateGain: unsupported nonlinearity ${String(nonlinearity)}`);
  }
}

export interface KaimingOptions { a?: number; mode?: "fan_in" | "fan_out"; nonlinearity?: Nonlinearity }

export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (opts.mode ?? "fan_in") === "fan_in" ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  const bound = Math.sqrt(3) * gain / Math.sqrt(fan);
  return uniform_(t, -bound, bound);
}
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (opts.mode ?? "fan_in") === "fan_in" ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? "leaky_relu", opts.a ?? 0);
  return normal_(t, 0, gain / Math.sqrt(fan));
}
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a);
}
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}
