// test/optim/optim.golden: SGD / Adam / AdamW trajectories against PyTorch (tools/golden/specs/optim.py),
// plus optimizer API behaviour (zeroGrad, param groups, validation, closures, state dicts).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadFixture, makeTensor, assertClose } from "../golden/harness.js";

const { optim } = coil;
type Enc = Parameters<typeof makeTensor>[0];
const cases = loadFixture("optim") as unknown as { name: string; x?: Enc; w?: Enc; b?: Enc; trajectory?: { w: Enc; b: Enc; loss: number }[] }[];
const inputs = cases.find((c) => c.name === "inputs")!;

const makers: Record<string, (p: Tensor[]) => coil.optim.Optimizer<object>> = {
  "SGD": (p) => new optim.SGD(p, { lr: 0.05 }),
  "SGD-momentum": (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01 }),
  "SGD-nesterov": (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.8, nesterov: true }),
  "SGD-maximize": (p) => new optim.SGD(p, { lr: 0.01, maximize: true }),
  "SGD-groups": (p) => new optim.SGD([{ params: [p[0]!] }, { params: [p[1]!], lr: 0.01, momentum: 0.5 }], { lr: 0.05 }),
  "Adam": (p) => new optim.Adam(p, { lr: 0.1 }),
  "Adam-wd-amsgrad": (p) => new optim.Adam(p, { lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true }),
  "AdamW": (p) => new optim.AdamW(p, { lr: 0.1 }),
  "AdamW-amsgrad": (p) => new optim.AdamW(p, { lr: 0.05, weightDecay: 0.2, amsgrad: true }),
};

function lossOf(x: Tensor, w: Tensor, b: Tensor): Tensor {
  const y = coil.mm(x, w).add(b);
  return y.mul(y).sum().add(w.mul(w).mul(w).sum().mul(0.1));
}

for (const c of cases.filter((k) => k.trajectory)) {
  test(`optim golden: ${c.name} (5 steps)`, () => {
    const x = makeTensor({ ...inputs.x!, requiresGrad: false });
    const w = new coil.nn.Parameter(makeTensor({ ...inputs.w!, requiresGrad: false }));
    const b = new coil.nn.Parameter(makeTensor({ ...inputs.b!, requiresGrad: false }));
    const opt = makers[c.name]!([w, b]);
    c.trajectory!.forEach((s, i) => {
      opt.zeroGrad();
      const loss = lossOf(x, w, b);
      assert.ok(Math.abs(loss.item() - s.loss) <= 1e-9 * (1 + Math.abs(s.loss)), `step ${i}: loss ${loss.item()} vs ${s.loss}`);
      loss.backward();
      opt.step();
      assertClose(w, s.w, `step ${i} w`, { atol: 1e-10, rtol: 1e-9 });
      assertClose(b, s.b, `step ${i} b`, { atol: 1e-10, rtol: 1e-9 });
    });
  });
}

const param = (vals: number[]): coil.nn.Parameter => new coil.nn.Parameter(Tensor.fromValues(vals, [vals.length], "float32"));

test("zeroGrad sets grads to null by default, or zeroes them in place", () => {
  const p = param([1, 2]);
  const opt = new optim.SGD([p], { lr: 0.1 });
  p.mul(p).sum().backward();
  assert.ok(p.grad);
  opt.zeroGrad(false);
  assert.deepEqual(Array.from(p.grad!.toArray()), [0, 0]);
  opt.zeroGrad();
  assert.equal(p.grad, null);
});

test("step skips parameters without gradients, runs under noGrad and bumps versions", () => {
  const p = param([1, 2]), q = param([3]);
  const opt = new optim.SGD([p, q], { lr: 0.5 });
  p.mul(p).sum().backward();
  const v = p.version;
  opt.step();
  assert.deepEqual(Array.from(p.toArray()), [0, 0]);
  assert.deepEqual(Array.from(q.toArray()), [3]);
  assert.equal(p.version, v + 1);
  assert.equal(p.gradFn, null);
  assert.equal(p.requiresGrad, true);
});

test("step(closure) re-evaluates the loss with grad enabled and returns it", () => {
  const p = param([2]);
  const opt = new optim.SGD([p], { lr: 0.25 });
  const loss = coil.noGrad(() => opt.step(() => { opt.zeroGrad(); const l = p.mul(p).sum(); l.backward(); return l; }));
  assert.equal(loss, 4);
  assert.deepEqual(Array.from(p.toArray()), [1]); // 2 - 0.25 * 4
});

test("hyper-parameter validation and param-group errors", () => {
  assert.throws(() => new optim.SGD([param([1])], { lr: -1 }), /Invalid learning rate: -1/);
  assert.throws(() => new optim.SGD([param([1])], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum and zero dampening/);
  assert.throws(() => new optim.Adam([param([1])], { betas: [1.0, 0.9] }), /Invalid beta parameter at index 0: 1/);
  assert.throws(() => new optim.Adam([param([1])], { eps: -1 }), /Invalid epsilon value/);
  assert.throws(() => new optim.Adam([]), /empty parameter list/);
  const p = param([1]);
  assert.throws(() => new optim.SGD([{ params: [p] }, { params: [p] }]), /more than one parameter group/);
  const nonLeaf = param([1]).mul(2);
  assert.throws(() => new optim.SGD([nonLeaf]), /non-leaf/);
});

test("param groups keep their own options; addParamGroup fills defaults", () => {
  const a = param([1]), b = param([1]);
  const opt = new optim.SGD([a], { lr: 0.1, momentum: 0.9 });
  opt.addParamGroup({ params: [b], lr: 0.01 });
  assert.equal(opt.paramGroups.length, 2);
  assert.equal(opt.paramGroups[1]!.lr, 0.01);
  assert.equal(opt.paramGroups[1]!.momentum, 0.9);
  opt.paramGroups[0]!.lr = 0.5; // schedulers mutate group options
  a.sum().backward(); b.sum().backward();
  opt.step();
  assert.ok(Math.abs(a.item() - 0.5) < 1e-7);
  assert.ok(Math.abs(b.item() - 0.99) < 1e-7);
});

test("optimizer stateDict / loadStateDict round-trips Adam state", () => {
  const mk = () => param([1, -2, 3]);
  const p1 = mk(), p2 = mk();
  const o1 = new optim.Adam([p1], { lr: 0.1 }), o2 = new optim.Adam([p2], { lr: 0.1 });
  for (let i = 0; i < 3; i++) { o1.zeroGrad(); p1.mul(p1).sum().backward(); o1.step(); }
  // bring p2 to p1's values and load the state: the next steps must agree
  coil.noGrad(() => coil.nn.copyInto(p2, p1));
  o2.loadStateDict(o1.stateDict());
  assert.equal(o2.stateDict().state[0]!.step, 3);
  for (const [p, o] of [[p1, o1], [p2, o2]] as const) { o.zeroGrad(); p.mul(p).sum().backward(); o.step(); }
  assert.deepEqual(Array.from(p2.toArray()), Array.from(p1.toArray()));
});
