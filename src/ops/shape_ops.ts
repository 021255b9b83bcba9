// ops/shape_ops: views and data movement (view, expand, permute, cat, split, clone, ...).
// In: tensors and sizes. Out: OpDefs; view ops return aliases of their input's storage.

import type { Tensor } from "../tensor/tensor.js";
import { inferSize, viewStrides, fmtShape, numel } from "../tensor/shape.js";
import type { OpFamily, Args, TensorMeta } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { sumToSize } from "./grad_utils.js";
import { aten } from "./ref.js";

function viewMeta(a: Args): TensorMeta {
  const self = a.self as Tensor;
  const shape = inferSize("view", a.size, self.numel());
  const st = viewStrides(self.shape, self.strides, shape);
  if (!st) throw new RangeError(`view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces); input ${fmtShape(self.shape)} strides ${fmtShape(self.strides)}, size ${fmtShape(a.size)}. Use .reshape(...) instead.`);
  return { shape, strides: st, dtype: self.dtype, device: self.device, viewOf: "self", offset: self.offset };
}

function expandMeta(a: Args): TensorMeta {
  const self = a.self as Tensor;
  const size = a.size as number[];
  if (size.length < self.ndim) throw new RangeError(`expand: the number of sizes provided (${size.length}) must be greater or equal to the number of dimensions in the tensor (${self.ndim})`);
  const lead = size.length - self.ndim;
  const shape: number[] = [], strides: number[] = [];
  size.forEach((s, i) => {
    if (i < lead) {
      if (s < 0) throw new RangeError(`expand: the expanded size of the tensor (${s}) isn't allowed in a leading, non-existing dimension ${i}`);
      shape.push(s); strides.push(0);
      return;
    }
    const cur = self.shape[i - lead]!;
    const target = s === -1 ? cur : s;
    if (cur !== target && cur !== 1) throw new RangeError(`expand: the expanded size of the tensor (${target}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(size)}. Tensor sizes: ${fmtShape(self.shape)}`);
    shape.push(target);
    strides.push(cur === target ? self.strides[i - lead]! : 0);
  });
  return { shape, strides, dtype: self.dtype, device: self.device, viewOf: "self", offset: self.offset };
}

function asView(a: Args, m: TensorMeta): Tensor {
  return (a.self as Tensor).asStrided(m.shape, m.strides!, m.offset);
}

function tMeta(a: Args): TensorMeta {
  const self = a.self as Tensor;
  if (self.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but self is ${self.ndim}D`);
  const shape = self.shape.slice().reverse(), strides = self.strides.slice().reverse();
  return { shape, strides, dtype: self.dtype, device: self.device, viewOf: "self", offset: self.offset };
}

export const shapeOps = {
  t: {
    default: {
      schema: "t(Tensor(a) self) -> Tensor(a)",
      meta: tMeta,
      kernel: (a: Args) => asView(a, tMeta(a)),
      derivative: ({ grads }) => ({ self: aten.t.default(grads[0]!) }),
    },
  },
  view: {
    default: {
      schema: "view(Tensor(a) self, SymInt[] size) -> Tensor(a)",
      meta: viewMeta,
      kernel: (a: Args) => asView(a, viewMeta(a)),
      derivative: ({ args, grads }) => ({ self: aten.view.default(aten.contiguous.default(grads[0]!), [...args.self.shape]) }),
    },
  },
  expand: {
    default: {
      schema: "expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)",
      meta: expandMeta,
      kernel: (a: Args) => asView(a, expandMeta(a)),
      derivative: ({ args, grads }) => ({ self: sumToSize(grads[0]!, args.self.shape) }),
    },
  },
  clone: {
    default: {
      schema: "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: (a: Args) => fromFloat64(readAs(a.self, a.self.shape), a.self.shape, a.self.dtype),
      derivative: ({ grads }) => ({ self: grads[0]! }),
    },
  },
  contiguous: {
    default: {
      // coil keeps contiguous as an op (PyTorch: a composite); it returns self when already contiguous.
      schema: "contiguous(Tensor(a) self, *, MemoryFormat memory_format=0) -> Tensor(a)",
      meta: (a: Args): TensorMeta => (a.self as Tensor).isContiguous()
        ? { shape: a.self.shape, strides: a.self.strides, dtype: a.self.dtype, device: a.self.device, viewOf: "self", offset: a.self.offset }
        : { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device },
      kernel: (a: Args) => (a.self as Tensor).isContiguous() ? (a.self as Tensor).asStrided(a.self.shape, a.self.strides) : fromFloat64(readAs(a.self, a.self.shape), a.self.shape, a.self.dtype),
      derivative: ({ grads }) => ({ self: grads[0]! }),
    },
  },
} satisfies OpFamily;

void numel;
