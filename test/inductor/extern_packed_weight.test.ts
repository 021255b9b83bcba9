// The compiled mm/addmm direct path keeps a parameter's B operand packed in Wasm memory (src/wasm/gemm.ts PackedB,
// cached per storage version and view in inductor/runtime/extern_fast.ts): results equal eager, in-place updates
// (optimizer steps, no_grad mul_) are seen on the next call, two views of one storage stay apart, and a plain
// (non-parameter) B operand is never cached.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";

type T = coil.Tensor;
const maxDiff = (a: T, b: T) => (a.sub(b).abs().max() as T).item() as number;

test("Linear layers: packed weights follow in-place updates of the parameters", () => {
  const m = new coil.nn.Sequential(new coil.nn.Linear(96, 80), new coil.nn.ReLU(), new coil.nn.Linear(80, 40));
  const x = coil.randn([33, 96]);
  const c = coil.compile(m);
  for (let step = 0; step < 3; step++) {
    coil.noGrad(() => {
      assert.ok(maxDiff(c(x) as T, m.forward(x)) < 1e-4, `step ${step}`);
      for (const p of m.parameters()) p.mul_(step === 0 ? -1.5 : 0.5); // version bump: repacked next call
    });
  }
  // an optimizer step (training) and then inference again
  const opt = new coil.optim.SGD(m.parameters(), { lr: 0.1 });
  opt.zeroGrad();
  (c(x) as T).mul(c(x) as T).sum().backward();
  opt.step();
  coil.noGrad(() => assert.ok(maxDiff(c(x) as T, m.forward(x)) < 1e-4, "after SGD"));
});

test("two weight views of one storage and a non-parameter B operand", () => {
  const w = coil.randn([64, 96]).requiresGrad_();
  const f = (x: T) => coil.mm(x, w.narrow(0, 0, 32).t()).add(coil.mm(x, w.narrow(0, 32, 32).t()).neg());
  const x = coil.randn([40, 96]);
  coil.noGrad(() => {
    const c = coil.compile(f);
    assert.ok(maxDiff(c(x) as T, f(x)) < 1e-4);
    // a plain tensor as B: new contents under the same storage must be read every call
    const b = coil.randn([96, 50]);
    const g = coil.compile((a: T, bb: T) => coil.mm(a, bb));
    assert.ok(maxDiff(g(x, b) as T, coil.mm(x, b)) < 1e-4);
    (b.data() as Float32Array).fill(0.25);
    assert.ok(maxDiff(g(x, b) as T, coil.mm(x, b)) < 1e-4, "plain B re-read");
  });
});
