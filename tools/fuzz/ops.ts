// tools/fuzz/ops: the fuzzer's op table. Each entry prints one coil expression (the same text runs and
// is printed, so a printed repro is exactly what ran) and draws parameters/operands that fit the first
// argument's shape and dtype. In: the first operand's metadata and an Rng. Out: params + operand requests.

import type { Rng } from "./rng.js";
import type { Lit, DTypeName } from "./program.js";

export interface Meta { shape: readonly number[]; dtype: string }
/** Another tensor the op needs: the generator reuses a value with this shape/dtype or adds an input. */
export interface OperandReq { shape: number[]; dtype: DTypeName }
export interface Gen { params: Lit[]; operands?: OperandReq[] }
export type OpKind = "unary" | "binary" | "reduction" | "matmul" | "conv" | "shape" | "inplace" | "norm";
export interface FuzzOp {
  kind: OpKind;
  weight: number;
  /** The result aliases the first argument (view or in-place). */
  aliases?: boolean;
  /** Mutates the first argument. */
  inplace?: boolean;
  expr(n: string[], p: Lit[]): string;
  gen(r: Rng, m: Meta): Gen | null;
}

const J = (x: Lit): string => JSON.stringify(x);
const isFloat = (d: string) => d === "float32" || d === "float64" || d === "bfloat16";
const fdt = (d: string): DTypeName => (isFloat(d) ? (d as DTypeName) : "float32");
const dim = (r: Rng, m: Meta): number | null => (m.shape.length === 0 ? null : r.int(0, m.shape.length - 1) - (r.bool(0.3) ? m.shape.length : 0));
/** A shape that broadcasts against m.shape (some dims 1, maybe fewer leading dims). */
function bcast(r: Rng, s: readonly number[]): number[] {
  const drop = s.length > 0 && r.bool(0.2) ? r.int(1, s.length) : 0;
  return s.slice(drop).map((d) => (r.bool(0.3) ? 1 : d));
}
const ndimIs = (m: Meta, ...n: number[]) => n.includes(m.shape.length);

const unary = (method: string, w = 1, floatOnly = true): FuzzOp => ({
  kind: "unary", weight: w, expr: (n) => `${n[0]}.${method}()`, gen: (_r, m) => (floatOnly && !isFloat(m.dtype) ? null : { params: [] }),
});
const fn1 = (call: string, w = 1): FuzzOp => ({
  kind: "unary", weight: w, expr: (n, p) => `coil.${call}(${n[0]}${p.length ? ", " + p.map(J).join(", ") : ""})`, gen: (_r, m) => (isFloat(m.dtype) ? { params: [] } : null),
});
const binary = (method: string, w = 1, kinds: "float" | "any" | "int" = "any"): FuzzOp => ({
  kind: "binary", weight: w, expr: (n) => `${n[0]}.${method}(${n[1]})`,
  gen: (r, m) => {
    if (kinds === "float" && !isFloat(m.dtype)) return null;
    if (kinds === "int" && m.dtype !== "int64" && m.dtype !== "bool") return null;
    const dtype = (r.bool(0.8) ? m.dtype : r.pick(["float32", "float64", "int64"])) as DTypeName;
    const shape = r.bool(0.7) ? [...m.shape] : bcast(r, m.shape);
    return { params: [], operands: [{ shape: r.bool(0.5) ? shape : shape, dtype: kinds === "any" ? dtype : (m.dtype as DTypeName) }] };
  },
});
const scalarOp = (method: string, vals: number[], w = 1): FuzzOp => ({
  kind: "unary", weight: w, expr: (n, p) => `${n[0]}.${method}(${J(p[0]!)})`, gen: (r, m) => (m.dtype === "bool" ? null : { params: [r.pick(vals)] }),
});
const reduceDim = (method: string, w = 1, opts: { floatOnly?: boolean; keepdim?: boolean; multi?: boolean; suffix?: string } = {}): FuzzOp => ({
  kind: "reduction", weight: w,
  expr: (n, p) => `${n[0]}.${method}(${p.map(J).join(", ")})${opts.suffix ?? ""}`,
  gen: (r, m) => {
    if (opts.floatOnly && !isFloat(m.dtype)) return null;
    const d = dim(r, m);
    if (d === null) return opts.multi ? { params: [] } : null;
    const dims: Lit = opts.multi && r.bool(0.3) && m.shape.length >= 2 ? [0, m.shape.length - 1] : d;
    return { params: opts.keepdim === false ? [dims] : [dims, r.bool(0.3)] };
  },
});

export const FUZZ_OPS: Record<string, FuzzOp> = {
  // ---- unary pointwise (fusable chains) ----
  neg: unary("neg", 1, false), abs: unary("abs", 1, false), exp: unary("exp"), log: unary("log"), sin: unary("sin", 2), cos: unary("cos", 2),
  tanh: unary("tanh"), sigmoid: unary("sigmoid"), relu: unary("relu", 2), sqrt: unary("sqrt"), rsqrt: unary("rsqrt", 0.5),
  reciprocal: unary("reciprocal", 0.5), erf: unary("erf"), floor: unary("floor", 0.5), round: unary("round", 0.5), sign: unary("sign", 0.5),
  expm1: unary("expm1", 0.5), log1p: unary("log1p", 0.5), isnan: unary("isnan", 0.3, false), logicalNot: unary("logicalNot", 0.3, false),
  silu: fn1("silu"), gelu: { kind: "unary", weight: 1, expr: (n, p) => `coil.gelu(${n[0]}, { approximate: ${J(p[0]!)} })`, gen: (r, m) => (isFloat(m.dtype) ? { params: [r.pick(["none", "tanh"])] } : null) },
  addS: scalarOp("add", [1, -2.5, 0.5], 1.5), mulS: scalarOp("mul", [2, -0.5, 3], 1.5), divS: scalarOp("div", [2, 0.25, -3]), subS: scalarOp("sub", [1, 0.5]),
  powS: { kind: "unary", weight: 1, expr: (n, p) => `${n[0]}.pow(${J(p[0]!)})`, gen: (r, m) => (isFloat(m.dtype) ? { params: [r.pick([2, 3, 0.5, -1])] } : null) },
  clamp: { kind: "unary", weight: 1, expr: (n, p) => `${n[0]}.clamp(${J(p[0]!)}, ${J(p[1]!)})`, gen: (r, m) => (m.dtype === "bool" ? null : { params: r.pick([[-0.5, 0.5], [0, null], [null, 1]]) }) },
  gtS: { kind: "unary", weight: 0.5, expr: (n, p) => `${n[0]}.gt(${J(p[0]!)})`, gen: (r, m) => (m.dtype === "bool" ? null : { params: [r.pick([0, 0.5])] }) },
  to: { kind: "unary", weight: 0.7, expr: (n, p) => `${n[0]}.to(${J(p[0]!)})`, gen: (r) => ({ params: [r.pick(["float32", "float64", "bfloat16", "int64"])] }) },
  // ---- binary pointwise with broadcasting and promotion ----
  add: binary("add", 2), sub: binary("sub"), mul: binary("mul", 2), div: binary("div", 1, "float"), maximum: binary("maximum"), minimum: binary("minimum"),
  atan2: binary("atan2", 0.5, "float"), lt: binary("lt", 0.5), eq: binary("eq", 0.3), bitwiseAnd: binary("bitwiseAnd", 0.3, "int"),
  where: {
    kind: "binary", weight: 1, expr: (n) => `coil.where(${n[1]}, ${n[0]}, ${n[2]})`,
    gen: (r, m) => ({ params: [], operands: [{ shape: bcast(r, m.shape), dtype: "bool" }, { shape: bcast(r, m.shape), dtype: m.dtype as DTypeName }] }),
  },
  // ---- reductions ----
  sum: reduceDim("sum", 2, { multi: true }), mean: reduceDim("mean", 1.5, { multi: true, floatOnly: true }),
  sumAll: { kind: "reduction", weight: 1, expr: (n) => `${n[0]}.sum()`, gen: () => ({ params: [] }) },
  amax: reduceDim("amax", 1, { multi: true }), amin: reduceDim("amin", 0.5), prod: reduceDim("prod", 0.5, { floatOnly: true }),
  softmax: reduceDim("softmax", 1.5, { keepdim: false, floatOnly: true }), logSoftmax: reduceDim("logSoftmax", 1, { keepdim: false, floatOnly: true }),
  logsumexp: reduceDim("logsumexp", 0.7, { floatOnly: true }), cumsum: reduceDim("cumsum", 0.5, { keepdim: false }),
  maxDim: reduceDim("max", 0.7, { suffix: ".values" }), argmax: reduceDim("argmax", 0.3),
  var: { kind: "reduction", weight: 1, expr: (n, p) => `${n[0]}.var(${J(p[0]!)}, { correction: ${J(p[1]!)}, keepdim: ${J(p[2]!)} })`, gen: (r, m) => (isFloat(m.dtype) && m.shape.length ? { params: [dim(r, m), r.pick([0, 1]), r.bool(0.3)] } : null) },
  std: { kind: "reduction", weight: 0.5, expr: (n, p) => `${n[0]}.std(${J(p[0]!)})`, gen: (r, m) => (isFloat(m.dtype) && m.shape.length ? { params: [dim(r, m)] } : null) },
  norm: { kind: "reduction", weight: 0.5, expr: (n, p) => `${n[0]}.norm(2, ${J(p[0]!)})`, gen: (r, m) => (isFloat(m.dtype) && m.shape.length ? { params: [dim(r, m)] } : null) },
  // ---- matmuls ----
  mm: { kind: "matmul", weight: 1.5, expr: (n) => `coil.mm(${n[0]}, ${n[1]})`, gen: (r, m) => (ndimIs(m, 2) && isFloat(m.dtype) ? { params: [], operands: [{ shape: [m.shape[1]!, r.int(1, 5)], dtype: m.dtype as DTypeName }] } : null) },
  bmm: { kind: "matmul", weight: 1, expr: (n) => `coil.bmm(${n[0]}, ${n[1]})`, gen: (r, m) => (ndimIs(m, 3) && isFloat(m.dtype) ? { params: [], operands: [{ shape: [m.shape[0]!, m.shape[2]!, r.int(1, 4)], dtype: m.dtype as DTypeName }] } : null) },
  matmul: {
    kind: "matmul", weight: 1.5, expr: (n) => `${n[0]}.matmul(${n[1]})`,
    gen: (r, m) => {
      if (!isFloat(m.dtype) || m.shape.length === 0) return null;
      const k = m.shape[m.shape.length - 1]!;
      const shape = r.pick([[k], [k, r.int(1, 4)], [r.int(1, 3), k, r.int(1, 3)], [1, k, 2]]);
      return { params: [], operands: [{ shape, dtype: m.dtype as DTypeName }] };
    },
  },
  linear: {
    kind: "matmul", weight: 1.5, expr: (n) => `coil.linear(${n[0]}, ${n[1]}${n[2] ? ", " + n[2] : ""})`,
    gen: (r, m) => {
      if (!isFloat(m.dtype) || m.shape.length === 0) return null;
      const out = r.int(1, 5), dt = m.dtype as DTypeName;
      const ops: OperandReq[] = [{ shape: [out, m.shape[m.shape.length - 1]!], dtype: dt }];
      if (r.bool(0.6)) ops.push({ shape: [out], dtype: dt });
      return { params: [], operands: ops };
    },
  },
  // ---- convolutions ----
  conv2d: {
    kind: "conv", weight: 1.5, expr: (n, p) => `coil.conv2d(${n[0]}, ${n[1]}, ${n[2] ?? "null"}, ${J(p[0]!)}, ${J(p[1]!)}, ${J(p[2]!)}, ${J(p[3]!)})`,
    gen: (r, m) => {
      if (!ndimIs(m, 4) || !isFloat(m.dtype)) return null;
      const c = m.shape[1]!, groups = c % 2 === 0 && r.bool(0.3) ? 2 : 1, o = groups * r.int(1, 3);
      const k = r.int(1, 3), dt = m.dtype as DTypeName;
      const ops: OperandReq[] = [{ shape: [o, c / groups, k, k], dtype: dt }];
      if (r.bool(0.5)) ops.push({ shape: [o], dtype: dt });
      return { params: [r.int(1, 2), r.int(0, 1), r.int(1, 2), groups], operands: ops };
    },
  },
  conv1d: {
    kind: "conv", weight: 1, expr: (n, p) => `coil.conv1d(${n[0]}, ${n[1]}, null, ${J(p[0]!)}, ${J(p[1]!)})`,
    gen: (r, m) => (ndimIs(m, 3) && isFloat(m.dtype) ? { params: [r.int(1, 2), r.int(0, 2)], operands: [{ shape: [r.int(1, 3), m.shape[1]!, r.int(1, 3)], dtype: m.dtype as DTypeName }] } : null),
  },
  layerNorm: {
    kind: "norm", weight: 1, expr: (n) => `coil.layerNorm(${n[0]}, [${n[0]}.shape[${n[0]}.ndim - 1]]${n[1] ? `, { weight: ${n[1]}, bias: ${n[2]} }` : ""})`,
    gen: (r, m) => {
      if (!isFloat(m.dtype) || m.shape.length === 0) return null;
      const last = m.shape[m.shape.length - 1]!, dt = m.dtype as DTypeName;
      return { params: [], operands: r.bool(0.5) ? [{ shape: [last], dtype: dt }, { shape: [last], dtype: dt }] : [] };
    },
  },
  // ---- shape / views ----
  transpose: { kind: "shape", weight: 1.5, aliases: true, expr: (n, p) => `${n[0]}.transpose(${J(p[0]!)}, ${J(p[1]!)})`, gen: (r, m) => (m.shape.length >= 2 ? { params: [dim(r, m), dim(r, m)] } : null) },
  permute: { kind: "shape", weight: 0.7, aliases: true, expr: (n, p) => `${n[0]}.permute(${J(p[0]!)})`, gen: (r, m) => (m.shape.length >= 2 ? { params: [r.shuffle(m.shape.map((_, i) => i))] } : null) },
  reshape: { kind: "shape", weight: 1, expr: (n, p) => `${n[0]}.reshape(${J(p[0]!)})`, gen: (r, m) => ({ params: [r.pick([[-1], [1, -1], [-1, 1], m.shape.length >= 2 ? [m.shape[0]!, -1] : [-1]])] }) },
  view4d: { kind: "shape", weight: 0.8, expr: (n, p) => `${n[0]}.reshape(${J(p[0]!)})`, gen: (r, m) => (m.shape.length >= 1 && m.shape.length < 4 && m.shape.every((d) => d > 0) ? { params: [[1, 1, ...(m.shape.length === 1 ? [1, m.shape[0]!] : m.shape.slice(-2))].slice(-4)] } : null) },
  unsqueeze: { kind: "shape", weight: 0.7, aliases: true, expr: (n, p) => `${n[0]}.unsqueeze(${J(p[0]!)})`, gen: (r, m) => ({ params: [r.int(0, m.shape.length)] }) },
  squeeze: { kind: "shape", weight: 0.5, aliases: true, expr: (n, p) => `${n[0]}.squeeze(${J(p[0]!)})`, gen: (r, m) => { const d = dim(r, m); return d === null ? null : { params: [d] }; } },
  expand: {
    kind: "shape", weight: 0.7, aliases: true, expr: (n, p) => `${n[0]}.expand(${J(p[0]!)})`,
    gen: (r, m) => ({ params: [[...(r.bool(0.3) ? [2] : []), ...m.shape.map((d) => (d === 1 ? r.int(1, 3) : d))]] }),
  },
  narrow: {
    kind: "shape", weight: 0.7, aliases: true, expr: (n, p) => `${n[0]}.narrow(${J(p[0]!)}, ${J(p[1]!)}, ${J(p[2]!)})`,
    gen: (r, m) => { const d = dim(r, m); if (d === null) return null; const s = m.shape[(d + m.shape.length) % m.shape.length]!; const st = r.int(0, s); return { params: [d, st, r.int(0, s - st)] }; },
  },
  select: { kind: "shape", weight: 0.5, aliases: true, expr: (n, p) => `${n[0]}.select(${J(p[0]!)}, ${J(p[1]!)})`, gen: (r, m) => { const d = dim(r, m); if (d === null) return null; const s = m.shape[(d + m.shape.length) % m.shape.length]!; return s ? { params: [d, r.int(-s, s - 1)] } : null; } },
  flip: { kind: "shape", weight: 0.4, expr: (n, p) => `${n[0]}.flip(${J(p[0]!)})`, gen: (r, m) => { const d = dim(r, m); return d === null ? null : { params: [[d]] }; } },
  contiguous: { kind: "shape", weight: 0.4, expr: (n) => `${n[0]}.contiguous()`, gen: () => ({ params: [] }) },
  clone: { kind: "shape", weight: 0.5, expr: (n) => `${n[0]}.clone()`, gen: () => ({ params: [] }) },
  cat: {
    kind: "shape", weight: 1, expr: (n, p) => `coil.cat([${n[0]}, ${n[1]}], ${J(p[0]!)})`,
    gen: (r, m) => { const d = dim(r, m); if (d === null) return null; const s = [...m.shape]; s[(d + s.length) % s.length] = r.int(0, 3); return { params: [d], operands: [{ shape: s, dtype: m.dtype as DTypeName }] }; },
  },
  split: {
    kind: "shape", weight: 0.5, aliases: true, expr: (n, p) => `coil.split(${n[0]}, ${J(p[0]!)}, ${J(p[1]!)})[${J(p[2]!)}]`,
    gen: (r, m) => { const d = dim(r, m); if (d === null) return null; const s = m.shape[(d + m.shape.length) % m.shape.length]!; const k = r.int(1, Math.max(1, s)); const parts = Math.max(1, Math.ceil(s / k)); return { params: [k, d, r.int(0, parts - 1)] }; },
  },
  // ---- in-place on intermediates ----
  add_: { kind: "inplace", weight: 1, aliases: true, inplace: true, expr: (n) => `${n[0]}.add_(${n[1]})`, gen: (r, m) => ({ params: [], operands: [{ shape: bcast(r, m.shape), dtype: m.dtype as DTypeName }] }) },
  mul_: { kind: "inplace", weight: 1, aliases: true, inplace: true, expr: (n, p) => `${n[0]}.mul_(${J(p[0]!)})`, gen: (r, m) => (m.dtype === "bool" ? null : { params: [r.pick([2, -0.5])] }) },
  relu_: { kind: "inplace", weight: 0.7, aliases: true, inplace: true, expr: (n) => `${n[0]}.relu_()`, gen: (_r, m) => (isFloat(m.dtype) ? { params: [] } : null) },
  clamp_: { kind: "inplace", weight: 0.5, aliases: true, inplace: true, expr: (n) => `${n[0]}.clamp_(-1, 1)`, gen: (_r, m) => (isFloat(m.dtype) ? { params: [] } : null) },
  copy_: { kind: "inplace", weight: 0.3, aliases: true, inplace: true, expr: (n) => `${n[0]}.copy_(${n[1]})`, gen: (r, m) => ({ params: [], operands: [{ shape: bcast(r, m.shape), dtype: fdt(m.dtype) }] }) },
};
