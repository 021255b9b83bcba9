// inductor/lowering/norm_backward: native_layer_norm_backward as reductions plus pointwise epilogues:
// per row the sums of dy and dy*xhat (fused with the grad_input pass, one kernel over rows), and over the
// batch the weight/bias gradients. Arithmetic follows the eager kernel (ops/norm_ops.ts) in float64.
// In: grad_out, input, mean, rstd, weight. Out: [grad_input, grad_weight, grad_bias] (null where meta has none).

import { Tensor } from "../../tensor/tensor.js";
import { float64, type DType } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import { cst, type Expr } from "../ir/indexing.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import { Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { V } from "../ir/virtualized.js";
import { box, lower, realizeIfExpensive } from "./common.js";
import { keepDims, makeReduction } from "./reductions.js";

lower(aten.native_layer_norm_backward.default, (a) => {
  const g = realizeIfExpensive(a.grad_out as TensorBox), x = realizeIfExpensive(a.input as TensorBox);
  const mean = a.mean as TensorBox, rstd = a.rstd as TensorBox, w = a.weight as TensorBox | null;
  const shape = x.getSize(), nd = shape.length, k = (a.normalized_shape as number[]).length, lead = nd - k;
  const rowDims = [...Array(k).keys()].map((i) => lead + i), batchDims = [...Array(lead).keys()];
  const N = rowDims.reduce((p, d) => p * shape[d]!, 1);
  const [lg, lx, lm, lr] = [g, x, mean, rstd].map((t) => t.makeLoader());
  const lw = w?.makeLoader();
  const f64 = (ops: OpsHandler, v: OpsValue) => ops.toDtype(v, float64);
  const stat = (idx: readonly Expr[]) => idx.map((e, i) => (i >= lead ? cst(0) : e));
  const inner = (idx: readonly Expr[]) => idx.slice(lead);
  const xh = (ops: OpsHandler, idx: readonly Expr[]) =>
    ops.op("mul", [ops.op("sub", [f64(ops, lx(ops, idx)), f64(ops, lm(ops, stat(idx)))], float64), f64(ops, lr(ops, stat(idx)))], float64);
  const dy = (ops: OpsHandler, idx: readonly Expr[]) =>
    (lw ? ops.op("mul", [f64(ops, lg(ops, idx)), f64(ops, lw(ops, inner(idx)))], float64) : f64(ops, lg(ops, idx)));
  const vals = V.graph.currentVal as (Tensor | null)[];
  // results follow the node's meta (eager computes all three whatever output_mask says)
  const want = (i: number) => vals[i] instanceof Tensor;
  const pd = (i: number): DType => (vals[i] as Tensor).dtype;

  let dx: TensorBox | null = null;
  if (want(0)) {
    const sa = keepDims(makeReduction(x, rowDims, "sum", float64, (ops, full) => dy(ops, full)), rowDims).makeLoader();
    const sb = keepDims(makeReduction(x, rowDims, "sum", float64, (ops, full) => ops.op("mul", [dy(ops, full), xh(ops, full)], float64)), rowDims).makeLoader();
    const d = x.getDtype();
    dx = box(new Pointwise(x.getDevice(), d, shape, (ops, idx) => {
      const san = ops.op("div", [sa(ops, idx), ops.constant(N, float64)], float64);
      const sbn = ops.op("div", [sb(ops, idx), ops.constant(N, float64)], float64);
      const t = ops.op("sub", [ops.op("sub", [dy(ops, idx), san], float64), ops.op("mul", [xh(ops, idx), sbn], float64)], float64);
      return ops.toDtype(ops.op("mul", [f64(ops, lr(ops, stat(idx))), t], float64), d);
    }));
  }
  const overBatch = (i: number, value: (ops: OpsHandler, full: Expr[]) => OpsValue): TensorBox | null => {
    if (!want(i)) return null;
    const s = makeReduction(x, batchDims, "sum", float64, value);
    const ls = s.makeLoader(), d = pd(i);
    return box(new Pointwise(x.getDevice(), d, s.getSize(), (ops, idx) => ops.toDtype(ls(ops, idx), d)));
  };
  const dw = overBatch(1, (ops, full) => ops.op("mul", [f64(ops, lg(ops, full)), xh(ops, full)], float64));
  const db = overBatch(2, (ops, full) => f64(ops, lg(ops, full)));
  return [dx, dw, db] as TensorBox[];
});
