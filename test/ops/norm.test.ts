// Unit tests for layer/batch/group norm: float64 finite-difference gradchecks (input, weight, bias),
// running-stat updates, frontend functional forms, errors and speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import type { Tensor } from "../../src/tensor/tensor.js";
import { aten } from "../../src/ops/aten.js";

function gradcheck(name: string, f: (...xs: Tensor[]) => Tensor | Tensor[], shapes: number[][], tol = 1e-5): void {
  const eps = 1e-6;
  const xs = shapes.map((s) => coil.randn(s, { dtype: "float64" }).requiresGrad_());
  const outsOf = (): Tensor[] => { const o = f(...xs); return (Array.isArray(o) ? o : [o]).filter((t) => t.requiresGrad || !coil.isGradEnabled()); };
  const outs = outsOf();
  const ws = outs.map((o) => coil.randn([...o.shape], { dtype: "float64" }));
  const scalar = (os: Tensor[]) => os.reduce((acc, o, i) => { const a = o.toArray(), w = ws[i]!.toArray(); for (let k = 0; k < a.length; k++) acc += a[k]! * w[k]!; return acc; }, 0);
  const grads = coil.autograd.grad(outs, xs, ws, { allowUnused: true });
  xs.forEach((x, k) => {
    const data = x.data() as Float64Array;
    const ana = grads[k] ? grads[k]!.toArray() : new Float64Array(x.numel());
    for (let i = 0; i < x.numel(); i++) {
      const orig = data[i]!;
      data[i] = orig + eps; const fp = coil.noGrad(() => scalar(outsOf().slice(0, outs.length)));
      data[i] = orig - eps; const fm = coil.noGrad(() => scalar(outsOf().slice(0, outs.length)));
      data[i] = orig;
      const num = (fp - fm) / (2 * eps);
      assert.ok(Math.abs(num - ana[i]!) <= tol * (1 + Math.abs(num)), `${name}: d/dinput${k}[${i}] analytic ${ana[i]} vs numeric ${num}`);
    }
  });
}

test("gradcheck: native_layer_norm (input, weight, bias)", () => {
  gradcheck("layer_norm", (x, w, b) => (aten.native_layer_norm.default(x, [4], w, b, 1e-5) as Tensor[])[0]!, [[3, 4], [4], [4]]);
  gradcheck("layer_norm 2 dims", (x) => coil.layerNorm(x, [2, 3]), [[2, 2, 3]]);
  const [, mean, rstd] = aten.native_layer_norm.default(coil.randn(2, 3).requiresGrad_(), [3], null, null, 1e-5) as Tensor[];
  assert.equal(mean!.requiresGrad, false, "mean is not differentiable (like PyTorch)");
  assert.equal(rstd!.requiresGrad, false);
});

test("gradcheck: native_batch_norm training and eval", () => {
  gradcheck("batch_norm train", (x, w, b) => coil.batchNorm(x, null, null, { weight: w, bias: b, training: true }), [[4, 3, 2], [3], [3]]);
  const rm = coil.randn(3, { dtype: "float64" }), rv = coil.ones(3, { dtype: "float64" });
  gradcheck("batch_norm eval", (x, w, b) => coil.batchNorm(x, rm, rv, { weight: w, bias: b }), [[4, 3], [3], [3]]);
});

test("gradcheck: native_group_norm incl. mean/rstd outputs", () => {
  gradcheck("group_norm", (x, w, b) => coil.groupNorm(x, 2, { weight: w, bias: b }), [[2, 4, 3], [4], [4]]);
  gradcheck("group_norm stats", (x) => aten.native_group_norm.default(x, null, null, 2, 4, 3, 2, 1e-5) as Tensor[], [[2, 4, 3]]);
});

test("batch norm updates running stats in place (momentum, unbiased var) and bumps their version", () => {
  const x = coil.tensor([[1, 2], [3, 6]], { dtype: "float32" });
  const rm = coil.zeros(2), rv = coil.ones(2);
  const v0 = rm.version;
  const y = coil.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
  assert.deepEqual(rm.tolist(), [1, 2]); // 0.5*0 + 0.5*mean
  assert.deepEqual(rv.tolist(), [0.5 + 0.5 * 2, 0.5 + 0.5 * 8]); // unbiased var 2 and 8
  assert.ok(rm.version > v0);
  const yy = y.tolist() as number[][];
  assert.ok(Math.abs(yy[0]![0]! + 1) < 1e-3 && Math.abs(yy[1]![1]! - 1) < 1e-3);
  const e = aten.native_batch_norm.default(x, null, null, rm, rv, false, 0.1, 1e-5) as Tensor[];
  assert.deepEqual([...e[1]!.shape], [0], "eval mode returns empty save_mean like PyTorch CPU");
});

test("norm errors name the op and shapes", () => {
  assert.throws(() => coil.layerNorm(coil.randn(2, 3, 4), [3]), (e: Error) => /native_layer_norm/.test(e.message) && /\[2, 3, 4\]/.test(e.message));
  assert.throws(() => coil.groupNorm(coil.randn(2, 3, 4), 2), (e: Error) => /native_group_norm/.test(e.message) && /num_groups=2/.test(e.message));
  assert.throws(() => coil.batchNorm(coil.randn(4, 3), null, null), (e: Error) => /native_batch_norm/.test(e.message) && /evaluation mode/.test(e.message));
  assert.throws(() => coil.batchNorm(coil.randn(1, 3), null, null, { training: true }), (e: Error) => /more than 1 value per channel/.test(e.message));
  assert.throws(() => coil.layerNorm(coil.randn(2, 4), [4], { weight: coil.ones(3) }), (e: Error) => /weight/.test(e.message) && /\[3\]/.test(e.message));
});

test("layer norm on 4096x1024 float32 runs well under a second", () => {
  const x = coil.randn(4096, 1024), w = coil.ones(1024), b = coil.zeros(1024);
  let dt = Infinity, y = x;
  for (let k = 0; k < 3; k++) { const t0 = performance.now(); y = coil.layerNorm(x, [1024], { weight: w, bias: b }); dt = Math.min(dt, performance.now() - t0); }
  assert.ok(dt < 1000, `layer norm took ${dt} ms`);
  assert.ok(Math.abs(y.mean(1).toArray()[3]!) < 1e-4);
});
