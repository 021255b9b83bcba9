// inductor/lowering/losses: nll_loss_forward/backward, mse_loss(+backward), binary_cross_entropy_with_logits
// (+backward) as pointwise bodies and float64 sum reductions (mean/sum reductions fuse the loss into one
// kernel). nll_loss picks the target class by comparing the class index with the loaded target (no
// indirect load), so the per-row loss is a reduction over the classes with one non-zero term. Arithmetic
// follows ops/loss_ops.ts: float64 inside, one rounding to the input dtype.
// In: TensorBoxes, reduction (0 none, 1 mean, 2 sum), ignore_index. Out: TensorBoxes.

import { float64, type DType } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import { type Expr } from "../ir/indexing.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import { Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { box, lower, makePointwise, realizeIfExpensive, zeroIndex } from "./common.js";
import { makeReduction } from "./reductions.js";

const f64 = (ops: OpsHandler, v: OpsValue) => ops.toDtype(v, float64);
const c64 = (ops: OpsHandler, v: number) => ops.constant(v, float64);
const F = (ops: OpsHandler, name: "add" | "sub" | "mul" | "div" | "maximum", a: OpsValue, b: OpsValue) => ops.op(name, [a, b], float64);

type Load = (ops: OpsHandler, idx: readonly Expr[]) => OpsValue;

/** A 0-d or shaped Pointwise of `dtype` rounding a float64 value once. */
function pw(like: TensorBox, size: readonly number[], dtype: DType, f: Load): TensorBox {
  return box(new Pointwise(like.getDevice(), dtype, size, (ops, idx) => ops.toDtype(f(ops, idx), dtype)));
}

/** Reduce a float64 elementwise loss: none (the values), mean or sum over every element. */
function reduceLoss(elems: TensorBox, reduction: number, out: DType): TensorBox {
  const size = elems.getSize();
  const le = elems.makeLoader();
  if (reduction === 0) return pw(elems, size, out, le);
  const n = size.reduce((p, s) => p * s, 1);
  const s = makeReduction(elems, size.map((_, i) => i), "sum", float64).makeLoader();
  return pw(elems, [], out, (ops, idx) => (reduction === 1 ? F(ops, "div", s(ops, idx), c64(ops, n)) : s(ops, idx)));
}

// ---------------------------------------------------------------- nll_loss

interface Nll { x: TensorBox; batched: boolean; C: number; sel: Load; wAt: Load }

/** sel(n, c): 1 where c is row n's (not ignored) target class; wAt(c): the class weight (1 without weight). */
function nllParts(a: Record<string, unknown>): Nll {
  const x = a.self as TensorBox, t = a.target as TensorBox, w = a.weight as TensorBox | null;
  const batched = x.getSize().length === 2, C = x.getSize()[x.getSize().length - 1]!;
  const lt = t.makeLoader(), lw = w?.makeLoader();
  const ii = Number(a.ignore_index);
  const sel: Load = (ops, idx) => {
    const tv = f64(ops, lt(ops, batched ? [idx[0]!] : []));
    const c = ops.indexExpr(idx[idx.length - 1]!, float64);
    return ops.op("logical_and", [ops.op("eq", [tv, c], float64), ops.op("ne", [tv, c64(ops, ii)], float64)], float64);
  };
  const wAt: Load = (ops, idx) => (lw ? f64(ops, lw(ops, [idx[idx.length - 1]!])) : c64(ops, 1));
  return { x, batched, C, sel, wAt };
}

lower(aten.nll_loss_forward.default, (a) => {
  const { x, batched, sel, wAt } = nllParts(a);
  const lx = x.makeLoader(), d = x.getDtype(), red = Number(a.reduction);
  const term: Load = (ops, idx) => ops.op("where", [sel(ops, idx),
    F(ops, "mul", ops.op("neg", [wAt(ops, idx)], float64), f64(ops, lx(ops, idx))), c64(ops, 0)], float64);
  const weightTerm: Load = (ops, idx) => ops.op("where", [sel(ops, idx), wAt(ops, idx), c64(ops, 0)], float64);
  const nd = x.getSize().length;
  if (red === 0) {
    const per = makeReduction(x, [nd - 1], "sum", float64, (ops, full) => term(ops, full)).makeLoader();
    return [pw(x, batched ? [x.getSize()[0]!] : [], d, per), pw(x, [], d, (ops) => c64(ops, 0))];
  }
  const all = [...Array(nd).keys()];
  const s = makeReduction(x, all, "sum", float64, (ops, full) => term(ops, full)).makeLoader();
  const total = makeReduction(x, all, "sum", float64, (ops, full) => weightTerm(ops, full)).makeLoader();
  const out = pw(x, [], d, (ops, idx) => (red === 1 ? F(ops, "div", s(ops, idx), total(ops, idx)) : s(ops, idx)));
  return [out, pw(x, [], d, total)];
});

lower(aten.nll_loss_backward.default, (a) => {
  const { x, batched, sel, wAt } = nllParts(a);
  const go = a.grad_output as TensorBox, tw = a.total_weight as TensorBox, red = Number(a.reduction);
  const lg = go.makeLoader(), ltw = tw.makeLoader(), d = x.getDtype();
  return pw(x, x.getSize(), d, (ops, idx) => {
    let g: OpsValue;
    if (red === 0) g = f64(ops, lg(ops, batched ? [idx[0]!] : []));
    else {
      g = f64(ops, lg(ops, []));
      if (red === 1) g = F(ops, "div", g, f64(ops, ltw(ops, zeroIndex(tw.getSize().length))));
    }
    return ops.op("where", [sel(ops, idx), F(ops, "mul", ops.op("neg", [wAt(ops, idx)], float64), g), c64(ops, 0)], float64);
  });
});

// ---------------------------------------------------------------- mse_loss

lower(aten.mse_loss.default, (a) => {
  const x = a.self as TensorBox, t = a.target as TensorBox;
  const sq = makePointwise("mse_loss", [x, t], float64, float64, (ops, [xv, tv]) => {
    const dv = F(ops, "sub", xv, tv);
    return F(ops, "mul", dv, dv);
  });
  return reduceLoss(sq, Number(a.reduction), x.getDtype());
});

lower(aten.mse_loss_backward.default, (a) => {
  const x = a.self as TensorBox, t = a.target as TensorBox, g = a.grad_output as TensorBox, red = Number(a.reduction);
  const diff = makePointwise("mse_loss_backward", [x, t], float64, float64, (ops, [xv, tv]) => F(ops, "sub", xv, tv));
  const size = diff.getSize(), n = size.reduce((p, s) => p * s, 1);
  const ld = diff.makeLoader(), lg = g.makeLoader();
  const scale = red === 1 ? 2 / n : 2;
  return pw(x, size, x.getDtype(), (ops, idx) => {
    const gv = f64(ops, lg(ops, red === 0 ? idx : []));
    return F(ops, "mul", F(ops, "mul", c64(ops, scale), ld(ops, idx)), gv);
  });
});

// ---------------------------------------------------------------- binary_cross_entropy_with_logits

/** Inputs broadcast to one shape: self, target, and the optional weight / pos_weight. */
function bceInputs(a: Record<string, unknown>): { xs: TensorBox[]; hasW: boolean; hasPw: boolean } {
  const xs = [a.self as TensorBox, a.target as TensorBox];
  const hasW = a.weight !== null && a.weight !== undefined, hasPw = a.pos_weight !== null && a.pos_weight !== undefined;
  if (hasW) xs.push(a.weight as TensorBox);
  if (hasPw) xs.push(a.pos_weight as TensorBox);
  return { xs: xs.map((x) => realizeIfExpensive(x)), hasW, hasPw };
}

/** lw = (pos_weight - 1) * t + 1 (1 without pos_weight). */
const logWeight = (ops: OpsHandler, t: OpsValue, pwv: OpsValue | null) =>
  (pwv === null ? c64(ops, 1) : F(ops, "add", F(ops, "mul", F(ops, "sub", pwv, c64(ops, 1)), t), c64(ops, 1)));

lower(aten.binary_cross_entropy_with_logits.default, (a) => {
  const { xs, hasW, hasPw } = bceInputs(a);
  const loss = makePointwise("binary_cross_entropy_with_logits", xs, float64, float64, (ops, vals) => {
    const [xv, tv] = vals as [OpsValue, OpsValue];
    const w = hasW ? vals[2]! : c64(ops, 1), pwv = hasPw ? vals[hasW ? 3 : 2]! : null;
    const nx = ops.op("neg", [xv], float64);
    const sp = F(ops, "add", ops.op("log1p", [ops.op("exp", [ops.op("neg", [ops.op("abs", [xv], float64)], float64)], float64)], float64), F(ops, "maximum", nx, c64(ops, 0)));
    const inner = F(ops, "add", F(ops, "mul", F(ops, "sub", c64(ops, 1), tv), xv), F(ops, "mul", logWeight(ops, tv, pwv), sp));
    return F(ops, "mul", w, inner);
  });
  return reduceLoss(loss, Number(a.reduction), xs[0]!.getDtype());
});

lower(aten.binary_cross_entropy_with_logits_backward.default, (a) => {
  const { xs, hasW, hasPw } = bceInputs(a);
  const g = a.grad_output as TensorBox, red = Number(a.reduction);
  const d = makePointwise("binary_cross_entropy_with_logits_backward", xs, float64, float64, (ops, vals) => {
    const [xv, tv] = vals as [OpsValue, OpsValue];
    const w = hasW ? vals[2]! : c64(ops, 1), pwv = hasPw ? vals[hasW ? 3 : 2]! : null;
    const sig = F(ops, "div", c64(ops, 1), F(ops, "add", c64(ops, 1), ops.op("exp", [ops.op("neg", [xv], float64)], float64)));
    const dv = F(ops, "sub", F(ops, "sub", c64(ops, 1), tv), F(ops, "mul", logWeight(ops, tv, pwv), F(ops, "sub", c64(ops, 1), sig)));
    return F(ops, "mul", dv, w);
  });
  const size = d.getSize(), n = size.reduce((p, s) => p * s, 1);
  const ld = d.makeLoader(), lg = g.makeLoader();
  const scale = red === 1 ? 1 / n : 1;
  return pw(xs[0]!, size, xs[0]!.getDtype(), (ops, idx) =>
    F(ops, "mul", F(ops, "mul", ld(ops, idx), c64(ops, scale)), f64(ops, lg(ops, red === 0 ? idx : []))));
});
