// inductor/lowering/softmax_norm: _softmax/_log_softmax and their backward, native_layer_norm, as
// reductions plus pointwise epilogues (so softmax over rows is one fused kernel: max, exp-sum, normalise).
// (native_batch_norm, in both modes, is in norm_training.ts.) Arithmetic follows the eager kernels (ops/scan_ops.ts,
// ops/norm_ops.ts): float64 inside, one rounding.
// In: TensorBoxes, dim/eps. Out: Pointwise TensorBoxes over realized reduction buffers.

import { dtypeOf, float32, float64, type DType, type DTypeName } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import type { Expr } from "../ir/indexing.js";
import { Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { box, lower, realizeIfExpensive } from "./common.js";
import { keepDims, makeReduction } from "./reductions.js";

const f64 = (ops: OpsHandler, v: OpsValue) => ops.toDtype(v, float64);
const c64 = (ops: OpsHandler, v: number) => ops.constant(v, float64);

/** Pointwise over x's shape reading x and row statistics (keepdim views), computing in float64. */
function rowwise(x: TensorBox, out: DType, stats: TensorBox[], f: (ops: OpsHandler, xv: OpsValue, s: OpsValue[]) => OpsValue): TensorBox {
  const lx = x.makeLoader(), ls = stats.map((s) => s.makeLoader());
  return box(new Pointwise(x.getDevice(), out, x.getSize(), (ops, idx) => ops.toDtype(f(ops, f64(ops, lx(ops, idx)), ls.map((l) => l(ops, idx))), out)));
}

function softmax(x: TensorBox, dim0: number, out: DType, log: boolean): TensorBox {
  const n = x.getSize().length;
  if (n === 0) return rowwise(x, out, [], (ops, v) => (log ? ops.op("sub", [v, v], float64) : c64(ops, 1)));
  const dim = wrapDim("softmax", dim0, n);
  const load = x.makeLoader();
  const mx = keepDims(makeReduction(x, [dim], "max", x.getDtype()), [dim]);
  const lmx = mx.makeLoader();
  // eager: a row whose max is -inf uses 0 instead (so exp(-inf - 0) = 0, not NaN)
  const safeMax = (ops: OpsHandler, idx: readonly Expr[]) => {
    const m = f64(ops, lmx(ops, idx));
    return ops.op("where", [ops.op("eq", [m, c64(ops, -Infinity)], float64), c64(ops, 0), m], float64);
  };
  const expAt = (ops: OpsHandler, idx: readonly Expr[]) =>
    ops.op("exp", [ops.op("sub", [f64(ops, load(ops, idx)), safeMax(ops, idx)], float64)], float64);
  // Over the last dim the exps are stored once per row (a kernel-local row) and reused by the normalise loop.
  let expOf = expAt;
  if (dim === n - 1 && !log) {
    const e = box(new Pointwise(x.getDevice(), float64, x.getSize(), (ops, idx) => expAt(ops, idx)));
    e.realize();
    const le = e.makeLoader();
    expOf = (ops, idx) => le(ops, idx);
  }
  const sum = keepDims(makeReduction(x, [dim], "sum", float64, (ops, full) => expOf(ops, full)), [dim]);
  const lsum = sum.makeLoader();
  return box(new Pointwise(x.getDevice(), out, x.getSize(), (ops, idx) => {
    const s = lsum(ops, idx);
    if (log) {
      const ls = ops.op("add", [ops.op("log", [s], float64), safeMax(ops, idx)], float64);
      return ops.toDtype(ops.op("sub", [f64(ops, load(ops, idx)), ls], float64), out);
    }
    // eager stores exp in the output dtype first, then scales by 1/sum
    const e = f64(ops, ops.toDtype(expOf(ops, idx), out));
    return ops.toDtype(ops.op("mul", [e, ops.op("div", [c64(ops, 1), s], float64)], float64), out);
  }));
}

for (const log of [false, true]) {
  lower(log ? aten._log_softmax.default : aten._softmax.default, (a) => {
    const x = realizeIfExpensive(a.self as TensorBox);
    return softmax(x, a.dim, a.half_to_float ? float32 : x.getDtype(), log);
  });
  lower(log ? aten._log_softmax_backward_data.default : aten._softmax_backward_data.default, (a) => {
    const g = realizeIfExpensive(a.grad_output as TensorBox), o = realizeIfExpensive(a.output as TensorBox);
    const out = dtypeOf(a.input_dtype as DType | DTypeName);
    const n = g.getSize().length;
    const dim = n === 0 ? 0 : wrapDim("softmax_backward", a.dim, n);
    const lg = g.makeLoader(), lo = o.makeLoader();
    const dims = n === 0 ? [] : [dim];
    const sum = keepDims(makeReduction(g, dims, "sum", float64, (ops, full) => (log ? f64(ops, lg(ops, full))
      : ops.op("mul", [f64(ops, lg(ops, full)), f64(ops, lo(ops, full))], float64))), dims);
    return rowwise(g, out, [o, sum], (ops, gv, [ov, s]) => (log
      ? ops.op("sub", [gv, ops.op("mul", [ops.op("exp", [f64(ops, ov)], float64), s!], float64)], float64)
      : ops.op("mul", [f64(ops, ov), ops.op("sub", [gv, s!], float64)], float64)));
  });
}

lower(aten.native_layer_norm.default, (a) => {
  const x = realizeIfExpensive(a.input as TensorBox), w = a.weight as TensorBox | null, b = a.bias as TensorBox | null;
  const shape = x.getSize(), k = (a.normalized_shape as number[]).length;
  const dims = [...Array(k).keys()].map((i) => shape.length - k + i);
  const N = dims.reduce((p, d) => p * shape[d]!, 1);
  const load = x.makeLoader();
  const s = keepDims(makeReduction(x, dims, "sum", float64), dims);
  const ls = s.makeLoader();
  const mu = (ops: OpsHandler, idx: readonly Expr[]) => ops.op("div", [ls(ops, idx), c64(ops, N)], float64);
  const ss = keepDims(makeReduction(x, dims, "sum", float64, (ops, full) => {
    const d = ops.op("sub", [f64(ops, load(ops, full)), mu(ops, full)], float64);
    return ops.op("mul", [d, d], float64);
  }), dims);
  const lss = ss.makeLoader();
  const rstd = (ops: OpsHandler, idx: readonly Expr[]) =>
    ops.op("div", [c64(ops, 1), ops.op("sqrt", [ops.op("add", [ops.op("div", [lss(ops, idx), c64(ops, N)], float64), c64(ops, Number(a.eps))], float64)], float64)], float64);
  const d = x.getDtype();
  const lw = w?.makeLoader(), lb = b?.makeLoader();
  const inner = (idx: readonly Expr[]) => idx.slice(shape.length - k);
  const y = box(new Pointwise(x.getDevice(), d, shape, (ops, idx) => {
    let v = ops.op("mul", [ops.op("sub", [f64(ops, load(ops, idx)), mu(ops, idx)], float64), rstd(ops, idx)], float64);
    if (lw) v = ops.op("mul", [v, f64(ops, lw(ops, inner(idx)))], float64);
    if (lb) v = ops.op("add", [v, f64(ops, lb(ops, inner(idx)))], float64);
    return ops.toDtype(v, d);
  }));
  const stat = (f: typeof mu) => box(new Pointwise(x.getDevice(), d, s.getSize(), (ops, idx) => ops.toDtype(f(ops, idx), d)));
  return [y, stat(mu), stat(rstd)];
});
