// ops/pointwise_inplace_ops: in-place elementwise aten ops (add_, sub_, mul_, div_, clamp_, relu_, fill_,
// zero_, copy_). Their schemas mark `Tensor(a!) self`, so the dispatcher bumps self's version counter.
// In: a tensor to mutate plus operands. Out: OpDefs that write into self (any strides) and return it.

import { Tensor } from "../tensor/tensor.js";
import { castScalar } from "../tensor/dtype.js";
import { broadcastShapes } from "../tensor/shape.js";
import type { OpDef, OpFamily, Args, TensorMeta, GradCtx } from "./registry.js";
import { pointwise } from "./kernels/pointwise_gen.js";
import { inplaceOf, copyInto, checkInplace, canCast, torchName } from "./pointwise_util.js";
import { pointwiseOps } from "./pointwise_ops.js";
import { pointwiseBinaryOps, gradFor } from "./pointwise_binary_ops.js";
import { aten } from "./ref.js";

type T = Tensor;
const g0 = (c: GradCtx): T => c.grads[0]!;
const zl = (x: T): T => aten.zeros_like.default(x) as T;
const B = pointwiseBinaryOps;
const selfGrad = (c: GradCtx) => ({ self: g0(c) });

function selfMeta(a: Args): TensorMeta {
  const s = a.self as T;
  return { shape: s.shape, strides: s.strides, dtype: s.dtype, device: s.device };
}

function needsOriginal(op: string): never {
  throw new Error(`${op}: the gradient with respect to 'other' needs the original value of self, which this in-place op overwrote; use the out-of-place op instead`);
}

export const pointwiseInplaceOps = {
  add_: {
    Tensor: inplaceOf("add_", "add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", B.add.Tensor, (c) => ({
      self: g0(c),
      other: c.needs("other") ? gradFor(c.args.alpha === 1 ? g0(c) : aten.mul.Scalar(g0(c), c.args.alpha) as T, c.args.other) : null,
    })),
    Scalar: inplaceOf("add_", "add_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)", B.add.Scalar, selfGrad),
  },
  sub_: {
    Tensor: inplaceOf("sub_", "sub_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", B.sub.Tensor, (c) => ({
      self: g0(c),
      other: c.needs("other") ? gradFor(aten.mul.Scalar(g0(c), -c.args.alpha) as T, c.args.other) : null,
    })),
    Scalar: inplaceOf("sub_", "sub_.Scalar(Tensor(a!) self, Scalar other, Scalar alpha=1) -> Tensor(a!)", B.sub.Scalar, selfGrad),
  },
  mul_: {
    Tensor: inplaceOf("mul_", "mul_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", B.mul.Tensor, (c) => ({
      self: c.needs("self") ? aten.mul.Tensor(g0(c), c.args.other) as T : null,
      other: c.needs("other") ? needsOriginal("mul_") : null,
    })),
    Scalar: inplaceOf("mul_", "mul_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", B.mul.Scalar, (c) => ({ self: aten.mul.Scalar(g0(c), c.args.other) as T })),
  },
  div_: {
    Tensor: inplaceOf("div_", "div_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)", B.div.Tensor, (c) => ({
      self: c.needs("self") ? aten.div.Tensor(g0(c), c.args.other) as T : null,
      // d(self/other)/d(other) = -self_orig/other^2 = -out/other (out is the mutated self).
      other: c.needs("other") ? gradFor(aten.neg.default(aten.div.Tensor(aten.mul.Tensor(g0(c), c.outputs[0]!), c.args.other)) as T, c.args.other) : null,
    })),
    Scalar: inplaceOf("div_", "div_.Scalar(Tensor(a!) self, Scalar other) -> Tensor(a!)", B.div.Scalar, (c) => ({ self: aten.div.Scalar(g0(c), c.args.other) as T })),
  },
  clamp_: {
    default: inplaceOf("clamp_", "clamp_(Tensor(a!) self, Scalar? min=None, Scalar? max=None) -> Tensor(a!)", pointwiseOps.clamp.default, (c) => {
      // The input is overwritten: elements strictly inside (min, max) after clamping passed through.
      const y = c.outputs[0]!, { min, max } = c.args;
      let mask: T | null = null;
      if (min !== null) mask = aten.gt.Scalar(y, min) as T;
      if (max !== null) { const m2 = aten.lt.Scalar(y, max) as T; mask = mask ? aten.logical_and.default(mask, m2) as T : m2; }
      return { self: aten.where.self(mask!, g0(c), zl(g0(c))) as T };
    }),
  },
  relu_: {
    default: inplaceOf("relu_", "relu_(Tensor(a!) self) -> Tensor(a!)", pointwiseOps.relu.default, (c) => ({
      self: aten.threshold_backward.default(g0(c), c.outputs[0]!, 0) as T,
    })),
  },
  fill_: {
    Scalar: {
      schema: "fill_.Scalar(Tensor(a!) self, Scalar value) -> Tensor(a!)",
      tags: ["pointwise"],
      meta: selfMeta,
      kernel: (a: Args) => {
        const s = a.self as T;
        const v = castScalar(a.value, s.dtype);
        return pointwise("fill_", { key: "fill", expr: "p0" }, [], s.dtype, { out: s, params: [v] });
      },
      derivative: (c) => ({ self: zl(g0(c)) }),
    },
  },
  zero_: {
    default: {
      schema: "zero_(Tensor(a!) self) -> Tensor(a!)",
      tags: ["pointwise"],
      meta: selfMeta,
      kernel: (a: Args) => pointwise("zero_", { key: "zero", expr: "0" }, [], a.self.dtype, { out: a.self }),
      derivative: (c) => ({ self: zl(g0(c)) }),
    },
  },
  copy_: {
    default: {
      schema: "copy_(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)",
      tags: ["pointwise"],
      meta: (a: Args): TensorMeta => {
        checkInplace("copy_", a.self, broadcastShapes("copy_", a.self.shape, a.src.shape), a.self.dtype);
        return selfMeta(a);
      },
      kernel: (a: Args) => {
        checkInplace("copy_", a.self, broadcastShapes("copy_", a.self.shape, a.src.shape), a.self.dtype);
        copyInto(a.self, a.src);
        return a.self;
      },
      derivative: (c) => ({
        self: c.needs("self") ? zl(g0(c)) : null,
        src: c.needs("src") ? gradFor(g0(c), c.args.src) : null,
      }),
    },
  },
} satisfies OpFamily;

export { canCast, torchName };
export type { OpDef };
