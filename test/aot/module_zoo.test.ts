// Gradients of compiled vs eager for the module zoo: every nn module coil has, in float64, with the
// input requiring grad; the loss weighs each output element differently. Through coil.compile where
// dynamo captures the module, and through the backend directly (the aot stage traces the module at
// the aten level) for all of them; backends aot_eager and inductor.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { nn } from "../../src/index.js";
import "../../src/inductor.js";
import { viaBackend, maxDiff, type Module } from "./helpers.js";

const f64 = { dtype: "float64" as const };
interface ZooCase {
  name: string; make: () => Module; input: () => coil.Tensor; intInput?: boolean; eval?: boolean;
  /** Also through coil.compile (dynamo captures it). */
  capture?: boolean;
  /** Only through coil.compile: BatchNorm in training bumps numBatchesTracked through .data(), which needs a real buffer. */
  captureOnly?: boolean;
}

const zoo: ZooCase[] = [
  { name: "Linear", make: () => new nn.Linear(5, 3), input: () => coil.randn(4, 5, f64), capture: true },
  { name: "Bilinear (x, x)", make: () => new Bilinear(), input: () => coil.randn(2, 3, f64) },
  { name: "Conv1d", make: () => new nn.Conv1d(2, 3, 3, { padding: 1 }), input: () => coil.randn(2, 2, 7, f64), capture: true },
  { name: "Conv2d (stride 2, groups 2)", make: () => new nn.Conv2d(4, 6, 3, { stride: 2, groups: 2 }), input: () => coil.randn(2, 4, 7, 7, f64), capture: true },
  { name: "ConvTranspose2d", make: () => new nn.ConvTranspose2d(2, 3, 3, { stride: 2 }), input: () => coil.randn(1, 2, 4, 4, f64), capture: true },
  { name: "BatchNorm1d (train)", make: () => new nn.BatchNorm1d(3), input: () => coil.randn(6, 3, f64), capture: true, captureOnly: true },
  { name: "BatchNorm2d (eval)", make: () => new nn.BatchNorm2d(3), input: () => coil.randn(2, 3, 4, 4, f64), capture: true, eval: true },
  { name: "LayerNorm", make: () => new nn.LayerNorm([6]), input: () => coil.randn(3, 6, f64), capture: true },
  { name: "GroupNorm", make: () => new nn.GroupNorm(2, 4), input: () => coil.randn(2, 4, 3, f64), capture: true },
  { name: "Embedding", make: () => new nn.Embedding(10, 4), input: () => coil.randint(0, 10, [3, 5]), intInput: true, capture: true },
  { name: "MaxPool2d", make: () => new nn.MaxPool2d(2), input: () => coil.randn(1, 2, 6, 6, f64), capture: true },
  { name: "AvgPool2d", make: () => new nn.AvgPool2d(2), input: () => coil.randn(1, 2, 6, 6, f64), capture: true },
  { name: "AdaptiveAvgPool2d", make: () => new nn.AdaptiveAvgPool2d([2, 3]), input: () => coil.randn(1, 2, 6, 6, f64), capture: true },
  { name: "GELU (tanh)", make: () => new nn.GELU("tanh"), input: () => coil.randn(3, 4, f64), capture: true },
  { name: "SiLU", make: () => new nn.SiLU(), input: () => coil.randn(3, 4, f64), capture: true },
  { name: "Softmax", make: () => new nn.Softmax(1), input: () => coil.randn(3, 4, f64), capture: true },
  { name: "LogSoftmax", make: () => new nn.LogSoftmax(1), input: () => coil.randn(3, 4, f64), capture: true },
  { name: "Flatten", make: () => new nn.Flatten(), input: () => coil.randn(2, 3, 4, f64) },
  { name: "MultiheadAttention (self)", make: () => new SelfAttention(), input: () => coil.randn(2, 5, 8, f64) },
  { name: "TransformerEncoderLayer", make: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0, batchFirst: true }), input: () => coil.randn(2, 4, 8, f64) },
];

/** Bilinear applied to (x, x). */
class Bilinear extends nn.Module {
  bl = new nn.Bilinear(3, 3, 2);
  override forward(x: coil.Tensor): coil.Tensor { return this.bl.call(x, x); }
}

/** MultiheadAttention used as self-attention, returning the attention output only. */
class SelfAttention extends nn.Module {
  mha = new nn.MultiheadAttention(8, 2, { batchFirst: true, dropout: 0 });
  override forward(x: coil.Tensor): coil.Tensor { return (this.mha.call(x, x, x) as [coil.Tensor, unknown])[0]; }
}

function gradsOf(mod: Module, run: (x: coil.Tensor) => unknown, x: coil.Tensor, weights: { w: coil.Tensor | null }, intInput: boolean): Map<string, coil.Tensor> {
  mod.zeroGrad();
  const xi = intInput ? x : x.detach().requiresGrad_(true);
  const out = run(xi) as coil.Tensor;
  weights.w ??= coil.randn(...out.shape, f64);
  out.mul(weights.w).sum().backward();
  const g = new Map<string, coil.Tensor>();
  for (const [n, p] of mod.namedParameters() as Iterable<[string, coil.Tensor]>) if (p.grad) g.set(n, p.grad);
  if (!intInput) g.set("input", xi.grad!);
  g.set("output", out.detach());
  return g;
}

for (const backend of ["aot_eager", "inductor"]) {
  for (const c of zoo) {
    for (const via of c.captureOnly ? ["compile"] : c.capture ? ["compile", "backend"] : ["backend"]) {
      test(`module zoo gradients: ${c.name} via ${via} (${backend})`, () => {
        coil.manualSeed(7);
        const m = c.make().double();
        if (c.eval) m.eval();
        const x = c.input();
        const weights = { w: null as coil.Tensor | null };
        const stats = (m.namedBuffers ? [...m.namedBuffers()] : []) as [string, coil.Tensor][];
        const before = stats.map(([, b]) => b.clone());
        const expected = gradsOf(m, (t) => m.call(t), x, weights, !!c.intInput);
        const afterEager = stats.map(([, b]) => b.clone());
        stats.forEach(([, b], i) => b.copy_(before[i]!));
        coil.counters.clear();
        const compiled = via === "compile" ? coil.compile(m, { backend }) : viaBackend(m, backend);
        const got = gradsOf(m, (t) => compiled(t), x, weights, !!c.intInput);
        assert.ok((coil.counters.aot_autograd?.ok ?? 0) === 1, `${c.name}: not compiled by aot`);
        assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
        for (const [k, v] of expected) assert.ok(maxDiff(got.get(k)!, v) < 1e-10, `${c.name}: ${k} differs by ${maxDiff(got.get(k)!, v)}`);
        // running statistics are updated exactly once per call, as in eager
        stats.forEach(([n, b], i) => { if (b.dtype.isFloatingPoint) assert.ok(maxDiff(b, afterEager[i]!) < 1e-12, `${c.name}: buffer ${n}`); });
      });
    }
  }
}
