// inductor/lowering/pooling: max_pool2d_with_indices and _adaptive_avg_pool2d as Reductions over each
// output element's window (reduction ranges = the window). Padding reads -inf through a `where` on the
// window position (see piecewise.ts on out-of-range reads). Output sizes come from the node's meta.
// Other cases (ceil_mode windows, uneven adaptive windows) fall back to the eager kernels.
// In: TensorBoxes, window parameters. Out: realized reduction TensorBoxes and index epilogues.

import { Tensor } from "../../tensor/tensor.js";
import { float64, int64 } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import { add, mul, type Expr } from "../ir/indexing.js";
import { Pointwise, Reduction } from "../ir/nodes.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import { StorageBox, TensorBox } from "../ir/tensor_box.js";
import { V } from "../ir/virtualized.js";
import { box, fallback, lower } from "./common.js";

function metaShapes(): number[][] {
  const v = V.graph.currentVal;
  return (Array.isArray(v) ? v : [v]).map((t) => (t as Tensor).shape.slice());
}

const two = (v: number[] | number, d: number[]): number[] => (Array.isArray(v) && v.length ? (v.length === 1 ? [v[0]!, v[0]!] : v) : typeof v === "number" ? [v, v] : d);

function windowReduction(x: TensorBox, out: number[], type: "max" | "argmax", k: number[], s: number[], p: number[]): TensorBox {
  const lead = x.getSize().length - 2;
  const [H, W] = x.getSize().slice(lead) as [number, number];
  const load = x.makeLoader();
  const d = type === "max" ? x.getDtype() : int64;
  const inside = (ops: OpsHandler, e: Expr, n: number): OpsValue => ops.op("logical_and", [
    ops.op("ge", [ops.indexExpr(e, int64), ops.constant(0, int64)], int64),
    ops.op("lt", [ops.indexExpr(e, int64), ops.constant(n, int64)], int64)], int64);
  const red = new Reduction(x.getDevice(), d, x.getDtype(), out, k, type, (ops, idx, ridx) => {
    const h = add(mul(idx[lead]!, s[0]!), ridx[0]!, -p[0]!), w = add(mul(idx[lead + 1]!, s[1]!), ridx[1]!, -p[1]!);
    const v = load(ops, [...idx.slice(0, lead), h, w]);
    if (p[0] === 0 && p[1] === 0) return v;
    const ok = ops.op("logical_and", [inside(ops, h, H), inside(ops, w, W)], int64);
    return ops.op("where", [ok, v, ops.constant(-Infinity, x.getDtype())], x.getDtype());
  });
  const sb = new StorageBox(red);
  sb.realize();
  return new TensorBox(sb);
}

lower(aten.max_pool2d_with_indices.default, (a, op) => {
  const x = a.self as TensorBox;
  const k = two(a.kernel_size, []), s = two(a.stride, k), p = two(a.padding, [0, 0]), dil = two(a.dilation, [1, 1]);
  if (a.ceil_mode || dil[0] !== 1 || dil[1] !== 1) return fallback(op, a);
  const [outShape] = metaShapes();
  const lead = x.getSize().length - 2;
  const W = x.getSize()[lead + 1]!;
  const values = windowReduction(x, outShape!, "max", k, s, p);
  const arg = windowReduction(x, outShape!, "argmax", k, s, p);
  // window-local argmax -> flat index into the input plane: (oh*s - p + kh) * W + (ow*s - p + kw)
  const la = arg.makeLoader();
  const indices = box(new Pointwise(x.getDevice(), int64, outShape!, (ops, idx) => {
    const r = ops.toDtype(la(ops, idx), float64);
    const kh = ops.op("div_floor_int", [r, ops.constant(k[1]!, float64)], float64);
    const kw = ops.op("sub", [r, ops.op("mul", [kh, ops.constant(k[1]!, float64)], float64)], float64);
    const h = ops.op("add", [ops.indexExpr(add(mul(idx[lead]!, s[0]!), -p[0]!), float64), kh], float64);
    const w = ops.op("add", [ops.indexExpr(add(mul(idx[lead + 1]!, s[1]!), -p[1]!), float64), kw], float64);
    return ops.toDtype(ops.op("add", [ops.op("mul", [h, ops.constant(W, float64)], float64), w], float64), int64);
  }));
  return [values, indices];
});

lower(aten._adaptive_avg_pool2d.default, (a, op) => {
  const x = a.self as TensorBox;
  const lead = x.getSize().length - 2;
  const [H, W] = x.getSize().slice(lead) as [number, number];
  const [oh, ow] = a.output_size as [number, number];
  if (oh === 0 || ow === 0 || H % oh !== 0 || W % ow !== 0) return fallback(op, a);
  const kh = H / oh, kw = W / ow;
  const load = x.makeLoader();
  const outShape = [...x.getSize().slice(0, lead), oh, ow];
  const red = new Reduction(x.getDevice(), float64, x.getDtype(), outShape, [kh, kw], "sum", (ops, idx, ridx) =>
    load(ops, [...idx.slice(0, lead), add(mul(idx[lead]!, kh), ridx[0]!), add(mul(idx[lead + 1]!, kw), ridx[1]!)]));
  const sb = new StorageBox(red);
  sb.realize();
  const ls = new TensorBox(sb).makeLoader();
  const d = x.getDtype();
  return box(new Pointwise(x.getDevice(), d, outShape, (ops, idx) =>
    ops.toDtype(ops.op("div", [ls(ops, idx), ops.constant(kh * kw, float64)], float64), d)));
});
