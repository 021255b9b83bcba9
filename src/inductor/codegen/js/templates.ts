// inductor/codegen/js/templates: the JavaScript expression of every math op of the IR vocabulary,
// written exactly as the eager kernels compute them (ops/*_ops.ts), over operands a, b, c, scalar
// params p0, p1 and runtime helpers H.* (erf, rint, floorDiv, ...). In: a MathOp. Out: its template.

import type { MathOp } from "../../ir/ops.js";

// Eager writes these with a local (t, s); the templates repeat the subexpression instead (same value, no closure).
const T = "Math.tanh(0.7978845608028654 * (b + 0.044715 * b * b * b))";
const GELU_BW_TANH = `a * (0.5 * (1 + ${T}) + 0.5 * b * (1 - ${T} * ${T}) * 0.7978845608028654 * (1 + 3 * 0.044715 * b * b))`;
const S = "(1 / (1 + Math.exp(-b)))";

export const JS_TEMPLATES: Record<MathOp, string> = {
  neg: "-a", abs: "Math.abs(a)", exp: "Math.exp(a)", exp2: "Math.pow(2, a)", log: "Math.log(a)", log2: "Math.log2(a)",
  log1p: "Math.log1p(a)", expm1: "Math.expm1(a)", sin: "Math.sin(a)", cos: "Math.cos(a)", tan: "Math.tan(a)",
  tanh: "Math.tanh(a)", sigmoid: "1 / (1 + Math.exp(-a))", sqrt: "Math.sqrt(a)", rsqrt: "1 / Math.sqrt(a)",
  reciprocal: "1 / a", erf: "H.erf(a)", relu: "a > 0 ? a : (a !== a ? a : 0)",
  gelu: "0.5 * a * (1 + H.erf(a * Math.SQRT1_2))",
  gelu_tanh: "0.5 * a * (1 + Math.tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)))",
  silu: "a / (1 + Math.exp(-a))", floor: "Math.floor(a)", ceil: "Math.ceil(a)", round: "H.rint(a)", trunc: "Math.trunc(a)",
  sign: "a > 0 ? 1 : a < 0 ? -1 : 0", logical_not: "a !== 0 ? 0 : 1", isnan: "a !== a ? 1 : 0",
  isinf: "a === Infinity || a === -Infinity ? 1 : 0", square: "a * a",
  clamp: "(a !== a) ? a : Math.min(Math.max(a, p0), p1)",
  add: "a + b", sub: "a - b", add_alpha: "a + p0 * b", sub_alpha: "a - p0 * b", mul: "a * b", div: "a / b", div_floor_float: "H.floorDiv(a, b)", div_floor_int: "Math.floor(a / b)",
  div_trunc: "Math.trunc(a / b)", pow: "a === 1 ? 1 : Math.pow(a, b)", remainder: "H.remainder(a, b)", fmod: "a % b",
  maximum: "Math.max(a, b)", minimum: "Math.min(a, b)", atan2: "Math.atan2(a, b)",
  eq: "a === b ? 1 : 0", ne: "a !== b ? 1 : 0", lt: "a < b ? 1 : 0", le: "a <= b ? 1 : 0", gt: "a > b ? 1 : 0", ge: "a >= b ? 1 : 0",
  logical_and: "a !== 0 && b !== 0 ? 1 : 0", logical_or: "a !== 0 || b !== 0 ? 1 : 0", logical_xor: "(a !== 0) !== (b !== 0) ? 1 : 0",
  bitwise_and: "H.band(a, b)", bitwise_or: "H.bor(a, b)", bitwise_xor: "H.bxor(a, b)",
  threshold_backward: "b <= p0 ? 0 : a",
  sigmoid_backward: "a * (1 - b) * b", tanh_backward: "a * (1 - b * b)",
  gelu_backward: "a * (0.5 * (1 + H.erf(b * Math.SQRT1_2)) + b * Math.exp(-0.5 * b * b) * 0.3989422804014327)",
  gelu_tanh_backward: GELU_BW_TANH,
  silu_backward: `a * ${S} * (1 + b * (1 - ${S}))`,
  hardtanh_backward: "(b <= p0 || b >= p1) ? 0 : a",
  where: "a !== 0 ? b : c",
};

/**
 * Templates for results rounded to float32 or narrower: erf through H.erfn (a table + Taylor step, a few
 * float64 ulps, 2x faster than eager's series), which rounds to the same float32 as eager's erf.
 */
const NARROW_TEMPLATES: Partial<Record<MathOp, string>> = {
  erf: "H.erfn(a)",
  gelu: "0.5 * a * (1 + H.erfn(a * Math.SQRT1_2))",
  gelu_backward: "a * (0.5 * (1 + H.erfn(b * Math.SQRT1_2)) + b * Math.exp(-0.5 * b * b) * 0.3989422804014327)",
};

/**
 * Substitute operand names and params into a template (whole identifiers only, not properties); `narrow`:
 * the result is rounded to float32 or narrower (not float64).
 */
export function instantiate(op: MathOp, args: readonly string[], params: readonly number[] = [], narrow = false): string {
  const t = (narrow ? NARROW_TEMPLATES[op] : undefined) ?? JS_TEMPLATES[op];
  return t.replace(/(?<![.\w$])(a|b|c|p0|p1)(?![\w$])/g, (m) => {
    if (m[0] === "p") {
      const v = params[Number(m[1])];
      if (v === undefined) throw new Error(`codegen: op ${op} needs param ${m}`);
      return jsNumber(v);
    }
    const v = args["abc".indexOf(m)];
    if (v === undefined) throw new Error(`codegen: op ${op} needs operand ${m}`);
    return v;
  });
}

/** A number as JS source (NaN, Infinity, -0 included). */
export function jsNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (Object.is(v, -0)) return "-0";
  return v < 0 ? `(${v})` : String(v);
}
