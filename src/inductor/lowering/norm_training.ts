// inductor/lowering/norm_training: native_batch_norm in training mode (batch statistics as float64
// reductions over every dim but the channel; the running-stat update is an in-place copy_ into the
// running_mean/running_var inputs, as eager mutates them), native_batch_norm_backward (training and
// evaluation), native_group_norm and its backward. Arithmetic follows ops/norm_ops.ts (float64, same
// operation order, one rounding). In: TensorBoxes, eps/momentum. Out: Pointwise TensorBoxes over realized
// reductions, plus extern copy_ calls for the running stats.

import { Tensor } from "../../tensor/tensor.js";
import { float64, type DType } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import { add, floordiv, mul, type Expr } from "../ir/indexing.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import { ExternKernel, Pointwise } from "../ir/nodes.js";
import { TensorBox, realizeAsStrided } from "../ir/tensor_box.js";
import { viewAs } from "../ir/views.js";
import { V } from "../ir/virtualized.js";
import { box, lower, realizeIfExpensive, viewBox } from "./common.js";
import { makeReduction } from "./reductions.js";

const f64 = (ops: OpsHandler, v: OpsValue) => ops.toDtype(v, float64);
const c64 = (ops: OpsHandler, v: number) => ops.constant(v, float64);
const mulF = (ops: OpsHandler, a: OpsValue, b: OpsValue) => ops.op("mul", [a, b], float64);
const subF = (ops: OpsHandler, a: OpsValue, b: OpsValue) => ops.op("sub", [a, b], float64);
const addF = (ops: OpsHandler, a: OpsValue, b: OpsValue) => ops.op("add", [a, b], float64);
const divF = (ops: OpsHandler, a: OpsValue, b: OpsValue) => ops.op("div", [a, b], float64);
const invSqrt = (ops: OpsHandler, v: OpsValue) => divF(ops, c64(ops, 1), ops.op("sqrt", [v], float64));

type Load = (ops: OpsHandler, idx: readonly Expr[]) => OpsValue;
const loader = (t: TensorBox | null): Load | null => t?.makeLoader() ?? null;

/** A Pointwise of `dtype` over `size` computing a float64 value, rounded once. */
function pw(like: TensorBox, size: readonly number[], dtype: DType, f: (ops: OpsHandler, idx: readonly Expr[]) => OpsValue): TensorBox {
  return box(new Pointwise(like.getDevice(), dtype, size, (ops, idx) => ops.toDtype(f(ops, idx), dtype)));
}

/** The node's result metas (null where an output is absent). */
function metaVals(): (Tensor | null)[] {
  const v = V.graph.currentVal;
  return (Array.isArray(v) ? v : [v]).map((t) => (t instanceof Tensor ? t : null));
}

/** `dst.copy_(src)` from the wrapper: an in-place write into an input (the running stats). */
function copyInto(dst: TensorBox, src: TensorBox): void {
  src.realize();
  const k = new ExternKernel("extern", aten.copy_.default, [realizeAsStrided(dst), realizeAsStrided(src), false], {});
  V.graph.registerExtern(k);
}

// ---------------------------------------------------------------- batch norm

lower(aten.native_batch_norm.default, (a) => {
  const x = realizeIfExpensive(a.input as TensorBox), d = x.getDtype(), shape = x.getSize();
  const [lx, lw, lb] = [x, a.weight, a.bias].map((t) => loader(t as TensorBox | null));
  const ch = (idx: readonly Expr[]) => [idx[1]!];
  const C = shape[1]!, dims = shape.map((_, i) => i).filter((i) => i !== 1);
  const cnt = dims.reduce((p, i) => p * shape[i]!, 1);
  let mean: Load, invstd: Load;
  let sumSq: Load | null = null;
  if (a.training) {
    const ls = makeReduction(x, dims, "sum", float64).makeLoader();
    const mu: Load = (ops, idx) => divF(ops, ls(ops, idx), c64(ops, cnt));
    const muFull: Load = (ops, idx) => mu(ops, ch(idx));
    const lss = makeReduction(x, dims, "sum", float64, (ops, full) => {
      const dv = subF(ops, f64(ops, lx!(ops, full)), muFull(ops, full));
      return mulF(ops, dv, dv);
    }).makeLoader();
    sumSq = lss;
    mean = mu;
    invstd = (ops, idx) => invSqrt(ops, addF(ops, divF(ops, lss(ops, idx), c64(ops, cnt)), c64(ops, Number(a.eps))));
  } else {
    const [lrm, lrv] = [a.running_mean, a.running_var].map((t) => loader(t as TensorBox));
    mean = (ops, idx) => f64(ops, lrm!(ops, idx));
    invstd = (ops, idx) => invSqrt(ops, addF(ops, f64(ops, lrv!(ops, idx)), c64(ops, Number(a.eps))));
  }
  const y = pw(x, shape, d, (ops, idx) => {
    let v = mulF(ops, subF(ops, f64(ops, lx!(ops, idx)), mean(ops, ch(idx))), invstd(ops, ch(idx)));
    v = mulF(ops, v, lw ? f64(ops, lw(ops, ch(idx))) : c64(ops, 1));
    return addF(ops, v, lb ? f64(ops, lb(ops, ch(idx))) : c64(ops, 0));
  });
  if (!a.training) {
    const empty = () => box(new Pointwise(x.getDevice(), d, [0], (ops) => ops.constant(0, d)));
    return [y, empty(), empty()];
  }
  const mom = Number(a.momentum);
  const update = (t: TensorBox | null, stat: Load) => {
    if (!t) return;
    const lt = t.makeLoader();
    copyInto(t, pw(t, [C], t.getDtype(), (ops, idx) =>
      addF(ops, mulF(ops, c64(ops, 1 - mom), f64(ops, lt(ops, idx))), mulF(ops, c64(ops, mom), stat(ops, idx)))));
  };
  const lss = sumSq!;
  update(a.running_mean as TensorBox | null, mean);
  update(a.running_var as TensorBox | null, (ops, idx) =>
    (cnt === 1 ? c64(ops, NaN) : divF(ops, lss(ops, idx), c64(ops, Math.max(cnt - 1, 1)))));
  return [y, pw(x, [C], d, mean), pw(x, [C], d, invstd)];
});

lower(aten.native_batch_norm_backward.default, (a) => {
  const g = realizeIfExpensive(a.grad_out as TensorBox), x = realizeIfExpensive(a.input as TensorBox);
  const shape = x.getSize(), C = shape[1]!, dims = shape.map((_, i) => i).filter((i) => i !== 1);
  const cnt = dims.reduce((p, i) => p * shape[i]!, 1);
  const [lg, lx, lw] = [g, x, a.weight].map((t) => loader(t as TensorBox | null));
  const ch = (idx: readonly Expr[]) => [idx[1]!];
  let mean: Load, invstd: Load;
  if (a.train) {
    const [lm, lr] = [a.save_mean, a.save_invstd].map((t) => loader(t as TensorBox));
    mean = (ops, idx) => f64(ops, lm!(ops, idx));
    invstd = (ops, idx) => f64(ops, lr!(ops, idx));
  } else {
    const [lm, lv] = [a.running_mean, a.running_var].map((t) => loader(t as TensorBox));
    mean = (ops, idx) => f64(ops, lm!(ops, idx));
    invstd = (ops, idx) => invSqrt(ops, addF(ops, f64(ops, lv!(ops, idx)), c64(ops, Number(a.eps))));
  }
  const w: Load = (ops, idx) => (lw ? f64(ops, lw(ops, idx)) : c64(ops, 1));
  const gx = (ops: OpsHandler, full: readonly Expr[]) =>
    mulF(ops, mulF(ops, f64(ops, lg!(ops, full)), subF(ops, f64(ops, lx!(ops, full)), mean(ops, ch(full)))), invstd(ops, ch(full)));
  const vals = metaVals();
  const sg = makeReduction(x, dims, "sum", float64, (ops, full) => f64(ops, lg!(ops, full))).makeLoader();
  const sgx = makeReduction(x, dims, "sum", float64, (ops, full) => gx(ops, full)).makeLoader();
  let dx: TensorBox | null = null;
  if (vals[0]) {
    dx = pw(x, shape, x.getDtype(), (ops, idx) => {
      const c = ch(idx), gv = f64(ops, lg!(ops, idx));
      if (!a.train) return mulF(ops, mulF(ops, gv, w(ops, c)), invstd(ops, c));
      const xh = mulF(ops, subF(ops, f64(ops, lx!(ops, idx)), mean(ops, c)), invstd(ops, c));
      const t = subF(ops, subF(ops, gv, divF(ops, sg(ops, c), c64(ops, cnt))), mulF(ops, xh, divF(ops, sgx(ops, c), c64(ops, cnt))));
      return mulF(ops, mulF(ops, w(ops, c), invstd(ops, c)), t);
    });
  }
  const dw = vals[1] ? pw(x, [C], vals[1].dtype, sgx) : null;
  const db = vals[2] ? pw(x, [C], vals[2].dtype, sg) : null;
  return [dx, dw, db] as TensorBox[];
});

// ---------------------------------------------------------------- group norm

interface GroupGeom { N: number; G: number; D: number; cpg: number; HxW: number }

function groupGeom(a: Record<string, unknown>): GroupGeom {
  const N = Number(a.N), C = Number(a.C), HxW = Number(a.HxW), G = Number(a.group);
  return { N, G, D: (C / G) * HxW, cpg: C / G, HxW };
}

/** x viewed as [N, G, D] and the channel of (g, j) in it. */
function grouped(x: TensorBox, geo: GroupGeom): { x3: TensorBox; chan: (idx: readonly Expr[]) => Expr[] } {
  const x3 = viewBox(viewAs(x, [geo.N, geo.G, geo.D]));
  return { x3, chan: (idx) => [add(mul(idx[1]!, geo.cpg), floordiv(idx[2]!, geo.HxW))] };
}

lower(aten.native_group_norm.default, (a) => {
  const x = realizeIfExpensive(a.input as TensorBox), d = x.getDtype(), geo = groupGeom(a);
  const { x3, chan } = grouped(x, geo);
  const [lx, lw, lb] = [x3, a.weight, a.bias].map((t) => loader(t as TensorBox | null));
  const stat = (idx: readonly Expr[]) => [idx[0]!, idx[1]!];
  const ls = makeReduction(x3, [2], "sum", float64).makeLoader();
  const mu: Load = (ops, idx) => (geo.D ? divF(ops, ls(ops, idx), c64(ops, geo.D)) : c64(ops, NaN));
  const lss = makeReduction(x3, [2], "sum", float64, (ops, full) => {
    const dv = subF(ops, f64(ops, lx!(ops, full)), mu(ops, stat(full)));
    return mulF(ops, dv, dv);
  }).makeLoader();
  const rstd: Load = (ops, idx) => invSqrt(ops, addF(ops, divF(ops, lss(ops, idx), c64(ops, geo.D)), c64(ops, Number(a.eps))));
  const y3 = pw(x3, x3.getSize(), d, (ops, idx) => {
    let v = mulF(ops, subF(ops, f64(ops, lx!(ops, idx)), mu(ops, stat(idx))), rstd(ops, stat(idx)));
    v = mulF(ops, v, lw ? f64(ops, lw(ops, chan(idx))) : c64(ops, 1));
    return addF(ops, v, lb ? f64(ops, lb(ops, chan(idx))) : c64(ops, 0));
  });
  const y = viewBox(viewAs(y3, x.getSize()));
  return [y, pw(x, [geo.N, geo.G], d, mu), pw(x, [geo.N, geo.G], d, rstd)];
});

lower(aten.native_group_norm_backward.default, (a) => {
  const x = realizeIfExpensive(a.input as TensorBox), g = realizeIfExpensive(a.grad_out as TensorBox), geo = groupGeom(a);
  const { x3, chan } = grouped(x, geo);
  const g3 = viewBox(viewAs(g, [geo.N, geo.G, geo.D]));
  const [lx, lg, lm, lr, lw] = [x3, g3, a.mean, a.rstd, a.weight].map((t) => loader(t as TensorBox | null));
  const stat = (idx: readonly Expr[]) => [idx[0]!, idx[1]!];
  const xh: Load = (ops, idx) => mulF(ops, subF(ops, f64(ops, lx!(ops, idx)), f64(ops, lm!(ops, stat(idx)))), f64(ops, lr!(ops, stat(idx))));
  const dy: Load = (ops, idx) => (lw ? mulF(ops, f64(ops, lg!(ops, idx)), f64(ops, lw(ops, chan(idx)))) : f64(ops, lg!(ops, idx)));
  const vals = metaVals();
  let dx: TensorBox | null = null;
  if (vals[0]) {
    const sa = makeReduction(x3, [2], "sum", float64, (ops, full) => dy(ops, full)).makeLoader();
    const sb = makeReduction(x3, [2], "sum", float64, (ops, full) => mulF(ops, dy(ops, full), xh(ops, full))).makeLoader();
    const dx3 = pw(x3, x3.getSize(), x.getDtype(), (ops, idx) => {
      const s = stat(idx);
      const t = subF(ops, subF(ops, dy(ops, idx), divF(ops, sa(ops, s), c64(ops, geo.D))), mulF(ops, xh(ops, idx), divF(ops, sb(ops, s), c64(ops, geo.D))));
      return mulF(ops, f64(ops, lr!(ops, s)), t);
    });
    dx = viewBox(viewAs(dx3, x.getSize()));
  }
  // per channel: sum over n and the channel's HxW positions, in eager's order (n outer, then position)
  const perChannel = (i: number, value: (ops: OpsHandler, idx3: readonly Expr[]) => OpsValue): TensorBox | null => {
    const meta = vals[i];
    if (!meta) return null;
    const C = geo.G * geo.cpg;
    const x4 = viewBox(viewAs(x3, [geo.N, C, geo.HxW]));
    const s = makeReduction(x4, [0, 2], "sum", float64, (ops, full) => {
      const flat = add(mul(full[1]!, geo.HxW), full[2]!);
      const idx3 = [full[0]!, floordiv(flat, geo.D), add(flat, mul(floordiv(flat, geo.D), -geo.D))];
      return value(ops, idx3);
    }).makeLoader();
    return pw(x, [C], meta.dtype, (ops, idx) => s(ops, idx));
  };
  const dw = perChannel(1, (ops, idx) => mulF(ops, f64(ops, lg!(ops, idx)), xh(ops, idx)));
  const db = perChannel(2, (ops, idx) => f64(ops, lg!(ops, idx)));
  return [dx, dw, db] as TensorBox[];
});
