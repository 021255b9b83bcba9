// ops/movement_ops: copying data-movement ops: cat, split/split_with_sizes (views), _to_copy (dtype casts),
// flip, roll, repeat, triu/tril, constant_pad_nd, reflection/replication padding (+ their backwards).
// In: tensors and sizes. Out: OpDefs whose kernels accept any strides and every dtype.

import { Tensor } from "../tensor/tensor.js";
import { dtypeOf, promoteTypes, type DType } from "../tensor/dtype.js";
import { fmtShape, wrapDim, numel, contiguousStrides } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta, OpDef } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { takeLogical, scatterLogical, separableIndex, unravel } from "./kernels/movement.js";
import { aten } from "./ref.js";

type M = TensorMeta;

// ---- cat ----
/** PyTorch skips legacy 1-D empty tensors (shape [0]) when checking and concatenating. */
const skipInCat = (t: Tensor) => t.ndim === 1 && t.shape[0] === 0;

function catMeta(a: Args): M {
  const ts = a.tensors as Tensor[];
  if (ts.length === 0) throw new RangeError("cat: expected a non-empty list of Tensors");
  ts.forEach((t, i) => { if (t.ndim === 0) throw new RangeError(`cat: zero-dimensional tensor (at position ${i}) cannot be concatenated`); });
  let dtype = ts[0]!.dtype;
  for (const t of ts) dtype = promoteTypes(dtype, t.dtype);
  const ref = ts.find((t) => !skipInCat(t));
  if (!ref) return { shape: [0], dtype, device: ts[0]!.device };
  const d = wrapDim("cat", a.dim, ref.ndim);
  const shape = ref.shape.slice();
  shape[d] = 0;
  ts.forEach((t, i) => {
    if (skipInCat(t)) return;
    if (t.ndim !== ref.ndim) throw new RangeError(`cat: Tensors must have same number of dimensions: got ${ref.ndim} and ${t.ndim} (shapes ${ts.map((x) => fmtShape(x.shape)).join(", ")})`);
    for (let k = 0; k < t.ndim; k++) {
      if (k !== d && t.shape[k] !== ref.shape[k]) throw new RangeError(`cat: Sizes of tensors must match except in dimension ${d}. Expected size ${ref.shape[k]} but got size ${t.shape[k]} for tensor number ${i} in the list (shapes ${ts.map((x) => fmtShape(x.shape)).join(", ")})`);
    }
    shape[d]! += t.shape[d]!;
  });
  return { shape, dtype, device: ref.device };
}

function catKernel(a: Args): Tensor {
  const m = catMeta(a);
  const ts = (a.tensors as Tensor[]).filter((t) => !skipInCat(t));
  const out = new Float64Array(numel(m.shape));
  if (ts.length === 0) return fromFloat64(out, m.shape, m.dtype);
  const d = wrapDim("cat", a.dim, m.shape.length);
  const outer = m.shape.slice(0, d).reduce((p, s) => p * s, 1);
  const inner = m.shape.slice(d + 1).reduce((p, s) => p * s, 1);
  const rowOut = m.shape[d]! * inner;
  let col = 0;
  for (const t of ts) {
    const v = readAs(t, t.shape);
    const rowIn = t.shape[d]! * inner;
    for (let o = 0; o < outer; o++) out.set(v.subarray(o * rowIn, (o + 1) * rowIn), o * rowOut + col);
    col += rowIn;
  }
  return fromFloat64(out, m.shape, m.dtype);
}

// ---- split ----
function splitSizes(op: string, self: Tensor, sizes: number[], dim: number): M[] {
  if (self.ndim === 0) throw new RangeError(`${op}: expected at least a 1-dimensional tensor`);
  const d = wrapDim(op, dim, self.ndim);
  const total = sizes.reduce((p, s) => p + s, 0);
  if (sizes.some((s) => s < 0) || total !== self.shape[d]) throw new RangeError(`${op}: split_with_sizes expects split_sizes to sum exactly to ${self.shape[d]} (input tensor's size at dimension ${dim}), but got split_sizes=${fmtShape(sizes)}`);
  let start = 0;
  return sizes.map((s) => {
    const shape = self.shape.slice();
    shape[d] = s;
    const m: M = { shape, strides: self.strides, dtype: self.dtype, device: self.device, viewOf: "self", offset: self.offset + start * self.strides[d]! };
    start += s;
    return m;
  });
}

function splitTensorSizes(self: Tensor, size: number, dim: number): number[] {
  if (self.ndim === 0) throw new RangeError("split: expected at least a 1-dimensional tensor");
  const d = wrapDim("split", dim, self.ndim);
  const n = self.shape[d]!;
  if (size < 0) throw new RangeError(`split: split expects split_size be non-negative, but got split_size=${size}`);
  if (size === 0) { if (n !== 0) throw new RangeError(`split: split_size can only be 0 if dimension size is 0, but got dimension size of ${n}`); return [0]; }
  const k = Math.max(Math.ceil(n / size), 1);
  return Array.from({ length: k }, (_, i) => Math.min(size, n - i * size));
}

const splitBackward: OpDef["derivative"] = ({ args, outputs, grads }) => {
  const gs = outputs.map((o, i) => grads[i] ?? aten.zeros_like.default(o));
  return { self: aten.cat.default(gs, args.dim) };
};

const views = (a: Args, ms: M[]): Tensor[] => ms.map((m) => (a.self as Tensor).aliasAs(m.shape, m.strides!, m.offset));

// ---- padding ----
type PadMode = "reflect" | "replicate";
function padMeta(op: string, self: Tensor, pad: number[], k: number, mode: PadMode | "constant"): M {
  if (pad.length % 2 !== 0) throw new RangeError(`${op}: Padding length must be divisible by 2`);
  if (pad.length / 2 > self.ndim) throw new RangeError(`${op}: Padding length should be less than or equal to two times the input dimension but got padding length ${pad.length} and input of dimension ${self.ndim}`);
  if (mode !== "constant") {
    if (self.ndim !== k + 1 && self.ndim !== k + 2) throw new RangeError(`${op}: expected ${k + 1}D or ${k + 2}D input, but got input of size ${fmtShape(self.shape)}`);
    for (let j = 0; j < k; j++) {
      const d = self.ndim - 1 - j;
      const size = self.shape[d]!;
      const [l, r] = [pad[2 * j]!, pad[2 * j + 1]!];
      if (mode === "reflect" && (l >= size || r >= size)) throw new RangeError(`${op}: Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${d} of input ${fmtShape(self.shape)}`);
      if (mode === "replicate" && size === 0) throw new RangeError(`${op}: input of size ${fmtShape(self.shape)} has an empty padded dimension ${d}`);
    }
  }
  const shape = self.shape.slice();
  for (let j = 0; j < pad.length / 2; j++) {
    const d = self.ndim - 1 - j;
    shape[d] = shape[d]! + pad[2 * j]! + pad[2 * j + 1]!;
    if (shape[d]! < 0) throw new RangeError(`${op}: The input size ${self.shape[d]}, plus negative padding ${pad[2 * j]} and ${pad[2 * j + 1]} resulted in a negative output size, which is invalid. Check dimension ${d} of your input.`);
  }
  return { shape, dtype: self.dtype, device: self.device };
}

function padIndex(self: Tensor, pad: number[], shape: readonly number[], mode: PadMode | "constant"): Float64Array {
  const nd = self.ndim;
  return separableIndex(shape, self.shape, (d, i) => {
    const j = nd - 1 - d;
    if (2 * j >= pad.length) return i;
    const size = self.shape[d]!;
    let s = i - pad[2 * j]!;
    if (mode === "constant") return s >= 0 && s < size ? s : -1;
    if (mode === "replicate") return Math.min(Math.max(s, 0), size - 1);
    if (size === 1) return 0;
    const period = 2 * (size - 1);
    s = ((s % period) + period) % period;
    return s < size ? s : period - s;
  });
}

function padOps(name: string, k: number, mode: PadMode) {
  const fwd: OpDef = {
    schema: `${name}(Tensor self, SymInt[${2 * k}] padding) -> Tensor`,
    meta: (a: Args) => padMeta(name, a.self, a.padding, k, mode),
    kernel: (a: Args) => { const m = padMeta(name, a.self, a.padding, k, mode); return takeLogical(a.self, m.shape, padIndex(a.self, a.padding, m.shape, mode)); },
    derivative: ({ args, grads }) => ({ self: (aten as Record<string, Record<string, (...x: unknown[]) => Tensor>>)[`${name}_backward`]!.default!(grads[0]!, args.self, args.padding) }),
  };
  const bwd: OpDef = {
    schema: `${name}_backward(Tensor grad_output, Tensor self, SymInt[${2 * k}] padding) -> Tensor`,
    meta: (a: Args) => ({ shape: a.self.shape, dtype: a.grad_output.dtype, device: a.self.device }),
    kernel: (a: Args) => {
      const m = padMeta(name, a.self, a.padding, k, mode);
      const g = a.grad_output as Tensor;
      if (g.shape.length !== m.shape.length || g.shape.some((s, i) => s !== m.shape[i])) throw new RangeError(`${name}_backward: grad_output size ${fmtShape(g.shape)} does not match the padded output size ${fmtShape(m.shape)}`);
      return scatterLogical(null, a.self.shape, g.dtype, g, padIndex(a.self, a.padding, m.shape, mode), true);
    },
    derivative: ({ args, grads, needs }) => ({
      grad_output: (aten as Record<string, Record<string, (...x: unknown[]) => Tensor>>)[name]!.default!(grads[0]!, args.padding),
      self: needs("self") ? aten.zeros_like.default(args.self) : null,
    }),
  };
  return { fwd, bwd };
}
const rp1 = padOps("reflection_pad1d", 1, "reflect"), rp2 = padOps("reflection_pad2d", 2, "reflect");
const pp1 = padOps("replication_pad1d", 1, "replicate"), pp2 = padOps("replication_pad2d", 2, "replicate");

// ---- flip / roll / repeat / triu ----
function flipDims(self: Tensor, dims: number[]): Set<number> {
  const w = dims.map((d) => wrapDim("flip", d, self.ndim));
  if (new Set(w).size !== w.length) throw new RangeError(`flip: dims has duplicates, original flip dims size=${dims.length}, but unique flip dims size=${new Set(w).size}`);
  return new Set(w);
}

function rollIndex(self: Tensor, shifts: number[], dims: number[]): Float64Array {
  if (dims.length === 0) {
    if (shifts.length !== 1) throw new RangeError(`roll: shifts and dimensions must align. shifts: ${shifts.length}, dims: 0`);
    const n = self.numel();
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (((i - shifts[0]!) % n) + n) % n;
    return out;
  }
  if (shifts.length !== dims.length) throw new RangeError(`roll: shifts and dimensions must align. shifts: ${shifts.length}, dims: ${dims.length}`);
  const shiftOf = new Array<number>(self.ndim).fill(0);
  dims.forEach((d, i) => { const w = wrapDim("roll", d, self.ndim); shiftOf[w]! += shifts[i]!; });
  return separableIndex(self.shape, self.shape, (d, i) => { const n = self.shape[d]!; return (((i - shiftOf[d]!) % n) + n) % n; });
}

function repeatMeta(a: Args): M {
  const self = a.self as Tensor, r = a.repeats as number[];
  if (r.length < self.ndim) throw new RangeError(`repeat: Number of dimensions of repeat dims (${r.length}) can not be smaller than number of dimensions of tensor (${self.ndim})`);
  if (r.some((x) => x < 0)) throw new RangeError(`repeat: Trying to create tensor with negative dimension: repeats ${fmtShape(r)}`);
  const lead = r.length - self.ndim;
  return { shape: r.map((x, i) => x * (i < lead ? 1 : self.shape[i - lead]!)), dtype: self.dtype, device: self.device };
}

function triKernel(a: Args, upper: boolean, op: string): Tensor {
  const self = a.self as Tensor;
  if (self.ndim < 2) throw new RangeError(`${op}: input tensor must have at least 2 dimensions (got ${fmtShape(self.shape)})`);
  const nd = self.ndim, rows = self.shape[nd - 2]!, cols = self.shape[nd - 1]!;
  const n = self.numel();
  const src = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % cols, r = Math.floor(i / cols) % rows;
    const keep = upper ? c - r >= a.diagonal : c - r <= a.diagonal;
    src[i] = keep ? i : -1;
  }
  return takeLogical(self, self.shape, src, 0);
}

function toCopyDtype(a: Args): DType {
  return a.dtype !== null && a.dtype !== undefined ? dtypeOf(a.dtype) : a.self.dtype;
}

const same = (a: Args): M => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device });

export const movementOps = {
  cat: {
    default: {
      schema: "cat(Tensor[] tensors, int dim=0) -> Tensor",
      meta: catMeta,
      kernel: catKernel,
      derivative: ({ args, grads }) => {
        const ts = args.tensors as Tensor[];
        const g = grads[0]!;
        const ref = ts.find((t) => !skipInCat(t));
        const d = ref ? wrapDim("cat", args.dim, ref.ndim) : 0;
        let start = 0;
        return {
          tensors: ts.map((t) => {
            let gi: Tensor;
            if (skipInCat(t)) gi = aten.new_zeros.default(g, [0], { dtype: t.dtype });
            else { gi = aten.slice.Tensor(g, d, start, start + t.shape[d]!); start += t.shape[d]!; }
            return gi.dtype === t.dtype ? gi : aten._to_copy.default(gi, { dtype: t.dtype });
          }),
        };
      },
    },
  },
  split: {
    Tensor: {
      schema: "split.Tensor(Tensor(a) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
      meta: (a: Args) => splitSizes("split", a.self, splitTensorSizes(a.self, a.split_size, a.dim), a.dim),
      kernel: (a: Args) => views(a, splitSizes("split", a.self, splitTensorSizes(a.self, a.split_size, a.dim), a.dim)),
      derivative: splitBackward,
    },
  },
  split_with_sizes: {
    default: {
      schema: "split_with_sizes(Tensor(a) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]",
      meta: (a: Args) => splitSizes("split_with_sizes", a.self, a.split_sizes, a.dim),
      kernel: (a: Args) => views(a, splitSizes("split_with_sizes", a.self, a.split_sizes, a.dim)),
      derivative: splitBackward,
    },
  },
  _to_copy: {
    default: {
      schema: "_to_copy(Tensor self, *, ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None, bool non_blocking=False, MemoryFormat? memory_format=None) -> Tensor",
      meta: (a: Args): M => ({ shape: a.self.shape, dtype: toCopyDtype(a), device: a.device ?? a.self.device }),
      kernel: (a: Args) => {
        const self = a.self as Tensor, d = toCopyDtype(a);
        if (a.device && a.device !== self.device) throw new TypeError(`_to_copy: copying to device '${a.device}' is not supported by the eager CPU kernels (tensor is on ${self.device})`);
        return fromFloat64(readAs(self, self.shape), self.shape, d);
      },
      derivative: ({ args, grads }) => ({ self: aten._to_copy.default(grads[0]!, { dtype: args.self.dtype }) }),
    },
  },
  flip: {
    default: {
      schema: "flip(Tensor self, int[] dims) -> Tensor",
      meta: (a: Args) => { flipDims(a.self, a.dims); return same(a); },
      kernel: (a: Args) => {
        const self = a.self as Tensor, fd = flipDims(self, a.dims);
        return takeLogical(self, self.shape, separableIndex(self.shape, self.shape, (d, i) => (fd.has(d) ? self.shape[d]! - 1 - i : i)));
      },
      derivative: ({ args, grads }) => ({ self: aten.flip.default(grads[0]!, args.dims) }),
    },
  },
  roll: {
    default: {
      schema: "roll(Tensor self, SymInt[1] shifts, int[1] dims=[]) -> Tensor",
      meta: (a: Args) => { if (a.self.numel()) rollIndex(a.self, a.shifts, a.dims); return same(a); },
      kernel: (a: Args) => (a.self.numel() ? takeLogical(a.self, a.self.shape, rollIndex(a.self, a.shifts, a.dims)) : aten.clone.default(a.self)),
      derivative: ({ args, grads }) => ({ self: aten.roll.default(grads[0]!, (args.shifts as number[]).map((s) => -s), args.dims) }),
    },
  },
  repeat: {
    default: {
      schema: "repeat(Tensor self, SymInt[] repeats) -> Tensor",
      meta: repeatMeta,
      kernel: (a: Args) => {
        const self = a.self as Tensor, m = repeatMeta(a);
        const lead = m.shape.length - self.ndim;
        const inShape = [...new Array<number>(lead).fill(1), ...self.shape];
        const inStr = contiguousStrides(inShape);
        const n = numel(m.shape), src = new Float64Array(n), idx = new Array<number>(m.shape.length).fill(0);
        for (let k = 0; k < n; k++) {
          unravel(k, m.shape, idx);
          let off = 0;
          for (let d = 0; d < idx.length; d++) off += (idx[d]! % inShape[d]!) * inStr[d]!;
          src[k] = off;
        }
        return takeLogical(self, m.shape, src);
      },
      derivative: ({ args, grads }) => {
        const self = args.self as Tensor, r = args.repeats as number[];
        const lead = r.length - self.ndim;
        const inShape = [...new Array<number>(lead).fill(1), ...self.shape];
        const split: number[] = [], sumDims: number[] = [];
        inShape.forEach((s, i) => { sumDims.push(split.length); split.push(r[i]!, s); });
        let g = aten.view.default(aten.contiguous.default(grads[0]!), split);
        g = aten.sum.dim_IntList(g, sumDims, false);
        return { self: aten.view.default(g, [...self.shape]) };
      },
    },
  },
  triu: {
    default: {
      schema: "triu(Tensor self, int diagonal=0) -> Tensor",
      meta: (a: Args) => { if (a.self.ndim < 2) throw new RangeError(`triu: input tensor must have at least 2 dimensions (got ${fmtShape(a.self.shape)})`); return same(a); },
      kernel: (a: Args) => triKernel(a, true, "triu"),
      derivative: ({ args, grads }) => ({ self: aten.triu.default(grads[0]!, args.diagonal) }),
    },
  },
  tril: {
    default: {
      schema: "tril(Tensor self, int diagonal=0) -> Tensor",
      meta: (a: Args) => { if (a.self.ndim < 2) throw new RangeError(`tril: input tensor must have at least 2 dimensions (got ${fmtShape(a.self.shape)})`); return same(a); },
      kernel: (a: Args) => triKernel(a, false, "tril"),
      derivative: ({ args, grads }) => ({ self: aten.tril.default(grads[0]!, args.diagonal) }),
    },
  },
  constant_pad_nd: {
    default: {
      schema: "constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
      meta: (a: Args) => padMeta("constant_pad_nd", a.self, a.pad, 0, "constant"),
      kernel: (a: Args) => {
        const m = padMeta("constant_pad_nd", a.self, a.pad, 0, "constant");
        return takeLogical(a.self, m.shape, padIndex(a.self, a.pad, m.shape, "constant"), Number(a.value));
      },
      derivative: ({ args, grads }) => ({ self: aten.constant_pad_nd.default(grads[0]!, (args.pad as number[]).map((p) => -p)) }),
    },
  },
  reflection_pad1d: { default: rp1.fwd },
  reflection_pad1d_backward: { default: rp1.bwd },
  reflection_pad2d: { default: rp2.fwd },
  reflection_pad2d_backward: { default: rp2.bwd },
  replication_pad1d: { default: pp1.fwd },
  replication_pad1d_backward: { default: pp1.bwd },
  replication_pad2d: { default: pp2.fwd },
  replication_pad2d_backward: { default: pp2.bwd },
} satisfies OpFamily;

