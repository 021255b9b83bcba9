// test/autograd/autograd: engine semantics (backward with gradient, accumulation, grad modes, leaves,
// retainGraph, hooks, autograd.grad with createGraph, error cases) and gradcheck.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { lookupOp } from "../../src/ops/registry.js";

const { aten, autograd } = coil;

function f64(values: number[], shape: number[], requiresGrad = true): Tensor {
  const t = Tensor.fromValues(values, shape, "float64");
  t.requiresGrad = requiresGrad;
  return t;
}
const arr = (t: Tensor | null): number[] => Array.from(t!.toArray());
function close(a: number[], b: number[], tol = 1e-9): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `element ${i}: ${v} vs ${b[i]}`));
}

test("backward of a non-scalar output needs a gradient argument", () => {
  const x = f64([1, 2, 3], [3]);
  const y = x.mul(x);
  assert.throws(() => y.backward(), /grad can be implicitly created only for scalar outputs/);
  y.backward(f64([1, 0.5, 2], [3], false));
  close(arr(x.grad), [2, 2, 12]);
});

test("gradient shape mismatch is reported", () => {
  const x = f64([1, 2, 3], [3]);
  const y = x.mul(2);
  assert.throws(() => y.backward(f64([1, 1], [2], false)), /Mismatch in shape/);
});

test("gradients accumulate across backward calls into leaves", () => {
  const x = f64([1, 2], [2]);
  x.mul(3).sum().backward();
  x.mul(x).sum().backward();
  close(arr(x.grad), [3 + 2, 3 + 4]);
});

test("a tensor used twice receives the sum of both paths", () => {
  const x = f64([0.5, -1], [2]);
  const y = x.cos().add(x.sin()).sum();
  y.backward();
  close(arr(x.grad), [-Math.sin(0.5) + Math.cos(0.5), -Math.sin(-1) + Math.cos(-1)]);
});

test("noGrad / enableGrad / setGradEnabled control recording", () => {
  const x = f64([1, 2], [2]);
  const y = coil.noGrad(() => x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  const z = coil.noGrad(() => coil.enableGrad(() => x.mul(2)));
  assert.equal(z.requiresGrad, true);
  assert.ok(z.gradFn);
  assert.equal(coil.isGradEnabled(), true);
  coil.setGradEnabled(false);
  try {
    assert.equal(x.cos().requiresGrad, false);
  } finally {
    coil.setGradEnabled(true);
  }
  assert.equal(x.cos().requiresGrad, true);
});

test("noGrad restores the mode when the callback throws", () => {
  assert.throws(() => coil.noGrad(() => { throw new Error("boom"); }), /boom/);
  assert.equal(coil.isGradEnabled(), true);
});

test("detach shares storage and cuts the graph", () => {
  const x = f64([1, 2], [2]);
  const y = x.mul(2);
  const d = y.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  assert.equal(d.isLeaf, true);
  assert.equal(d.storage, y.storage);
  const z = d.mul(x).sum();
  z.backward();
  close(arr(x.grad), [2, 4]); // d is a constant
});

test("requiresGrad_ on leaves; rejected on non-leaves and integer tensors", () => {
  const x = f64([1, 2], [2], false);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  x.requiresGrad_(false);
  assert.equal(x.requiresGrad, false);
  const y = f64([1], [1]).mul(2);
  assert.throws(() => y.requiresGrad_(false), /leaf/);
  assert.throws(() => Tensor.fromValues([1], [1], "int64").requiresGrad_(), /floating point/);
});

test("leaf / non-leaf semantics: non-leaf .grad stays null unless retainGrad", () => {
  const x = f64([1, 2], [2]);
  const y = x.mul(3);
  const z = x.mul(4);
  z.retainGrad();
  assert.equal(x.isLeaf, true);
  assert.equal(y.isLeaf, false);
  y.mul(z).sum().backward();
  assert.equal(y.grad, null);
  close(arr(z.grad), arr(y));
  close(arr(x.grad), [24, 48]); // d/dx sum(12 x^2)
  // tensors that do not require grad are leaves too
  assert.equal(f64([1], [1], false).isLeaf, true);
  assert.throws(() => f64([1], [1], false).retainGrad(), /requires_grad=False/);
});

test("retainGraph: second backward without it throws; with it accumulates", () => {
  const x = f64([1, 2], [2]);
  const y = x.mul(x).sum();
  y.backward(null, { retainGraph: true });
  y.backward();
  close(arr(x.grad), [4, 8]);
  assert.throws(() => y.backward(), /backward through the graph a second time/);
});

test("tensor hooks on leaves and non-leaves can observe and replace gradients", () => {
  const x = f64([1, 2], [2]);
  const seen: number[][] = [];
  const h = x.registerHook((g) => { seen.push(arr(g)); return g.mul(10); });
  const y = x.mul(3);
  y.registerHook((g) => g.mul(2));
  y.sum().backward();
  close(seen[0]!, [6, 6]);
  close(arr(x.grad), [60, 60]);
  h.remove();
  x.grad = null;
  x.mul(3).sum().backward();
  close(arr(x.grad), [3, 3]);
  assert.throws(() => f64([1], [1], false).registerHook(() => undefined), /doesn't require gradient/);
});

test("autograd.grad returns gradients without touching .grad", () => {
  const x = f64([1, 2, 3], [3]);
  const w = f64([0.5, -1, 2], [3]);
  const y = x.mul(w).sum();
  const [gx, gw] = autograd.grad(y, [x, w]);
  close(arr(gx!), [0.5, -1, 2]);
  close(arr(gw!), [1, 2, 3]);
  assert.equal(x.grad, null);
  assert.equal(w.grad, null);
  const u = f64([1], [1]);
  assert.throws(() => autograd.grad(x.mul(2).sum(), [x, u]), /not have been used in the graph/);
  const [, gu] = autograd.grad(x.mul(2).sum(), [x, u], null, { allowUnused: true });
  assert.equal(gu, null);
});

test("autograd.grad with createGraph gives a differentiable gradient (double backward of x^3)", () => {
  const x = f64([1, -2, 0.5], [3]);
  const y = x.mul(x).mul(x).sum();
  const [g] = autograd.grad(y, x, null, { createGraph: true });
  close(arr(g!), [3, 12, 0.75]);
  assert.equal(g!.requiresGrad, true);
  const [gg] = autograd.grad(g!.sum(), x);
  close(arr(gg!), [6, -12, 3]);
  // third order through the same mechanism
  const [g1] = autograd.grad(x.mul(x).mul(x).sum(), x, null, { createGraph: true });
  const [g2] = autograd.grad(g1!.sum(), x, null, { createGraph: true });
  const [g3] = autograd.grad(g2!.sum(), x);
  close(arr(g3!), [6, 6, 6]);
});

test("backward with createGraph lets .grad itself be differentiated", () => {
  const x = f64([2], [1]);
  x.mul(x).mul(x).sum().backward(null, { createGraph: true });
  const gx = x.grad!;
  assert.equal(gx.requiresGrad, true);
  close(arr(gx), [12]);
  const [gg] = autograd.grad(gx.sum(), x);
  close(arr(gg!), [12]);
});

test("backward of an output that does not require grad is an error", () => {
  const x = f64([1], [1], false);
  assert.throws(() => x.mul(2).sum().backward(), /does not require grad/);
});

test("modifying a saved tensor in place makes backward fail", () => {
  const mul_ = lookupOp("aten.mul_.Tensor") ?? lookupOp("aten.mul_.Scalar");
  const x = f64([1, 2], [2]);
  const a = x.mul(1);
  const y = a.mul(a); // saves a
  if (mul_) {
    mul_(a, mul_.overload === "Scalar" ? 2 : f64([2], [1], false));
  } else {
    // no in-place op registered yet: emulate one through the dispatcher's contract (bump the version)
    a.storage.version++;
  }
  assert.throws(() => y.sum().backward(), /modified by an inplace operation/);
});

test("in-place op on a leaf that requires grad is an error", (t) => {
  const add_ = lookupOp("aten.add_.Tensor");
  if (!add_) { t.skip("aten.add_.Tensor not registered yet"); return; }
  const x = f64([1, 2], [2]);
  assert.throws(() => add_(x, f64([1, 1], [2], false)), /leaf Variable that requires grad is being used in an in-place operation/);
  // allowed under noGrad (how optimizers update parameters)
  coil.noGrad(() => add_(x, f64([1, 1], [2], false)));
  close(arr(x), [2, 3]);
});

test("outputs of non-differentiable ops (argmax) do not require grad", (t) => {
  const argmax = lookupOp("aten.argmax.default");
  if (!argmax) { t.skip("aten.argmax.default not registered yet"); return; }
  const x = f64([1, 5, 2], [3]);
  const i = argmax(x) as Tensor;
  assert.equal(i.requiresGrad, false);
  assert.equal(i.gradFn, null);
  assert.throws(() => i.sum().backward(), /does not require grad/);
});

test("gradcheck passes for correct derivatives", () => {
  const x = f64([0.3, -0.7, 1.1, 0.2, 0.9, -1.3], [2, 3]);
  const w = f64([0.5, -0.1, 0.4, 0.8, -0.6, 0.2], [3, 2]);
  assert.equal(autograd.gradcheck((a, b) => coil.mm(a, b).cos(), [x, w]), true);
  assert.equal(autograd.gradcheck((a) => [a.sin().mul(a), a.sum()], [x]), true);
  assert.equal(autograd.gradgradcheck((a, b) => coil.mm(a.sin(), b), [x, w]), true);
});

test("gradcheck reports the worst element of a wrong derivative", () => {
  const x = f64([0.3, -0.7, 1.1], [3]);
  // value cos(a) + (a.detach() - a) = cos(a), but the analytic gradient carries an extra -1
  const wrong = (a: Tensor) => a.cos().add(a.neg().add(a.detach()));
  assert.throws(() => autograd.gradcheck(wrong, [x]), (e: Error) => {
    assert.match(e.message, /gradcheck: Jacobian mismatch for output 0 \(shape \[3\]\) with respect to input 0 \(shape \[3\]\)/);
    assert.match(e.message, /numerical .*analytical/);
    return true;
  });
  assert.equal(autograd.gradcheck(wrong, [x], { raiseException: false }), false);
});

test("gradcheck rejects non-float64 inputs and inputs without grad", () => {
  const x = Tensor.fromValues([1, 2], [2], "float32");
  x.requiresGrad = true;
  assert.throws(() => autograd.gradcheck((a) => a.cos(), [x]), /float64/);
  assert.throws(() => autograd.gradcheck((a) => a.cos(), [f64([1], [1], false)]), /at least one input/);
});
