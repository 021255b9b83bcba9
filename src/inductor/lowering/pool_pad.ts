// inductor/lowering/pool_pad: avg_pool2d and the pooling backwards (max_pool2d_with_indices_backward,
// avg_pool2d_backward, _adaptive_avg_pool2d_backward) written as gathers: each input element sums, over
// the output windows that can contain it (ascending, as eager's scatter adds them), its share of the
// gradient. Reflection/replication pads (1d, 2d) and their backwards pick among a few affine candidate
// indices per padded dim with `where`. convolution_backward is an extern kernel (the eager kernel).
// Arithmetic follows ops/pool_ops.ts and ops/movement_ops.ts (float64 sums, one rounding).
// In: TensorBoxes, window/padding parameters. Out: TensorBoxes.

import { Tensor } from "../../tensor/tensor.js";
import { float64, type DType } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import { add, cst, floordiv, mul, type Expr } from "../ir/indexing.js";
import { Pointwise, Reduction } from "../ir/nodes.js";
import type { OpsHandler, OpsValue } from "../ir/ops.js";
import { StorageBox, TensorBox } from "../ir/tensor_box.js";
import { V } from "../ir/virtualized.js";
import { box, externCall, fallback, lower, realizeIfExpensive } from "./common.js";

const c64 = (ops: OpsHandler, v: number) => ops.constant(v, float64);
const f64 = (ops: OpsHandler, v: OpsValue) => ops.toDtype(v, float64);
const F = (ops: OpsHandler, name: "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "lt" | "ge" | "le" | "eq" | "logical_and", a: OpsValue, b: OpsValue) => ops.op(name, [a, b], float64);
const ix = (ops: OpsHandler, e: Expr) => ops.indexExpr(e, float64);
const and = (ops: OpsHandler, ...xs: OpsValue[]) => xs.reduce((p, q) => F(ops, "logical_and", p, q));

const two = (v: number[] | number, d: number[]): number[] => (Array.isArray(v) && v.length ? (v.length === 1 ? [v[0]!, v[0]!] : v) : typeof v === "number" ? [v, v] : d);

function metaOf(): Tensor {
  const v = V.graph.currentVal;
  return (Array.isArray(v) ? v[0] : v) as Tensor;
}

/** Sum `value(idx, ridx)` over `rranges` into a float64 buffer over `ranges`, then round to `out`. */
function sumTo(like: TensorBox, ranges: readonly number[], rranges: readonly number[], out: DType,
  value: (ops: OpsHandler, idx: readonly Expr[], ridx: readonly Expr[]) => OpsValue): TensorBox {
  const sb = new StorageBox(new Reduction(like.getDevice(), float64, like.getDtype(), ranges, rranges, "sum", value));
  sb.realize();
  const ls = new TensorBox(sb).makeLoader();
  return box(new Pointwise(like.getDevice(), out, ranges, (ops, idx) => ops.toDtype(ls(ops, idx), out)));
}

/**
 * Windows of size k, stride s, padding p and dilation dl over one dim with `no` outputs: for input position
 * `i` the r-th candidate output (ascending) and whether its window really contains i.
 */
function windowsOf(k: number, s: number, p: number, no: number, dl = 1) {
  const span = (k - 1) * dl + 1;
  const R = Math.ceil(span / s);
  const o = (i: Expr, r: Expr) => add(floordiv(add(i, p), s), r, -(R - 1));
  const valid = (ops: OpsHandler, i: Expr, r: Expr) => {
    const ov = ix(ops, o(i, r));
    const start = F(ops, "sub", F(ops, "mul", ov, c64(ops, s)), c64(ops, p));
    const conds = [F(ops, "ge", ov, c64(ops, 0)), F(ops, "lt", ov, c64(ops, no)), F(ops, "lt", ix(ops, i), F(ops, "add", start, c64(ops, span)))];
    if (dl !== 1) conds.push(F(ops, "eq", ops.op("fmod", [F(ops, "sub", ix(ops, i), start), c64(ops, dl)], float64), c64(ops, 0)));
    return and(ops, ...conds);
  };
  return { R, o, valid };
}

lower(aten.max_pool2d_with_indices_backward.default, (a) => {
  const x = a.self as TensorBox, g = realizeIfExpensive(a.grad_output as TensorBox), ind = a.indices as TensorBox;
  const k = two(a.kernel_size, []), s = two(a.stride, k), p = two(a.padding, [0, 0]), dil = two(a.dilation, [1, 1]);
  const shape = x.getSize(), lead = shape.length - 2, W = shape[lead + 1]!;
  const [OH, OW] = g.getSize().slice(lead) as [number, number];
  const wh = windowsOf(k[0]!, s[0]!, p[0]!, OH, dil[0]), ww = windowsOf(k[1]!, s[1]!, p[1]!, OW, dil[1]);
  const lg = g.makeLoader(), li = ind.makeLoader();
  return sumTo(x, shape, [wh.R, ww.R], x.getDtype(), (ops, idx, ridx) => {
    const h = idx[lead]!, w = idx[lead + 1]!;
    const at = [...idx.slice(0, lead), wh.o(h, ridx[0]!), ww.o(w, ridx[1]!)];
    const hit = F(ops, "eq", f64(ops, li(ops, at)), ix(ops, add(mul(h, W), w)));
    const ok = and(ops, wh.valid(ops, h, ridx[0]!), ww.valid(ops, w, ridx[1]!), hit);
    return ops.op("where", [ok, f64(ops, lg(ops, at)), c64(ops, 0)], float64);
  });
});

/** avg pooling's divisor for the window starting at `start` (float64 values), as eager computes it. */
function avgDivisor(ops: OpsHandler, a: Record<string, unknown>, st: OpsValue[], k: number[], p: number[], n: number[]): OpsValue {
  if (a.divisor_override !== null && a.divisor_override !== undefined) return c64(ops, Number(a.divisor_override));
  const ends = st.map((v, d) => F(ops, "minimum", F(ops, "add", v, c64(ops, k[d]!)), c64(ops, n[d]! + p[d]!)));
  if (a.count_include_pad) return F(ops, "mul", F(ops, "sub", ends[0], st[0]), F(ops, "sub", ends[1], st[1]));
  const cs = st.map((v) => F(ops, "maximum", v, c64(ops, 0)));
  const ce = ends.map((v, d) => F(ops, "minimum", v, c64(ops, n[d]!)));
  return F(ops, "mul", F(ops, "sub", ce[0], cs[0]), F(ops, "sub", ce[1], cs[1]));
}

lower(aten.avg_pool2d.default, (a) => {
  const x = realizeIfExpensive(a.self as TensorBox);
  const k = two(a.kernel_size, []), s = two(a.stride, k), p = two(a.padding, [0, 0]);
  const outShape = metaOf().shape, lead = outShape.length - 2;
  const n = x.getSize().slice(lead);
  const lx = x.makeLoader();
  const inside = (ops: OpsHandler, e: Expr, m: number) => and(ops, F(ops, "ge", ix(ops, e), c64(ops, 0)), F(ops, "lt", ix(ops, e), c64(ops, m)));
  const sb = new StorageBox(new Reduction(x.getDevice(), float64, x.getDtype(), outShape, k, "sum", (ops, idx, ridx) => {
    const h = add(mul(idx[lead]!, s[0]!), ridx[0]!, -p[0]!), w = add(mul(idx[lead + 1]!, s[1]!), ridx[1]!, -p[1]!);
    const v = f64(ops, lx(ops, [...idx.slice(0, lead), h, w]));
    if (p[0] === 0 && p[1] === 0 && !a.ceil_mode) return v;
    return ops.op("where", [and(ops, inside(ops, h, n[0]!), inside(ops, w, n[1]!)), v, c64(ops, 0)], float64);
  }));
  sb.realize();
  const ls = new TensorBox(sb).makeLoader(), d = x.getDtype();
  return box(new Pointwise(x.getDevice(), d, outShape, (ops, idx) => {
    const st = [0, 1].map((j) => ix(ops, add(mul(idx[lead + j]!, s[j]!), -p[j]!)));
    // an empty clipped window (only with ceil_mode) gives 0
    const cs = st.map((v) => F(ops, "maximum", v, c64(ops, 0)));
    const ce = st.map((v, j) => F(ops, "minimum", F(ops, "minimum", F(ops, "add", v, c64(ops, k[j]!)), c64(ops, n[j]! + p[j]!)), c64(ops, n[j]!)));
    const nonEmpty = and(ops, F(ops, "lt", cs[0], ce[0]), F(ops, "lt", cs[1], ce[1]));
    const r = ops.op("where", [nonEmpty, F(ops, "div", ls(ops, idx), avgDivisor(ops, a, st, k, p, n)), c64(ops, 0)], float64);
    return ops.toDtype(r, d);
  }));
});

lower(aten.avg_pool2d_backward.default, (a) => {
  const x = a.self as TensorBox, g = realizeIfExpensive(a.grad_output as TensorBox);
  const k = two(a.kernel_size, []), s = two(a.stride, k), p = two(a.padding, [0, 0]);
  const shape = x.getSize(), lead = shape.length - 2, n = shape.slice(lead);
  const [OH, OW] = g.getSize().slice(lead) as [number, number];
  const wh = windowsOf(k[0]!, s[0]!, p[0]!, OH), ww = windowsOf(k[1]!, s[1]!, p[1]!, OW);
  const lg = g.makeLoader();
  return sumTo(x, shape, [wh.R, ww.R], g.getDtype(), (ops, idx, ridx) => {
    const h = idx[lead]!, w = idx[lead + 1]!;
    const oh = wh.o(h, ridx[0]!), ow = ww.o(w, ridx[1]!);
    const st = [oh, ow].map((e, j) => ix(ops, add(mul(e, s[j]!), -p[j]!)));
    const v = F(ops, "div", f64(ops, lg(ops, [...idx.slice(0, lead), oh, ow])), avgDivisor(ops, a, st, k, p, n));
    return ops.op("where", [and(ops, wh.valid(ops, h, ridx[0]!), ww.valid(ops, w, ridx[1]!)), v, c64(ops, 0)], float64);
  });
});

lower(aten._adaptive_avg_pool2d_backward.default, (a, op) => {
  const x = a.self as TensorBox, g = a.grad_output as TensorBox;
  const shape = x.getSize(), lead = shape.length - 2;
  const [H, W] = shape.slice(lead) as [number, number];
  const [OH, OW] = g.getSize().slice(lead) as [number, number];
  // even windows only (each input element in exactly one window); others run the eager kernel
  if (OH === 0 || OW === 0 || H % OH !== 0 || W % OW !== 0) return fallback(op, a);
  const kh = H / OH, kw = W / OW, lg = g.makeLoader(), d = g.getDtype();
  return box(new Pointwise(x.getDevice(), d, shape, (ops, idx) => {
    const at = [...idx.slice(0, lead), floordiv(idx[lead]!, kh), floordiv(idx[lead + 1]!, kw)];
    return ops.toDtype(F(ops, "div", f64(ops, lg(ops, at)), c64(ops, kh * kw)), d);
  }));
});

// ---------------------------------------------------------------- reflection / replication padding

type PadMode = "reflect" | "replicate";

/** Candidate source indices (affine in the output index o) for one padded dim, with their conditions. */
function padCandidates(mode: PadMode, l: number, size: number): { src: (o: Expr) => Expr; when: (ops: OpsHandler, o: Expr) => OpsValue | null }[] {
  const lt = (ops: OpsHandler, o: Expr, v: number) => F(ops, "lt", ix(ops, o), c64(ops, v));
  const ge = (ops: OpsHandler, o: Expr, v: number) => F(ops, "ge", ix(ops, o), c64(ops, v));
  if (mode === "replicate") {
    return [
      { src: () => cst(0), when: (ops, o) => lt(ops, o, l) },
      { src: () => cst(size - 1), when: (ops, o) => ge(ops, o, l + size) },
      { src: (o) => add(o, -l), when: () => null },
    ];
  }
  if (size === 1) return [{ src: () => cst(0), when: () => null }];
  return [
    { src: (o) => add(mul(o, -1), l), when: (ops, o) => lt(ops, o, l) },
    { src: (o) => add(mul(o, -1), l + 2 * (size - 1)), when: (ops, o) => ge(ops, o, l + size) },
    { src: (o) => add(o, -l), when: () => null },
  ];
}

function padForward(mode: PadMode, k: number) {
  return (a: Record<string, unknown>) => {
    const x = a.self as TensorBox, pad = a.padding as number[];
    const shape = metaOf().shape, nd = shape.length, lx = x.makeLoader(), d = x.getDtype();
    const dims = [...Array(k).keys()].map((j) => ({ d: nd - 1 - j, c: padCandidates(mode, pad[2 * j]!, x.getSize()[nd - 1 - j]!) }));
    const pick = (ops: OpsHandler, idx: Expr[], j: number): OpsValue => {
      if (j === dims.length) return lx(ops, idx);
      const { d: dim, c } = dims[j]!;
      const o = idx[dim]!;
      const at = (cand: (typeof c)[number]) => pick(ops, idx.map((e, i) => (i === dim ? cand.src(o) : e)), j + 1);
      let v = at(c[c.length - 1]!);
      for (let i = c.length - 2; i >= 0; i--) v = ops.op("where", [c[i]!.when(ops, o), at(c[i]!), v], d);
      return v;
    };
    return box(new Pointwise(x.getDevice(), d, shape, (ops, idx) => pick(ops, idx.slice(), 0)));
  };
}

/**
 * The backward: input position i receives the gradient of every output o whose source is i. Per dim a
 * reduction index rr walks those outputs in ascending order (at most one candidate is valid for each
 * (i, rr)), so the sum adds them in eager's order (its scatter adds in ascending output order).
 */
function padBackward(mode: PadMode, k: number) {
  return (a: Record<string, unknown>) => {
    const x = a.self as TensorBox, g = realizeIfExpensive(a.grad_output as TensorBox), pad = a.padding as number[];
    const shape = x.getSize(), nd = shape.length, lg = g.makeLoader();
    const per = [...Array(k).keys()].map((j) => {
      const l = pad[2 * j]!, r = pad[2 * j + 1]!, size = shape[nd - 1 - j]!;
      const R = mode === "replicate" ? l + r + 1 : size === 1 ? 1 : 3;
      const cands = (ops: OpsHandler, i: Expr, rr: Expr): [Expr, OpsValue][] => {
        const iv = ix(ops, i), rv = ix(ops, rr);
        const eq = (v: OpsValue, c: number) => F(ops, "eq", v, c64(ops, c));
        const le = (v: OpsValue, c: number) => F(ops, "le", v, c64(ops, c));
        const gec = (v: OpsValue, c: number) => F(ops, "ge", v, c64(ops, c));
        if (mode === "replicate") {
          return [
            [rr, and(ops, eq(iv, 0), le(rv, size === 1 ? l + r : l))], // o in [0, l] -> 0
            [add(i, l), and(ops, gec(iv, 1), le(iv, size - 2), eq(rv, 0))], // centre
            [add(i, l, rr), and(ops, eq(iv, size - 1), gec(iv, 1), le(rv, r))], // o in [l + size - 1, l + size - 1 + r] -> size - 1
          ];
        }
        if (size === 1) return [[add(i, l), eq(rv, 0)]];
        return [
          [add(mul(i, -1), l), and(ops, eq(rv, 0), gec(iv, 1), le(iv, l))],
          [add(i, l), eq(rv, 1)],
          [add(mul(i, -1), l + 2 * (size - 1)), and(ops, eq(rv, 2), gec(iv, size - 1 - r), le(iv, size - 2))],
        ];
      };
      return { dim: nd - 1 - j, R, cands };
    }).reverse(); // outer dims first: ascending flat output order
    return sumTo(x, shape, per.map((q) => q.R), g.getDtype(), (ops, idx, ridx) => {
      let terms: { at: Expr[]; ok: OpsValue | null }[] = [{ at: idx.slice(), ok: null }];
      per.forEach((q, j) => {
        const cs = q.cands(ops, idx[q.dim]!, ridx[j]!);
        terms = terms.flatMap((t) => cs.map(([o, c]) => ({ at: t.at.map((e, i) => (i === q.dim ? o : e)), ok: t.ok === null ? c : and(ops, t.ok, c) })));
      });
      // at most one term is selected: the others add exact zeros
      let acc: OpsValue | null = null;
      for (const t of terms) {
        const v = ops.op("where", [t.ok!, f64(ops, lg(ops, t.at)), c64(ops, 0)], float64);
        acc = acc === null ? v : F(ops, "add", acc, v);
      }
      return acc!;
    });
  };
}

for (const [name, mode, k] of [["reflection_pad1d", "reflect", 1], ["reflection_pad2d", "reflect", 2], ["replication_pad1d", "replicate", 1], ["replication_pad2d", "replicate", 2]] as const) {
  const ops = aten as unknown as Record<string, { default: Parameters<typeof lower>[0] }>;
  lower(ops[name]!.default, padForward(mode, k));
  lower(ops[`${name}_backward`]!.default, padBackward(mode, k));
}

// ---------------------------------------------------------------- convolution backward

lower(aten.convolution_backward.default, (a, o) => externCall("extern", o, a));

