// AOT autograd: inference and joint graphs of the cos chain match PyTorch 2.11's structure, the
// partitioner saves only primals_1, and compiled training matches eager gradients.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { traceInference, traceJoint, defaultPartition } from "../../src/aot/index.js";

const cos3 = (x: coil.Tensor) => x.cos().cos().cos();

test("inference graph of the cos chain", () => {
  const { gm } = traceInference(cos3 as never, [coil.randn(8)]);
  assert.equal(gm.graph.toString().trim(), `graph():
    %arg0_1 : [num_users=1] = placeholder[target=arg0_1]
    %cos : [num_users=1] = call_function[target=aten.cos.default](args = (%arg0_1,), kwargs = {})
    %cos_1 : [num_users=1] = call_function[target=aten.cos.default](args = (%cos,), kwargs = {})
    %cos_2 : [num_users=1] = call_function[target=aten.cos.default](args = (%cos_1,), kwargs = {})
    return (cos_2,)`);
});

test("joint graph and partition of cos chain + sum: only primals_1 is saved", () => {
  const j = traceJoint(((x: coil.Tensor) => cos3(x).sum()) as never, [coil.randn(8, { requiresGrad: true })]);
  const text = j.gm.graph.toString();
  assert.match(text, /%mul_2 : \[num_users=1\] = call_function\[target=aten\.mul\.Tensor\]\(args = \(%mul_1, %neg_2\)/);
  assert.match(text, /return \(sum_1, mul_2\)/);
  const p = defaultPartition(j.gm, { numFwdOutputs: j.numFwdOutputs });
  assert.deepEqual(p.savedNames, ["primals_1"]);
  assert.match(p.forward.graph.toString(), /return \(sum_1, primals_1\)/);
  const bwPlaceholders = [...p.backward.graph.nodes].filter((n) => n.op === "placeholder").map((n) => n.name);
  assert.deepEqual(bwPlaceholders, ["primals_1", "tangents_1"]);
});

test("mm is not recomputed: its inputs and relu's bool mask are saved", () => {
  const j = traceJoint(((a: coil.Tensor, b: coil.Tensor) => coil.mm(a, b).relu().sum()) as never,
    [coil.randn(3, 4, { requiresGrad: true }), coil.randn(4, 5, { requiresGrad: true })]);
  const p = defaultPartition(j.gm, { numFwdOutputs: j.numFwdOutputs });
  assert.deepEqual(p.savedNames, ["primals_1", "primals_2", "le"]);
  assert.equal([...p.backward.graph.nodes].filter((n) => n.target === coil.aten.mm.default).length, 2);
  assert.equal([...p.forward.graph.nodes].filter((n) => n.target === coil.aten.mm.default).length, 1);
});

for (const backend of ["aot_eager", "inductor"]) {
  test(`compiled training (${backend}) matches eager gradients`, () => {
    const w = coil.randn(4, 3, { requiresGrad: true, dtype: "float64" });
    const x = coil.randn(5, 4, { dtype: "float64" });
    const fn = (x: coil.Tensor, w: coil.Tensor) => coil.mm(x, w).cos().mul(w.sum()).sum();
    const c = coil.compile(fn, { backend });
    (c(x, w) as coil.Tensor).backward();
    const g1 = w.grad!.toArray();
    w.grad = null;
    fn(x, w).backward();
    const g2 = w.grad!.toArray();
    g1.forEach((v, i) => assert.ok(Math.abs(v - g2[i]!) < 1e-9, `grad ${i}: ${v} vs ${g2[i]}`));
  });
}

test("counters count aot compiles", () => {
  coil.counters.clear();
  coil.compile(cos3, { backend: "aot_eager" })(coil.randn(3));
  assert.equal(coil.counters.aot_autograd.total, 1);
  assert.equal(coil.counters.aot_autograd.ok, 1);
});

test("customPartitionerFn (class or function) replaces the default partitioner", async () => {
  const { config, CustomPartitionerFn } = await import("../../src/inductor.js");
  const seen: number[] = [];
  class CountingPartitioner extends CustomPartitionerFn {
    call(joint: Parameters<typeof defaultPartition>[0], opts: { numFwdOutputs: number }) { seen.push(opts.numFwdOutputs); return defaultPartition(joint, opts); }
    uuid() { return "counting"; }
  }
  const w = coil.randn(4, { requiresGrad: true, dtype: "float64" });
  config.patch({ customPartitionerFn: new CountingPartitioner() }, () => (coil.compile((w: coil.Tensor) => w.cos().sum())(w) as coil.Tensor).backward());
  config.patch({ customPartitionerFn: (j: Parameters<typeof defaultPartition>[0], o: { numFwdOutputs: number }) => { seen.push(-o.numFwdOutputs); return defaultPartition(j, o); } },
    () => (coil.compile((w: coil.Tensor) => w.sin().sum())(w) as coil.Tensor).backward());
  assert.deepEqual(seen, [1, -1]);
  const expected = w.toArray().map((v) => -Math.sin(v) + Math.cos(v));
  w.grad!.toArray().forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) < 1e-12));
});
