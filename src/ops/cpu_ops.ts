// ops/cpu_ops: coil's fused CPU ops (the `cpu` namespace, PyTorch's mkldnn namespace in spirit):
// cpu._convolution_pointwise (a convolution on a packed weight + bias + a pointwise epilogue: none,
// relu, gelu, silu, sigmoid, tanh, hardtanh, clamp), cpu._reorder_convolution_weight (packs a plain
// weight into that layout) and cpu._addmm_pointwise (bias + mat1 @ mat2, then the same epilogues).
// Inference-only: freezing and the post-grad fusions create them. In: tensors + conv parameters.
// Out: OpDefs (schemas, meta rules with errors naming op/shapes/dtypes, eager kernels).

import { Tensor } from "../tensor/tensor.js";
import { fmtShape, broadcastShapes } from "../tensor/shape.js";
import type { Args, OpFamily, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { convOutputSize } from "./conv_ops.js";
import type { ConvGeom } from "./kernels/conv.js";
import { biasAndEpilogue, convForwardPacked, epilogueFn, packWeight, panelWidth, unpackWeight } from "./kernels/conv_pointwise.js";
import { addmmPointwiseWasm, convPointwiseWasm, wasmConvAvailable } from "./kernels/conv_pointwise_wasm.js";
import { gemm, WASM_MIN_FLOPS } from "./kernels/gemm.js";

const OP = "cpu._convolution_pointwise";
const REORDER = "cpu._reorder_convolution_weight";

/** Epilogues _convolution_pointwise supports, with how many scalars each takes. */
export const CONV_POINTWISE_ATTRS: Readonly<Record<string, { scalars: number[] }>> = {
  none: { scalars: [0] }, relu: { scalars: [0] }, gelu: { scalars: [0] }, silu: { scalars: [0] },
  sigmoid: { scalars: [0] }, tanh: { scalars: [0] }, hardtanh: { scalars: [2] }, clamp: { scalars: [2] },
};

const inferenceOnly = { notImplemented: "it is an inference-only fused op (created by freezing and the post-grad fusions); differentiate the unfused ops instead" };

/** Logical weight facts of a plain ([Cout, Cg, *k]) or packed ([G, Cog/R, Cg, *k, R]) weight. */
interface WeightInfo { packed: boolean; cout: number; cg: number; k: number[]; R: number }

function weightInfo(op: string, x: Tensor, w: Tensor, groups: number): WeightInfo {
  const S = x.ndim - 2;
  if (S < 1 || S > 3) throw new RangeError(`${op}: expected a 3-D, 4-D or 5-D (batched) input, but got input of size ${fmtShape(x.shape)}`);
  if (!Number.isInteger(groups) || groups <= 0) throw new RangeError(`${op}: non-positive groups is not supported (got ${groups})`);
  if (w.ndim === S + 2) {
    if (w.shape[0]! % groups !== 0) throw new RangeError(`${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${fmtShape(w.shape)} instead`);
    return { packed: false, cout: w.shape[0]!, cg: w.shape[1]!, k: w.shape.slice(2), R: 1 };
  }
  if (w.ndim === S + 4) {
    const [G, P, Cg] = w.shape as number[];
    const R = w.shape[w.ndim - 1]!;
    if (G !== groups) throw new RangeError(`${op}: packed weight of size ${fmtShape(w.shape)} was packed for groups=${G}, but groups=${groups}`);
    if (R !== panelWidth(P! * R)) throw new RangeError(`${op}: packed weight of size ${fmtShape(w.shape)} has panel width ${R}, expected ${panelWidth(P! * R)} (pack it with ${REORDER})`);
    return { packed: true, cout: G * P! * R, cg: Cg!, k: w.shape.slice(3, 3 + S), R };
  }
  throw new RangeError(`${op}: expected a ${S + 2}-D weight [Cout, Cin/groups, *k] or a ${S + 4}-D packed weight [groups, Cout/groups/R, Cin/groups, *k, R] for input of size ${fmtShape(x.shape)}, but got weight of size ${fmtShape(w.shape)}`);
}

function expand(op: string, name: string, v: readonly number[], S: number): number[] {
  if (v.length === S) return [...v];
  if (v.length === 1) return new Array<number>(S).fill(v[0]!);
  throw new RangeError(`${op}: expected ${name} to have 1 or ${S} values, but got ${name}=${fmtShape(v)}`);
}

/** Validate attr, scalars and algorithm of a pointwise epilogue. */
function checkEpilogue(op: string, a: Args): void {
  const spec = CONV_POINTWISE_ATTRS[a.attr as string];
  if (!spec) throw new RangeError(`${op}: unknown attr '${a.attr}'; expected one of ${Object.keys(CONV_POINTWISE_ATTRS).join(", ")}`);
  const scalars = (a.scalars ?? []) as (number | null)[];
  if (!spec.scalars.includes(scalars.length)) throw new RangeError(`${op}: attr '${a.attr}' takes ${spec.scalars.join(" or ")} scalars, got ${scalars.length}`);
  if (a.attr === "hardtanh" && scalars.some((s) => s === null)) throw new TypeError(`${op}: attr 'hardtanh' needs numeric min and max scalars`);
  const alg = a.algorithm ?? "";
  if (a.attr === "gelu" ? !["", "none", "tanh"].includes(alg) : alg !== "" && alg !== "none") {
    throw new RangeError(`${op}: algorithm '${alg}' is not valid for attr '${a.attr}' (gelu takes "none" or "tanh"; others take "")`);
  }
}

interface Checked { wi: WeightInfo; stride: number[]; padding: number[]; dilation: number[]; outShape: number[] }

function check(a: Args): Checked {
  const x = a.X as Tensor, w = a.W as Tensor, b = a.B as Tensor | null;
  if (!x.dtype.isFloatingPoint) throw new TypeError(`${OP}: expected a floating point input, but got ${x.dtype.name}`);
  if (w.dtype !== x.dtype) throw new TypeError(`${OP}: Input type (${x.dtype.name}) and weight type (${w.dtype.name}) should be the same`);
  if (b && b.dtype !== x.dtype) throw new TypeError(`${OP}: expected bias to have dtype ${x.dtype.name}, but got ${b.dtype.name}`);
  const wi = weightInfo(OP, x, w, a.groups);
  const S = x.ndim - 2;
  const stride = expand(OP, "stride", a.stride, S), padding = expand(OP, "padding", a.padding, S), dilation = expand(OP, "dilation", a.dilation, S);
  if (stride.some((s) => s <= 0)) throw new RangeError(`${OP}: non-positive stride is not supported (got ${fmtShape(stride)})`);
  if (padding.some((s) => s < 0)) throw new RangeError(`${OP}: negative padding is not supported (got ${fmtShape(padding)})`);
  if (dilation.some((s) => s <= 0)) throw new RangeError(`${OP}: dilation should be greater than zero (got ${fmtShape(dilation)})`);
  if (x.shape[1] !== wi.cg * a.groups) throw new RangeError(`${OP}: Given groups=${a.groups}, weight of size ${fmtShape(w.shape)}, expected input${fmtShape(x.shape)} to have ${wi.cg * a.groups} channels, but got ${x.shape[1]} channels instead`);
  if (b && (b.ndim !== 1 || b.shape[0] !== wi.cout)) throw new RangeError(`${OP}: expected bias to be 1-dimensional with ${wi.cout} elements, but got bias of size ${fmtShape(b.shape)}`);
  checkEpilogue(OP, a);
  const spatial = convOutputSize(x.shape.slice(2), wi.k, { stride, padding, dilation, transposed: false, outputPadding: new Array<number>(S).fill(0), groups: a.groups });
  if (spatial.some((s) => s <= 0)) throw new RangeError(`${OP}: computed output size ${fmtShape(spatial)} is too small for input ${fmtShape(x.shape)} and weight ${fmtShape(w.shape)}`);
  return { wi, stride, padding, dilation, outShape: [x.shape[0]!, wi.cout, ...spatial] };
}

function convPointwiseMeta(a: Args): TensorMeta {
  const c = check(a);
  return { shape: c.outShape, dtype: a.X.dtype, device: a.X.device };
}

const pad3 = (v: readonly number[], fill: number): [number, number, number] => {
  const r = [...new Array<number>(3 - v.length).fill(fill), ...v];
  return [r[0]!, r[1]!, r[2]!];
};

function convPointwiseKernel(a: Args): Tensor {
  const c = check(a);
  const x = a.X as Tensor, w = a.W as Tensor;
  const { wi } = c;
  const g: ConvGeom = {
    N: x.shape[0]!, Cin: x.shape[1]!, Cout: wi.cout, groups: a.groups, k: pad3(wi.k, 1),
    inDims: pad3(x.shape.slice(2), 1), outDims: pad3(c.outShape.slice(2), 1),
    stride: pad3(c.stride, 1), pad: pad3(c.padding, 0), dil: pad3(c.dilation, 1),
  };
  const K = wi.k.reduce((p, v) => p * v, 1);
  if (x.dtype.name === "float32" && x.ndim === 4 && wasmConvAvailable()) {
    const f32 = (t: Tensor) => Float32Array.from(readAs(t, t.shape));
    const data = convPointwiseWasm({
      x: f32(x), xShape: x.shape as [number, number, number, number],
      weightKey: w, wShape: [wi.cout, wi.cg, wi.k[0]!, wi.k[1]!],
      plainWeight: () => {
        const out = new Float32Array(wi.cout * wi.cg * K);
        unpackWeight(readAs(w, w.shape), a.groups, wi.cout, wi.cg * K, wi.R, out);
        return out;
      },
      bias: a.B ? f32(a.B) : undefined,
      stride: [c.stride[0]!, c.stride[1]!], padding: [c.padding[0]!, c.padding[1]!], dilation: [c.dilation[0]!, c.dilation[1]!],
      groups: a.groups, attr: a.attr, scalars: a.scalars ?? [], epilogue: epilogueFn(a.attr, a.scalars ?? [], a.algorithm ?? ""),
    });
    const out = Tensor.empty(c.outShape, x.dtype);
    (out.storage.data as Float32Array).set(data);
    return out;
  }
  let wv = readAs(w, w.shape), R = wi.R;
  if (!wi.packed) { wv = packWeight(wv, a.groups, wi.cout, wi.cg * K); R = panelWidth(wi.cout / a.groups); }
  const y = convForwardPacked(g, readAs(x, x.shape), wv, R);
  const bias = a.B ? readAs(a.B, a.B.shape) : null;
  biasAndEpilogue(y, g.N, wi.cout, bias, epilogueFn(a.attr, a.scalars ?? [], a.algorithm ?? ""), a.attr === "none");
  return fromFloat64(y, c.outShape, x.dtype);
}

/** Packed shape of a plain weight [Cout, Cg, *k] for `groups`. */
export function packedWeightShape(op: string, shape: readonly number[], groups: number): number[] {
  if (shape.length < 3 || shape.length > 5) throw new RangeError(`${op}: expected a 3-D, 4-D or 5-D weight [Cout, Cin/groups, *k], but got weight of size ${fmtShape(shape)}`);
  if (!Number.isInteger(groups) || groups <= 0 || shape[0]! % groups !== 0) throw new RangeError(`${op}: Given groups=${groups}, expected weight to be divisible by ${groups} at dimension 0, but got weight of size ${fmtShape(shape)} instead`);
  const cog = shape[0]! / groups, R = panelWidth(cog);
  return [groups, cog / R, ...shape.slice(1), R];
}

function reorderMeta(a: Args): TensorMeta {
  const w = a.self as Tensor;
  if (!w.dtype.isFloatingPoint) throw new TypeError(`${REORDER}: expected a floating point weight, but got ${w.dtype.name}`);
  return { shape: packedWeightShape(REORDER, w.shape, a.groups), dtype: w.dtype, device: w.device };
}

function reorderKernel(a: Args): Tensor {
  const m = reorderMeta(a);
  const w = a.self as Tensor;
  const cgk = w.shape.slice(1).reduce((p, v) => p * v, 1);
  return fromFloat64(packWeight(readAs(w, w.shape), a.groups, w.shape[0]!, cgk), m.shape, w.dtype);
}

const ADDMM = "cpu._addmm_pointwise";

function addmmMeta(a: Args): TensorMeta {
  const m1 = a.mat1 as Tensor, m2 = a.mat2 as Tensor, b = a.bias as Tensor | null;
  if (m1.ndim !== 2 || m2.ndim !== 2) throw new RangeError(`${ADDMM}: expected 2-D matrices, got mat1 ${fmtShape(m1.shape)} and mat2 ${fmtShape(m2.shape)}`);
  if (m1.shape[1] !== m2.shape[0]) throw new RangeError(`${ADDMM}: mat1 and mat2 shapes cannot be multiplied (${m1.shape.join("x")} and ${m2.shape.join("x")})`);
  if (!m1.dtype.isFloatingPoint || m1.dtype !== m2.dtype || (b && b.dtype !== m1.dtype)) {
    throw new TypeError(`${ADDMM}: expected mat1, mat2${b ? " and bias" : ""} of one floating dtype, got ${m1.dtype.name}, ${m2.dtype.name}${b ? `, ${b.dtype.name}` : ""}`);
  }
  const shape = [m1.shape[0]!, m2.shape[1]!];
  if (b) {
    const bs = broadcastShapes(ADDMM, b.shape, shape);
    if (bs.length !== 2 || bs[0] !== shape[0] || bs[1] !== shape[1]) throw new RangeError(`${ADDMM}: bias of shape ${fmtShape(b.shape)} cannot be broadcast to ${fmtShape(shape)}`);
  }
  checkEpilogue(ADDMM, a);
  return { shape, dtype: m1.dtype, device: m1.device };
}

/** The bias as a length-N column vector (shape [N] or [1, N]) in float32, else null. */
function columnBias(b: Tensor, N: number): Float32Array | null {
  if (!(b.ndim === 1 || (b.ndim === 2 && b.shape[0] === 1)) || b.shape[b.ndim - 1] !== N) return null;
  return Float32Array.from(readAs(b, [N]));
}

function addmmKernel(a: Args): Tensor {
  const m = addmmMeta(a);
  const m1 = a.mat1 as Tensor, m2 = a.mat2 as Tensor, b = a.bias as Tensor | null;
  const [M, N] = m.shape as [number, number], K = m1.shape[1]!;
  // float32: the wasm GEMM in float32 (as PyTorch's mkldnn linear) with the frozen mat2 kept packed across calls
  const bias = b ? columnBias(b, N) : null;
  if (m1.dtype.name === "float32" && (!b || bias) && M * N * K >= WASM_MIN_FLOPS && wasmConvAvailable()) {
    const y = addmmPointwiseWasm({
      M, N, K, a: Float32Array.from(readAs(m1, m1.shape)), mat2: m2, bias: bias ?? undefined,
      attr: a.attr, scalars: a.scalars ?? [], epilogue: epilogueFn(a.attr, a.scalars ?? [], a.algorithm ?? ""),
    });
    const out = Tensor.empty(m.shape, m1.dtype);
    (out.storage.data as Float32Array).set(y);
    return out;
  }
  const y = a.bias ? readAs(a.bias, m.shape) : new Float64Array(M * N);
  gemm(M, N, K, 1, { arr: readAs(m1, m1.shape), off: 0, rs: K, cs: 1 }, { arr: readAs(m2, m2.shape), off: 0, rs: N, cs: 1 }, 1, { arr: y, off: 0, rs: N, cs: 1 });
  if (a.attr !== "none") {
    const epi = epilogueFn(a.attr, a.scalars ?? [], a.algorithm ?? "");
    for (let i = 0; i < y.length; i++) y[i] = epi(y[i]!);
  }
  return fromFloat64(y, m.shape, m.dtype);
}

export const cpuOps = {
  _convolution_pointwise: {
    default: {
      schema: "_convolution_pointwise(Tensor X, Tensor W, Tensor? B, int[] padding, int[] stride, int[] dilation, int groups, str attr, Scalar?[] scalars, str? algorithm) -> Tensor",
      tags: ["extern"],
      meta: convPointwiseMeta,
      kernel: convPointwiseKernel,
      derivative: inferenceOnly,
    },
  },
  _addmm_pointwise: {
    default: {
      schema: "_addmm_pointwise(Tensor? bias, Tensor mat1, Tensor mat2, str attr, Scalar?[] scalars, str? algorithm) -> Tensor",
      tags: ["extern"],
      meta: addmmMeta,
      kernel: addmmKernel,
      derivative: inferenceOnly,
    },
  },
  _reorder_convolution_weight: {
    default: {
      schema: "_reorder_convolution_weight(Tensor self, int[] padding, int[] stride, int[] dilation, int groups, int[]? input_size=None) -> Tensor",
      tags: ["extern"],
      meta: reorderMeta,
      kernel: reorderKernel,
      derivative: inferenceOnly,
    },
  },
} satisfies OpFamily;
