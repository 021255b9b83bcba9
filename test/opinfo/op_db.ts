// test/opinfo/op_db: the OpInfo database (PyTorch's common_methods_invocations.py op_db): for every
// overload in coil's op registry, a function producing sample inputs, plus per-op compare settings.
// In: the registry (registeredOps()). Out: `opDb` (qualname -> OpInfo), `OPINFO_SKIPS` (ops with no
// samples, each with its reason), `opFlags` (differentiable / in-place / view / random / nondeterministic).

import { Tensor } from "../../src/tensor/tensor.js";
import type { DTypeName } from "../../src/tensor/dtype.js";
import { float64, int64, float32, bool as boolDtype, bfloat16 } from "../../src/tensor/dtype.js";
import { aten } from "../../src/ops/aten.js";
import type { OpOverload } from "../../src/ops/registry.js";
import { Maker, type Tol } from "./make.js";
import { moreOps } from "./op_db_more.js";

/** One call of an op: positional args (Tensors, Tensor lists, constants) and keyword args. */
export interface Sample {
  /** Short description: "float32 broadcast", "int64 0-d", ... (unique per op). */
  name: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  /** false: do not compare input gradients for this sample (e.g. ties in max). */
  grad?: boolean;
}

export interface OpInfo {
  /** Produces fresh sample tensors each call; the same Maker seed gives the same samples. */
  samples(m: Maker): Sample[];
  /** Per-dtype tolerance overrides (e.g. long reductions in bfloat16). */
  tol?: Partial<Record<DTypeName, Tol>>;
  /** Why input gradients are not compared for this differentiable op. */
  noGrad?: string;
  /**
   * How outputs are compared: "values" (default), "meta" (shape/dtype only: uninitialised memory,
   * e.g. empty), "seeded" (random: values under the same manualSeed, plus statistics checks).
   */
  compare?: "values" | "meta" | "seeded";
  /** For random ops: checks on the output values that hold for any seed (range, mean). */
  stats?: (outs: Tensor[], sample: Sample) => void;
}

export type OpDb = Record<string, OpInfo>;

/** Per-op properties derived from the registry (schema alias annotations, tags, derivative). */
export interface OpFlags {
  differentiable: boolean;
  inplace: boolean;
  view: boolean;
  random: boolean;
  nondeterministic: boolean;
}

export function opFlags(op: OpOverload): OpFlags {
  return {
    differentiable: typeof op.def.derivative === "function",
    inplace: op.isInplace,
    view: op.isView,
    random: op.tags.has("random"),
    nondeterministic: op.tags.has("nondeterministic"),
  };
}

type F = DTypeName;
const FLOATS: F[] = ["float32", "float64", "bfloat16"];

// ---------------------------------------------------------------------------------------------
// Generic generators, driven by the op's kind (unary / binary / scalar / in-place pointwise).
// ---------------------------------------------------------------------------------------------

interface PwOpts {
  low?: number;
  high?: number;
  /** dtypes besides the floats (int64, bool) the op accepts. */
  extra?: F[];
  /** Value range for integer samples. */
  intLow?: number;
  intHigh?: number;
  kwargs?: Record<string, unknown>;
  /** Extra constant positional args after the tensors. */
  tail?: unknown[];
}

/** Unary pointwise op f(self, ...tail). */
export function unary(o: PwOpts = {}): OpInfo {
  return {
    samples(m) {
      const r = { low: o.low, high: o.high };
      const tail = o.tail ?? [];
      const s = (name: string, x: Tensor): Sample => ({ name, args: [x, ...tail], kwargs: o.kwargs });
      const out: Sample[] = [
        s("float32", m.t([3, 4], "float32", r)),
        s("float64", m.t([2, 3, 2], "float64", r)),
        s("bfloat16", m.t([5], "bfloat16", r)),
        s("float32 0-d", m.t([], "float32", r)),
        s("float64 size-1 dims", m.t([1, 3, 1], "float64", r)),
        s("float32 empty", m.t([0, 3], "float32", r)),
        s("float32 transposed", m.t([3, 4], "float32", { ...r, layout: "t" })),
        s("float64 sliced", m.t([2, 3], "float64", { ...r, layout: "slice" })),
      ];
      for (const d of o.extra ?? []) out.push(s(d, m.t([6], d, { low: o.intLow, high: o.intHigh })));
      return out;
    },
  };
}

/** Binary pointwise op f(self, other, ...tail) with two tensors. */
export function binary(o: PwOpts & { otherLow?: number; otherHigh?: number } = {}): OpInfo {
  return {
    samples(m) {
      const a = { low: o.low, high: o.high }, b = { low: o.otherLow ?? o.low, high: o.otherHigh ?? o.high };
      const ib = { low: o.intLow, high: o.intHigh };
      const tail = o.tail ?? [];
      const s = (name: string, x: Tensor, y: Tensor): Sample => ({ name, args: [x, y, ...tail], kwargs: o.kwargs });
      const out: Sample[] = [
        s("float32", m.t([3, 4], "float32", a), m.t([3, 4], "float32", b)),
        s("float64 broadcast", m.t([3, 1], "float64", a), m.t([1, 4], "float64", b)),
        s("bfloat16", m.t([2, 3], "bfloat16", a), m.t([2, 3], "bfloat16", b)),
        s("float32 0-d other", m.t([2, 3], "float32", a), m.t([], "float32", b)),
        s("float64 size-1 dims", m.t([1, 3, 1], "float64", a), m.t([2, 1, 4], "float64", b)),
        s("float32 empty", m.t([0, 3], "float32", a), m.t([3], "float32", b)),
        s("float32 transposed", m.t([3, 4], "float32", { ...a, layout: "t" }), m.t([3, 4], "float32", { ...b, layout: "slice" })),
        s("float32+float64 promotion", m.t([4], "float32", a), m.t([4], "float64", b)),
      ];
      for (const d of o.extra ?? []) {
        out.push(s(d, m.t([2, 3], d, ib), m.t([3], d, { low: o.otherLow !== undefined && d !== "bool" ? Math.max(1, o.intLow ?? 1) : o.intLow, high: o.intHigh })));
      }
      return out;
    },
  };
}

/** Pointwise op f(self, scalar, ...tail) with a Scalar second argument. */
export function tensorScalar(scalars: number[], o: PwOpts = {}): OpInfo {
  return {
    samples(m) {
      const r = { low: o.low, high: o.high };
      const tail = o.tail ?? [];
      const s = (name: string, x: Tensor, v: number): Sample => ({ name, args: [x, v, ...tail], kwargs: o.kwargs });
      const out: Sample[] = [];
      scalars.forEach((v, i) => {
        out.push(s(`float32 scalar=${v}`, m.t([3, 4], "float32", r), v));
        if (i === 0) {
          out.push(s(`float64 scalar=${v}`, m.t([2, 3], "float64", r), v));
          out.push(s(`bfloat16 scalar=${v}`, m.t([5], "bfloat16", r), v));
          out.push(s(`float32 0-d scalar=${v}`, m.t([], "float32", r), v));
          out.push(s(`float32 empty scalar=${v}`, m.t([0, 2], "float32", r), v));
          out.push(s(`float64 transposed scalar=${v}`, m.t([3, 2], "float64", { ...r, layout: "t" }), v));
          for (const d of o.extra ?? []) out.push(s(`${d} scalar=${v}`, m.t([6], d, { low: o.intLow, high: o.intHigh }), v));
        }
      });
      return out;
    },
  };
}

/** An in-place op built from a sample list; self must keep its dtype and shape. */
function inplaceBinary(kind: "tensor" | "scalar", o: PwOpts & { scalar?: number } = {}): OpInfo {
  return {
    samples(m) {
      const r = { low: o.low, high: o.high };
      const other = (shape: number[], d: F, layout?: "t" | "slice") => kind === "tensor" ? m.t(shape, d, { ...r, layout }) : (o.scalar ?? 2);
      const s = (name: string, x: Tensor, y: unknown): Sample => ({ name, args: [x, y, ...(o.tail ?? [])], kwargs: o.kwargs });
      const out: Sample[] = [
        s("float32", m.t([3, 4], "float32", r), other([3, 4], "float32")),
        s("float64 broadcast", m.t([3, 4], "float64", r), other([4], "float64")),
        s("bfloat16", m.t([5], "bfloat16", r), other([5], "bfloat16")),
        s("float32 0-d", m.t([], "float32", r), other([], "float32")),
        s("float32 empty", m.t([0, 3], "float32", r), other([3], "float32")),
        s("float32 transposed self", m.t([3, 4], "float32", { ...r, layout: "t" }), other([3, 4], "float32", "slice")),
      ];
      for (const d of o.extra ?? []) out.push(s(d, m.t([2, 3], d, { low: o.intLow, high: o.intHigh }), kind === "tensor" ? m.t([3], d, { low: Math.max(1, o.intLow ?? 1), high: o.intHigh }) : (o.scalar ?? 2)));
      return out;
    },
  };
}

const INT: F[] = ["int64"];
const INT_BOOL: F[] = ["int64", "bool"];
const sampleList = (f: (m: Maker) => Sample[], extra: Partial<OpInfo> = {}): OpInfo => ({ samples: f, ...extra });

// ---------------------------------------------------------------------------------------------
// Pointwise ops
// ---------------------------------------------------------------------------------------------

const pointwise: OpDb = {
  "aten.neg.default": unary({ extra: INT }),
  "aten.abs.default": unary({ extra: INT }),
  "aten.exp.default": unary({ extra: INT_BOOL }),
  "aten.exp2.default": unary({ extra: INT_BOOL }),
  "aten.log.default": unary({ low: 0.1, high: 3, extra: ["int64"], intLow: 1, intHigh: 9 }),
  "aten.log2.default": unary({ low: 0.1, high: 3, extra: ["int64"], intLow: 1, intHigh: 9 }),
  "aten.log1p.default": unary({ low: -0.9, high: 3, extra: ["int64"], intLow: 0, intHigh: 9 }),
  "aten.expm1.default": unary({ extra: INT_BOOL }),
  "aten.sin.default": unary({ extra: INT_BOOL }),
  "aten.cos.default": unary({ extra: INT_BOOL }),
  "aten.tan.default": unary({ low: -1.2, high: 1.2, extra: INT_BOOL, intLow: -1, intHigh: 1 }),
  "aten.tanh.default": unary({ extra: INT_BOOL }),
  "aten.sigmoid.default": unary({ extra: INT_BOOL }),
  // sqrt/rsqrt of negatives give NaN: the float32 samples include negatives (NaN positions compared).
  "aten.sqrt.default": sampleList((m) => [...unary({ low: 0.1, high: 4, extra: INT, intLow: 0, intHigh: 9 }).samples(m),
    { name: "float32 negatives (nan)", args: [m.t([6], "float32", { low: -2, high: 2 })], grad: false }]),
  "aten.rsqrt.default": sampleList((m) => [...unary({ low: 0.2, high: 4, extra: INT, intLow: 1, intHigh: 9 }).samples(m),
    { name: "float32 negatives (nan)", args: [m.t([6], "float32", { low: -2, high: -0.5 })], grad: false }]),
  "aten.reciprocal.default": unary({ low: 0.3, high: 3, extra: INT, intLow: 1, intHigh: 9 }),
  "aten.erf.default": unary({ extra: INT_BOOL }),
  "aten.relu.default": unary({ extra: INT }),
  "aten.gelu.default": sampleList((m) => [...unary().samples(m),
    { name: "float32 tanh kwarg", args: [m.t([3, 4])], kwargs: { approximate: "tanh" } },
    { name: "float64 tanh kwarg", args: [m.t([2, 3], "float64")], kwargs: { approximate: "tanh" } }]),
  "aten.silu.default": unary(),
  "aten.hardtanh.default": sampleList((m) => [...unary({ extra: INT }).samples(m),
    { name: "float32 min=-0.5 max=0.7", args: [m.t([3, 4]), -0.5, 0.7] }]),
  // rounding ops: ints are exact; derivatives are zero.
  "aten.floor.default": unary({ low: -4, high: 4, extra: INT }),
  "aten.ceil.default": unary({ low: -4, high: 4, extra: INT }),
  "aten.round.default": sampleList((m) => [...unary({ low: -4, high: 4, extra: INT }).samples(m),
    { name: "float64 halves (round half to even)", args: [m.t([6], "float64", { values: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5] })] }]),
  "aten.trunc.default": unary({ low: -4, high: 4, extra: INT }),
  "aten.sign.default": sampleList((m) => [...unary({ extra: INT_BOOL }).samples(m),
    { name: "float32 with zeros", args: [m.t([5], "float32", { values: [-1, 0, 2, -0, 3] })] }]),
  "aten.logical_not.default": unary({ extra: INT_BOOL }),
  "aten.isnan.default": sampleList((m) => [...unary({ extra: INT_BOOL }).samples(m),
    { name: "float32 nan/inf", args: [m.t([5], "float32", { values: [NaN, 1, Infinity, -Infinity, 0] })] }]),
  "aten.isinf.default": sampleList((m) => [...unary({ extra: INT_BOOL }).samples(m),
    { name: "float32 nan/inf", args: [m.t([5], "float32", { values: [NaN, 1, Infinity, -Infinity, 0] })] }]),
  "aten.clamp.default": sampleList((m) => [
    { name: "float32 min max", args: [m.t([3, 4]), -0.5, 0.5] },
    { name: "float64 min only", args: [m.t([2, 3], "float64"), -0.2] },
    { name: "float64 max only kwarg", args: [m.t([2, 3], "float64")], kwargs: { max: 0.3 } },
    { name: "bfloat16 min max", args: [m.t([5], "bfloat16"), -1, 1] },
    { name: "float32 0-d", args: [m.t([]), 0, 1] },
    { name: "float32 empty", args: [m.t([0, 2]), 0, 1] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), -1, 0.5] },
    { name: "int64 min max", args: [m.t([6], "int64"), -2, 3] },
  ]),
  "aten.clamp.Tensor": sampleList((m) => [
    { name: "float32 min max", args: [m.t([3, 4]), m.t([3, 4], "float32", { low: -2, high: -0.5 }), m.t([4], "float32", { low: 0.5, high: 2 })] },
    { name: "float64 min only broadcast", args: [m.t([2, 3], "float64"), m.t([1, 3], "float64")] },
    { name: "float64 max only", args: [m.t([2, 3], "float64"), null, m.t([], "float64")] },
    { name: "bfloat16", args: [m.t([5], "bfloat16"), m.t([5], "bfloat16", { low: -1, high: 0 }), m.t([5], "bfloat16", { low: 0, high: 1 })] },
    { name: "int64", args: [m.t([6], "int64"), m.t([6], "int64", { low: -3, high: -1 }), m.t([6], "int64", { low: 1, high: 3 })] },
  ]),
  "aten.threshold_backward.default": binary({ tail: [0.1], extra: INT }),
  "aten.sigmoid_backward.default": binary({ otherLow: 0.05, otherHigh: 0.95 }),
  "aten.tanh_backward.default": binary({ otherLow: -0.95, otherHigh: 0.95 }),
  "aten.gelu_backward.default": sampleList((m) => [...binary().samples(m),
    { name: "float32 tanh kwarg", args: [m.t([3, 4]), m.t([3, 4])], kwargs: { approximate: "tanh" } }]),
  "aten.silu_backward.default": binary(),
  "aten.hardtanh_backward.default": binary({ tail: [-1, 1], extra: INT }),
  "aten.add.Tensor": sampleList((m) => [...binary({ extra: INT_BOOL }).samples(m),
    { name: "float32 alpha=2 kwarg", args: [m.t([3, 4]), m.t([4])], kwargs: { alpha: 2 } },
    { name: "int64+float32 promotion", args: [m.t([3], "int64"), m.t([3])] },
    { name: "float32 + 0-d float64 (0-d does not promote)", args: [m.t([3]), m.t([], "float64")] }]),
  "aten.add.Scalar": tensorScalar([2, 0.5], { extra: INT_BOOL, tail: [] }),
  "aten.sub.Tensor": sampleList((m) => [...binary({ extra: INT }).samples(m),
    { name: "float64 alpha=-1.5 kwarg", args: [m.t([3, 4], "float64"), m.t([3, 1], "float64")], kwargs: { alpha: -1.5 } }]),
  "aten.sub.Scalar": sampleList((m) => [...tensorScalar([2, 0.5], { extra: INT }).samples(m),
    { name: "float32 alpha=3", args: [m.t([3, 4]), 1.5, 3] }]),
  "aten.rsub.Tensor": sampleList((m) => [...binary({ extra: INT }).samples(m),
    { name: "float32 alpha=2 kwarg", args: [m.t([3, 4]), m.t([4])], kwargs: { alpha: 2 } }]),
  "aten.rsub.Scalar": tensorScalar([2, 0.5], { extra: INT }),
  "aten.mul.Tensor": binary({ extra: INT_BOOL }),
  "aten.mul.Scalar": tensorScalar([3, -0.5], { extra: INT_BOOL }),
  "aten.div.Tensor": binary({ otherLow: 0.5, otherHigh: 3, extra: INT, intLow: -9, intHigh: 9 }),
  "aten.div.Scalar": tensorScalar([4, -0.5], { extra: INT }),
  "aten.div.Tensor_mode": sampleList((m) => [
    ...binary({ otherLow: 0.5, otherHigh: 3, extra: INT, intLow: -9, intHigh: 9, kwargs: { rounding_mode: "floor" } }).samples(m).map((s) => ({ ...s, name: `${s.name} floor` })),
    { name: "float32 trunc", args: [m.t([3, 4], "float32", { low: -5, high: 5 }), m.t([4], "float32", { low: 0.5, high: 2 })], kwargs: { rounding_mode: "trunc" } },
    { name: "int64 trunc", args: [m.t([6], "int64", { low: -9, high: 9 }), m.t([6], "int64", { low: 1, high: 4 })], kwargs: { rounding_mode: "trunc" } },
    { name: "float64 true (null)", args: [m.t([4], "float64"), m.t([4], "float64", { low: 1, high: 2 })], kwargs: { rounding_mode: null } },
  ]),
  "aten.div.Scalar_mode": sampleList((m) => [
    { name: "float32 floor", args: [m.t([3, 4], "float32", { low: -5, high: 5 }), 1.5], kwargs: { rounding_mode: "floor" } },
    { name: "float64 trunc", args: [m.t([2, 3], "float64", { low: -5, high: 5 }), -2], kwargs: { rounding_mode: "trunc" } },
    { name: "int64 floor", args: [m.t([6], "int64", { low: -9, high: 9 }), 4], kwargs: { rounding_mode: "floor" } },
    { name: "bfloat16 trunc", args: [m.t([5], "bfloat16", { low: -5, high: 5 }), 3], kwargs: { rounding_mode: "trunc" } },
    { name: "float32 0-d floor", args: [m.t([], "float32", { low: -5, high: 5 }), 2], kwargs: { rounding_mode: "floor" } },
  ]),
  "aten.pow.Tensor_Tensor": sampleList((m) => [...binary({ low: 0.2, high: 2, otherLow: -2, otherHigh: 2 }).samples(m),
    { name: "int64", args: [m.t([6], "int64", { low: 0, high: 4 }), m.t([6], "int64", { low: 0, high: 3 })] }]),
  "aten.pow.Tensor_Scalar": tensorScalar([2, 0.5, -1, 3], { low: 0.2, high: 2, extra: INT, intLow: 0, intHigh: 4 }),
  "aten.pow.Scalar": sampleList((m) => [
    { name: "float32 base=2", args: [2, m.t([3, 4])] },
    { name: "float64 base=0.5", args: [0.5, m.t([2, 3], "float64")] },
    { name: "bfloat16 base=3", args: [3, m.t([5], "bfloat16")] },
    { name: "float32 0-d base=1.5", args: [1.5, m.t([])] },
    { name: "int64 base=2", args: [2, m.t([6], "int64", { low: 0, high: 5 })] },
  ]),
  "aten.remainder.Tensor": binary({ low: -5, high: 5, otherLow: 0.5, otherHigh: 3, extra: INT, intLow: -9, intHigh: 9 }),
  "aten.remainder.Scalar": tensorScalar([3, -1.5], { low: -5, high: 5, extra: INT, intLow: -9, intHigh: 9 }),
  "aten.fmod.Tensor": binary({ low: -5, high: 5, otherLow: 0.5, otherHigh: 3, extra: INT, intLow: -9, intHigh: 9 }),
  "aten.fmod.Scalar": tensorScalar([3, -1.5], { low: -5, high: 5, extra: INT, intLow: -9, intHigh: 9 }),
  "aten.maximum.default": binary({ extra: INT_BOOL }),
  "aten.minimum.default": binary({ extra: INT_BOOL }),
  "aten.atan2.default": binary({ extra: INT }),
  "aten.logical_and.default": binary({ extra: INT_BOOL }),
  "aten.logical_or.default": binary({ extra: INT_BOOL }),
  "aten.logical_xor.default": binary({ extra: INT_BOOL }),
  "aten.where.self": sampleList((m) => [
    { name: "float32", args: [m.t([3, 4], "bool"), m.t([3, 4]), m.t([3, 4])] },
    { name: "float64 broadcast", args: [m.t([3, 1], "bool"), m.t([1, 4], "float64"), m.t([4], "float64")] },
    { name: "bfloat16", args: [m.t([5], "bool"), m.t([5], "bfloat16"), m.t([5], "bfloat16")] },
    { name: "float32 0-d branches", args: [m.t([2, 3], "bool"), m.t([]), m.t([])] },
    { name: "int64", args: [m.t([6], "bool"), m.t([6], "int64"), m.t([6], "int64")] },
    { name: "bool", args: [m.t([6], "bool"), m.t([6], "bool"), m.t([6], "bool")] },
    { name: "float32 empty", args: [m.t([0, 3], "bool"), m.t([0, 3]), m.t([3])] },
    { name: "float32 transposed", args: [m.t([3, 4], "bool", { layout: "t" }), m.t([3, 4], "float32", { layout: "t" }), m.t([3, 4], "float32", { layout: "slice" })] },
  ]),
};

for (const c of ["eq", "ne", "lt", "le", "gt", "ge"]) {
  // Comparisons on small ints give ties; floats from a coarse grid also tie.
  pointwise[`aten.${c}.Tensor`] = sampleList((m) => [...binary({ extra: INT_BOOL, intLow: -2, intHigh: 2 }).samples(m),
    { name: "float32 ties", args: [m.t([6], "float32", { values: [0, 1, 2, 1, 0, -1] }), m.t([6], "float32", { values: [0, 2, 1, 1, -1, -1] })] }]);
  pointwise[`aten.${c}.Scalar`] = tensorScalar([0, 1.5], { extra: INT_BOOL, intLow: -2, intHigh: 2 });
}
for (const b of ["and", "or", "xor"]) {
  pointwise[`aten.bitwise_${b}.Tensor`] = sampleList((m) => [
    { name: "int64", args: [m.t([3, 4], "int64", { low: -20, high: 20 }), m.t([3, 4], "int64", { low: -20, high: 20 })] },
    { name: "int64 broadcast", args: [m.t([3, 1], "int64", { low: 0, high: 15 }), m.t([4], "int64", { low: 0, high: 15 })] },
    { name: "bool", args: [m.t([2, 3], "bool"), m.t([2, 3], "bool")] },
    { name: "int64 0-d", args: [m.t([], "int64", { low: 0, high: 7 }), m.t([], "int64", { low: 0, high: 7 })] },
    { name: "int64 transposed", args: [m.t([3, 4], "int64", { layout: "t" }), m.t([3, 4], "int64", { layout: "slice" })] },
    { name: "int64 empty", args: [m.t([0], "int64"), m.t([0], "int64")] },
  ]);
  pointwise[`aten.bitwise_${b}.Scalar`] = sampleList((m) => [
    { name: "int64 scalar=6", args: [m.t([3, 4], "int64", { low: -20, high: 20 }), 6] },
    { name: "bool scalar=1", args: [m.t([5], "bool"), 1] },
    { name: "int64 0-d scalar=3", args: [m.t([], "int64"), 3] },
  ]);
}
pointwise["aten.bitwise_not.default"] = sampleList((m) => [
  { name: "int64", args: [m.t([3, 4], "int64", { low: -20, high: 20 })] },
  { name: "bool", args: [m.t([5], "bool")] },
  { name: "int64 0-d", args: [m.t([], "int64")] },
  { name: "int64 transposed", args: [m.t([3, 4], "int64", { layout: "t" })] },
]);

// ---------------------------------------------------------------------------------------------
// In-place pointwise ops (self is mutated: the test compares it too)
// ---------------------------------------------------------------------------------------------

const inplace: OpDb = {
  "aten.add_.Tensor": sampleList((m) => [...inplaceBinary("tensor", { extra: INT }).samples(m),
    { name: "float32 alpha=2 kwarg", args: [m.t([3, 4]), m.t([4])], kwargs: { alpha: 2 } }]),
  "aten.add_.Scalar": inplaceBinary("scalar", { extra: INT, scalar: 3 }),
  "aten.sub_.Tensor": sampleList((m) => [...inplaceBinary("tensor", { extra: INT }).samples(m),
    { name: "float64 alpha=0.5 kwarg", args: [m.t([3, 4], "float64"), m.t([4], "float64")], kwargs: { alpha: 0.5 } }]),
  "aten.sub_.Scalar": inplaceBinary("scalar", { extra: INT, scalar: 2 }),
  "aten.mul_.Tensor": inplaceBinary("tensor", { extra: INT }),
  "aten.mul_.Scalar": inplaceBinary("scalar", { extra: INT, scalar: -3 }),
  "aten.div_.Tensor": sampleList((m) => inplaceBinary("tensor", { low: 0.5, high: 3 }).samples(m)),
  "aten.div_.Scalar": inplaceBinary("scalar", { scalar: 4 }),
  "aten.clamp_.default": sampleList((m) => [
    { name: "float32 min max", args: [m.t([3, 4]), -0.5, 0.5] },
    { name: "float64 min only", args: [m.t([2, 3], "float64"), 0] },
    { name: "bfloat16 max kwarg", args: [m.t([5], "bfloat16")], kwargs: { max: 0.25 } },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), -1, 1] },
    { name: "int64", args: [m.t([6], "int64"), -1, 2] },
  ]),
  "aten.relu_.default": sampleList((m) => [
    { name: "float32", args: [m.t([3, 4])] }, { name: "float64", args: [m.t([2, 3], "float64")] },
    { name: "bfloat16", args: [m.t([5], "bfloat16")] }, { name: "float32 0-d", args: [m.t([])] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" })] }, { name: "int64", args: [m.t([6], "int64")] },
  ]),
  "aten.fill_.Scalar": sampleList((m) => [
    { name: "float32", args: [m.t([3, 4]), 1.5] }, { name: "float64", args: [m.t([2, 3], "float64"), -2] },
    { name: "bfloat16", args: [m.t([5], "bfloat16"), 0.3] }, { name: "int64", args: [m.t([4], "int64"), 7] },
    { name: "bool", args: [m.t([4], "bool"), true] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 2] },
    { name: "float32 empty", args: [m.t([0, 2]), 1] },
  ]),
  "aten.zero_.default": sampleList((m) => [
    { name: "float32", args: [m.t([3, 4])] }, { name: "float64 sliced", args: [m.t([2, 3], "float64", { layout: "slice" })] },
    { name: "bfloat16", args: [m.t([5], "bfloat16")] }, { name: "int64", args: [m.t([4], "int64")] }, { name: "float32 0-d", args: [m.t([])] },
  ]),
  "aten.copy_.default": sampleList((m) => [
    { name: "float32", args: [m.t([3, 4]), m.t([3, 4])] },
    { name: "float64 broadcast src", args: [m.t([3, 4], "float64"), m.t([4], "float64")] },
    { name: "float32 <- float64 cast", args: [m.t([2, 3]), m.t([2, 3], "float64")] },
    { name: "bfloat16 <- float32 cast", args: [m.t([5], "bfloat16"), m.t([5])] },
    { name: "int64 <- float32 cast", args: [m.t([4], "int64"), m.t([4], "float32", { low: -5, high: 5 })] },
    { name: "float32 transposed self", args: [m.t([3, 4], "float32", { layout: "t" }), m.t([3, 4], "float32", { layout: "slice" })] },
    { name: "float32 0-d", args: [m.t([]), m.t([])] },
  ]),
};

/** The whole database: pointwise and in-place families here, the rest in op_db_more.ts. */
export const opDb: OpDb = { ...pointwise, ...inplace, ...moreOps };

/**
 * Registered overloads with no samples, each with its reason. The coverage test fails on any
 * registered op that is in neither `opDb` nor this list (so a new op without samples fails).
 */
export const OPINFO_SKIPS: Record<string, string> = {};

/** Dtype objects for samples that pass a ScalarType. */
export const DT = { float64, float32, int64, bool: boolDtype, bfloat16 };
export { aten };
