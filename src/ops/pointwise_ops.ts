// ops/pointwise_ops: unary elementwise aten ops (neg, exp, log, sin, tanh, sigmoid, gelu, silu, hardtanh,
// sqrt, erf, rounding, sign, clamp, isnan, ...) and their backward ops (gelu_backward, tanh_backward, ...).
// In: tensors/scalars. Out: OpDefs (schema, meta rule, generated eager kernel, derivative).
// Binary ops live in pointwise_binary_ops.ts, in-place ops in pointwise_inplace_ops.ts.

import { Tensor } from "../tensor/tensor.js";
import { resultType, type DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { OpDef, OpFamily, Args, TensorMeta, GradCtx } from "./registry.js";
import { pointwise } from "./kernels/pointwise_gen.js";
import { unary, binary, checkDtype, computeDtype, scalarIn, outDtype, torchName } from "./pointwise_util.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

type T = Tensor;
const g0 = (c: GradCtx): T => c.grads[0]!;
const mul = (x: T, y: T): T => aten.mul.Tensor(x, y) as T;
const muls = (x: T, s: number): T => aten.mul.Scalar(x, s) as T;
const div = (x: T, y: T): T => aten.div.Tensor(x, y) as T;
const zerosGrad = (c: GradCtx) => ({ self: aten.zeros_like.default(g0(c)) as T });
const LN2 = Math.LN2;
const FLOAT = [2] as const, NUM = [1, 2] as const;

const GELU_NONE = "0.5 * a * (1 + H.erf(a * Math.SQRT1_2))";
const GELU_TANH = "0.5 * a * (1 + Math.tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)))";
const GELU_BW_NONE = "a * (0.5 * (1 + H.erf(b * Math.SQRT1_2)) + b * Math.exp(-0.5 * b * b) * 0.3989422804014327)";
const GELU_BW_TANH = "(() => { const u = 0.7978845608028654 * (b + 0.044715 * b * b * b), t = Math.tanh(u); " +
  "return a * (0.5 * (1 + t) + 0.5 * b * (1 - t * t) * 0.7978845608028654 * (1 + 3 * 0.044715 * b * b)); })()";

function checkApprox(a: Args): void {
  if (a.approximate !== "none" && a.approximate !== "tanh") {
    throw new RangeError(`gelu: approximate argument must be either none or tanh (got '${String(a.approximate)}')`);
  }
}

/** Scalar clamp bounds: p0 = min (or -Inf), p1 = max (or +Inf), both cast to the compute dtype. */
function clampMeta(a: Args): TensorMeta {
  const x = a.self as Tensor;
  if (a.min === null && a.max === null) throw new RangeError("clamp: torch.clamp: At least one of 'min' or 'max' must not be None");
  const common = resultType([x], [a.min, a.max].filter((v) => v !== null));
  checkDtype("clamp", "clamp_cpu", common, [1, 2]);
  return { shape: x.shape, dtype: common, device: x.device };
}
const CLAMP = "Math.min(Math.max(a, p0), p1)";

function clampTensorMeta(a: Args): TensorMeta {
  const x = a.self as Tensor;
  const ts = [x, a.min, a.max].filter((t): t is Tensor => t instanceof Tensor);
  if (ts.length === 1) throw new RangeError("clamp: torch.clamp: At least one of 'min' or 'max' must not be None");
  const common = resultType(ts);
  checkDtype("clamp", "clamp_cpu", common, [1, 2]);
  return { shape: broadcastShapes("clamp", ...ts.map((t) => t.shape)), dtype: common, device: x.device };
}

/** Gradient mask of clamp: 1 where min <= x <= max. */
function clampGrad(c: GradCtx): T {
  const { self, min, max } = c.args;
  let mask: T | null = null;
  if (min !== null && min !== undefined) mask = (min instanceof Tensor ? aten.ge.Tensor(self, min) : aten.ge.Scalar(self, min)) as T;
  if (max !== null && max !== undefined) {
    const m2 = (max instanceof Tensor ? aten.le.Tensor(self, max) : aten.le.Scalar(self, max)) as T;
    mask = mask ? aten.logical_and.default(mask, m2) as T : m2;
  }
  return aten.where.self(mask!, g0(c), aten.zeros_like.default(g0(c))) as T;
}

function hardtanhBwMeta(a: Args): TensorMeta {
  return { shape: broadcastShapes("hardtanh_backward", a.grad_output.shape, a.self.shape), dtype: resultType([a.grad_output, a.self]), device: a.self.device };
}

export const pointwiseOps = {
  neg: {
    default: unary("neg", {
      expr: "-a", rule: "same",
      check: (a) => { if (a.self.dtype.category === 0) throw new TypeError("neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."); },
      derivative: (c) => ({ self: aten.neg.default(g0(c)) }),
    }),
  },
  abs: { default: unary("abs", { expr: "Math.abs(a)", rule: "same", allow: NUM, derivative: (c) => ({ self: mul(g0(c), aten.sign.default(c.args.self)) }) }) },
  exp: { default: unary("exp", { expr: "Math.exp(a)", rule: "float", derivative: (c) => ({ self: mul(g0(c), c.outputs[0]!) }) }) },
  exp2: { default: unary("exp2", { expr: "Math.pow(2, a)", rule: "float", derivative: (c) => ({ self: muls(mul(g0(c), c.outputs[0]!), LN2) }) }) },
  log: { default: unary("log", { expr: "Math.log(a)", rule: "float", derivative: (c) => ({ self: div(g0(c), c.args.self) }) }) },
  log2: { default: unary("log2", { expr: "Math.log2(a)", rule: "float", derivative: (c) => ({ self: div(g0(c), muls(c.args.self, LN2)) }) }) },
  log1p: { default: unary("log1p", { expr: "Math.log1p(a)", rule: "float", derivative: (c) => ({ self: div(g0(c), aten.add.Scalar(c.args.self, 1) as T) }) }) },
  expm1: { default: unary("expm1", { expr: "Math.expm1(a)", rule: "float", derivative: (c) => ({ self: mul(g0(c), aten.add.Scalar(c.outputs[0]!, 1) as T) }) }) },
  sin: { default: unary("sin", { expr: "Math.sin(a)", rule: "float", derivative: (c) => ({ self: mul(g0(c), aten.cos.default(c.args.self) as T) }) }) },
  cos: { default: unary("cos", { expr: "Math.cos(a)", rule: "float", derivative: (c) => ({ self: mul(g0(c), aten.neg.default(aten.sin.default(c.args.self)) as T) }) }) },
  tan: {
    default: unary("tan", { expr: "Math.tan(a)", rule: "float", derivative: (c) => ({ self: mul(g0(c), aten.add.Scalar(mul(c.outputs[0]!, c.outputs[0]!), 1) as T) }) }),
  },
  tanh: { default: unary("tanh", { expr: "Math.tanh(a)", rule: "float", derivative: (c) => ({ self: aten.tanh_backward.default(g0(c), c.outputs[0]!) }) }) },
  sigmoid: {
    default: unary("sigmoid", { expr: "1 / (1 + Math.exp(-a))", rule: "float", derivative: (c) => ({ self: aten.sigmoid_backward.default(g0(c), c.outputs[0]!) }) }),
  },
  sqrt: { default: unary("sqrt", { expr: "Math.sqrt(a)", rule: "float", derivative: (c) => ({ self: div(g0(c), muls(c.outputs[0]!, 2)) }) }) },
  rsqrt: {
    default: unary("rsqrt", {
      expr: "1 / Math.sqrt(a)", rule: "float",
      derivative: (c) => { const y = c.outputs[0]!; return { self: muls(mul(g0(c), mul(y, mul(y, y))), -0.5) }; },
    }),
  },
  reciprocal: {
    default: unary("reciprocal", { expr: "1 / a", rule: "float", derivative: (c) => ({ self: aten.neg.default(mul(g0(c), mul(c.outputs[0]!, c.outputs[0]!))) }) }),
  },
  erf: {
    default: unary("erf", {
      expr: "H.erf(a)", rule: "float",
      derivative: (c) => ({ self: muls(mul(g0(c), aten.exp.default(aten.neg.default(mul(c.args.self, c.args.self))) as T), 2 / Math.sqrt(Math.PI)) }),
    }),
  },
  relu: {
    default: unary("relu", {
      expr: "a > 0 ? a : (a !== a ? a : 0)", rule: "same",
      check: (a) => { if (a.self.dtype.category === 0) throw new TypeError("relu: Boolean inputs not supported for relu"); },
      derivative: (c) => ({ self: aten.threshold_backward.default(g0(c), c.outputs[0]!, 0) }),
    }),
  },
  gelu: {
    default: unary("gelu", {
      schema: "gelu(Tensor self, *, str approximate='none') -> Tensor",
      expr: GELU_NONE, exprOf: (a) => (a.approximate === "tanh" ? GELU_TANH : GELU_NONE), rule: "same", allow: FLOAT, check: checkApprox,
      derivative: (c) => ({ self: aten.gelu_backward.default(g0(c), c.args.self, { approximate: c.args.approximate }) }),
    }),
  },
  silu: {
    default: unary("silu", { expr: "a / (1 + Math.exp(-a))", rule: "same", allow: FLOAT, derivative: (c) => ({ self: aten.silu_backward.default(g0(c), c.args.self) }) }),
  },
  hardtanh: {
    default: unary("hardtanh", {
      schema: "hardtanh(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor",
      expr: "(a !== a) ? a : Math.min(Math.max(a, p0), p1)", rule: "same", allow: NUM,
      params: (a) => [scalarIn(a.min_val, a.self.dtype), scalarIn(a.max_val, a.self.dtype)],
      derivative: (c) => ({ self: aten.hardtanh_backward.default(g0(c), c.args.self, c.args.min_val, c.args.max_val) }),
    }),
  },
  floor: { default: unary("floor", { expr: "Math.floor(a)", rule: "same", allow: NUM, derivative: zerosGrad }) },
  ceil: { default: unary("ceil", { expr: "Math.ceil(a)", rule: "same", allow: NUM, derivative: zerosGrad }) },
  round: { default: unary("round", { expr: "H.rint(a)", rule: "same", allow: NUM, derivative: zerosGrad }) },
  trunc: { default: unary("trunc", { expr: "Math.trunc(a)", rule: "same", allow: NUM, derivative: zerosGrad }) },
  sign: { default: unary("sign", { expr: "a > 0 ? 1 : a < 0 ? -1 : 0", rule: "same", derivative: zerosGrad }) },
  logical_not: { default: unary("logical_not", { expr: "a !== 0 ? 0 : 1", rule: "bool", derivative: "nondifferentiable" }) },
  isnan: { default: unary("isnan", { expr: "a !== a", rule: "bool", derivative: "nondifferentiable" }) },
  isinf: { default: unary("isinf", { expr: "a === Infinity || a === -Infinity", rule: "bool", derivative: "nondifferentiable" }) },
  clamp: {
    default: {
      schema: "clamp(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor",
      tags: ["pointwise"],
      meta: clampMeta,
      kernel: (a: Args) => {
        const m = clampMeta(a);
        const cd = computeDtype(m.dtype, m.dtype) ?? m.dtype;
        const lo = a.min === null ? -Infinity : scalarIn(a.min, cd), hi = a.max === null ? Infinity : scalarIn(a.max, cd);
        // With NaN bounds PyTorch returns NaN.
        const expr = Number.isNaN(lo) || Number.isNaN(hi) ? "NaN" : CLAMP;
        return pointwise("clamp", { key: "clamp", expr }, [a.self], m.dtype, { params: [lo, hi], compute: m.dtype.isFloatingPoint ? m.dtype : null });
      },
      derivative: (c) => ({ self: clampGrad(c) }),
    },
    Tensor: {
      schema: "clamp.Tensor(Tensor self, Tensor? min=None, Tensor? max=None) -> Tensor",
      tags: ["pointwise"],
      meta: clampTensorMeta,
      kernel: (a: Args) => {
        const m = clampTensorMeta(a);
        const ins: Tensor[] = [a.self];
        let expr = "a";
        if (a.min) { ins.push(a.min); expr = "Math.max(a, b)"; }
        if (a.max) { ins.push(a.max); expr = `Math.min(${expr}, ${ins.length === 3 ? "c" : "b"})`; }
        return pointwise("clamp", { key: `clamp.Tensor${ins.length}${a.min ? "min" : ""}`, expr }, ins, m.dtype, { compute: m.dtype.isFloatingPoint ? m.dtype : null });
      },
      derivative: (c) => {
        const { self, min, max } = c.args as { self: T; min: T | null; max: T | null };
        const g = g0(c), z = aten.zeros_like.default(g) as T;
        const res: Record<string, T | null> = { self: c.needs("self") ? sumToSize(clampGrad(c), self.shape) : null };
        if (min && c.needs("min")) res.min = sumToSize(aten.where.self(aten.lt.Tensor(self, min), g, z) as T, min.shape);
        if (max && c.needs("max")) {
          let sel = aten.gt.Tensor(self, max) as T;
          if (min) sel = aten.logical_and.default(sel, aten.ge.Tensor(self, min)) as T;
          res.max = sumToSize(aten.where.self(sel, g, z) as T, max.shape);
        }
        return res;
      },
    },
  },
  // ---- backward ops (Inductor sees these in joint graphs) ----
  threshold_backward: {
    default: {
      schema: "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => ({ shape: broadcastShapes("threshold_backward", a.grad_output.shape, a.self.shape), dtype: resultType([a.grad_output, a.self]), device: a.self.device }),
      kernel: (a: Args) => {
        const d = resultType([a.grad_output, a.self]);
        return pointwise("threshold_backward", { key: "threshold_backward", expr: "b <= p0 ? 0 : a" }, [a.grad_output, a.self], d, { params: [Number(a.threshold)], compute: computeDtype(d, d) });
      },
      derivative: (c) => ({
        grad_output: c.needs("grad_output") ? sumToSize(aten.threshold_backward.default(g0(c), c.args.self, c.args.threshold) as T, c.args.grad_output.shape) : null,
        self: c.needs("self") ? aten.zeros_like.default(c.args.self) as T : null,
      }),
    },
  },
  sigmoid_backward: {
    default: binary("sigmoid_backward", "sigmoid_backward(Tensor grad_output, Tensor output) -> Tensor", {
      expr: "a * (1 - b) * b", rule: "same", allow: FLOAT, names: ["grad_output", "output"],
      derivative: (c) => {
        const { grad_output: go, output: y } = c.args as { grad_output: T; output: T };
        return {
          grad_output: c.needs("grad_output") ? sumToSize(aten.sigmoid_backward.default(g0(c), y) as T, go.shape) : null,
          output: c.needs("output") ? sumToSize(mul(mul(g0(c), go), aten.rsub.Scalar(muls(y, 2), 1) as T), y.shape) : null,
        };
      },
    }),
  },
  tanh_backward: {
    default: binary("tanh_backward", "tanh_backward(Tensor grad_output, Tensor output) -> Tensor", {
      expr: "a * (1 - b * b)", rule: "same", allow: FLOAT, names: ["grad_output", "output"],
      derivative: (c) => {
        const { grad_output: go, output: y } = c.args as { grad_output: T; output: T };
        return {
          grad_output: c.needs("grad_output") ? sumToSize(aten.tanh_backward.default(g0(c), y) as T, go.shape) : null,
          output: c.needs("output") ? sumToSize(muls(mul(mul(g0(c), go), y), -2), y.shape) : null,
        };
      },
    }),
  },
  gelu_backward: {
    default: {
      schema: "gelu_backward(Tensor grad_output, Tensor self, *, str approximate='none') -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => {
        checkApprox(a);
        const d = resultType([a.grad_output, a.self]);
        checkDtype("gelu_backward", "GeluBackwardKernelImpl", d, FLOAT);
        return { shape: broadcastShapes("gelu_backward", a.grad_output.shape, a.self.shape), dtype: d, device: a.self.device };
      },
      kernel: (a: Args) => {
        checkApprox(a);
        const d = resultType([a.grad_output, a.self]);
        checkDtype("gelu_backward", "GeluBackwardKernelImpl", d, FLOAT);
        const expr = a.approximate === "tanh" ? GELU_BW_TANH : GELU_BW_NONE;
        return pointwise("gelu_backward", { key: "gelu_backward", expr }, [a.grad_output, a.self], d, { compute: d });
      },
      derivative: { notImplemented: "double backward of gelu" },
    },
  },
  silu_backward: {
    default: binary("silu_backward", "silu_backward(Tensor grad_output, Tensor self) -> Tensor", {
      expr: "(() => { const s = 1 / (1 + Math.exp(-b)); return a * s * (1 + b * (1 - s)); })()", rule: "same", allow: FLOAT, names: ["grad_output", "self"],
      derivative: { notImplemented: "double backward of silu" },
    }),
  },
  hardtanh_backward: {
    default: {
      schema: "hardtanh_backward(Tensor grad_output, Tensor self, Scalar min_val, Scalar max_val) -> Tensor",
      tags: ["pointwise"],
      meta: hardtanhBwMeta,
      kernel: (a: Args) => {
        const m = hardtanhBwMeta(a);
        const cd: DType = a.self.dtype;
        return pointwise("hardtanh_backward", { key: "hardtanh_backward", expr: "(b <= p0 || b >= p1) ? 0 : a" }, [a.grad_output, a.self], m.dtype,
          { params: [scalarIn(a.min_val, cd), scalarIn(a.max_val, cd)], compute: computeDtype(m.dtype, m.dtype) });
      },
      derivative: (c) => ({
        grad_output: c.needs("grad_output") ? sumToSize(aten.hardtanh_backward.default(g0(c), c.args.self, c.args.min_val, c.args.max_val) as T, c.args.grad_output.shape) : null,
        self: c.needs("self") ? aten.zeros_like.default(c.args.self) as T : null,
      }),
    },
  },
} satisfies OpFamily;

export { outDtype, torchName };
export type { OpDef };
