// ops/shape_ops: view ops (view, _unsafe_view, expand, permute, transpose, t, squeeze, unsqueeze, slice,
// select, as_strided, alias), clone/contiguous, and the scatter ops their backwards use (slice_scatter,
// select_scatter, slice_backward, select_backward). In: tensors and sizes. Out: OpDefs; view ops return
// aliases of their input's storage (meta: viewOf "self") so fake tensors alias too.

import { Tensor } from "../tensor/tensor.js";
import { inferSize, viewStrides, fmtShape, numel, wrapDim, contiguousStrides } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { copyInto } from "./pointwise_util.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

type M = TensorMeta;
const viewOf = (self: Tensor, shape: readonly number[], strides: readonly number[], offset = self.offset): M =>
  ({ shape, strides, dtype: self.dtype, device: self.device, viewOf: "self", offset });

function viewMeta(a: Args, op = "view"): M {
  const self = a.self as Tensor;
  const shape = inferSize(op, a.size, self.numel());
  const st = viewStrides(self.shape, self.strides, shape);
  if (!st) throw new RangeError(`${op}: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces); input ${fmtShape(self.shape)} strides ${fmtShape(self.strides)}, size ${fmtShape(a.size)}. Use .reshape(...) instead.`);
  return viewOf(self, shape, st);
}

function expandMeta(a: Args): M {
  const self = a.self as Tensor;
  const size = a.size as number[];
  if (size.length < self.ndim) throw new RangeError(`expand: the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${self.ndim})`);
  const lead = size.length - self.ndim;
  const shape: number[] = [], strides: number[] = [];
  size.forEach((s, i) => {
    if (i < lead) {
      if (s < 0) throw new RangeError(`expand: the expanded size of the tensor (${s}) isn't allowed in a leading, non-existing dimension ${i}`);
      shape.push(s); strides.push(0);
      return;
    }
    const cur = self.shape[i - lead]!;
    const target = s === -1 ? cur : s;
    if (cur !== target && cur !== 1) throw new RangeError(`expand: the expanded size of the tensor (${target}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(size)}. Tensor sizes: ${fmtShape(self.shape)}`);
    shape.push(target);
    strides.push(cur === target ? self.strides[i - lead]! : 0);
  });
  return viewOf(self, shape, strides);
}

function asView(a: Args, m: M): Tensor {
  return (a.self as Tensor).aliasAs(m.shape, m.strides!, m.offset);
}

/** A view op: kernel = the meta rule applied to the real tensor's geometry. */
function viewOp(schema: string, meta: (a: Args) => M, derivative: import("./registry.js").OpDef["derivative"]) {
  return { schema, meta, kernel: (a: Args) => asView(a, meta(a)), derivative };
}

function tMeta(a: Args): M {
  const self = a.self as Tensor;
  if (self.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but self is ${self.ndim}D`);
  return viewOf(self, self.shape.slice().reverse(), self.strides.slice().reverse());
}

function permuteMeta(a: Args): M {
  const self = a.self as Tensor;
  const dims = a.dims as number[];
  if (dims.length !== self.ndim) throw new RangeError(`permute: number of dims don't match in permute (input ${fmtShape(self.shape)} has ${self.ndim} dims, got dims ${fmtShape(dims)})`);
  const w = dims.map((d) => wrapDim("permute", d, self.ndim));
  if (new Set(w).size !== w.length) throw new RangeError(`permute: repeated dim in permute dims ${fmtShape(dims)}`);
  return viewOf(self, w.map((d) => self.shape[d]!), w.map((d) => self.strides[d]!));
}

function transposeMeta(a: Args): M {
  const self = a.self as Tensor;
  if (self.ndim === 0) { wrapDim("transpose", a.dim0, 0); wrapDim("transpose", a.dim1, 0); return viewOf(self, [], []); }
  const d0 = wrapDim("transpose", a.dim0, self.ndim), d1 = wrapDim("transpose", a.dim1, self.ndim);
  const shape = self.shape.slice(), strides = self.strides.slice();
  [shape[d0], shape[d1]] = [shape[d1]!, shape[d0]!];
  [strides[d0], strides[d1]] = [strides[d1]!, strides[d0]!];
  return viewOf(self, shape, strides);
}

function squeezeDims(self: Tensor, dims: number[] | null): M {
  const drop = new Set<number>();
  if (dims === null) self.shape.forEach((s, i) => { if (s === 1) drop.add(i); });
  else for (const d of dims) { if (self.ndim === 0) { wrapDim("squeeze", d, 0); continue; } const w = wrapDim("squeeze", d, self.ndim); if (self.shape[w] === 1) drop.add(w); }
  const shape: number[] = [], strides: number[] = [];
  self.shape.forEach((s, i) => { if (!drop.has(i)) { shape.push(s); strides.push(self.strides[i]!); } });
  return viewOf(self, shape, strides);
}

function unsqueezeMeta(a: Args): M {
  const self = a.self as Tensor;
  const d = wrapDim("unsqueeze", a.dim, self.ndim + 1);
  const shape = self.shape.slice(), strides = self.strides.slice();
  const st = d < self.ndim ? self.shape[d]! * self.strides[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, st);
  return viewOf(self, shape, strides);
}

/** PyTorch's slice bounds: negative wrap, then clamp to [0, size]; end clamped to >= start. */
export function sliceBounds(size: number, start: number | null, end: number | null, step: number): { start: number; end: number; len: number } {
  if (step <= 0) throw new RangeError("slice: slice step must be positive");
  let s = start ?? 0, e = end ?? size;
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = Math.min(Math.max(s, 0), size);
  e = Math.min(Math.max(e, s), size);
  return { start: s, end: e, len: Math.ceil((e - s) / step) };
}

function sliceMeta(a: Args): M {
  const self = a.self as Tensor;
  if (self.ndim === 0) throw new RangeError("slice: slice() cannot be applied to a 0-dim tensor.");
  const d = wrapDim("slice", a.dim, self.ndim);
  const b = sliceBounds(self.shape[d]!, a.start, a.end, a.step);
  const shape = self.shape.slice(), strides = self.strides.slice();
  shape[d] = b.len;
  strides[d] = self.strides[d]! * a.step;
  return viewOf(self, shape, strides, self.offset + (b.len > 0 || b.start < self.shape[d]! ? b.start * self.strides[d]! : 0));
}

function selectIndex(op: string, shape: readonly number[], dim: number, index: number): { d: number; i: number } {
  if (shape.length === 0) throw new RangeError(`${op}: select() cannot be applied to a 0-dim tensor.`);
  const d = wrapDim(op, dim, shape.length);
  const size = shape[d]!;
  if (index < -size || index >= size) throw new RangeError(`${op}: select(): index ${index} out of range for tensor of size ${fmtShape(shape)} at dimension ${dim}`);
  return { d, i: index < 0 ? index + size : index };
}

function selectMeta(a: Args): M {
  const self = a.self as Tensor;
  const { d, i } = selectIndex("select", self.shape, a.dim, a.index);
  const shape = self.shape.slice(), strides = self.strides.slice();
  shape.splice(d, 1); strides.splice(d, 1);
  return viewOf(self, shape, strides, self.offset + i * self.strides[d]!);
}

function asStridedMeta(a: Args): M {
  const self = a.self as Tensor;
  const size = a.size as number[], stride = a.stride as number[];
  if (size.length !== stride.length) throw new RangeError(`as_strided: mismatch in length of strides and shape (size ${fmtShape(size)}, stride ${fmtShape(stride)})`);
  if (size.some((s) => s < 0) || stride.some((s) => s < 0)) throw new RangeError(`as_strided: negative sizes or strides are not supported (size ${fmtShape(size)}, stride ${fmtShape(stride)})`);
  const off = a.storage_offset ?? self.offset;
  let extent = off;
  if (numel(size) > 0) for (let i = 0; i < size.length; i++) extent += (size[i]! - 1) * stride[i]!;
  if (numel(size) > 0 && extent >= self.storage.size) throw new RangeError(`as_strided: setStorage: sizes ${fmtShape(size)}, strides ${fmtShape(stride)}, storage offset ${off} require a storage of ${extent + 1} elements, but the storage has ${self.storage.size}`);
  return viewOf(self, size, stride, off);
}

/** Fresh contiguous tensor of `shape` filled with zeros, with `src` copied into the (dim, start, step) slice. */
function sliceScatterKernel(self: Tensor | null, shape: readonly number[], dtype: Tensor["dtype"], src: Tensor, place: (base: Tensor) => Tensor, op: string): Tensor {
  const out = self ? fromFloat64(readAs(self, shape), shape, dtype) : fromFloat64(new Float64Array(numel(shape)), shape, dtype);
  const view = place(out);
  if (view.shape.length !== src.shape.length || view.shape.some((s, i) => s !== src.shape[i])) {
    throw new RangeError(`${op}: expected src to have a size equal to the slice of self. src size = ${fmtShape(src.shape)}, slice size = ${fmtShape(view.shape)}`);
  }
  copyInto(view, src);
  return out;
}

function sliceView(base: Tensor, dim: number, start: number | null, end: number | null, step: number): Tensor {
  const m = sliceMeta({ self: base, dim, start, end, step });
  return base.aliasAs(m.shape, m.strides!, m.offset);
}
function selectView(base: Tensor, dim: number, index: number): Tensor {
  const m = selectMeta({ self: base, dim, index });
  return base.aliasAs(m.shape, m.strides!, m.offset);
}

const sameAs = (a: Args): M => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device });

export const shapeOps = {
  t: { default: viewOp("t(Tensor(a) self) -> Tensor(a)", tMeta, ({ grads }) => ({ self: aten.t.default(grads[0]!) })) },
  view: {
    default: viewOp("view(Tensor(a) self, SymInt[] size) -> Tensor(a)", viewMeta,
      ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) })),
  },
  _unsafe_view: {
    default: {
      schema: "_unsafe_view(Tensor self, SymInt[] size) -> Tensor",
      meta: (a: Args): M => {
        const shape = inferSize("_unsafe_view", a.size, a.self.numel());
        return { shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: (a: Args) => {
        const self = a.self as Tensor;
        const shape = inferSize("_unsafe_view", a.size, self.numel());
        // Eager: shares storage like PyTorch (which requires a viewable input); meta: a fresh tensor.
        const m = viewMeta({ self, size: shape }, "_unsafe_view");
        return self.aliasAs(m.shape, m.strides!);
      },
      derivative: ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) }),
    },
  },
  expand: {
    default: viewOp("expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)", expandMeta,
      ({ args, grads }) => ({ self: sumToSize(grads[0]!, args.self.shape) })),
  },
  permute: {
    default: viewOp("permute(Tensor(a) self, int[] dims) -> Tensor(a)", permuteMeta, ({ args, grads }) => {
      const nd = args.self.ndim as number;
      const w = (args.dims as number[]).map((d) => (d < 0 ? d + nd : d));
      const inv = new Array<number>(nd);
      w.forEach((d, i) => { inv[d] = i; });
      return { self: aten.permute.default(grads[0]!, inv) };
    }),
  },
  transpose: {
    int: viewOp("transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", transposeMeta,
      ({ args, grads }) => ({ self: aten.transpose.int(grads[0]!, args.dim0, args.dim1) })),
  },
  squeeze: {
    default: viewOp("squeeze(Tensor(a) self) -> Tensor(a)", (a) => squeezeDims(a.self, null),
      ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) })),
    dim: viewOp("squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)", (a) => squeezeDims(a.self, [a.dim]),
      ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) })),
    dims: viewOp("squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)", (a) => squeezeDims(a.self, a.dim),
      ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) })),
  },
  unsqueeze: {
    default: viewOp("unsqueeze(Tensor(a) self, int dim) -> Tensor(a)", unsqueezeMeta, ({ args, grads }) =>
      ({ self: aten.squeeze.dim(grads[0]!, wrapDim("unsqueeze", args.dim, args.self.ndim + 1)) })),
  },
  slice: {
    Tensor: viewOp("slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)", sliceMeta,
      ({ args, grads }) => {
        const d = wrapDim("slice", args.dim, args.self.ndim);
        const b = sliceBounds(args.self.shape[d], args.start, args.end, args.step);
        return { self: aten.slice_backward.default(grads[0]!, [...args.self.shape], d, b.start, b.end, args.step) };
      }),
  },
  select: {
    int: viewOp("select.int(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", selectMeta,
      ({ args, grads }) => ({ self: aten.select_backward.default(grads[0]!, [...args.self.shape], args.dim, args.index) })),
  },
  as_strided: {
    default: viewOp("as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None) -> Tensor(a)", asStridedMeta,
      ({ args, grads }) => {
        // Gradient for a non-overlapping input: scatter-add the output's storage positions into a flat
        // buffer that covers the input's storage window, then view it with the input's geometry.
        const self = args.self as Tensor, g = grads[0]!;
        const outOff = args.storage_offset ?? self.offset;
        let lo = Math.min(self.offset, outOff), hi = Math.max(self.offset, outOff);
        const ext = (sh: readonly number[], st: readonly number[], o: number) => { let e = o; for (let i = 0; i < sh.length; i++) e += (sh[i]! - 1) * st[i]!; return e; };
        if (self.numel()) hi = Math.max(hi, ext(self.shape, self.strides, self.offset));
        if (g.numel()) hi = Math.max(hi, ext(args.size, args.stride, outOff));
        lo = Math.min(lo, hi);
        const n = hi - lo + 1;
        const pos = new Float64Array(numel(args.size));
        const cs = contiguousStrides(args.size);
        for (let k = 0; k < pos.length; k++) {
          let rem = k, off = outOff - lo;
          for (let d = 0; d < cs.length; d++) { const i = Math.floor(rem / cs[d]!); rem -= i * cs[d]!; off += i * args.stride[d]; }
          pos[k] = off;
        }
        // The positions are a constant of the graph (like make_fx's _tensor_constant).
        const posT = Tensor.fromValues(pos, [pos.length], "int64", g.device);
        const flat = aten.new_zeros.default(g, [n]);
        const acc = aten.index_put.default(flat, [posT], aten.view.default(aten.contiguous.default(g), [pos.length]), true);
        return { self: aten.as_strided.default(acc, [...self.shape], [...self.strides], self.offset - lo) };
      }),
  },
  alias: { default: viewOp("alias(Tensor(a) self) -> Tensor(a)", (a) => viewOf(a.self, a.self.shape, a.self.strides), ({ grads }) => ({ self: grads[0]! })) },
  clone: {
    default: {
      schema: "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
      meta: sameAs,
      kernel: (a: Args) => fromFloat64(readAs(a.self, a.self.shape), a.self.shape, a.self.dtype),
      derivative: ({ grads }) => ({ self: grads[0]! }),
    },
  },
  contiguous: {
    default: {
      // coil keeps contiguous as an op (PyTorch: a composite); it returns self when already contiguous.
      schema: "contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)",
      meta: (a: Args): M => (a.self as Tensor).isContiguous() ? viewOf(a.self, a.self.shape, a.self.strides) : sameAs(a),
      kernel: (a: Args) => (a.self as Tensor).isContiguous() ? (a.self as Tensor).aliasAs(a.self.shape, a.self.strides) : fromFloat64(readAs(a.self, a.self.shape), a.self.shape, a.self.dtype),
      derivative: ({ grads }) => ({ self: grads[0]! }),
    },
  },
  slice_scatter: {
    default: {
      schema: "slice_scatter(Tensor self, Tensor src, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor",
      meta: (a: Args): M => { sliceMeta(a); return sameAs(a); },
      kernel: (a: Args) => sliceScatterKernel(a.self, a.self.shape, a.self.dtype, a.src, (b) => sliceView(b, a.dim, a.start, a.end, a.step), "slice_scatter"),
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.slice_scatter.default(grads[0]!, aten.zeros_like.default(args.src), args.dim, args.start, args.end, args.step) : null,
        src: needs("src") ? aten.slice.Tensor(grads[0]!, args.dim, args.start, args.end, args.step) : null,
      }),
    },
  },
  select_scatter: {
    default: {
      schema: "select_scatter(Tensor self, Tensor src, int dim, SymInt index) -> Tensor",
      meta: (a: Args): M => { selectMeta(a); return sameAs(a); },
      kernel: (a: Args) => sliceScatterKernel(a.self, a.self.shape, a.self.dtype, a.src, (b) => selectView(b, a.dim, a.index), "select_scatter"),
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? aten.select_scatter.default(grads[0]!, aten.zeros_like.default(args.src), args.dim, args.index) : null,
        src: needs("src") ? aten.select.int(grads[0]!, args.dim, args.index) : null,
      }),
    },
  },
  slice_backward: {
    default: {
      schema: "slice_backward(Tensor grad_output, SymInt[] input_sizes, int dim, SymInt start, SymInt end, SymInt step) -> Tensor",
      meta: (a: Args): M => ({ shape: a.input_sizes, dtype: a.grad_output.dtype, device: a.grad_output.device }),
      kernel: (a: Args) => sliceScatterKernel(null, a.input_sizes, a.grad_output.dtype, a.grad_output, (b) => sliceView(b, a.dim, a.start, a.end, a.step), "slice_backward"),
      derivative: ({ args, grads }) => ({ grad_output: aten.slice.Tensor(grads[0]!, args.dim, args.start, args.end, args.step) }),
    },
  },
  select_backward: {
    default: {
      schema: "select_backward(Tensor grad_output, SymInt[] input_sizes, int dim, SymInt index) -> Tensor",
      meta: (a: Args): M => ({ shape: a.input_sizes, dtype: a.grad_output.dtype, device: a.grad_output.device }),
      kernel: (a: Args) => sliceScatterKernel(null, a.input_sizes, a.grad_output.dtype, a.grad_output, (b) => selectView(b, a.dim, a.index), "select_backward"),
      derivative: ({ args, grads }) => ({ grad_output: aten.select.int(grads[0]!, args.dim, args.index) }),
    },
  },
} satisfies OpFamily;
