// ops/conv_ops: aten.convolution (1/2/3-d, stride, padding, dilation, groups, transposed) and
// aten.convolution_backward, on im2col + blocked GEMM kernels. In: input, weight, optional bias and
// conv parameters. Out: OpDefs (meta rules with PyTorch-style errors, kernels, derivatives).

import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { convForward, convInputGrad, convWeightGrad, channelSum, type ConvGeom } from "./kernels/conv.js";
import { aten } from "./ref.js";
import { convolutionWasm } from "./kernels/conv_wasm.js";

export interface ConvParams {
  stride: number[];
  padding: number[];
  dilation: number[];
  transposed: boolean;
  outputPadding: number[];
  groups: number;
}

function expandParam(op: string, name: string, v: readonly number[], S: number): number[] {
  if (v.length === S) return v.slice();
  if (v.length === 1) return new Array<number>(S).fill(v[0]!);
  throw new RangeError(`${op}: expected ${name} to be a single integer value or a list of ${S} values to match the convolution dimensions, but got ${name}=${fmtShape(v)}`);
}

/** Output spatial size of a conv; shared with the frontend. */
export function convOutputSize(inp: readonly number[], k: readonly number[], p: ConvParams): number[] {
  return inp.map((i, d) => p.transposed
    ? (i - 1) * p.stride[d]! - 2 * p.padding[d]! + p.dilation[d]! * (k[d]! - 1) + p.outputPadding[d]! + 1
    : Math.floor((i + 2 * p.padding[d]! - p.dilation[d]! * (k[d]! - 1) - 1) / p.stride[d]!) + 1);
}

interface Checked { params: ConvParams; S: number; Cout: number; outShape: number[] }

/** Validate a convolution call (as ATen's check_shape_forward does) and compute the output shape. */
function checkConv(op: string, input: Tensor, weight: Tensor, biasShape: readonly number[] | null, a: Args): Checked {
  const nd = input.ndim;
  if (nd < 3 || nd > 5) throw new RangeError(`${op}: expected a 3-D, 4-D or 5-D (batched) input, but got input of size ${fmtShape(input.shape)}`);
  if (weight.ndim !== nd) throw new RangeError(`${op}: expected weight to be ${nd}-dimensional to match input of size ${fmtShape(input.shape)}, but got weight of size ${fmtShape(weight.shape)} instead`);
  if (!input.dtype.isFloatingPoint) throw new TypeError(`${op}: expected a floating point input, but got ${input.dtype.name}`);
  if (input.dtype !== weight.dtype) throw new TypeError(`${op}: Input type (${input.dtype.name}) and weight type (${weight.dtype.name}) should be the same`);
  const S = nd - 2;
  const params: ConvParams = {
    stride: expandParam(op, "stride", a.stride, S),
    padding: expandParam(op, "padding", a.padding, S),
    dilation: expandParam(op, "dilation", a.dilation, S),
    transposed: Boolean(a.transposed),
    outputPadding: expandParam(op, "output_padding", a.output_padding ?? [0], S),
    groups: a.groups,
  };
  const { stride, padding, dilation, groups, transposed, outputPadding } = params;
  if (!Number.isInteger(groups) || groups <= 0) throw new RangeError(`${op}: non-positive groups is not supported (got ${groups})`);
  if (stride.some((s) => s <= 0)) throw new RangeError(`${op}: non-positive stride is not supported (got ${fmtShape(stride)})`);
  if (padding.some((s) => s < 0)) throw new RangeError(`${op}: negative padding is not supported (got ${fmtShape(padding)})`);
  if (dilation.some((s) => s <= 0)) throw new RangeError(`${op}: dilation should be greater than zero (got ${fmtShape(dilation)})`);
  const k = weight.shape.slice(2);
  const C = input.shape[1]!;
  let Cout: number;
  if (!transposed) {
    if (weight.shape[0]! % groups !== 0) throw new RangeError(`${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${fmtShape(weight.shape)} instead`);
    if (C !== weight.shape[1]! * groups) throw new RangeError(`${op}: Given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(input.shape)} to have ${weight.shape[1]! * groups} channels, but got ${C} channels instead`);
    Cout = weight.shape[0]!;
    const padded = input.shape.slice(2).map((s, d) => s + 2 * padding[d]!);
    const kEff = k.map((s, d) => dilation[d]! * (s - 1) + 1);
    if (padded.some((s, d) => s < kEff[d]!)) {
      throw new RangeError(`${op}: Calculated padded input size per channel: (${padded.join(" x ")}). Kernel size: (${kEff.join(" x ")}). Kernel size can't be greater than actual input size`);
    }
  } else {
    if (C !== weight.shape[0]) throw new RangeError(`${op}: Given transposed=1, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(input.shape)} to have ${weight.shape[0]} channels, but got ${C} channels instead`);
    if (weight.shape[0]! % groups !== 0) throw new RangeError(`${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${fmtShape(weight.shape)} instead`);
    if (outputPadding.some((o, d) => o < 0 || (o >= stride[d]! && o >= dilation[d]!))) throw new RangeError(`${op}: output padding must be smaller than either stride or dilation, but got output_padding=${fmtShape(outputPadding)}, stride=${fmtShape(stride)}, dilation=${fmtShape(dilation)}`);
    Cout = weight.shape[1]! * groups;
  }
  if (biasShape && (biasShape.length !== 1 || biasShape[0] !== Cout)) {
    throw new RangeError(`${op}: Given weight of size ${fmtShape(weight.shape)}, expected bias to be 1-dimensional with ${Cout} elements, but got bias of size ${fmtShape(biasShape)} instead`);
  }
  const spatial = convOutputSize(input.shape.slice(2), k, params);
  if (spatial.some((s) => s <= 0)) throw new RangeError(`${op}: computed output size ${fmtShape(spatial)} is too small for input ${fmtShape(input.shape)} and weight ${fmtShape(weight.shape)}`);
  return { params, S, Cout, outShape: [input.shape[0]!, Cout, ...spatial] };
}

const pad3 = (v: readonly number[], fill: number): [number, number, number] => {
  const r = [...new Array<number>(3 - v.length).fill(fill), ...v];
  return [r[0]!, r[1]!, r[2]!];
};

/** Geometry of the non-transposed convolution that the call is (or is the transpose of). */
function geometry(input: Tensor, weight: Tensor, c: Checked): ConvGeom {
  const { params: p } = c;
  const inSp = input.shape.slice(2), outSp = c.outShape.slice(2);
  const base = {
    N: input.shape[0]!, groups: p.groups, k: pad3(weight.shape.slice(2), 1),
    stride: pad3(p.stride, 1), pad: pad3(p.padding, 0), dil: pad3(p.dilation, 1),
  };
  return p.transposed
    ? { ...base, Cin: c.Cout, Cout: input.shape[1]!, inDims: pad3(outSp, 1), outDims: pad3(inSp, 1) }
    : { ...base, Cin: input.shape[1]!, Cout: c.Cout, inDims: pad3(inSp, 1), outDims: pad3(outSp, 1) };
}

function convMeta(a: Args): TensorMeta {
  const c = checkConv("convolution", a.input, a.weight, a.bias ? a.bias.shape : null, a);
  if (a.bias && a.bias.dtype !== a.input.dtype) throw new TypeError(`convolution: expected bias to have dtype ${a.input.dtype.name}, but got ${a.bias.dtype.name}`);
  return { shape: c.outShape, dtype: a.input.dtype, device: a.input.device };
}

function convKernel(a: Args): Tensor {
  const input = a.input as Tensor, weight = a.weight as Tensor;
  const meta = convMeta(a);
  const c = checkConv("convolution", input, weight, a.bias ? a.bias.shape : null, a);
  const fast = convolutionWasm(a, meta.shape);
  if (fast) return fast;
  const g = geometry(input, weight, c);
  const x = readAs(input, input.shape), w = readAs(weight, weight.shape);
  const y = c.params.transposed ? convInputGrad(g, x, w) : convForward(g, x, w);
  if (a.bias) {
    const b = readAs(a.bias, a.bias.shape);
    const N = c.outShape[0]!, L = y.length / (N * c.Cout);
    for (let n = 0; n < N; n++) for (let ch = 0; ch < c.Cout; ch++) {
      const base = (n * c.Cout + ch) * L, bv = b[ch]!;
      for (let l = 0; l < L; l++) y[base + l] += bv;
    }
  }
  return fromFloat64(y, meta.shape, meta.dtype);
}

function convBackwardMeta(a: Args): TensorMeta[] {
  const input = a.input as Tensor, weight = a.weight as Tensor, go = a.grad_output as Tensor;
  const c = checkConv("convolution_backward", input, weight, a.bias_sizes, a);
  if (go.ndim !== c.outShape.length || go.shape.some((s, i) => s !== c.outShape[i])) {
    throw new RangeError(`convolution_backward: expected grad_output of size ${fmtShape(c.outShape)} for input ${fmtShape(input.shape)} and weight ${fmtShape(weight.shape)}, but got ${fmtShape(go.shape)}`);
  }
  if (go.dtype !== input.dtype) throw new TypeError(`convolution_backward: expected grad_output to have dtype ${input.dtype.name}, but got ${go.dtype.name}`);
  const mask = a.output_mask as boolean[];
  const d = { dtype: input.dtype, device: input.device };
  return [
    { shape: mask[0] ? input.shape : [0], ...d },
    { shape: mask[1] ? weight.shape : [0], ...d },
    { shape: mask[2] ? [c.Cout] : [0], ...d },
  ];
}

function convBackwardKernel(a: Args): Tensor[] {
  const metas = convBackwardMeta(a);
  const input = a.input as Tensor, weight = a.weight as Tensor, go = a.grad_output as Tensor;
  const c = checkConv("convolution_backward", input, weight, a.bias_sizes, a);
  const g = geometry(input, weight, c);
  const mask = a.output_mask as boolean[];
  const gy = readAs(go, go.shape);
  const empty: Float64Array = new Float64Array(0);
  let gx: Float64Array = empty, gw: Float64Array = empty, gb: Float64Array = empty;
  const needX = mask[1] ? readAs(input, input.shape) : empty;
  const w = mask[0] ? readAs(weight, weight.shape) : empty;
  if (!c.params.transposed) {
    if (mask[0]) gx = convInputGrad(g, gy, w);
    if (mask[1]) gw = convWeightGrad(g, needX, gy);
  } else {
    if (mask[0]) gx = convForward(g, gy, w);
    if (mask[1]) gw = convWeightGrad(g, gy, needX);
  }
  if (mask[2]) gb = channelSum(gy, go.shape[0]!, c.Cout, go.numel() / Math.max(1, go.shape[0]! * c.Cout));
  return [gx, gw, gb].map((v, i) => fromFloat64(v, metas[i]!.shape, metas[i]!.dtype));
}

export const convOps = {
  convolution: {
    default: {
      schema: "convolution(Tensor input, Tensor weight, Tensor? bias, SymInt[] stride, SymInt[] padding, SymInt[] dilation, bool transposed, SymInt[] output_padding, SymInt groups) -> Tensor",
      tags: ["extern"],
      meta: convMeta,
      kernel: convKernel,
      derivative: ({ args, grads, needs }) => {
        const hasBias = args.bias != null;
        const mask = [needs("input"), needs("weight"), hasBias && needs("bias")];
        const Cout = args.transposed ? args.weight.shape[1] * args.groups : args.weight.shape[0];
        const [gi, gw, gb] = aten.convolution_backward.default(grads[0]!, args.input, args.weight, hasBias ? [Cout] : null,
          args.stride, args.padding, args.dilation, args.transposed, args.output_padding, args.groups, mask) as Tensor[];
        return { input: mask[0] ? gi! : null, weight: mask[1] ? gw! : null, bias: mask[2] ? gb! : null };
      },
    },
  },
  convolution_backward: {
    default: {
      schema: "convolution_backward(Tensor grad_output, Tensor input, Tensor weight, SymInt[]? bias_sizes, SymInt[] stride, SymInt[] padding, SymInt[] dilation, bool transposed, SymInt[] output_padding, SymInt groups, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
      tags: ["extern"],
      meta: convBackwardMeta,
      kernel: convBackwardKernel,
      derivative: { notImplemented: "double backward of convolution (convolution_backward's derivative) is not implemented in coil yet" },
    },
  },
} satisfies OpFamily;
