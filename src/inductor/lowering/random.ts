// inductor/lowering/random: random ops keep eager's seeded stream: every draw happens in an ExternKernel
// calling the eager op, in program order (the wrapper runs extern calls in order), so a compiled program
// draws exactly what eager draws. rand/randn/randint/*_like/bernoulli are such externs. native_dropout
// (training) and bernoulli.p draw one uniform per element in logical order, which is what rand_like in
// float64 draws (so does rand(size, dtype=float64)): they lower to that extern plus a Pointwise (the mask `u >= p`, the scaled output) that
// fuses with its neighbours. In-place normal_/uniform_ return their input (an alias the wrapper's buffer
// reuse must not see) and stay counted fallbacks. In: TensorBoxes and parameters. Out: extern outputs and
// Pointwise TensorBoxes.

import type { Tensor } from "../../tensor/tensor.js";
import { bool, float64 } from "../../tensor/dtype.js";
import { contiguousStrides } from "../../tensor/shape.js";
import { aten } from "../../ops/aten.js";
import { FixedLayout } from "../ir/layout.js";
import { ExternKernel, MultiOutput, Pointwise } from "../ir/nodes.js";
import type { TensorBox } from "../ir/tensor_box.js";
import { V } from "../ir/virtualized.js";
import { box, externCall, lower } from "./common.js";

for (const op of [
  aten.rand.default, aten.randn.default, aten.rand_like.default, aten.randn_like.default,
  aten.randint.default, aten.randint.low, aten.randint_like.default, aten.bernoulli.default,
]) {
  lower(op, (a, o) => externCall("extern", o, a));
}

/** One float64 uniform draw per element of x, in logical order (rand(x's size, dtype=float64) as an extern). */
function uniformLike(x: TensorBox): TensorBox {
  const size = x.getSize();
  const k = new ExternKernel("extern", aten.rand.default, [size.slice()], { generator: null, dtype: float64, layout: null, device: null, pin_memory: null });
  k.outputs = [new MultiOutput(new FixedLayout(x.getDevice(), float64, size, contiguousStrides(size), 0), k, null)];
  V.graph.registerExtern(k);
  return box(k.outputs[0]!);
}

lower(aten.native_dropout.default, (a, o) => {
  const x = a.input as TensorBox, p = Number(a.p), d = x.getDtype();
  // eval mode, p outside [0, 1] (eager throws), p >= 1 (eager draws nothing): the eager kernel decides
  if (a.train === false || !(p >= 0 && p < 1)) return externCall("extern", o, a);
  const u = uniformLike(x).makeLoader(), lx = x.makeLoader();
  const scale = 1 / (1 - p), size = x.getSize();
  const keep = (ops: Parameters<typeof u>[0], idx: Parameters<typeof u>[1]) => ops.op("ge", [u(ops, idx), ops.constant(p, float64)], bool);
  const out = box(new Pointwise(x.getDevice(), d, size, (ops, idx) => {
    const v = ops.toDtype(ops.op("mul", [ops.toDtype(lx(ops, idx), float64), ops.constant(scale, float64)], float64), d);
    return ops.op("where", [keep(ops, idx), v, ops.constant(0, d)], d);
  }));
  const mask = box(new Pointwise(x.getDevice(), bool, size, (ops, idx) => keep(ops, idx)));
  return [out, mask];
});

lower(aten.bernoulli.p, (a, o) => {
  const x = a.self as TensorBox, p = Number(a.p), d = x.getDtype();
  if (!(p >= 0 && p <= 1) || a.generator !== null) return externCall("extern", o, a); // eager throws / its own generator
  const u = uniformLike(x).makeLoader();
  const out = (V.graph.currentVal as Tensor).shape;
  return box(new Pointwise(x.getDevice(), d, out, (ops, idx) =>
    ops.op("where", [ops.op("lt", [u(ops, idx), ops.constant(p, float64)], bool), ops.constant(1, d), ops.constant(0, d)], d)));
});
