// ops/scan_ops: ops that work along one dim: cumsum, cumprod, _softmax/_log_softmax (+ their
// _backward_data ops, which Inductor sees), sort and topk. In: tensors and a dim. Out: OpDefs.

import { Tensor } from "../tensor/tensor.js";
import { int64, float32, dtypeOf, isHalfLike, type DType } from "../tensor/dtype.js";
import { wrapDim, fmtShape } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { fromFloat64 } from "./kernels/elementwise.js";
import { mapLines, planLines, readLine } from "./kernels/reduce.js";
import { accDtype, requireFloat, castLike } from "./reduction_ops.js";
import { aten } from "./ref.js";

function wdim(op: string, dim: number, x: Tensor): number {
  return wrapDim(op, dim, x.ndim);
}

/** Σ_{j>=i} g_j along dim (reverse cumulative sum), written with aten ops. */
function reverseCumsum(g: Tensor, dim: number): Tensor {
  const total = aten.sum.dim_IntList(g, [dim], true) as Tensor;
  return aten.add.Tensor(aten.sub.Tensor(total, aten.cumsum.default(g, dim)), g) as Tensor;
}

function scanOp(name: "cumsum" | "cumprod") {
  const m = (a: Args): TensorMeta => {
    wdim(name, a.dim, a.self);
    return { shape: a.self.shape, dtype: accDtype(a.self.dtype, a.dtype), device: a.self.device };
  };
  return {
    schema: `${name}(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor`,
    meta: m,
    kernel: (a: Args) => {
      const mm = m(a);
      const d = wdim(name, a.dim, a.self);
      const out = mapLines(a.self, d, name === "cumsum"
        ? (b, n) => { let s = 0; for (let i = 0; i < n; i++) { s += b[i]!; b[i] = s; } }
        : (b, n) => { let s = 1; for (let i = 0; i < n; i++) { s *= b[i]!; b[i] = s; } });
      return fromFloat64(out, mm.shape, mm.dtype);
    },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) => {
      const x = args.self as Tensor;
      if (x.ndim === 0) return { self: castLike(grads[0]!, x) };
      const d = wdim(name, args.dim, x);
      if (name === "cumsum") return { self: castLike(reverseCumsum(grads[0]!, d), x) };
      // d out_j / d x_i = out_j / x_i for j >= i (inputs without zeros; zeros give inf/nan like the naive formula).
      return { self: castLike(aten.div.Tensor(reverseCumsum(aten.mul.Tensor(grads[0]!, outputs[0]!) as Tensor, d), x) as Tensor, x) };
    },
  };
}

function softmaxDtype(op: string, a: Args): DType {
  requireFloat(op, a.self, "expected a floating point input");
  if (a.half_to_float) {
    if (!isHalfLike(a.self.dtype)) throw new TypeError(`${op}: conversion from ${a.self.dtype.name} to float32 with half_to_float=True requires a half/bfloat16 input`);
    return float32;
  }
  return a.self.dtype;
}

/** Contiguous float32/float64 input, softmax over the last dim: work on the storage directly. */
function softmaxLastDimFast(x: Tensor, dim: number, outDtype: DType, log: boolean): Tensor | null {
  if (!x.isContiguous() || isHalfLike(x.dtype) || outDtype !== x.dtype || (x.ndim > 0 && dim !== x.ndim - 1)) return null;
  const n = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  const rows = n === 0 ? 0 : x.numel() / n;
  const out = Tensor.empty(x.shape, x.dtype);
  const src = x.data(), dst = out.data(), off = x.offset;
  for (let r = 0; r < rows; r++) {
    const b = off + r * n, ob = r * n;
    let mx = -Infinity;
    for (let i = 0; i < n; i++) { const v = src[b + i]!; if (v > mx || v !== v) mx = v; }
    if (mx === -Infinity) mx = 0;
    let s = 0;
    if (log) {
      for (let i = 0; i < n; i++) s += Math.exp(src[b + i]! - mx);
      const ls = Math.log(s) + mx;
      for (let i = 0; i < n; i++) dst[ob + i] = src[b + i]! - ls;
    } else {
      for (let i = 0; i < n; i++) { const e = Math.exp(src[b + i]! - mx); dst[ob + i] = e; s += e; }
      const inv = 1 / s;
      for (let i = 0; i < n; i++) dst[ob + i] = dst[ob + i]! * inv;
    }
  }
  return out;
}

function softmaxOp(log: boolean) {
  const name = log ? "_log_softmax" : "_softmax";
  const m = (a: Args): TensorMeta => {
    wdim(name, a.dim, a.self);
    return { shape: a.self.shape, dtype: softmaxDtype(name, a), device: a.self.device };
  };
  return {
    schema: `${name}(Tensor self, int dim, bool half_to_float) -> Tensor`,
    meta: m,
    kernel: (a: Args) => {
      const mm = m(a);
      const fast = softmaxLastDimFast(a.self, wdim(name, a.dim, a.self), mm.dtype, log);
      if (fast) return fast;
      const out = mapLines(a.self, wdim(name, a.dim, a.self), (b, n) => {
        let mx = -Infinity;
        for (let i = 0; i < n; i++) { const v = b[i]!; if (v > mx || v !== v) mx = v; }
        if (mx === -Infinity) mx = 0;
        let s = 0;
        if (log) {
          for (let i = 0; i < n; i++) s += Math.exp(b[i]! - mx);
          const ls = Math.log(s) + mx;
          for (let i = 0; i < n; i++) b[i] = b[i]! - ls;
        } else {
          for (let i = 0; i < n; i++) { const e = Math.exp(b[i]! - mx); b[i] = e; s += e; }
          const inv = 1 / s;
          for (let i = 0; i < n; i++) b[i] = b[i]! * inv;
        }
      });
      return fromFloat64(out, mm.shape, mm.dtype);
    },
    derivative: ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) => ({
      self: (log ? aten._log_softmax_backward_data.default : aten._softmax_backward_data.default)(grads[0]!, outputs[0]!, args.dim, args.self.dtype) as Tensor,
    }),
  };
}

function softmaxBackwardOp(log: boolean) {
  const name = log ? "_log_softmax_backward_data" : "_softmax_backward_data";
  const m = (a: Args): TensorMeta => {
    const g = a.grad_output as Tensor, o = a.output as Tensor;
    if (g.shape.length !== o.shape.length || g.shape.some((s, i) => s !== o.shape[i])) {
      throw new RangeError(`${name}: grad_output ${fmtShape(g.shape)} and output ${fmtShape(o.shape)} must have the same shape`);
    }
    wdim(name, a.dim, o);
    return { shape: o.shape, dtype: dtypeOf(a.input_dtype), device: o.device };
  };
  return {
    schema: `${name}(Tensor grad_output, Tensor output, int dim, ScalarType input_dtype) -> Tensor`,
    meta: m,
    kernel: (a: Args) => {
      const mm = m(a);
      const d = wdim(name, a.dim, a.output);
      const pg = planLines(a.grad_output, d), po = planLines(a.output, d);
      const out = new Float64Array(pg.lines * pg.len);
      const gb = new Float64Array(pg.len), ob = new Float64Array(pg.len);
      const n = pg.len;
      for (let l = 0; l < pg.lines; l++) {
        readLine(pg, l, gb);
        readLine(po, l, ob);
        let s = 0;
        if (log) {
          for (let i = 0; i < n; i++) s += gb[i]!;
          for (let i = 0, off = pg.outBase[l]!; i < n; i++, off += pg.outStride) out[off] = gb[i]! - Math.exp(ob[i]!) * s;
        } else {
          for (let i = 0; i < n; i++) s += gb[i]! * ob[i]!;
          for (let i = 0, off = pg.outBase[l]!; i < n; i++, off += pg.outStride) out[off] = ob[i]! * (gb[i]! - s);
        }
      }
      return fromFloat64(out, mm.shape, mm.dtype);
    },
    derivative: { notImplemented: `double backward of ${log ? "log_softmax" : "softmax"}` },
  };
}

/** Order of row indices: ascending puts NaN last, descending puts NaN first (PyTorch). Stable. */
function orderRow(b: Float64Array, n: number, descending: boolean, order: number[]): void {
  order.length = n;
  for (let i = 0; i < n; i++) order[i] = i;
  const cmp = descending
    ? (i: number, j: number) => { const x = b[i]!, y = b[j]!; if (x !== x) return y !== y ? 0 : -1; if (y !== y) return 1; return x > y ? -1 : x < y ? 1 : 0; }
    : (i: number, j: number) => { const x = b[i]!, y = b[j]!; if (x !== x) return y !== y ? 0 : 1; if (y !== y) return -1; return x < y ? -1 : x > y ? 1 : 0; };
  order.sort(cmp);
}

/** Sort (or select the first k of) every line along dim; returns values and int64 indices. */
function sortLines(x: Tensor, dim: number, descending: boolean, k: number, shape: number[]): Tensor[] {
  const p = planLines(x, dim);
  const cs = shape.length === 0 ? [1] : shape;
  // Output line bases in a contiguous tensor of `shape` (k along dim).
  let outStride = 1;
  for (let i = cs.length - 1; i > dim; i--) outStride *= cs[i]!;
  const vals = new Float64Array(p.lines * k), idx = new Float64Array(p.lines * k);
  const buf = new Float64Array(p.len);
  const order: number[] = [];
  for (let l = 0; l < p.lines; l++) {
    readLine(p, l, buf);
    orderRow(buf, p.len, descending, order);
    const outer = Math.floor(l / outStride), inner = l % outStride;
    const base = outer * outStride * k + inner;
    for (let j = 0; j < k; j++) {
      vals[base + j * outStride] = buf[order[j]!]!;
      idx[base + j * outStride] = order[j]!;
    }
  }
  return [fromFloat64(vals, shape, x.dtype), fromFloat64(idx, shape, int64)];
}

function sortMeta(a: Args): TensorMeta[] {
  wdim("sort", a.dim, a.self);
  return [{ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }, { shape: a.self.shape, dtype: int64, device: a.self.device }];
}
function sortKernel(a: Args): Tensor[] {
  const d = a.self.ndim === 0 ? 0 : wdim("sort", a.dim, a.self);
  const len = a.self.ndim === 0 ? 1 : a.self.shape[d]!;
  return sortLines(a.self, d, !!a.descending, len, a.self.shape.slice());
}
const sortDerivative = ({ args, outputs, grads }: { args: Args; outputs: readonly Tensor[]; grads: readonly (Tensor | null)[] }) => ({
  self: aten.value_selecting_reduction_backward.default(grads[0]!, args.self.ndim === 0 ? 0 : wdim("sort", args.dim, args.self), outputs[1]!, [...args.self.shape], true) as Tensor,
});

function topkMeta(a: Args): TensorMeta[] {
  const x = a.self as Tensor;
  const d = x.ndim === 0 ? 0 : wdim("topk", a.dim, x);
  const len = x.ndim === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(a.k) || a.k < 0 || a.k > len) throw new RangeError(`topk: selected index k out of range (k=${a.k}, dim ${a.dim} of size ${len}, input shape ${fmtShape(x.shape)})`);
  const shape = x.shape.slice();
  if (x.ndim > 0) shape[d] = a.k;
  return [{ shape, dtype: x.dtype, device: x.device }, { shape, dtype: int64, device: x.device }];
}

export const scanOps = {
  cumsum: { default: scanOp("cumsum") },
  cumprod: { default: scanOp("cumprod") },
  _softmax: { default: softmaxOp(false) },
  _log_softmax: { default: softmaxOp(true) },
  _softmax_backward_data: { default: softmaxBackwardOp(false) },
  _log_softmax_backward_data: { default: softmaxBackwardOp(true) },
  sort: {
    default: {
      schema: "sort(Tensor self, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)",
      meta: sortMeta,
      kernel: sortKernel,
      derivative: sortDerivative,
    },
    stable: {
      // coil's sort is always stable (JS sort is stable); `stable` is accepted for PyTorch compatibility.
      schema: "sort.stable(Tensor self, *, bool? stable, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)",
      meta: sortMeta,
      kernel: sortKernel,
      derivative: sortDerivative,
    },
  },
  topk: {
    default: {
      // sorted=False still returns sorted values (PyTorch leaves the order unspecified).
      schema: "topk(Tensor self, SymInt k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor values, Tensor indices)",
      meta: topkMeta,
      kernel: (a: Args) => {
        const ms = topkMeta(a);
        const d = a.self.ndim === 0 ? 0 : wdim("topk", a.dim, a.self);
        return sortLines(a.self, d, !!a.largest, a.k, ms[0]!.shape.slice());
      },
      derivative: ({ args, outputs, grads }) => ({
        self: aten.value_selecting_reduction_backward.default(grads[0]!, args.self.ndim === 0 ? 0 : wdim("topk", args.dim, args.self), outputs[1]!, [...args.self.shape], true) as Tensor,
      }),
    },
  },
} satisfies OpFamily;
