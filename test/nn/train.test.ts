// test/nn/train: end-to-end eager training: a small MLP (Adam, cross-entropy) and a small CNN (SGD with
// momentum, conv/batchnorm/pool) on synthetic data; the loss must fall. Plus gradchecks of nn.functional.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";

const { nn, optim } = coil;
const F = nn.functional;

/** 30 optimisation steps; returns the loss of each step. */
function train(opt: { zeroGrad(): void; step(): void }, lossFn: () => Tensor): number[] {
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    opt.zeroGrad();
    const loss = lossFn();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

class MLP extends nn.Module {
  fc1 = new nn.Linear(2, 16);
  fc2 = new nn.Linear(16, 3);
  override forward(x: Tensor): Tensor { return this.fc2.call(F.tanh(this.fc1.call(x))); }
}

test("a small MLP learns a 3-class problem (Adam, crossEntropy): loss falls below half", () => {
  coil.manualSeed(0);
  const N = 60;
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < N; i++) {
    const c = i % 3, a = (2 * Math.PI * c) / 3 + 0.3 * Math.sin(i);
    xs.push(Math.cos(a) * (1 + 0.1 * Math.cos(7 * i)), Math.sin(a) * (1 + 0.1 * Math.sin(5 * i)));
    ys.push(c);
  }
  const x = Tensor.fromValues(xs, [N, 2], "float32"), y = Tensor.fromValues(ys, [N], "int64");
  const model = new MLP();
  const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
  const losses = train(opt, () => F.crossEntropy(model.call(x), y));
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[29]! < 0.5 * losses[0]!, `loss ${losses[0]} -> ${losses[29]}`);
});

class CNN extends nn.Module {
  conv = new nn.Conv2d(1, 4, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(4);
  pool = new nn.MaxPool2d(2);
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(4 * 3 * 3, 2));
  override forward(x: Tensor): Tensor { return this.head.call(this.pool.call(F.relu(this.bn.call(this.conv.call(x))))) as Tensor; }
}

test("a small CNN learns horizontal vs vertical bars (SGD momentum): loss falls below half", () => {
  coil.manualSeed(1);
  const N = 16, S = 6;
  const vals: number[] = [], labels: number[] = [];
  for (let n = 0; n < N; n++) {
    const vertical = n % 2, pos = 1 + (n % 4);
    for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) vals.push((vertical ? j : i) === pos ? 1 : 0.05 * Math.sin(n + i * j));
    labels.push(vertical);
  }
  const x = Tensor.fromValues(vals, [N, 1, S, S], "float32"), y = Tensor.fromValues(labels, [N], "int64");
  const model = new CNN();
  const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  const losses = train(opt, () => F.crossEntropy(model.call(x), y));
  assert.ok(losses[29]! < 0.5 * losses[0]!, `loss ${losses[0]} -> ${losses[29]}`);
  model.eval();
  const pred = model.call(x).toArray();
  let correct = 0;
  for (let n = 0; n < N; n++) if ((pred[2 * n + 1]! > pred[2 * n]! ? 1 : 0) === labels[n]) correct++;
  assert.ok(correct >= 14, `eval accuracy ${correct}/${N}`);
});

test("MSE regression with AdamW and a TransformerEncoderLayer trains", () => {
  coil.manualSeed(3);
  const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true });
  const head = new nn.Linear(8, 1);
  const x = coil.randn(4, 5, 8), target = coil.randn(4, 5, 1);
  const opt = new optim.AdamW([...layer.parameters(), ...head.parameters()], { lr: 0.01 });
  const losses = train(opt, () => F.mseLoss(head.call(layer.call(x)), target));
  assert.ok(losses[29]! < 0.5 * losses[0]!, `loss ${losses[0]} -> ${losses[29]}`);
});

const f64 = (shape: number[], seed: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = Tensor.fromValues(Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3)), shape, "float64");
  t.requiresGrad = true;
  return t;
};

test("gradcheck: linear, bilinear, layerNorm, groupNorm, softmax/crossEntropy, attention", () => {
  const g = coil.autograd.gradcheck;
  assert.ok(g((x, w, b) => F.linear(x, w, b), [f64([2, 3, 4], 1), f64([5, 4], 2), f64([5], 3)]));
  assert.ok(g((a, b, w) => F.bilinear(a, b, w), [f64([3, 2], 1), f64([3, 4], 2), f64([2, 2, 4], 3)]));
  assert.ok(g((x, w, b) => F.layerNorm(x, [4], w, b), [f64([3, 4], 4), f64([4], 5), f64([4], 6)]));
  assert.ok(g((x) => F.groupNorm(x, 2, null, null), [f64([2, 4, 3], 7)]));
  const tgt = Tensor.fromValues([0, 2, 1], [3], "int64");
  assert.ok(g((x) => F.crossEntropy(x, tgt, { labelSmoothing: 0.2 }), [f64([3, 4], 8)]));
  assert.ok(g((q, k, v) => F.scaledDotProductAttention(q, k, v, { isCausal: true }), [f64([1, 3, 2], 9), f64([1, 3, 2], 10), f64([1, 3, 2], 11)]));
});
