// ops/random_ops: random ops drawing from coil's seeded Generator (tensor/random.ts): rand, randn, randint,
// *_like, bernoulli, in-place normal_/uniform_, native_dropout (+ backward). In: sizes/tensors and an
// optional `generator` (defaults to the global one seeded by manualSeed). Out: OpDefs tagged "random".
// Streams are deterministic per seed but differ from PyTorch's (values are drawn in logical order).

import { Tensor, elementOffsets, writeStorage } from "../tensor/tensor.js";
import { dtypeOf, defaultFloatDtype, int64, bool, type DType } from "../tensor/dtype.js";
import { fmtShape, numel } from "../tensor/shape.js";
import { defaultGenerator, type Generator } from "../tensor/random.js";
import { checkDevice } from "../tensor/tensor.js";
import type { OpFamily, Args, TensorMeta, OpDef } from "./registry.js";
import { readAs, fromFloat64 } from "./kernels/elementwise.js";
import { aten } from "./ref.js";

const KW = "ScalarType? dtype=None, Layout? layout=None, Device? device=None, bool? pin_memory=None";
const gen = (a: Args): Generator => (a.generator as Generator | null) ?? defaultGenerator;

function floatDtype(op: string, a: Args, fallback: DType = defaultFloatDtype.current): DType {
  const d = a.dtype ? dtypeOf(a.dtype) : fallback;
  if (!d.isFloatingPoint) throw new TypeError(`${op}: expected a floating point dtype, got ${d.name}`);
  return d;
}

function sizeOf(op: string, size: number[]): number[] {
  for (const s of size) if (!Number.isInteger(s) || s < 0) throw new RangeError(`${op}: Trying to create tensor with negative dimension ${s}: ${fmtShape(size)}`);
  return size.slice();
}

function drawn(shape: readonly number[], d: DType, device: string, draw: () => number): Tensor {
  const n = numel(shape);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = draw();
  const t = fromFloat64(v, shape, d);
  if (device !== "cpu") checkDevice(device);
  return t;
}

function randintCheck(low: number, high: number): void {
  if (!(low < high)) throw new RangeError(`randint: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
}
const randInt = (g: Generator, low: number, high: number) => low + Math.floor(g.random() * (high - low));

function sizedRandom(name: string, kind: "uniform" | "normal"): OpDef {
  return {
    schema: `${name}(SymInt[] size, *, Generator? generator=None, ${KW}) -> Tensor`,
    tags: ["random", "nondeterministic"],
    meta: (a: Args): TensorMeta => ({ shape: sizeOf(name, a.size), dtype: floatDtype(name, a), device: a.device ?? "cpu" }),
    kernel: (a: Args) => {
      const g = gen(a);
      return drawn(sizeOf(name, a.size), floatDtype(name, a), a.device ?? "cpu", kind === "uniform" ? () => g.random() : () => g.normal());
    },
    derivative: "nondifferentiable",
  };
}

function likeRandom(name: string, kind: "uniform" | "normal"): OpDef {
  return {
    schema: `${name}(Tensor self, *, ${KW}, MemoryFormat? memory_format=None) -> Tensor`,
    tags: ["random", "nondeterministic"],
    meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: floatDtype(name, a, a.self.dtype), device: a.self.device }),
    kernel: (a: Args) => drawn(a.self.shape, floatDtype(name, a, a.self.dtype), a.self.device, kind === "uniform" ? () => defaultGenerator.random() : () => defaultGenerator.normal()),
    derivative: "nondifferentiable",
  };
}

function randintOp(schema: string): OpDef {
  return {
    schema, tags: ["random", "nondeterministic"],
    meta: (a: Args): TensorMeta => { randintCheck(a.low ?? 0, a.high); return { shape: sizeOf("randint", a.size), dtype: a.dtype ? dtypeOf(a.dtype) : int64, device: a.device ?? "cpu" }; },
    kernel: (a: Args) => {
      const low = a.low ?? 0, high = a.high, g = gen(a);
      randintCheck(low, high);
      return drawn(sizeOf("randint", a.size), a.dtype ? dtypeOf(a.dtype) : int64, a.device ?? "cpu", () => randInt(g, low, high));
    },
    derivative: "nondifferentiable",
  };
}

/** Fill `self` in place (any strides), drawing in logical order. */
function fillInPlace(self: Tensor, draw: () => number): Tensor {
  const arr = self.data("random fill");
  const offs = elementOffsets(self);
  for (let i = 0; i < offs.length; i++) writeStorage(arr, self.dtype, offs[i]!, draw());
  return self;
}

function bernoulliFrom(op: string, self: Tensor, probs: Float64Array, g: Generator): Tensor {
  for (const p of probs) if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: Expected p_in >= 0 && p_in <= 1 to be true, but got p = ${p} (self ${fmtShape(self.shape)})`);
  const out = new Float64Array(probs.length);
  for (let i = 0; i < probs.length; i++) out[i] = g.random() < probs[i]! ? 1 : 0;
  return fromFloat64(out, self.shape, self.dtype);
}

function dropoutScale(p: number): number {
  return p >= 1 ? 0 : 1 / (1 - p);
}

export const randomOps = {
  rand: { default: sizedRandom("rand", "uniform") },
  randn: { default: sizedRandom("randn", "normal") },
  rand_like: { default: likeRandom("rand_like", "uniform") },
  randn_like: { default: likeRandom("randn_like", "normal") },
  randint: {
    default: randintOp(`randint(SymInt high, SymInt[] size, *, Generator? generator=None, ${KW}) -> Tensor`),
    low: randintOp(`randint.low(SymInt low, SymInt high, SymInt[] size, *, Generator? generator=None, ${KW}) -> Tensor`),
  },
  randint_like: {
    default: {
      schema: `randint_like(Tensor self, SymInt high, *, ${KW}, MemoryFormat? memory_format=None) -> Tensor`,
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta => { randintCheck(0, a.high); return { shape: a.self.shape, dtype: a.dtype ? dtypeOf(a.dtype) : a.self.dtype, device: a.self.device }; },
      kernel: (a: Args) => { randintCheck(0, a.high); return drawn(a.self.shape, a.dtype ? dtypeOf(a.dtype) : a.self.dtype, a.self.device, () => randInt(defaultGenerator, 0, a.high)); },
      derivative: "nondifferentiable",
    },
  },
  bernoulli: {
    default: {
      schema: "bernoulli(Tensor self, *, Generator? generator=None) -> Tensor",
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: (a: Args) => bernoulliFrom("bernoulli", a.self, readAs(a.self, a.self.shape), gen(a)),
      derivative: ({ grads }) => ({ self: aten.zeros_like.default(grads[0]!) }),
    },
    p: {
      schema: "bernoulli.p(Tensor self, float p=0.5, *, Generator? generator=None) -> Tensor",
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta => ({ shape: a.self.shape, dtype: a.self.dtype, device: a.self.device }),
      kernel: (a: Args) => bernoulliFrom("bernoulli", a.self, new Float64Array(a.self.numel()).fill(a.p), gen(a)),
      derivative: ({ grads }) => ({ self: aten.zeros_like.default(grads[0]!) }),
    },
  },
  normal_: {
    default: {
      schema: "normal_(Tensor(a!) self, float mean=0, float std=1, *, Generator? generator=None) -> Tensor(a!)",
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta => {
        if (a.std < 0) throw new RangeError(`normal_: expects std >= 0.0, but found std ${a.std}`);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: (a: Args) => {
        if (a.std < 0) throw new RangeError(`normal_: expects std >= 0.0, but found std ${a.std}`);
        const g = gen(a);
        return fillInPlace(a.self, () => a.mean + a.std * g.normal());
      },
      derivative: ({ grads }) => ({ self: aten.zeros_like.default(grads[0]!) }),
    },
  },
  uniform_: {
    default: {
      schema: "uniform_(Tensor(a!) self, float from=0, float to=1, *, Generator? generator=None) -> Tensor(a!)",
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta => {
        if (!(a.from <= a.to)) throw new RangeError(`uniform_: expects to return a [from, to) range, but found from=${a.from} > to=${a.to}`);
        return { shape: a.self.shape, dtype: a.self.dtype, device: a.self.device };
      },
      kernel: (a: Args) => {
        if (!(a.from <= a.to)) throw new RangeError(`uniform_: expects to return a [from, to) range, but found from=${a.from} > to=${a.to}`);
        const g = gen(a);
        return fillInPlace(a.self, () => a.from + (a.to - a.from) * g.random());
      },
      derivative: ({ grads }) => ({ self: aten.zeros_like.default(grads[0]!) }),
    },
  },
  native_dropout: {
    default: {
      schema: "native_dropout(Tensor input, float p, bool? train) -> (Tensor, Tensor)",
      tags: ["random", "nondeterministic"],
      meta: (a: Args): TensorMeta[] => {
        if (!(a.p >= 0 && a.p <= 1)) throw new RangeError(`native_dropout: dropout probability has to be between 0 and 1, but got ${a.p}`);
        return [{ shape: a.input.shape, dtype: a.input.dtype, device: a.input.device }, { shape: a.input.shape, dtype: bool, device: a.input.device }];
      },
      kernel: (a: Args) => {
        const x = a.input as Tensor, p = a.p as number;
        if (!(p >= 0 && p <= 1)) throw new RangeError(`native_dropout: dropout probability has to be between 0 and 1, but got ${p}`);
        const v = readAs(x, x.shape);
        const mask = new Float64Array(v.length);
        if (a.train === false) {
          mask.fill(1);
          return [fromFloat64(v, x.shape, x.dtype), fromFloat64(mask, x.shape, bool)];
        }
        const scale = dropoutScale(p);
        for (let i = 0; i < v.length; i++) {
          const keep = p < 1 && defaultGenerator.random() >= p;
          mask[i] = keep ? 1 : 0;
          v[i] = keep ? v[i]! * scale : 0;
        }
        return [fromFloat64(v, x.shape, x.dtype), fromFloat64(mask, x.shape, bool)];
      },
      derivative: ({ args, outputs, grads }) => ({
        input: aten.native_dropout_backward.default(grads[0] ?? aten.zeros_like.default(outputs[0]!), outputs[1]!, args.train === false ? 1 : dropoutScale(args.p)),
      }),
    },
  },
  native_dropout_backward: {
    default: {
      schema: "native_dropout_backward(Tensor grad_output, Tensor mask, float scale) -> Tensor",
      meta: (a: Args): TensorMeta => ({ shape: a.grad_output.shape, dtype: a.grad_output.dtype, device: a.grad_output.device }),
      kernel: (a: Args) => {
        const g = readAs(a.grad_output, a.grad_output.shape), m = readAs(a.mask, a.grad_output.shape);
        for (let i = 0; i < g.length; i++) g[i] = m[i] ? g[i]! * a.scale : 0;
        return fromFloat64(g, a.grad_output.shape, a.grad_output.dtype);
      },
      derivative: ({ args, grads }) => ({ grad_output: aten.native_dropout_backward.default(grads[0]!, args.mask, args.scale) }),
    },
  },
} satisfies OpFamily;
