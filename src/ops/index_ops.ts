// ops/index_ops: indexing ops: index_select, index_add, gather, scatter (src/value), scatter_add,
// index.Tensor (advanced indexing: int64/int32 and bool index tensors, None entries, broadcasting),
// index_put (with accumulate) and masked_fill (Scalar/Tensor). In: tensors and index tensors.
// Out: OpDefs. Out-of-range indices throw before anything is written (inputs stay unchanged).

import type { Tensor } from "../tensor/tensor.js";
import { toFloat64Array } from "../tensor/tensor.js";
import { bool, type DType } from "../tensor/dtype.js";
import { fmtShape, wrapDim, numel, broadcastShapes, contiguousStrides } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { takeLogical, scatterLogical, unravel } from "./kernels/movement.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

type M = TensorMeta;
const isIndexDtype = (d: DType) => d.name === "int64" || d.name === "int32";
const isMaskDtype = (d: DType) => d.name === "bool" || d.name === "uint8";

function checkIndex(op: string, index: Tensor): void {
  if (!isIndexDtype(index.dtype)) throw new TypeError(`${op}: Expected dtype int64 for index (got ${index.dtype.name}, shape ${fmtShape(index.shape)})`);
}

function wrapIdx(op: string, v: number, size: number, dim: number, selfShape: readonly number[]): number {
  if (v < -size || v >= size) throw new RangeError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size} (self shape ${fmtShape(selfShape)})`);
  return v < 0 ? v + size : v;
}

// ---- index_select / index_add ----
function indexSelectMeta(a: Args): M {
  const self = a.self as Tensor, index = a.index as Tensor;
  checkIndex("index_select", index);
  if (index.ndim > 1) throw new RangeError(`index_select: Index is supposed to be a vector (got shape ${fmtShape(index.shape)})`);
  const d = wrapDim("index_select", a.dim, self.ndim);
  const shape = self.shape.slice();
  if (self.ndim > 0) shape[d] = index.numel();
  return { shape, dtype: self.dtype, device: self.device };
}

/** Logical source indices for "replace dim d's coordinate by idx[coord]". */
function dimMap(shape: readonly number[], inShape: readonly number[], d: number, map: (i: number) => number): Float64Array {
  const inStr = contiguousStrides(inShape);
  const n = numel(shape);
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    unravel(k, shape, idx);
    let off = 0;
    for (let j = 0; j < shape.length; j++) off += (j === d ? map(idx[j]!) : idx[j]!) * inStr[j]!;
    out[k] = off;
  }
  return out;
}

function indexValues(op: string, index: Tensor, size: number, dim: number, selfShape: readonly number[]): number[] {
  return Array.from(toFloat64Array(index), (v) => wrapIdx(op, v, size, dim, selfShape));
}

// ---- gather / scatter ----
function checkGatherShapes(op: string, self: Tensor, index: Tensor, d: number, src: Tensor | null): void {
  checkIndex(op, index);
  if (index.ndim !== self.ndim && !(index.ndim <= 1 && self.ndim <= 1)) throw new RangeError(`${op}: Index tensor must have the same number of dimensions as ${src ? "self tensor" : "input tensor"} (index ${fmtShape(index.shape)}, self ${fmtShape(self.shape)})`);
  for (let j = 0; j < index.ndim; j++) {
    if (j !== d && index.shape[j]! > (self.shape[j] ?? 1)) throw new RangeError(`${op}: Size does not match at dimension ${j} expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(self.shape)} apart from dimension ${d}`);
    if (src && index.shape[j]! > (src.shape[j] ?? 1)) throw new RangeError(`${op}: Expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(self.shape)} apart from dimension ${d} and to be smaller size than src ${fmtShape(src.shape)}`);
  }
}

/** For each index element (logical order): the logical position in self it addresses. */
function gatherPositions(op: string, self: Tensor, index: Tensor, d: number): Float64Array {
  const iv = toFloat64Array(index);
  const selfShape = self.ndim ? self.shape : [1];
  const ishape = index.ndim ? index.shape : [1];
  const st = contiguousStrides(selfShape);
  const out = new Float64Array(iv.length);
  const idx = new Array<number>(ishape.length).fill(0);
  for (let k = 0; k < iv.length; k++) {
    unravel(k, ishape, idx);
    let off = 0;
    for (let j = 0; j < ishape.length; j++) off += (j === d ? wrapIdx(op, iv[k]!, selfShape[d]!, d, self.shape) : idx[j]!) * st[j]!;
    out[k] = off;
  }
  return out;
}

/** src elements matching index positions (src may be larger than index). */
function srcSubset(src: Tensor, index: Tensor): Tensor {
  if (src.ndim === 0 || src.shape.every((s, i) => s === (index.shape[i] ?? 1))) return src;
  let v = src;
  for (let j = 0; j < index.ndim; j++) v = v.aliasAs(v.shape.map((s, i) => (i === j ? index.shape[j]! : s)), v.strides, v.offset);
  return v;
}

function scatterKernel(op: string, a: Args, value: Tensor | null, accumulate: boolean): Tensor {
  const self = a.self as Tensor, index = a.index as Tensor;
  const d = wrapDim(op, a.dim, self.ndim);
  checkGatherShapes(op, self, index, d, value && a.src ? value : null);
  const pos = gatherPositions(op, self, index, d);
  const vals = value ? srcSubset(value, index) : fromFloat64(new Float64Array(index.numel()).fill(Number(a.value)), index.shape, self.dtype);
  const v = vals.numel() === index.numel() ? vals : fromFloat64(readAs(vals, index.shape), index.shape, vals.dtype);
  return scatterLogical(self, self.shape, self.dtype, v, pos, accumulate);
}

// ---- advanced indexing ----
interface AdvPlan { outShape: number[]; src: Float64Array | null; bshape: number[] }

/** Expand bool masks into int index lists (data-dependent: needs real data). */
function expandMasks(op: string, self: Tensor, indices: (Tensor | null)[]): (Tensor | number[] | null)[] {
  const out: (Tensor | number[] | null)[] = [];
  let dim = 0;
  for (const t of indices) {
    if (t === null) { out.push(null); dim++; continue; }
    if (isMaskDtype(t.dtype)) {
      for (let j = 0; j < t.ndim; j++) {
        if (t.shape[j] !== self.shape[dim + j]) throw new RangeError(`${op}: The shape of the mask ${fmtShape(t.shape)} at index ${j} does not match the shape of the indexed tensor ${fmtShape(self.shape)} at index ${dim + j}`);
      }
      if (t.isFake) throw new TypeError(`${op}: indexing with a bool mask has a data-dependent output shape (mask ${fmtShape(t.shape)}); it cannot run on fake tensors`);
      const mv = toFloat64Array(t);
      const lists: number[][] = Array.from({ length: Math.max(t.ndim, 1) }, () => []);
      const idx = new Array<number>(t.ndim).fill(0);
      for (let k = 0; k < mv.length; k++) {
        if (!mv[k]) continue;
        unravel(k, t.shape, idx);
        if (t.ndim === 0) lists[0]!.push(0); else idx.forEach((v, j) => lists[j]!.push(v));
      }
      if (t.ndim === 0) { out.push(lists[0]!.length ? [0] : []); } // 0-d mask: handled as a new dim below
      else for (const l of lists) out.push(l);
      dim += t.ndim;
      continue;
    }
    if (!isIndexDtype(t.dtype)) throw new TypeError(`${op}: tensors used as indices must be long, int, byte or bool tensors (got ${t.dtype.name})`);
    out.push(t);
    dim++;
  }
  if (dim > self.ndim) throw new RangeError(`${op}: too many indices for tensor of dimension ${self.ndim} (got ${dim})`);
  return out;
}

function planIndex(op: string, self: Tensor, indicesIn: (Tensor | null)[], needSrc: boolean): AdvPlan {
  if (indicesIn.some((t) => t && t.ndim === 0 && isMaskDtype(t.dtype))) {
    // x[True] / x[False]: a new leading dim of size 1 / 0.
    const rest = indicesIn.filter((t) => !(t && t.ndim === 0 && isMaskDtype(t.dtype)));
    const mask = indicesIn.find((t) => t && t.ndim === 0 && isMaskDtype(t.dtype))!;
    const keep = mask.isFake ? 1 : toFloat64Array(mask)[0] ? 1 : 0;
    const inner = planIndex(op, self, rest.length ? rest : [null], needSrc);
    const outShape = [keep, ...inner.outShape];
    const src = inner.src && keep ? inner.src : new Float64Array(0);
    return { outShape, src: needSrc ? src : null, bshape: [keep, ...inner.bshape] };
  }
  const idx = expandMasks(op, self, indicesIn);
  const shapeOf = (t: Tensor | number[]) => (Array.isArray(t) ? [t.length] : t.shape.slice());
  const adv = idx.map((t, i) => (t === null ? -1 : i)).filter((i) => i >= 0);
  const bshape = broadcastShapes(op, ...adv.map((i) => shapeOf(idx[i]!)));
  const contiguousAdv = adv.length > 0 && adv[adv.length - 1]! - adv[0]! === adv.length - 1;
  const nd = self.ndim;
  const isAdv = (d: number) => d < idx.length && idx[d] !== null;
  const restDims = [...Array(nd).keys()].filter((d) => !isAdv(d));
  let outShape: number[];
  let insertAt: number;
  if (adv.length === 0) { outShape = self.shape.slice(); insertAt = 0; }
  else if (contiguousAdv) {
    insertAt = adv[0]!;
    outShape = [...self.shape.slice(0, adv[0]!), ...bshape, ...self.shape.slice(adv[adv.length - 1]! + 1)];
  } else { insertAt = 0; outShape = [...bshape, ...restDims.map((d) => self.shape[d]!)]; }
  if (!needSrc) return { outShape, src: null, bshape };
  // Broadcast index values.
  const bn = numel(bshape);
  const advVals = adv.map((i) => {
    const t = idx[i]!;
    const size = self.shape[i]!;
    if (Array.isArray(t)) { const b = new Float64Array(bn); const bi = new Array<number>(bshape.length).fill(0); for (let k = 0; k < bn; k++) { unravel(k, bshape, bi); b[k] = t.length === 1 ? t[0]! : t[bi[bshape.length - 1]!]!; } return b; }
    const v = readAs(t, bshape);
    for (let k = 0; k < v.length; k++) v[k] = wrapIdx(op, v[k]!, size, i, self.shape);
    return v;
  });
  const inStr = contiguousStrides(self.shape);
  const n = numel(outShape);
  const src = new Float64Array(n);
  const oi = new Array<number>(outShape.length).fill(0);
  const bl = bshape.length;
  for (let k = 0; k < n; k++) {
    unravel(k, outShape, oi);
    let bflat = 0;
    for (let j = 0; j < bl; j++) bflat = bflat * bshape[j]! + oi[insertAt + j]!;
    let off = 0;
    adv.forEach((d, q) => { off += advVals[q]![bflat]! * inStr[d]!; });
    restDims.forEach((d, q) => {
      const pos = adv.length === 0 ? q : contiguousAdv ? (d < adv[0]! ? d : d - adv.length + bl) : bl + q;
      off += oi[pos]! * inStr[d]!;
    });
    src[k] = off;
  }
  return { outShape, src, bshape };
}

function indexMeta(a: Args): M {
  const p = planIndex("index", a.self, a.indices, false);
  return { shape: p.outShape, dtype: a.self.dtype, device: a.self.device };
}

function indexPutKernel(a: Args): Tensor {
  const self = a.self as Tensor, values = a.values as Tensor;
  const p = planIndex("index_put", self, a.indices, true);
  if (values.dtype !== self.dtype && !(values.ndim === 0)) {
    if (values.dtype.category > self.dtype.category) throw new TypeError(`index_put: Index put requires the source and destination dtypes match, got ${self.dtype.name} for the destination and ${values.dtype.name} for the source.`);
  }
  broadcastShapes("index_put", values.shape, p.outShape);
  if (broadcastShapes("index_put", values.shape, p.outShape).join() !== p.outShape.join()) throw new RangeError(`index_put: shape mismatch: value tensor of shape ${fmtShape(values.shape)} cannot be broadcast to indexing result of shape ${fmtShape(p.outShape)}`);
  const v = fromFloat64(readAs(values, p.outShape), p.outShape, values.dtype);
  return scatterLogical(self, self.shape, self.dtype, v, p.src!, a.accumulate);
}

// ---- masked_fill ----
function maskedMeta(op: string, a: Args): M {
  if (a.mask.dtype !== bool) throw new TypeError(`${op}: masked_fill only supports boolean masks, but got mask with dtype ${a.mask.dtype.name}`);
  if (a.value instanceof Object && "ndim" in a.value && a.value.ndim !== 0) throw new RangeError(`${op}: masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${a.value.ndim} dimension(s).`);
  return { shape: broadcastShapes(op, a.self.shape, a.mask.shape), dtype: a.self.dtype, device: a.self.device };
}

function maskedKernel(op: string, a: Args): Tensor {
  const m = maskedMeta(op, a);
  const fill = typeof a.value === "object" ? toFloat64Array(a.value as Tensor)[0]! : Number(a.value);
  const x = readAs(a.self, m.shape), mk = readAs(a.mask, m.shape);
  for (let i = 0; i < x.length; i++) if (mk[i]) x[i] = fill;
  return fromFloat64(x, m.shape, m.dtype);
}

/** Zero-pad a gradient of index's shape up to src's (src may be larger than index along any dim). */
function padTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.every((s, i) => s === shape[i])) return g;
  const pad: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) pad.push(0, shape[d]! - g.shape[d]!);
  return aten.constant_pad_nd.default(g, pad);
}

export const indexOps = {
  index_select: {
    default: {
      schema: "index_select(Tensor self, int dim, Tensor index) -> Tensor",
      meta: indexSelectMeta,
      kernel: (a: Args) => {
        const m = indexSelectMeta(a);
        const self = a.self as Tensor;
        if (self.ndim === 0) { indexValues("index_select", a.index, 1, 0, self.shape); return takeLogical(self, [], [0]); }
        const d = wrapDim("index_select", a.dim, self.ndim);
        const iv = indexValues("index_select", a.index, self.shape[d]!, d, self.shape);
        return takeLogical(self, m.shape, dimMap(m.shape, self.shape, d, (i) => iv[i]!));
      },
      derivative: ({ args, grads }) => ({ self: aten.index_add.default(aten.zeros_like.default(args.self), args.dim, args.index, grads[0]!) }),
    },
  },
  index_add: {
    default: {
      schema: "index_add(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
      meta: (a: Args): M => {
        checkIndex("index_add", a.index);
        const d = wrapDim("index_add", a.dim, a.self.ndim);
        const exp = a.self.shape.slice(); if (a.self.ndim) exp[d] = a.index.numel();
        if (exp.join() !== a.source.shape.join() && !(a.self.ndim === 0 && a.source.numel() === 1)) throw new RangeError(`index_add: source ${fmtShape(a.source.shape)} does not match self ${fmtShape(a.self.shape)} with ${a.index.numel()} indices along dim ${a.dim}`);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: (a: Args) => {
        const self = a.self as Tensor, src = a.source as Tensor;
        const d = self.ndim ? wrapDim("index_add", a.dim, self.ndim) : 0;
        const iv = indexValues("index_add", a.index, self.ndim ? self.shape[d]! : 1, d, self.shape);
        const sshape = self.ndim ? src.shape : [];
        const dst = self.ndim ? dimMap(sshape, self.shape, d, (i) => iv[i]!) : new Float64Array([0]);
        const scaled = a.alpha === 1 ? src : fromFloat64(readAs(src, src.shape).map((v) => v * a.alpha), src.shape, src.dtype);
        return scatterLogical(self, self.shape, self.dtype, scaled, dst, true);
      },
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? grads[0]! : null,
        source: needs("source") ? (() => { const g = aten.index_select.default(grads[0]!, args.dim, args.index); return args.alpha === 1 ? g : aten.mul.Scalar(g, args.alpha); })() : null,
      }),
    },
  },
  gather: {
    default: {
      schema: "gather(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
      meta: (a: Args): M => { checkGatherShapes("gather", a.self, a.index, wrapDim("gather", a.dim, a.self.ndim), null); return { shape: a.index.shape, dtype: a.self.dtype, device: a.self.device }; },
      kernel: (a: Args) => {
        const d = wrapDim("gather", a.dim, a.self.ndim);
        checkGatherShapes("gather", a.self, a.index, d, null);
        return takeLogical(a.self, a.index.shape, gatherPositions("gather", a.self, a.index, d));
      },
      derivative: ({ args, grads }) => ({ self: aten.scatter_add.default(aten.zeros_like.default(args.self), args.dim, args.index, grads[0]!) }),
    },
  },
  scatter: {
    src: {
      schema: "scatter.src(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
      meta: (a: Args): M => { checkGatherShapes("scatter", a.self, a.index, wrapDim("scatter", a.dim, a.self.ndim), a.src); return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }; },
      kernel: (a: Args) => scatterKernel("scatter", a, a.src, false),
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.scatter.value(grads[0]!, args.dim, args.index, 0) : null,
        src: needs("src") ? padTo(aten.gather.default(grads[0]!, args.dim, args.index), args.src.shape) : null,
      }),
    },
    value: {
      schema: "scatter.value(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
      meta: (a: Args): M => { checkGatherShapes("scatter", a.self, a.index, wrapDim("scatter", a.dim, a.self.ndim), null); return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }; },
      kernel: (a: Args) => scatterKernel("scatter", a, null, false),
      derivative: ({ args, grads }) => ({ self: aten.scatter.value(grads[0]!, args.dim, args.index, 0) }),
    },
  },
  scatter_add: {
    default: {
      schema: "scatter_add(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
      meta: (a: Args): M => { checkGatherShapes("scatter_add", a.self, a.index, wrapDim("scatter_add", a.dim, a.self.ndim), a.src); return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }; },
      kernel: (a: Args) => scatterKernel("scatter_add", a, a.src, true),
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? grads[0]! : null,
        src: needs("src") ? padTo(aten.gather.default(grads[0]!, args.dim, args.index), args.src.shape) : null,
      }),
    },
  },
  index: {
    Tensor: {
      schema: "index.Tensor(Tensor self, Tensor?[] indices) -> Tensor",
      meta: indexMeta,
      kernel: (a: Args) => { const p = planIndex("index", a.self, a.indices, true); return takeLogical(a.self, p.outShape, p.src!); },
      derivative: ({ args, grads }) => ({ self: aten.index_put.default(aten.zeros_like.default(args.self), args.indices, grads[0]!, true) }),
    },
  },
  index_put: {
    default: {
      schema: "index_put(Tensor self, Tensor?[] indices, Tensor values, bool accumulate=False) -> Tensor",
      meta: (a: Args): M => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: indexPutKernel,
      derivative: ({ args, grads, needs }) => {
        const g = grads[0]!;
        const vals = args.values as Tensor;
        return {
          self: !needs("self") ? null : args.accumulate ? g : aten.index_put.default(g, args.indices, aten.new_zeros.default(vals, []), false),
          values: needs("values") ? sumToSize(aten.index.Tensor(g, args.indices), vals.shape) : null,
        };
      },
    },
  },
  masked_fill: {
    Scalar: {
      schema: "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
      meta: (a: Args) => maskedMeta("masked_fill", a),
      kernel: (a: Args) => maskedKernel("masked_fill", a),
      derivative: ({ args, grads }) => ({ self: sumToSize(aten.masked_fill.Scalar(grads[0]!, args.mask, 0), args.self.shape) }),
    },
    Tensor: {
      schema: "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
      meta: (a: Args) => maskedMeta("masked_fill", a),
      kernel: (a: Args) => maskedKernel("masked_fill", a),
      derivative: ({ args, grads, needs }) => {
        const g = grads[0]!;
        const kept = aten.masked_fill.Scalar(g, args.mask, 0);
        return {
          self: needs("self") ? sumToSize(kept, args.self.shape) : null,
          value: needs("value") ? aten.sum.default(aten.add.Tensor(g, kept, { alpha: -1 })) : null,
        };
      },
    },
  },
} satisfies OpFamily;
