// ops/reduction_ops: reductions over dims (sum, mean, amax, var, ...), scans and softmax-like ops.
// In: tensors, dims, keepdim. Out: OpDefs.

import { Tensor } from "../tensor/tensor.js";
import { int64, bool, type DType } from "../tensor/dtype.js";
import { wrapDim } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { aten } from "./ref.js";

/** Normalised reduction dims (empty or null = all dims), sorted and unique. */
export function reductionDims(op: string, dims: readonly number[] | null | undefined, ndim: number): number[] {
  if (!dims || dims.length === 0) return [...Array(ndim).keys()];
  const out = [...new Set(dims.map((d) => wrapDim(op, d, ndim)))].sort((x, y) => x - y);
  if (out.length !== dims.length) throw new RangeError(`${op}: dim ${dims.join(", ")} appears multiple times in the list of dims`);
  return ndim === 0 ? [] : out;
}

export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, i) => {
    if (dims.includes(i)) { if (keepdim) out.push(1); } else out.push(s);
  });
  return out;
}

/** Sum's dtype rule: integers and bool accumulate into int64. */
function sumDtype(d: DType, dtype: DType | null): DType {
  if (dtype) return dtype;
  return d.isFloatingPoint ? d : int64;
}

/**
 * Generic reduction kernel: iterates the output positions and folds the reduced positions.
 * fold(values) receives the reduced values (float64) in row-major order of the reduced dims.
 */
export function reduceKernel(x: Tensor, dims: number[], keepdim: boolean, outDtype: DType,
  fold: (vals: Float64Array) => number): Tensor {
  const vals = readAs(x, x.shape);
  const shape = x.shape;
  const nd = shape.length;
  const keep = [...Array(nd).keys()].filter((i) => !dims.includes(i));
  const outShape = reducedShape(shape, dims, keepdim);
  const outN = keep.reduce((p, i) => p * shape[i]!, 1);
  const redN = dims.reduce((p, i) => p * shape[i]!, 1);
  const cstr = new Array<number>(nd);
  let acc = 1;
  for (let i = nd - 1; i >= 0; i--) { cstr[i] = acc; acc *= shape[i]!; }
  const out = new Float64Array(outN);
  const buf = new Float64Array(redN);
  const kIdx = new Array<number>(keep.length).fill(0);
  for (let o = 0; o < outN; o++) {
    let base = 0;
    for (let k = 0; k < keep.length; k++) base += kIdx[k]! * cstr[keep[k]!]!;
    const rIdx = new Array<number>(dims.length).fill(0);
    for (let r = 0; r < redN; r++) {
      let off = base;
      for (let k = 0; k < dims.length; k++) off += rIdx[k]! * cstr[dims[k]!]!;
      buf[r] = vals[off]!;
      for (let k = dims.length - 1; k >= 0; k--) {
        if (++rIdx[k]! < shape[dims[k]!]!) break;
        rIdx[k] = 0;
      }
    }
    out[o] = fold(buf);
    for (let k = keep.length - 1; k >= 0; k--) {
      if (++kIdx[k]! < shape[keep[k]!]!) break;
      kIdx[k] = 0;
    }
  }
  return fromFloat64(out, outShape, outDtype);
}

const sumFold = (v: Float64Array) => { let s = 0; for (let i = 0; i < v.length; i++) s += v[i]!; return s; };

function expandGradBack(g: Tensor, inShape: readonly number[], dims: number[], keepdim: boolean): Tensor {
  let r = g;
  if (!keepdim && dims.length) r = aten.view.default(r, reducedShape(inShape, dims, true)) as Tensor;
  return aten.expand.default(r, [...inShape]) as Tensor;
}

export const reductionOps = {
  sum: {
    default: {
      schema: "sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => ({ shape: [], dtype: sumDtype(a.self.dtype, a.dtype), device: a.self.device }),
      kernel: (a: Args) => reduceKernel(a.self, reductionDims("sum", null, a.self.ndim), false, sumDtype(a.self.dtype, a.dtype), sumFold),
      derivative: ({ args, grads }) => ({ self: aten.expand.default(grads[0]!, [...args.self.shape]) }),
    },
    dim_IntList: {
      schema: "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
      tags: ["reduction"],
      meta: (a: Args): TensorMeta => ({
        shape: reducedShape(a.self.shape, reductionDims("sum", a.dim, a.self.ndim), a.keepdim),
        dtype: sumDtype(a.self.dtype, a.dtype), device: a.self.device,
      }),
      kernel: (a: Args) => reduceKernel(a.self, reductionDims("sum", a.dim, a.self.ndim), a.keepdim, sumDtype(a.self.dtype, a.dtype), sumFold),
      derivative: ({ args, grads }) => ({ self: expandGradBack(grads[0]!, args.self.shape, reductionDims("sum", args.dim, args.self.ndim), args.keepdim) }),
    },
  },
} satisfies OpFamily;

void bool;
