// ops/pointwise_ops: elementwise aten ops (unary, binary, comparison, where, clamp, ...).
// In: tensors/scalars. Out: OpDefs (schema, meta rule, eager kernel, derivative).

import type { Tensor } from "../tensor/tensor.js";
import { resultType, bool as boolDtype, defaultFloatDtype, type DType } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { OpDef, OpFamily, Args, TensorMeta } from "./registry.js";
import { mapUnary, mapBinary } from "./kernels/elementwise.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

/** Float result dtype for ops like cos on integer inputs (int -> default float). */
function floatOut(d: DType): DType {
  return d.isFloatingPoint ? d : defaultFloatDtype.current;
}

function unaryFloat(name: string, f: (v: number) => number, derivative: OpDef["derivative"]): OpDef {
  return {
    schema: `${name}(Tensor self) -> Tensor`,
    tags: ["pointwise"],
    meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: floatOut(a.self.dtype), device: a.self.device }),
    kernel: (a: Args) => mapUnary(a.self, floatOut(a.self.dtype), f),
    derivative,
  };
}

function binaryMeta(op: string) {
  return (a: Args): TensorMeta => ({
    shape: broadcastShapes(op, a.self.shape, a.other.shape),
    dtype: resultType([a.self, a.other]),
    device: a.self.device,
  });
}

export const pointwiseOps = {
  cos: {
    default: unaryFloat("cos", Math.cos, ({ args, grads }) => ({
      self: aten.mul.Tensor(grads[0]!, aten.neg.default(aten.sin.default(args.self))),
    })),
  },
  sin: {
    default: unaryFloat("sin", Math.sin, ({ args, grads }) => ({
      self: aten.mul.Tensor(grads[0]!, aten.cos.default(args.self)),
    })),
  },
  neg: {
    default: {
      schema: "neg(Tensor self) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: (a: Args) => mapUnary(a.self, a.self.dtype, (v) => -v),
      derivative: ({ grads }) => ({ self: aten.neg.default(grads[0]!) }),
    },
  },
  relu: {
    default: {
      schema: "relu(Tensor self) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: (a: Args) => mapUnary(a.self, a.self.dtype, (v) => (v > 0 ? v : Number.isNaN(v) ? v : 0)),
      derivative: ({ outputs, grads }) => ({ self: aten.threshold_backward.default(grads[0]!, outputs[0]!, 0) }),
    },
  },
  threshold_backward: {
    default: {
      schema: "threshold_backward(Tensor grad_output, Tensor self, Scalar threshold) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => ({ shape: broadcastShapes("threshold_backward", a.grad_output.shape, a.self.shape), dtype: a.grad_output.dtype, device: a.self.device }),
      kernel: (a: Args) => mapBinary("threshold_backward", a.grad_output, a.self, a.grad_output.dtype, (g, x) => (x <= a.threshold ? 0 : g)),
      derivative: { notImplemented: "double backward of relu" },
    },
  },
  add: {
    Tensor: {
      schema: "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
      tags: ["pointwise"],
      meta: binaryMeta("add"),
      kernel: (a: Args) => mapBinary("add", a.self, a.other, resultType([a.self, a.other]), (x, y) => x + a.alpha * y),
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? sumToSize(grads[0]!, args.self.shape) : null,
        other: needs("other") ? sumToSize(args.alpha === 1 ? grads[0]! : aten.mul.Scalar(grads[0]!, args.alpha) as Tensor, args.other.shape) : null,
      }),
    },
  },
  mul: {
    Tensor: {
      schema: "mul.Tensor(Tensor self, Tensor other) -> Tensor",
      tags: ["pointwise"],
      meta: binaryMeta("mul"),
      kernel: (a: Args) => {
        const d = resultType([a.self, a.other]);
        return mapBinary("mul", a.self, a.other, d, d === boolDtype ? (x, y) => (x && y ? 1 : 0) : (x, y) => x * y);
      },
      derivative: ({ args, grads, needs }) => ({
        self: needs("self") ? sumToSize(aten.mul.Tensor(grads[0]!, args.other) as Tensor, args.self.shape) : null,
        other: needs("other") ? sumToSize(aten.mul.Tensor(grads[0]!, args.self) as Tensor, args.other.shape) : null,
      }),
    },
    Scalar: {
      schema: "mul.Scalar(Tensor self, Scalar other) -> Tensor",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: resultType([a.self], [a.other]), device: a.self.device }),
      kernel: (a: Args) => mapUnary(a.self, resultType([a.self], [a.other]), (x) => x * Number(a.other)),
      derivative: ({ args, grads }) => ({ self: aten.mul.Scalar(grads[0]!, args.other) }),
    },
  },
} satisfies OpFamily;
