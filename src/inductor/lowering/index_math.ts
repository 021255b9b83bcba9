// inductor/lowering/index_math: ops whose values come from index arithmetic alone: roll and repeat as views
// (the source index is `(i - shift) mod n` / `i mod size`, no copy until a consumer's loop reads them), eye
// and linspace as Pointwise nodes of the index (linspace with eager's two-ended formula, in float64, rounded
// once), and bitwise_not (eager's `!a` / `255 - a` / `-a - 1`). In: TensorBoxes and sizes. Out: views and
// Pointwise TensorBoxes.

import type { Tensor } from "../../tensor/tensor.js";
import { float64, int64 } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { add, cst, mod, mul } from "../ir/indexing.js";
import { Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { GenericView, viewAs } from "../ir/views.js";
import { V } from "../ir/virtualized.js";
import { box, lower, mathPointwise, makePointwise, viewBox } from "./common.js";

const meta = (): Tensor => V.graph.currentVal as Tensor;
const posMod = (s: number, n: number): number => ((s % n) + n) % n;

lower(aten.roll.default, (a) => {
  const x = a.self as TensorBox, size = x.getSize();
  const shifts = a.shifts as number[], dims = a.dims as number[];
  if (x.numel() === 0) return x;
  if (dims.length === 0) {
    const n = x.numel(), k = posMod(-shifts[0]!, n);
    const flat = viewAs(x, [n]);
    const rolled = new GenericView(flat, [n], (idx, ranges) => [mod(add(idx[0]!, k), n, ranges)], `roll flat by ${shifts[0]}`);
    return viewBox(viewAs(rolled, size));
  }
  const shiftOf = new Array<number>(size.length).fill(0);
  dims.forEach((d, i) => { shiftOf[wrapDim("roll", d, size.length)]! += shifts[i]!; });
  return viewBox(new GenericView(x, size, (idx, ranges) =>
    idx.map((e, d) => { const k = posMod(-shiftOf[d]!, size[d]!); return k === 0 ? e : mod(add(e, k), size[d]!, ranges); }), `roll [${shiftOf}]`));
});

lower(aten.repeat.default, (a) => {
  const x = a.self as TensorBox, size = x.getSize(), out = meta().shape;
  if (out.some((s) => s === 0) || size.some((s) => s === 0)) return box(new Pointwise(x.getDevice(), x.getDtype(), out, (ops) => ops.constant(0, x.getDtype())));
  const lead = out.length - size.length;
  return viewBox(new GenericView(x, out, (idx, ranges) => size.map((s, j) => (s === 1 ? cst(0) : mod(idx[lead + j]!, s, ranges))), `repeat [${a.repeats}]`));
});

for (const op of [aten.eye.default, aten.eye.m]) {
  lower(op, () => {
    const out = meta(), d = out.dtype;
    return box(new Pointwise(out.device, d, out.shape, (ops, [i, j]) => ops.op("where", [
      ops.op("eq", [ops.indexExpr(i!, int64), ops.indexExpr(j!, int64)], int64), ops.constant(1, d), ops.constant(0, d)], d)));
  });
}

lower(aten.linspace.default, (a) => {
  const out = meta(), d = out.dtype;
  const n = a.steps as number, start = Number(a.start), end = Number(a.end);
  const step = n > 1 ? (end - start) / (n - 1) : 0, half = Math.floor(n / 2);
  return box(new Pointwise(out.device, d, out.shape, (ops, [k]) => {
    if (n === 1) return ops.toDtype(ops.constant(start, float64), d);
    const c = (v: number) => ops.constant(v, float64);
    const lo = ops.op("add", [c(start), ops.op("mul", [ops.indexExpr(k!, float64), c(step)], float64)], float64);
    const hi = ops.op("sub", [c(end), ops.op("mul", [ops.indexExpr(add(cst(n - 1), mul(k!, -1)), float64), c(step)], float64)], float64);
    const below = ops.op("lt", [ops.indexExpr(k!, int64), ops.constant(half, int64)], int64);
    return ops.toDtype(ops.op("where", [below, lo, hi], float64), d);
  }));
});

lower(aten.bitwise_not.default, (a) => {
  const x = a.self as TensorBox, d = x.getDtype();
  if (d.name === "bool") return mathPointwise("logical_not", [x], d, d);
  if (d.name === "uint8") return makePointwise("bitwise_not", [x], d, d, (ops, [v]) => ops.op("sub", [ops.constant(255, d), v], d));
  return makePointwise("bitwise_not", [x], d, d, (ops, [v]) => ops.op("sub", [ops.op("neg", [v], d), ops.constant(1, d)], d));
});
