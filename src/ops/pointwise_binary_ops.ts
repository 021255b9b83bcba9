// ops/pointwise_binary_ops: binary elementwise aten ops (add/sub/mul/div/pow/remainder/fmod, maximum,
// minimum, atan2, comparisons, logical and bitwise ops, where.self) with broadcasting and type promotion.
// In: tensors/scalars. Out: OpDefs (schema, meta rule, generated eager kernel, derivative).

import { Tensor } from "../tensor/tensor.js";
import { resultType, type DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { OpDef, OpFamily, Args, TensorMeta, GradCtx } from "./registry.js";
import { pointwise } from "./kernels/pointwise_gen.js";
import { readAs } from "./kernels/elementwise.js";
import { binary, binaryScalar, computeDtype, scalarIn, checkDtype, type BinarySpec } from "./pointwise_util.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

type T = Tensor;
const g0 = (c: GradCtx): T => c.grads[0]!;
const mul = (x: T, y: T): T => aten.mul.Tensor(x, y) as T;
const muls = (x: T, s: number): T => aten.mul.Scalar(x, s) as T;
const zl = (x: T): T => aten.zeros_like.default(x) as T;

/** Reduce a broadcast gradient to `like`'s shape and cast it to its dtype (when _to_copy is registered). */
export function gradFor(g: T, like: T): T {
  let r = sumToSize(g, like.shape);
  if (r.dtype !== like.dtype && like.dtype.isFloatingPoint && aten._to_copy?.default) r = aten._to_copy.default(r, { dtype: like.dtype }) as T;
  return r;
}

function checkAlpha(op: string, common: DType, alpha: unknown): void {
  if (!common.isFloatingPoint && typeof alpha === "number" && !Number.isInteger(alpha)) {
    throw new TypeError(`${op}: For integral input tensors, argument alpha must not be a floating point number.`);
  }
  if (common.category === 0 && typeof alpha === "number" && alpha !== 0 && alpha !== 1) {
    throw new TypeError(`${op}: Boolean alpha only supported for Boolean results.`);
  }
}

function checkSubBool(op: string, common: DType): void {
  if (common.category === 0) {
    throw new TypeError(`${op}: Subtraction, the \`-\` operator, with two bool tensors is not supported. Use the \`^\` or \`logical_xor()\` operator instead.`);
  }
}

// The data checks below run on real tensors only: a fake tensor (capture, tracing) has no data, and a
// compiled program, like Inductor's, does not raise on an integer division by zero.
function checkNoZero(op: string, common: DType, divisor: T | number): void {
  if (common.isFloatingPoint || (typeof divisor !== "number" && divisor.isFake)) return;
  const zero = typeof divisor === "number" ? divisor === 0 : readAs(divisor, divisor.shape).some((v) => v === 0);
  if (zero) throw new RangeError(`${op}: ZeroDivisionError`);
}

function checkIntPow(common: DType, exponent: T | number): void {
  if (common.isFloatingPoint || (typeof exponent !== "number" && exponent.isFake)) return;
  const neg = typeof exponent === "number" ? exponent < 0 : readAs(exponent, exponent.shape).some((v) => v < 0);
  if (neg) throw new RangeError("pow: Integers to negative integer powers are not allowed.");
}

const alphaParams = (a: Args, compute: DType | null) => [scalarIn(a.other, compute), Number(a.alpha)];
const POW = "a === 1 ? 1 : Math.pow(a, b)";

/** The rounding-mode expression of div for a common dtype. */
function divExpr(mode: string | null, common: DType, b: string): string {
  if (mode === null) return `a / ${b}`;
  if (mode === "trunc") return `Math.trunc(a / ${b})`;
  if (mode === "floor") return common.isFloatingPoint ? `H.floorDiv(a, ${b})` : `Math.floor(a / ${b})`;
  throw new RangeError(`div: expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${mode}'`);
}

function divModeMeta(a: Args, scalar: boolean): TensorMeta {
  const x = a.self as T;
  const common = scalar ? resultType([x], [a.other]) : resultType([x, a.other]);
  const shape = scalar ? x.shape : broadcastShapes("div", x.shape, (a.other as T).shape);
  divExpr(a.rounding_mode, common, "b");
  const dtype = a.rounding_mode === null && !common.isFloatingPoint ? resultType([], [0.5]) : common;
  return { shape, dtype, device: x.device };
}

function divMode(scalar: boolean): OpDef {
  return {
    schema: scalar ? "div.Scalar_mode(Tensor self, Scalar other, *, str? rounding_mode) -> Tensor"
      : "div.Tensor_mode(Tensor self, Tensor other, *, str? rounding_mode) -> Tensor",
    tags: ["pointwise"],
    meta: (a) => divModeMeta(a, scalar),
    kernel: (a: Args) => {
      const m = divModeMeta(a, scalar);
      const common = scalar ? resultType([a.self], [a.other]) : resultType([a.self, a.other]);
      if (a.rounding_mode !== null) checkNoZero("div", common, a.other);
      const compute = common.isFloatingPoint ? common : null;
      if (scalar) {
        return pointwise("div", { key: "div.mode.s", expr: divExpr(a.rounding_mode, common, "p0") }, [a.self], m.dtype, { params: [scalarIn(a.other, compute)], compute });
      }
      return pointwise("div", { key: "div.mode", expr: divExpr(a.rounding_mode, common, "b") }, [a.self, a.other], m.dtype, { compute });
    },
    derivative: (c) => (c.args.rounding_mode === null
      ? { self: scalar ? aten.div.Scalar(g0(c), c.args.other) as T : divGrad(c).self, other: scalar ? null : divGrad(c).other }
      : { self: c.needs("self") ? zl(c.args.self) : null, other: !scalar && c.needs("other") ? zl(c.args.other) : null }),
  };
}

function divGrad(c: GradCtx): { self: T | null; other: T | null } {
  const { self, other } = c.args as { self: T; other: T };
  const g = g0(c);
  return {
    self: c.needs("self") ? gradFor(aten.div.Tensor(g, other) as T, self) : null,
    other: c.needs("other") ? gradFor(aten.neg.default(aten.div.Tensor(mul(g, self), mul(other, other))) as T, other) : null,
  };
}

/** Mask helper: where(cond, 0, x). */
const maskOut = (cond: T, x: T): T => aten.where.self(cond, zl(x), x) as T;

function maxMinGrad(c: GradCtx, isMax: boolean): { self: T | null; other: T | null } {
  const { self, other } = c.args as { self: T; other: T };
  const g = g0(c);
  const gs = aten.where.self(aten.eq.Tensor(self, other), muls(g, 0.5), g) as T;
  const selfLoses = (isMax ? aten.lt.Tensor(self, other) : aten.gt.Tensor(self, other)) as T;
  const otherLoses = (isMax ? aten.gt.Tensor(self, other) : aten.lt.Tensor(self, other)) as T;
  return {
    self: c.needs("self") ? gradFor(maskOut(selfLoses, gs), self) : null,
    other: c.needs("other") ? gradFor(maskOut(otherLoses, gs), other) : null,
  };
}

/** d/d(exponent) of base^exponent = out * log(base), 0 where base == 0 and exponent >= 0. */
function powExpGrad(g: T, out: T, base: T | number, exponent: T): T {
  const logb = typeof base === "number" ? Math.log(base) : null;
  const val = logb !== null ? muls(mul(g, out), logb) : mul(mul(g, out), aten.log.default(base as T) as T);
  if (typeof base === "number") return base === 0 ? maskOut(aten.ge.Scalar(exponent, 0) as T, val) : val;
  const cond = aten.logical_and.default(aten.eq.Scalar(base, 0), aten.ge.Scalar(exponent, 0)) as T;
  return maskOut(cond, val);
}

function compare(name: string, js: string): Record<"Tensor" | "Scalar", OpDef> {
  return {
    Tensor: binary(name, `${name}.Tensor(Tensor self, Tensor other) -> Tensor`, { expr: `a ${js} b`, rule: "bool", derivative: "nondifferentiable" }),
    Scalar: binaryScalar(name, `${name}.Scalar(Tensor self, Scalar other) -> Tensor`, { expr: `a ${js} p0`, rule: "bool", derivative: "nondifferentiable" }),
  };
}

function logical(name: string, expr: string): OpDef {
  return binary(name, `${name}(Tensor self, Tensor other) -> Tensor`, { expr, rule: "bool", derivative: "nondifferentiable" });
}

function bitwise(name: string, helper: string): Record<"Tensor" | "Scalar", OpDef> {
  const s: Omit<BinarySpec, "expr"> = { rule: "same", allow: [0, 1], kernelName: `${name}_cpu`, derivative: "nondifferentiable" };
  return {
    Tensor: binary(name, `${name}.Tensor(Tensor self, Tensor other) -> Tensor`, { ...s, expr: `H.${helper}(a, b)` }),
    Scalar: binaryScalar(name, `${name}.Scalar(Tensor self, Scalar other) -> Tensor`, { ...s, expr: `H.${helper}(a, p0)` }),
  };
}

function whereMeta(a: Args): TensorMeta {
  const c = a.condition as T, x = a.self as T, y = a.other as T;
  if (c.dtype.category !== 0) throw new TypeError(`where: where expected condition to be a boolean tensor, but got a tensor with dtype ${c.dtype.name}`);
  return { shape: broadcastShapes("where", c.shape, x.shape, y.shape), dtype: resultType([x, y]), device: x.device };
}

export const pointwiseBinaryOps = {
  add: {
    Tensor: binary("add", "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", {
      expr: "a + p0 * b", rule: "same", params: (a) => [Number(a.alpha)], check: (a, d) => checkAlpha("add", d, a.alpha),
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(g0(c), c.args.self) : null,
        other: c.needs("other") ? gradFor(c.args.alpha === 1 ? g0(c) : muls(g0(c), c.args.alpha), c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("add", "add.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", {
      expr: "a + p1 * p0", rule: "same", params: alphaParams, check: (a, d) => checkAlpha("add", d, a.alpha),
      derivative: (c) => ({ self: gradFor(g0(c), c.args.self) }),
    }),
  },
  sub: {
    Tensor: binary("sub", "sub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", {
      expr: "a - p0 * b", rule: "same", params: (a) => [Number(a.alpha)], check: (a, d) => { checkSubBool("sub", d); checkAlpha("sub", d, a.alpha); },
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(g0(c), c.args.self) : null,
        other: c.needs("other") ? gradFor(muls(g0(c), -c.args.alpha), c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("sub", "sub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", {
      expr: "a - p1 * p0", rule: "same", params: alphaParams, check: (a, d) => { checkSubBool("sub", d); checkAlpha("sub", d, a.alpha); },
      derivative: (c) => ({ self: gradFor(g0(c), c.args.self) }),
    }),
  },
  rsub: {
    Tensor: binary("rsub", "rsub.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor", {
      expr: "b - p0 * a", rule: "same", params: (a) => [Number(a.alpha)], check: (a, d) => { checkSubBool("rsub", d); checkAlpha("rsub", d, a.alpha); },
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(muls(g0(c), -c.args.alpha), c.args.self) : null,
        other: c.needs("other") ? gradFor(g0(c), c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("rsub", "rsub.Scalar(Tensor self, Scalar other, Scalar alpha=1) -> Tensor", {
      expr: "p0 - p1 * a", rule: "same", params: alphaParams, check: (a, d) => { checkSubBool("rsub", d); checkAlpha("rsub", d, a.alpha); },
      derivative: (c) => ({ self: gradFor(muls(g0(c), -c.args.alpha), c.args.self) }),
    }),
  },
  mul: {
    Tensor: binary("mul", "mul.Tensor(Tensor self, Tensor other) -> Tensor", {
      expr: "a * b", rule: "same",
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(mul(g0(c), c.args.other), c.args.self) : null,
        other: c.needs("other") ? gradFor(mul(g0(c), c.args.self), c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("mul", "mul.Scalar(Tensor self, Scalar other) -> Tensor", {
      expr: "a * p0", rule: "same", derivative: (c) => ({ self: gradFor(muls(g0(c), Number(c.args.other)), c.args.self) }),
    }),
  },
  div: {
    Tensor: binary("div", "div.Tensor(Tensor self, Tensor other) -> Tensor", { expr: "a / b", rule: "float", derivative: divGrad }),
    Scalar: binaryScalar("div", "div.Scalar(Tensor self, Scalar other) -> Tensor", {
      expr: "a / p0", rule: "float", derivative: (c) => ({ self: gradFor(aten.div.Scalar(g0(c), c.args.other) as T, c.args.self) }),
    }),
    Tensor_mode: divMode(false),
    Scalar_mode: divMode(true),
  },
  pow: {
    Tensor_Tensor: binary("pow", "pow.Tensor_Tensor(Tensor self, Tensor exponent) -> Tensor", {
      expr: POW, rule: "same", allow: [1, 2], names: ["self", "exponent"], check: (a, d) => checkIntPow(d, a.exponent),
      derivative: (c) => {
        const { self, exponent } = c.args as { self: T; exponent: T };
        const g = g0(c);
        return {
          self: c.needs("self") ? gradFor(mul(mul(g, exponent), aten.pow.Tensor_Tensor(self, aten.sub.Scalar(exponent, 1)) as T), self) : null,
          exponent: c.needs("exponent") ? gradFor(powExpGrad(g, c.outputs[0]!, self, exponent), exponent) : null,
        };
      },
    }),
    Tensor_Scalar: binaryScalar("pow", "pow.Tensor_Scalar(Tensor self, Scalar exponent) -> Tensor", {
      expr: "a === 1 ? 1 : Math.pow(a, p0)", rule: "same", allow: [1, 2], scalar: "exponent", check: (a, d) => checkIntPow(d, Number(a.exponent)),
      derivative: (c) => {
        const e = Number(c.args.exponent);
        if (e === 0) return { self: zl(c.args.self) };
        return { self: muls(mul(g0(c), aten.pow.Tensor_Scalar(c.args.self, e - 1) as T), e) };
      },
    }),
    Scalar: {
      schema: "pow.Scalar(Scalar self, Tensor exponent) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => {
        const d = resultType([a.exponent], [a.self]);
        checkDtype("pow", "pow", d, [1, 2]);
        return { shape: a.exponent.shape, dtype: d, device: a.exponent.device };
      },
      kernel: (a: Args) => {
        const d = resultType([a.exponent], [a.self]);
        checkDtype("pow", "pow", d, [1, 2]);
        checkIntPow(d, a.exponent);
        const compute = computeDtype(d, d);
        return pointwise("pow", { key: "pow.Scalar", expr: "p0 === 1 ? 1 : Math.pow(p0, a)" }, [a.exponent], d, { params: [scalarIn(a.self, compute)], compute });
      },
      derivative: (c) => ({ exponent: gradFor(powExpGrad(g0(c), c.outputs[0]!, Number(c.args.self), c.args.exponent), c.args.exponent) }),
    },
  },
  remainder: {
    Tensor: binary("remainder", "remainder.Tensor(Tensor self, Tensor other) -> Tensor", {
      expr: "H.remainder(a, b)", rule: "same", allow: [1, 2], check: (a, d) => checkNoZero("remainder", d, a.other),
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(g0(c), c.args.self) : null,
        other: c.needs("other") ? gradFor(aten.neg.default(mul(g0(c), aten.div.Tensor_mode(c.args.self, c.args.other, { rounding_mode: "floor" }) as T)) as T, c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("remainder", "remainder.Scalar(Tensor self, Scalar other) -> Tensor", {
      expr: "H.remainder(a, p0)", rule: "same", allow: [1, 2], check: (a, d) => checkNoZero("remainder", d, Number(a.other)),
      derivative: (c) => ({ self: gradFor(g0(c), c.args.self) }),
    }),
  },
  fmod: {
    Tensor: binary("fmod", "fmod.Tensor(Tensor self, Tensor other) -> Tensor", {
      expr: "a % b", rule: "same", allow: [1, 2], check: (a, d) => checkNoZero("fmod", d, a.other),
      derivative: (c) => ({
        self: c.needs("self") ? gradFor(g0(c), c.args.self) : null,
        other: c.needs("other") ? gradFor(aten.neg.default(mul(g0(c), aten.div.Tensor_mode(c.args.self, c.args.other, { rounding_mode: "trunc" }) as T)) as T, c.args.other) : null,
      }),
    }),
    Scalar: binaryScalar("fmod", "fmod.Scalar(Tensor self, Scalar other) -> Tensor", {
      expr: "a % p0", rule: "same", allow: [1, 2], check: (a, d) => checkNoZero("fmod", d, Number(a.other)),
      derivative: (c) => ({ self: gradFor(g0(c), c.args.self) }),
    }),
  },
  maximum: { default: binary("maximum", "maximum(Tensor self, Tensor other) -> Tensor", { expr: "Math.max(a, b)", rule: "same", derivative: (c) => maxMinGrad(c, true) }) },
  minimum: { default: binary("minimum", "minimum(Tensor self, Tensor other) -> Tensor", { expr: "Math.min(a, b)", rule: "same", derivative: (c) => maxMinGrad(c, false) }) },
  atan2: {
    default: binary("atan2", "atan2(Tensor self, Tensor other) -> Tensor", {
      expr: "Math.atan2(a, b)", rule: "float",
      derivative: (c) => {
        const { self, other } = c.args as { self: T; other: T };
        const denom = aten.add.Tensor(mul(self, self), mul(other, other)) as T;
        const gd = aten.div.Tensor(g0(c), denom) as T;
        return {
          self: c.needs("self") ? gradFor(mul(gd, other), self) : null,
          other: c.needs("other") ? gradFor(aten.neg.default(mul(gd, self)) as T, other) : null,
        };
      },
    }),
  },
  eq: compare("eq", "==="),
  ne: compare("ne", "!=="),
  lt: compare("lt", "<"),
  le: compare("le", "<="),
  gt: compare("gt", ">"),
  ge: compare("ge", ">="),
  logical_and: { default: logical("logical_and", "a !== 0 && b !== 0") },
  logical_or: { default: logical("logical_or", "a !== 0 || b !== 0") },
  logical_xor: { default: logical("logical_xor", "(a !== 0) !== (b !== 0)") },
  bitwise_and: bitwise("bitwise_and", "band"),
  bitwise_or: bitwise("bitwise_or", "bor"),
  bitwise_xor: bitwise("bitwise_xor", "bxor"),
  bitwise_not: {
    default: {
      schema: "bitwise_not(Tensor self) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => {
        checkDtype("bitwise_not", "bitwise_not_cpu", a.self.dtype, [0, 1]);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: (a: Args) => {
        checkDtype("bitwise_not", "bitwise_not_cpu", a.self.dtype, [0, 1]);
        const expr = a.self.dtype.category === 0 ? "a !== 0 ? 0 : 1" : a.self.dtype.name === "uint8" ? "255 - a" : "-a - 1";
        return pointwise("bitwise_not", { key: "bitwise_not", expr }, [a.self], a.self.dtype);
      },
      derivative: "nondifferentiable",
    },
  },
  where: {
    self: {
      schema: "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
      tags: ["pointwise"],
      meta: whereMeta,
      kernel: (a: Args) => {
        const m = whereMeta(a);
        return pointwise("where", { key: "where", expr: "a !== 0 ? b : c" }, [a.condition, a.self, a.other], m.dtype, { compute: computeDtype(m.dtype, m.dtype) });
      },
      derivative: (c) => {
        const { condition, self, other } = c.args as { condition: T; self: T; other: T };
        const g = g0(c), z = zl(g);
        return {
          condition: null,
          self: c.needs("self") ? gradFor(aten.where.self(condition, g, z) as T, self) : null,
          other: c.needs("other") ? gradFor(aten.where.self(condition, z, g) as T, other) : null,
        };
      },
    },
  },
} satisfies OpFamily;

