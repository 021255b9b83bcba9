// inductor/lowering/misc: smaller lowerings: contiguous (a no-op in the IR), bitwise and/or/xor,
// clamp.Tensor, any/all, triu/tril (a mask on the index), flip (a view), dot (extern).
// In: TensorBoxes and parameters. Out: Pointwise/Reduction/view TensorBoxes.

import { bool, castScalar, int64, uint8 } from "../../tensor/dtype.js";
import { wrapDim } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { add, cst, mul } from "../ir/indexing.js";
import { GenericView } from "../ir/views.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { box, dimList, externCall, isBox, lower, makePointwise, mathPointwise, promotedDtype, viewBox, asBox } from "./common.js";
import { keepDims, makeReduction } from "./reductions.js";
import { Pointwise } from "../ir/nodes.js";

lower(aten.contiguous.default, (a) => a.self as TensorBox);

for (const n of ["bitwise_and", "bitwise_or", "bitwise_xor"] as const) {
  for (const ov of ["Tensor", "Scalar"] as const) {
    lower((aten[n] as unknown as Record<string, Parameters<typeof lower>[0]>)[ov]!, (a) => {
      const x = a.self as TensorBox, y = a.other;
      const d = isBox(y) ? promotedDtype([x, y]) : promotedDtype([x], [Number(y)]);
      const yb = isBox(y) ? y : asBox(castScalar(Number(y), d), d);
      return mathPointwise(n, [x, yb], d, d);
    });
  }
}

lower(aten.clamp.Tensor, (a) => {
  const x = a.self as TensorBox, lo = a.min as TensorBox | null, hi = a.max as TensorBox | null;
  const d = promotedDtype([x, ...(lo ? [lo] : []), ...(hi ? [hi] : [])]);
  const ins = [x, ...(lo ? [lo] : []), ...(hi ? [hi] : [])];
  return makePointwise("clamp", ins, d, d, (ops, vals) => {
    let v: unknown = vals[0];
    if (lo) v = ops.op("maximum", [v, vals[1]], d);
    if (hi) v = ops.op("minimum", [v, vals[lo ? 2 : 1]], d);
    return v;
  });
});

for (const [name, type] of [["any", "any"], ["all", "all"]] as const) {
  const packet = aten[name];
  const outOf = (x: TensorBox) => (x.getDtype() === uint8 ? uint8 : bool);
  lower(packet.default, (a) => makeReduction(a.self, dimList(null, (a.self as TensorBox).getSize().length, name), type, outOf(a.self)));
  lower(packet.dim, (a) => {
    const x = a.self as TensorBox;
    const dims = dimList([a.dim], x.getSize().length, name);
    const r = makeReduction(x, dims, type, outOf(x));
    return a.keepdim ? keepDims(r, dims) : r;
  });
}

for (const [op, upper] of [[aten.triu.default, true], [aten.tril.default, false]] as const) {
  lower(op, (a) => {
    const x = a.self as TensorBox, n = x.getSize().length, d = x.getDtype(), k = Number(a.diagonal);
    const load = x.makeLoader();
    return box(new Pointwise(x.getDevice(), d, x.getSize(), (ops, idx) => {
      const diff = ops.indexExpr(add(idx[n - 1]!, mul(idx[n - 2]!, -1)), int64); // col - row
      const keep = ops.op(upper ? "ge" : "le", [diff, ops.constant(k, int64)], int64);
      return ops.op("where", [keep, load(ops, idx), ops.constant(0, d)], d);
    }));
  });
}

lower(aten.flip.default, (a) => {
  const x = a.self as TensorBox, size = x.getSize();
  const dims = new Set((a.dims as number[]).map((d) => wrapDim("flip", d, size.length)));
  return viewBox(new GenericView(x, size, (idx) => idx.map((e, i) => (dims.has(i) ? add(cst(size[i]! - 1), mul(e, -1)) : e)), `flip [${[...dims]}]`));
});

lower(aten.dot.default, (a, op) => externCall("extern", op, a));
