// inductor/lowering/pointwise: lowerings of the elementwise aten ops (unary, binary with broadcasting and
// type promotion, Scalar overloads, where/clamp/hardtanh, activation backwards, casts). Each becomes a
// Pointwise whose math op and compute dtype follow the eager kernel (ops/pointwise_util.ts), so the
// compiled result equals eager. In: TensorBoxes and scalars. Out: unrealized Pointwise TensorBoxes.

import { bool as boolDtype, castScalar, defaultFloatDtype, float64, type DType } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import type { OpOverload } from "../../ops/registry.js";
import type { MathOp } from "../ir/ops.js";
import { asBox, isBox, lower, makePointwise, mathPointwise, promotedDtype, type Bound } from "./common.js";
import type { TensorBox } from "../ir/tensor_box.js";

type Rule = "same" | "float" | "bool";

function outDtype(rule: Rule, common: DType): DType {
  if (rule === "bool") return boolDtype;
  if (rule === "float" && !common.isFloatingPoint) return defaultFloatDtype.current;
  return common;
}

/** The dtype operands are converted to before the op (eager's TensorIterator compute dtype). */
function computeDtype(common: DType, out: DType): DType {
  if (out.isFloatingPoint) return common.isFloatingPoint ? out : float64; // int -> float: exact, rounded once at the end
  return common;
}

function scalarValue(v: unknown, op: string): number {
  if (typeof v === "number" || typeof v === "boolean") return Number(v);
  throw new TypeError(`lowering: ${op}: expected a Scalar, got ${String(v)}`);
}

/** Unary op with dtype rule: out = op(x) computed like eager. */
function unary(op: OpOverload, name: MathOp, rule: Rule, params?: (a: Bound, d: DType) => number[]): void {
  lower(op, (a) => {
    const x = a.self as TensorBox;
    const out = outDtype(rule, x.getDtype());
    return mathPointwise(name, [x], computeDtype(x.getDtype(), out), out, params?.(a, x.getDtype()));
  });
}

/**
 * Binary op over (tensor, tensor) or (tensor, Scalar): the scalar becomes a constant of the compute
 * dtype. `swap` computes op(other, self) (rsub).
 */
function binary(op: OpOverload, name: MathOp, rule: Rule, names: [string, string] = ["self", "other"],
  params?: (a: Bound, compute: DType) => number[], swap = false): void {
  lower(op, (a) => {
    const x = a[names[0]], y = a[names[1]];
    const boxes = [x, y].filter(isBox) as TensorBox[];
    const scalars = [x, y].filter((v) => !isBox(v)).map((v) => scalarValue(v, op.qualname));
    const common = promotedDtype(boxes, scalars);
    const out = outDtype(rule, common);
    const compute = computeDtype(common, out);
    const toBox = (v: unknown) => (isBox(v) ? v : asBox(castScalar(scalarValue(v, op.qualname), compute), compute));
    const ins = swap ? [toBox(y), toBox(x)] : [toBox(x), toBox(y)];
    return mathPointwise(name, ins, compute, out, params?.(a, compute));
  });
}

const alpha = (a: Bound) => [Number(a.alpha)];

// ---- unary ----
const UNARY_FLOAT: [string, MathOp][] = [
  ["exp", "exp"], ["exp2", "exp2"], ["log", "log"], ["log2", "log2"], ["log1p", "log1p"], ["expm1", "expm1"], ["sin", "sin"],
  ["cos", "cos"], ["tan", "tan"], ["tanh", "tanh"], ["sigmoid", "sigmoid"], ["sqrt", "sqrt"], ["rsqrt", "rsqrt"],
  ["reciprocal", "reciprocal"], ["erf", "erf"],
];
const UNARY_SAME: [string, MathOp][] = [
  ["neg", "neg"], ["abs", "abs"], ["relu", "relu"], ["silu", "silu"], ["floor", "floor"], ["ceil", "ceil"], ["round", "round"],
  ["trunc", "trunc"], ["sign", "sign"],
];
const UNARY_BOOL: [string, MathOp][] = [["logical_not", "logical_not"], ["isnan", "isnan"], ["isinf", "isinf"]];
const A = aten as unknown as Record<string, Record<string, OpOverload>>;

for (const [n, m] of UNARY_FLOAT) unary(A[n]!.default!, m, "float");
for (const [n, m] of UNARY_SAME) unary(A[n]!.default!, m, "same");
for (const [n, m] of UNARY_BOOL) unary(A[n]!.default!, m, "bool");

lower(aten.gelu.default, (a) => {
  const x = a.self as TensorBox;
  return mathPointwise(a.approximate === "tanh" ? "gelu_tanh" : "gelu", [x], x.getDtype(), x.getDtype());
});
lower(aten.hardtanh.default, (a) => {
  const x = a.self as TensorBox, d = x.getDtype();
  return mathPointwise("clamp", [x], d, d, [castScalar(Number(a.min_val), d), castScalar(Number(a.max_val), d)]);
});
lower(aten.clamp.default, (a) => {
  const x = a.self as TensorBox;
  const bounds = [a.min, a.max].filter((v) => v !== null).map(Number);
  const d = promotedDtype([x], bounds);
  const lo = a.min === null ? -Infinity : castScalar(Number(a.min), d), hi = a.max === null ? Infinity : castScalar(Number(a.max), d);
  if (Number.isNaN(lo) || Number.isNaN(hi)) return makePointwise("clamp", [x], d, d, (ops) => ops.constant(NaN, d));
  return mathPointwise("clamp", [x], d, d, [lo, hi]);
});

// ---- binary ----
binary(aten.add.Tensor, "add_alpha", "same", undefined, alpha);
binary(aten.add.Scalar, "add_alpha", "same", undefined, alpha);
binary(aten.sub.Tensor, "sub_alpha", "same", undefined, alpha);
binary(aten.sub.Scalar, "sub_alpha", "same", undefined, alpha);
binary(aten.rsub.Tensor, "sub_alpha", "same", undefined, alpha, true);
binary(aten.rsub.Scalar, "sub_alpha", "same", undefined, alpha, true);
binary(aten.mul.Tensor, "mul", "same");
binary(aten.mul.Scalar, "mul", "same");
binary(aten.div.Tensor, "div", "float");
binary(aten.div.Scalar, "div", "float");
for (const ov of [aten.div.Tensor_mode, aten.div.Scalar_mode]) {
  lower(ov, (a, op) => {
    const mode = a.rounding_mode as string | null;
    const x = a.self as TensorBox, y = a.other;
    const common = promotedDtype([x, ...(isBox(y) ? [y] : [])], isBox(y) ? [] : [scalarValue(y, op.qualname)]);
    const out = mode === null ? outDtype("float", common) : common;
    const compute = computeDtype(common, out);
    const m: MathOp = mode === null ? "div" : mode === "trunc" ? "div_trunc" : common.isFloatingPoint ? "div_floor_float" : "div_floor_int";
    const yb = isBox(y) ? y : asBox(castScalar(scalarValue(y, op.qualname), compute), compute);
    return mathPointwise(m, [x, yb], compute, out);
  });
}
binary(aten.pow.Tensor_Tensor, "pow", "same", ["self", "exponent"]);
binary(aten.pow.Tensor_Scalar, "pow", "same", ["self", "exponent"]);
binary(aten.pow.Scalar, "pow", "same", ["self", "exponent"]);
binary(aten.remainder.Tensor, "remainder", "same");
binary(aten.remainder.Scalar, "remainder", "same");
binary(aten.fmod.Tensor, "fmod", "same");
binary(aten.fmod.Scalar, "fmod", "same");
binary(aten.maximum.default, "maximum", "same");
binary(aten.minimum.default, "minimum", "same");
binary(aten.atan2.default, "atan2", "float");
for (const n of ["eq", "ne", "lt", "le", "gt", "ge"] as const) {
  binary(A[n]!.Tensor!, n, "bool");
  binary(A[n]!.Scalar!, n, "bool");
}
for (const n of ["logical_and", "logical_or", "logical_xor"] as const) binary(A[n]!.default!, n, "bool");

lower(aten.where.self, (a) => {
  const c = a.condition as TensorBox, x = a.self, y = a.other;
  const boxes = [x, y].filter(isBox) as TensorBox[];
  const d = promotedDtype(boxes, [x, y].filter((v) => !isBox(v)).map(Number));
  const vx = asBox(isBox(x) ? x : castScalar(Number(x), d), d), vy = asBox(isBox(y) ? y : castScalar(Number(y), d), d);
  return makePointwise("where", [c, vx, vy], d, d, (ops, [cv, xv, yv]) => ops.op("where", [cv, xv, yv], d));
});

// ---- activation backwards: (grad_output, self/output) ----
lower(aten.threshold_backward.default, (a) => {
  const g = a.grad_output as TensorBox, x = a.self as TensorBox;
  const d = promotedDtype([g, x]);
  return mathPointwise("threshold_backward", [g, x], d, d, [Number(a.threshold)]);
});
const BACKWARD: [OpOverload, MathOp, [string, string]][] = [
  [aten.sigmoid_backward.default, "sigmoid_backward", ["grad_output", "output"]],
  [aten.tanh_backward.default, "tanh_backward", ["grad_output", "output"]],
  [aten.silu_backward.default, "silu_backward", ["grad_output", "self"]],
];
for (const [op, m, names] of BACKWARD) binary(op, m, "same", names);
lower(aten.gelu_backward.default, (a) => {
  const g = a.grad_output as TensorBox, x = a.self as TensorBox;
  const d = promotedDtype([g, x]);
  return mathPointwise(a.approximate === "tanh" ? "gelu_tanh_backward" : "gelu_backward", [g, x], d, d);
});
lower(aten.hardtanh_backward.default, (a) => {
  const g = a.grad_output as TensorBox, x = a.self as TensorBox;
  const d = promotedDtype([g, x]);
  return mathPointwise("hardtanh_backward", [g, x], d, d, [Number(a.min_val), Number(a.max_val)]);
});
