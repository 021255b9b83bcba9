// Functionalisation (in-place ops on intermediates, on views of intermediates and of inputs, written
// back to the inputs after the call) and the aot stage's errors: an op without a derivative in a
// training graph, a mutation that cannot be functionalised, double backward through a compiled
// function. Each error names the op, the shapes/dtypes and the stage.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import { Graph, GraphModule } from "../../src/fx/index.js";
import { aotAutograd, traceInference } from "../../src/aot/index.js";

const runGraph = (gm: GraphModule) => (args: coil.Tensor[]) => { const r = gm.forward(...args); return Array.isArray(r) ? r : [r]; };
const aotEager = aotAutograd({ fwCompiler: runGraph });

/** A torch-level graph with one call of `fn` (which may call aten ops directly) over n placeholders. */
function oneCall(fn: (...a: coil.Tensor[]) => unknown, n: number): GraphModule {
  const g = new Graph();
  const xs = Array.from({ length: n }, (_, i) => g.placeholder(`l_x${i}_`));
  g.output([g.callFunction(fn, xs)]);
  return new GraphModule({}, g);
}

function sameAsEager(f: (x: coil.Tensor) => unknown, make: () => coil.Tensor): void {
  const x1 = make(), x2 = x1.clone();
  const e = f(x1) as coil.Tensor[];
  const c = coil.compile(f, { backend: "aot_eager" })(x2) as coil.Tensor[];
  e.forEach((t, i) => assert.deepEqual(c[i]!.toArray(), t.toArray(), `output ${i}`));
  assert.deepEqual(x2.toArray(), x1.toArray(), "input after the call");
}

test("in-place ops on views of intermediates and of inputs are functionalised and written back", () => {
  sameAsEager((x) => {
    const y = x.mul(2);
    const v = y.view(2, 3);
    v.select(0, 1).add_(10);          // view of a view of an intermediate
    y.narrow(0, 0, 2).mul_(3);        // v is stale now and must be regenerated
    x.view(6).add_(1);                // view of the input: written back after the call
    x.view(2, 3).transpose(0, 1).select(0, 0).zero_();
    return [y.cos(), v.sum(), v.mul(1)];
  }, () => coil.randn(6));
  const { gm } = traceInference(((x: coil.Tensor) => { const y = x.mul(2); y.narrow(0, 1, 2).add_(1); return y; }) as never, [coil.randn(4)]);
  const targets = [...gm.graph.nodes].filter((n) => n.op === "call_function").map((n) => String(n.target));
  assert.deepEqual(targets, ["aten.mul.Scalar", "aten.slice.Tensor", "aten.add.Scalar", "aten.slice_scatter.default"]);
  assert.ok(!targets.some((t) => t.endsWith("_.Tensor") || t.endsWith("_.Scalar")), "no in-place op left");
});

test("copy_, fill_ and zero_ are functionalised", () => {
  sameAsEager((x) => { const b = x.mul(0); b.copy_(x.sum()); const c = x.mul(1); c.fill_(2); c.narrow(0, 0, 1).zero_(); return [b.add(x), c]; }, () => coil.randn(4));
});

test("an op without a derivative in a training graph fails at compile time, naming the op, shape and stage", () => {
  const gm = oneCall((g, x) => aten.gelu_backward.default(g, x), 2);
  const x = coil.randn(3, { requiresGrad: true }), g = coil.randn(3);
  assert.throws(() => aotEager(gm, [g, x]), /aot autograd: aten\.gelu_backward\.default has no derivative \(double backward of gelu\), but its result \[3\] float32 needs a gradient.*\[stage: aot joint graph\]/s);
  // the same graph compiles for inference
  const r = coil.noGrad(() => aotEager(gm, [g, x])(g, x)) as coil.Tensor;
  assert.deepEqual(r.toArray(), coil.noGrad(() => aten.gelu_backward.default(g, x) as coil.Tensor).toArray());
});

test("an in-place op on a view of an input that requires grad cannot be functionalised", () => {
  const w = coil.randn(2, 3).mul(1).requiresGrad_(false).requiresGrad_(true);
  const f = (w: coil.Tensor) => { w.view(6).narrow(0, 0, 2).mul_(2); return w.sum(); };
  assert.throws(() => coil.compile(f, { backend: "aot_eager" })(w),
    /aot functionalisation: aten\.mul_\.Scalar mutates a view \(\[2\] float32, taken with aten\.view\.default -> aten\.slice\.Tensor\) of a tensor that requires grad.*\[stage: aot functionalise\]/s);
});

test("mutating a parameter that requires grad inside a compiled training function is an error naming the op", () => {
  const lin = new coil.nn.Linear(3, 2);
  const model = { forward: (x: coil.Tensor) => { lin.weight.mul_(0.5); return lin.call(x).sum(); }, lin };
  assert.throws(() => coil.compile(model, { backend: "aot_eager" })(coil.randn(4, 3)),
    /aten\.mul_\.Scalar: a leaf Variable that requires grad is being used in an in-place operation \(shape \[2, 3\], dtype float32\)/);
});

test("an in-place op without a functional variant names the op and the stage", () => {
  const gm = oneCall((x) => aten.uniform_.default(x.mul(1), 0, 1), 1);
  assert.throws(() => coil.noGrad(() => aotEager(gm, [coil.randn(3)])), /aten\.uniform_\.default has no functional variant.*\[stage: aot functionalise\]/);
});

test("double backward through a compiled function: first-order createGraph works, the second backward is a clear error", () => {
  const w = coil.randn(4, { requiresGrad: true, dtype: "float64" });
  const f = coil.compile((w: coil.Tensor) => w.sin().sum(), { backend: "aot_eager" });
  const [g] = coil.autograd.grad(f(w) as coil.Tensor, w, null, { createGraph: true }) as coil.Tensor[];
  g!.toArray().forEach((v, i) => assert.ok(Math.abs(v - Math.cos(w.toArray()[i]!)) < 1e-12));
  assert.ok(g!.requiresGrad, "createGraph: the gradient is part of a graph");
  assert.throws(() => g!.sum().backward(), /aot autograd: double backward through a compiled function is not supported \(gradients \[4\] float64.*\[stage: aot runtime \(double backward\)\]/s);
  // without createGraph the gradient is a plain tensor
  const [g2] = coil.autograd.grad(f(w) as coil.Tensor, w) as coil.Tensor[];
  assert.equal(g2!.requiresGrad, false);
});

test("non-contiguous outputs: the compiled backward receives contiguous tangents", () => {
  const w = coil.randn(3, 4, { requiresGrad: true, dtype: "float64" });
  // output strides [1, 4]; the backward views the permuted grad, which only works if the grad is contiguous
  const fn = (w: coil.Tensor) => w.mul(2).view(12).view(3, 4).t();
  const c = coil.compile(fn, { backend: "aot_eager" });
  const wt = coil.randn(4, 3, { dtype: "float64" });
  (c(w) as coil.Tensor).mul(wt).view(12).sum().backward();
  const g1 = w.grad!.toArray();
  w.grad = null;
  (fn(w) as coil.Tensor).mul(wt).view(12).sum().backward();
  assert.deepEqual(g1, w.grad!.toArray());
});
