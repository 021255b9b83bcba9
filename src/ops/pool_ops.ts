// ops/pool_ops: 2-d pooling aten ops (max_pool2d_with_indices, avg_pool2d, _adaptive_avg_pool2d) and
// their backward ops. In: 3-D (C,H,W) or 4-D (N,C,H,W) float tensors and pooling parameters.
// Out: OpDefs with PyTorch's output-size rules, eager kernels over planes, derivatives.

import { Tensor } from "../tensor/tensor.js";
import { int64 } from "../tensor/dtype.js";
import { fmtShape } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { aten } from "./ref.js";

/** PyTorch's pooling_output_shape. */
export function poolOutputSize(inp: number, k: number, pad: number, stride: number, dil: number, ceil: boolean): number {
  const num = inp + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  let out = Math.floor(num / stride) + 1;
  if (ceil && (out - 1) * stride >= inp + pad) out--;
  return out;
}

function pair(op: string, name: string, v: readonly number[] | number, dflt?: readonly number[]): [number, number] {
  const a = typeof v === "number" ? [v] : v.length === 0 && dflt ? dflt : v;
  if (a.length === 1) return [a[0]!, a[0]!];
  if (a.length === 2) return [a[0]!, a[1]!];
  throw new RangeError(`${op}: ${name} must either be a single int, or a tuple of two ints, but got ${fmtShape(a)}`);
}

interface Pool2d { k: [number, number]; s: [number, number]; p: [number, number]; d: [number, number]; ceil: boolean; H: number; W: number; OH: number; OW: number; planes: number; outShape: number[] }

function checkInput(op: string, x: Tensor): void {
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: Expected 3D or 4D (batch mode) tensor for input, but got input of size ${fmtShape(x.shape)}`);
  if (!x.dtype.isFloatingPoint) throw new TypeError(`${op}: expected a floating point input, but got ${x.dtype.name}`);
  const nonBatch = x.shape.slice(x.ndim - 3);
  if (nonBatch.some((s) => s === 0)) throw new RangeError(`${op}: Expected input's non-batch dimensions to have positive length, but input has a shape of ${fmtShape(x.shape)}`);
}

function poolGeom(op: string, x: Tensor, kernel: number[], stride: number[], padding: number[], dilation: number[] | number, ceil: boolean): Pool2d {
  checkInput(op, x);
  const k = pair(op, "kernel_size", kernel);
  const s = pair(op, "stride", stride, kernel);
  const p = pair(op, "padding", padding);
  const d = pair(op, "dilation", dilation);
  if (k.some((v) => v <= 0)) throw new RangeError(`${op}: kernel size should be greater than zero, but got kH: ${k[0]} kW: ${k[1]}`);
  if (s.some((v) => v <= 0)) throw new RangeError(`${op}: stride should be greater than zero, but got dH: ${s[0]} dW: ${s[1]}`);
  if (d.some((v) => v <= 0)) throw new RangeError(`${op}: dilation should be greater than zero, but got dilationH: ${d[0]} dilationW: ${d[1]}`);
  if (p[0] > Math.floor(k[0] / 2) || p[1] > Math.floor(k[1] / 2)) {
    throw new RangeError(`${op}: pad should be smaller than or equal to half of kernel size, but got padW = ${p[1]}, padH = ${p[0]}, kW = ${k[1]}, kH = ${k[0]}`);
  }
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!, C = x.shape[x.ndim - 3]!;
  const OH = poolOutputSize(H, k[0], p[0], s[0], d[0], ceil), OW = poolOutputSize(W, k[1], p[1], s[1], d[1], ceil);
  if (OH < 1 || OW < 1) throw new RangeError(`${op}: Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${OH}x${OW}). Output size is too small`);
  const planes = x.numel() / (H * W);
  return { k, s, p, d, ceil, H, W, OH, OW, planes, outShape: [...x.shape.slice(0, x.ndim - 2), OH, OW] };
}

function maxGeom(a: Args, op = "max_pool2d_with_indices"): Pool2d {
  return poolGeom(op, a.self, a.kernel_size, a.stride, a.padding, a.dilation, a.ceil_mode);
}

function maxPoolKernel(a: Args): Tensor[] {
  const g = maxGeom(a);
  const x = readAs(a.self, a.self.shape);
  const n = g.planes * g.OH * g.OW;
  const out = new Float64Array(n), idx = new Float64Array(n);
  let o = 0;
  for (let pl = 0; pl < g.planes; pl++) {
    const base = pl * g.H * g.W;
    for (let oh = 0; oh < g.OH; oh++) {
      let hs = oh * g.s[0] - g.p[0];
      const he = Math.min(hs + (g.k[0] - 1) * g.d[0] + 1, g.H);
      while (hs < 0) hs += g.d[0];
      for (let ow = 0; ow < g.OW; ow++) {
        let ws = ow * g.s[1] - g.p[1];
        const we = Math.min(ws + (g.k[1] - 1) * g.d[1] + 1, g.W);
        while (ws < 0) ws += g.d[1];
        let best = -Infinity, bi = hs * g.W + ws;
        for (let ih = hs; ih < he; ih += g.d[0]) for (let iw = ws; iw < we; iw += g.d[1]) {
          const v = x[base + ih * g.W + iw]!;
          if (v > best || Number.isNaN(v)) { best = v; bi = ih * g.W + iw; }
        }
        out[o] = best; idx[o] = bi; o++;
      }
    }
  }
  return [fromFloat64(out, g.outShape, a.self.dtype), fromFloat64(idx, g.outShape, int64)];
}

function maxBackwardKernel(a: Args): Tensor {
  const g = maxGeom(a, "max_pool2d_with_indices_backward");
  const go = readAs(a.grad_output, g.outShape), ind = readAs(a.indices, g.outShape);
  const gx = new Float64Array(a.self.numel());
  const plane = g.OH * g.OW, HW = g.H * g.W;
  for (let pl = 0; pl < g.planes; pl++) for (let j = 0; j < plane; j++) {
    const i = pl * plane + j;
    gx[pl * HW + ind[i]!] += go[i]!;
  }
  return fromFloat64(gx, a.self.shape, a.self.dtype);
}

function checkGradOutput(op: string, go: Tensor, shape: readonly number[]): void {
  if (go.ndim !== shape.length || go.shape.some((s, i) => s !== shape[i])) throw new RangeError(`${op}: expected grad_output of size ${fmtShape(shape)}, but got ${fmtShape(go.shape)}`);
}

function avgGeom(a: Args, op = "avg_pool2d"): Pool2d {
  if (a.divisor_override !== null && a.divisor_override !== undefined && a.divisor_override === 0) throw new RangeError(`${op}: divisor must be not zero`);
  return poolGeom(op, a.self, a.kernel_size, a.stride, a.padding, 1, a.ceil_mode);
}

/** Visit each output window of avg pooling: fn(outIndex, planeBase, hs, he, ws, we, divisor). */
function avgWindows(g: Pool2d, a: Args, fn: (o: number, base: number, hs: number, he: number, ws: number, we: number, div: number) => void): void {
  let o = 0;
  for (let pl = 0; pl < g.planes; pl++) {
    const base = pl * g.H * g.W;
    for (let oh = 0; oh < g.OH; oh++) for (let ow = 0; ow < g.OW; ow++) {
      let hs = oh * g.s[0] - g.p[0], ws = ow * g.s[1] - g.p[1];
      let he = Math.min(hs + g.k[0], g.H + g.p[0]), we = Math.min(ws + g.k[1], g.W + g.p[1]);
      const poolSize = (he - hs) * (we - ws);
      hs = Math.max(hs, 0); ws = Math.max(ws, 0); he = Math.min(he, g.H); we = Math.min(we, g.W);
      const div = a.divisor_override != null ? a.divisor_override : a.count_include_pad ? poolSize : (he - hs) * (we - ws);
      fn(o++, base, hs, he, ws, we, div);
    }
  }
}

function avgPoolKernel(a: Args): Tensor {
  const g = avgGeom(a);
  const x = readAs(a.self, a.self.shape);
  const out = new Float64Array(g.planes * g.OH * g.OW);
  avgWindows(g, a, (o, base, hs, he, ws, we, div) => {
    let sum = 0;
    for (let ih = hs; ih < he; ih++) for (let iw = ws; iw < we; iw++) sum += x[base + ih * g.W + iw]!;
    out[o] = he > hs && we > ws ? sum / div : 0;
  });
  return fromFloat64(out, g.outShape, a.self.dtype);
}

function avgBackwardKernel(a: Args): Tensor {
  const g = avgGeom(a, "avg_pool2d_backward");
  checkGradOutput("avg_pool2d_backward", a.grad_output, g.outShape);
  const go = readAs(a.grad_output, g.outShape);
  const gx = new Float64Array(a.self.numel());
  avgWindows(g, a, (o, base, hs, he, ws, we, div) => {
    const v = go[o]! / div;
    for (let ih = hs; ih < he; ih++) for (let iw = ws; iw < we; iw++) gx[base + ih * g.W + iw] += v;
  });
  return fromFloat64(gx, a.self.shape, a.self.dtype);
}

function adaptiveMeta(a: Args): TensorMeta {
  const x = a.self as Tensor;
  checkInput("adaptive_avg_pool2d", x);
  const os = pair("adaptive_avg_pool2d", "output_size", a.output_size);
  if (os.some((v) => v < 0)) throw new RangeError(`adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received ${fmtShape(os)}`);
  return { shape: [...x.shape.slice(0, x.ndim - 2), ...os], dtype: x.dtype, device: x.device };
}

/** Visit adaptive windows: fn(outIndex, planeBase, hs, he, ws, we). */
function adaptiveWindows(x: Tensor, OH: number, OW: number, fn: (o: number, base: number, hs: number, he: number, ws: number, we: number) => void): void {
  const H = x.shape[x.ndim - 2]!, W = x.shape[x.ndim - 1]!;
  const planes = x.numel() / (H * W);
  let o = 0;
  for (let pl = 0; pl < planes; pl++) for (let oh = 0; oh < OH; oh++) {
    const hs = Math.floor((oh * H) / OH), he = Math.ceil(((oh + 1) * H) / OH);
    for (let ow = 0; ow < OW; ow++) {
      const ws = Math.floor((ow * W) / OW), we = Math.ceil(((ow + 1) * W) / OW);
      fn(o++, pl * H * W, hs, he, ws, we);
    }
  }
}

function adaptiveKernel(a: Args): Tensor {
  const m = adaptiveMeta(a);
  const x = a.self as Tensor, W = x.shape[x.ndim - 1]!;
  const v = readAs(x, x.shape);
  const OH = m.shape[m.shape.length - 2]!, OW = m.shape[m.shape.length - 1]!;
  const out = new Float64Array(m.shape.reduce((p, s) => p * s, 1));
  adaptiveWindows(x, OH, OW, (o, base, hs, he, ws, we) => {
    let s = 0;
    for (let ih = hs; ih < he; ih++) for (let iw = ws; iw < we; iw++) s += v[base + ih * W + iw]!;
    out[o] = s / ((he - hs) * (we - ws));
  });
  return fromFloat64(out, m.shape, x.dtype);
}

function adaptiveBackwardMeta(a: Args): TensorMeta {
  const x = a.self as Tensor, go = a.grad_output as Tensor;
  checkInput("adaptive_avg_pool2d_backward", x);
  if (go.ndim !== x.ndim || go.shape.slice(0, -2).some((s, i) => s !== x.shape[i])) throw new RangeError(`adaptive_avg_pool2d_backward: grad_output ${fmtShape(go.shape)} does not match input ${fmtShape(x.shape)}`);
  return { shape: x.shape, dtype: x.dtype, device: x.device };
}

function adaptiveBackwardKernel(a: Args): Tensor {
  adaptiveBackwardMeta(a);
  const x = a.self as Tensor, go = a.grad_output as Tensor, W = x.shape[x.ndim - 1]!;
  const g = readAs(go, go.shape);
  const gx = new Float64Array(x.numel());
  adaptiveWindows(x, go.shape[go.ndim - 2]!, go.shape[go.ndim - 1]!, (o, base, hs, he, ws, we) => {
    const v = g[o]! / ((he - hs) * (we - ws));
    for (let ih = hs; ih < he; ih++) for (let iw = ws; iw < we; iw++) gx[base + ih * W + iw] += v;
  });
  return fromFloat64(gx, x.shape, x.dtype);
}

export const poolOps = {
  max_pool2d_with_indices: {
    default: {
      schema: "max_pool2d_with_indices(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> (Tensor, Tensor)",
      meta: (a: Args): TensorMeta[] => {
        const g = maxGeom(a);
        return [{ shape: g.outShape, dtype: a.self.dtype, device: a.self.device }, { shape: g.outShape, dtype: int64, device: a.self.device }];
      },
      kernel: maxPoolKernel,
      derivative: ({ args, outputs, grads }) => ({
        self: aten.max_pool2d_with_indices_backward.default(grads[0]!, args.self, args.kernel_size, args.stride, args.padding, args.dilation, args.ceil_mode, outputs[1]!),
      }),
    },
  },
  max_pool2d_with_indices_backward: {
    default: {
      schema: "max_pool2d_with_indices_backward(Tensor grad_output, Tensor self, int[2] kernel_size, int[2] stride, int[2] padding, int[2] dilation, bool ceil_mode, Tensor indices) -> Tensor",
      meta: (a: Args): TensorMeta => {
        const g = maxGeom(a, "max_pool2d_with_indices_backward");
        checkGradOutput("max_pool2d_with_indices_backward", a.grad_output, g.outShape);
        checkGradOutput("max_pool2d_with_indices_backward (indices)", a.indices, g.outShape);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: maxBackwardKernel,
      derivative: { notImplemented: "double backward of max_pool2d (gather of the grad-grad at the indices)" },
    },
  },
  avg_pool2d: {
    default: {
      schema: "avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, int? divisor_override=None) -> Tensor",
      meta: (a: Args): TensorMeta => ({ shape: avgGeom(a).outShape, dtype: a.self.dtype, device: a.self.device }),
      kernel: avgPoolKernel,
      derivative: ({ args, grads }) => ({
        self: aten.avg_pool2d_backward.default(grads[0]!, args.self, args.kernel_size, args.stride, args.padding, args.ceil_mode, args.count_include_pad, args.divisor_override),
      }),
    },
  },
  avg_pool2d_backward: {
    default: {
      schema: "avg_pool2d_backward(Tensor grad_output, Tensor self, int[2] kernel_size, int[2] stride, int[2] padding, bool ceil_mode, bool count_include_pad, int? divisor_override) -> Tensor",
      meta: (a: Args): TensorMeta => {
        checkGradOutput("avg_pool2d_backward", a.grad_output, avgGeom(a, "avg_pool2d_backward").outShape);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: avgBackwardKernel,
      derivative: ({ args, grads, needs }) => ({
        grad_output: needs("grad_output") ? aten.avg_pool2d.default(grads[0]!, args.kernel_size, args.stride, args.padding, args.ceil_mode, args.count_include_pad, args.divisor_override) : null,
        self: null,
      }),
    },
  },
  _adaptive_avg_pool2d: {
    default: {
      schema: "_adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor",
      meta: adaptiveMeta,
      kernel: adaptiveKernel,
      derivative: ({ args, grads }) => ({ self: aten._adaptive_avg_pool2d_backward.default(grads[0]!, args.self) }),
    },
  },
  _adaptive_avg_pool2d_backward: {
    default: {
      schema: "_adaptive_avg_pool2d_backward(Tensor grad_output, Tensor self) -> Tensor",
      meta: adaptiveBackwardMeta,
      kernel: adaptiveBackwardKernel,
      derivative: ({ args, grads, needs }) => ({
        grad_output: needs("grad_output") ? aten._adaptive_avg_pool2d.default(grads[0]!, args.grad_output.shape.slice(-2)) : null,
        self: null,
      }),
    },
  },
} satisfies OpFamily;
