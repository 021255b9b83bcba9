// inductor/lowering/piecewise: ops whose output reads different inputs in different index ranges: cat,
// slice_scatter, select_scatter and constant_pad_nd, as one Pointwise choosing per element with `where` on index
// comparisons. Each input's read is under `ops.masked` (its index range), so no load runs out of range
// (an indirect load inside, e.g. a padded gather, would otherwise see a garbage index and throw).
// In: TensorBoxes and dims. Out: Pointwise TensorBoxes.

import { Tensor } from "../../tensor/tensor.js";
import { int64, type DType } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { add, floordiv, type Expr } from "../ir/indexing.js";
import { Pointwise } from "../ir/nodes.js";
import { masked, type OpsHandler, type OpsValue } from "../ir/ops.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { V } from "../ir/virtualized.js";
import { box, loadAs, lower, promotedDtype } from "./common.js";

const at = (idx: readonly Expr[], dim: number, e: Expr): Expr[] => idx.map((v, i) => (i === dim ? e : v));
const cmp = (ops: OpsHandler, op: "lt" | "ge" | "eq", e: Expr, v: number): OpsValue =>
  ops.op(op, [ops.indexExpr(e, int64), ops.constant(v, int64)], int64);

lower(aten.cat.default, (a) => {
  const all = a.tensors as TensorBox[];
  const out = V.graph.currentVal as Tensor;
  const xs = all.filter((t) => !(t.getSize().length === 1 && t.getSize()[0] === 0));
  const d = promotedDtype(all);
  if (xs.length === 0) return box(new Pointwise(out.device, d, out.shape, (ops) => ops.constant(0, d)));
  const dim = wrapDim("cat", a.dim, xs[0]!.getSize().length);
  const offsets: number[] = [];
  let o = 0;
  for (const x of xs) { offsets.push(o); o += x.getSize()[dim]!; }
  const loads = xs.map((x) => loadAs(x, d));
  return box(new Pointwise(out.device, d, out.shape, (ops, idx) => {
    const i = idx[dim]!;
    const read = (k: number) => () => loads[k]!(ops, at(idx, dim, add(i, -offsets[k]!)));
    const last = xs.length - 1;
    let v = last === 0 ? read(0)() : masked(ops, cmp(ops, "ge", i, offsets[last]!), read(last), 0, d);
    for (let k = last - 1; k >= 0; k--) {
      const below = cmp(ops, "lt", i, offsets[k + 1]!);
      const inRange = k === 0 ? below : ops.op("logical_and", [cmp(ops, "ge", i, offsets[k]!), below], int64);
      v = ops.op("where", [below, masked(ops, inRange, read(k), 0, d), v], d);
    }
    return v;
  }));
});

function scatterInto(self: TensorBox, d: DType, inside: (ops: OpsHandler, i: Expr) => OpsValue, src: (ops: OpsHandler, idx: readonly Expr[]) => OpsValue, dim: number): TensorBox {
  const lself = loadAs(self, d);
  return box(new Pointwise(self.getDevice(), d, self.getSize(), (ops, idx) => {
    const c = inside(ops, idx[dim]!);
    return ops.op("where", [c, masked(ops, c, () => src(ops, idx), 0, d), lself(ops, idx)], d);
  }));
}

lower(aten.slice_scatter.default, (a) => {
  const self = a.self as TensorBox, src = a.src as TensorBox;
  const n = self.getSize().length;
  const dim = wrapDim("slice_scatter", a.dim, n);
  const size = self.getSize()[dim]!;
  let start = a.start ?? 0;
  if (start < 0) start += size;
  start = Math.min(Math.max(start, 0), size);
  const step = a.step as number, len = src.getSize()[dim]!;
  const d = self.getDtype();
  const lsrc = loadAs(src, d);
  return scatterInto(self, d, (ops, i) => {
    let c = ops.op("logical_and", [cmp(ops, "ge", i, start), cmp(ops, "lt", i, start + len * step)], int64);
    if (step !== 1) {
      const r = ops.op("fmod", [ops.indexExpr(add(i, -start), int64), ops.constant(step, int64)], int64);
      c = ops.op("logical_and", [c, ops.op("eq", [r, ops.constant(0, int64)], int64)], int64);
    }
    return c;
  }, (ops, idx) => {
    // (i - start) / step: exact on the elements the mask keeps; the others are discarded by the where
    const j = add(idx[dim]!, -start);
    return lsrc(ops, at(idx, dim, step === 1 ? j : floordiv(j, step)));
  }, dim);
});

lower(aten.select_scatter.default, (a) => {
  const self = a.self as TensorBox, src = a.src as TensorBox;
  const n = self.getSize().length;
  const dim = wrapDim("select_scatter", a.dim, n);
  const index = a.index < 0 ? a.index + self.getSize()[dim]! : a.index;
  const d = self.getDtype();
  const lsrc = loadAs(src, d);
  return scatterInto(self, d, (ops, i) => cmp(ops, "eq", i, index), (ops, idx) => lsrc(ops, idx.filter((_, k) => k !== dim)), dim);
});

/** constant_pad_nd: pads (or crops, for negative pads) the last dims; `pad` lists (before, after) from the last dim. */
lower(aten.constant_pad_nd.default, (a) => {
  const x = a.self as TensorBox, n = x.getSize().length, d = x.getDtype();
  const out = (V.graph.currentVal as Tensor).shape;
  const pad = a.pad as number[];
  const before = new Array<number>(n).fill(0);
  for (let k = 0; 2 * k < pad.length; k++) before[n - 1 - k] = pad[2 * k]!;
  const load = x.makeLoader();
  const fill = Number(a.value);
  return box(new Pointwise(x.getDevice(), d, out, (ops, idx) => {
    const src = idx.map((e, i) => add(e, -before[i]!));
    let inside: OpsValue | null = null;
    src.forEach((e, i) => {
      if (before[i] === 0 && out[i] === x.getSize()[i]) return;
      const c = ops.op("logical_and", [cmp(ops, "ge", e, 0), cmp(ops, "lt", e, x.getSize()[i]!)], int64);
      inside = inside === null ? c : ops.op("logical_and", [inside, c], int64);
    });
    return inside === null ? load(ops, src) : masked(ops, inside, () => load(ops, src), fill, d);
  }));
});
