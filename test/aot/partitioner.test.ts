// The min-cut rematerialisation partitioner: Dinic's max-flow, the saved values for pointwise
// chains, mm, mm chains, conv+relu, an MLP and dropout (as PyTorch decides them), fewer saved bytes
// than saving everything, forward/backward graphs that lint and compute eager's gradients.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { nn } from "../../src/index.js";
import type { GraphModule, Node } from "../../src/fx/index.js";
import {
  traceJoint, minCutRematerializationPartition, saveAllPartition, makeFlowNetwork, defaultPartition, valueBytes,
  type MinCutInfo, type PartitionResult,
} from "../../src/aot/index.js";

const F = nn.functional;
const rg = { requiresGrad: true, dtype: "float64" as const };
const f64 = { dtype: "float64" as const };

test("Dinic max-flow: value and min cut of a textbook network (CLRS 26.1: 23)", () => {
  const net = makeFlowNetwork(6);
  const edges: [number, number, number][] = [[0, 1, 16], [0, 2, 13], [2, 1, 4], [1, 3, 12], [3, 2, 9], [2, 4, 14], [4, 3, 7], [3, 5, 20], [4, 5, 4]];
  for (const [u, v, c] of edges) net.addEdge(u, v, c);
  assert.equal(net.maxFlow(0, 5), 23);
  assert.deepEqual([...net.reachableFromSource(0)], [1, 1, 1, 0, 1, 0]);
  const inf = makeFlowNetwork(3);
  inf.addEdge(0, 1, Infinity); inf.addEdge(1, 2, 5); inf.addEdge(0, 2, 1);
  assert.equal(inf.maxFlow(0, 2), 6);
  const none = makeFlowNetwork(2);
  none.addEdge(0, 1, Infinity);
  assert.throws(() => none.maxFlow(0, 1), /infinite cut.*\[stage: aot partition\]/);
});

const placeholders = (gm: GraphModule) => [...gm.graph.nodes].filter((n: Node) => n.op === "placeholder").map((n: Node) => n.name);
const savedBytes = (joint: GraphModule, p: PartitionResult) => p.savedNames.reduce((s, name) => s + valueBytes([...joint.graph.nodes].find((n: Node) => n.name === name)!), 0);

/** Partition fn's joint graph; check graphs, eager gradients through fw+bw graphs, and return the saved names. */
function partition(fn: (...a: coil.Tensor[]) => coil.Tensor, inputs: coil.Tensor[], info?: MinCutInfo): string[] {
  const j = traceJoint(fn as never, inputs);
  const p = minCutRematerializationPartition(j.gm, { numFwdOutputs: j.numFwdOutputs }, info);
  p.forward.graph.lint();
  p.backward.graph.lint();
  assert.deepEqual(placeholders(p.backward), [...p.savedNames, "tangents_1"]);
  const all = saveAllPartition(j.gm, { numFwdOutputs: j.numFwdOutputs });
  assert.ok(savedBytes(j.gm, p) <= savedBytes(j.gm, all), `min-cut saves ${p.savedNames} (${savedBytes(j.gm, p)} B), save-all ${all.savedNames} (${savedBytes(j.gm, all)} B)`);
  // gradients through the partitioned graphs equal eager autograd's
  const fw = p.forward.forward(...inputs) as coil.Tensor[];
  const tangent = coil.randn(...fw[0]!.shape, f64);
  const grads = p.backward.forward(...fw.slice(j.numFwdOutputs), tangent) as (coil.Tensor | null)[];
  const leaves = inputs.filter((t) => t.requiresGrad);
  leaves.forEach((t) => { t.grad = null; });
  fn(...inputs).backward(tangent);
  leaves.forEach((t, i) => assert.ok(grads[i]!.sub(t.grad!).abs().max().item() < 1e-10, `grad ${i}`));
  assert.ok(fw[0]!.sub(fn(...inputs)).abs().max().item() < 1e-12, "forward output");
  return p.savedNames;
}

test("pointwise chains: only the input is saved, everything is recomputed in the backward", () => {
  assert.deepEqual(partition((x) => x.cos().cos().cos().sum(), [coil.randn(8, rg)]), ["primals_1"]);
  assert.deepEqual(partition((x) => x.sin().exp().tanh().mul(x).sigmoid().sum(), [coil.randn(4, 5, rg)]), ["primals_1"]);
  assert.deepEqual(partition((x, y) => x.mul(y).add(y.cos()).relu().sum(), [coil.randn(6, rg), coil.randn(6, rg)]), ["primals_1", "primals_2"]);
});

test("a reduction is not recomputed: its (4x smaller) result is saved instead of its input's chain", () => {
  const info: MinCutInfo = { banned: new Map(), cutValue: 0 };
  const saved = partition((x) => x.exp().sum(1, true).log().mul(x.exp()).sum(), [coil.randn(16, 32, rg)], info);
  assert.equal(info.banned.get("sum_1"), "reduction (output 4x smaller than its inputs)");
  assert.ok(saved.includes("primals_1") && saved.some((n) => n.startsWith("sum")), `saved ${saved}`);
});

test("mm: the mm inputs and relu's bool mask are saved, the mm is never recomputed", () => {
  const info: MinCutInfo = { banned: new Map(), cutValue: 0 };
  assert.deepEqual(partition((a, b) => coil.mm(a, b).relu().sum(), [coil.randn(3, 4, rg), coil.randn(4, 5, rg)], info), ["primals_1", "primals_2", "le"]);
  assert.equal(info.banned.get("mm"), "compute-intensive");
});

test("mm chain: the intermediate an mm reads in the backward (tanh) is saved, the weights too", () => {
  assert.deepEqual(partition((x, w1, w2) => coil.mm(coil.mm(x, w1).tanh(), w2).sum(), [coil.randn(3, 4, f64), coil.randn(4, 5, rg), coil.randn(5, 2, rg)]),
    ["primals_1", "primals_3", "tanh"]);
});

test("conv + relu: input, weight and the relu mask (what PyTorch saves)", () => {
  assert.deepEqual(partition((x, w, b) => F.conv2d(x, w, b, 1, 1).relu().sum(), [coil.randn(1, 3, 6, 6, f64), coil.randn(4, 3, 3, 3, rg), coil.randn(4, rg)]),
    ["primals_1", "primals_2", "le"]);
});

test("MLP: input, second weight and the hidden activation", () => {
  const saved = partition((x, w1, b1, w2, b2) => F.linear(F.relu(F.linear(x, w1, b1)), w2, b2).sum(),
    [coil.randn(8, 16, f64), coil.randn(32, 16, rg), coil.randn(32, rg), coil.randn(4, 32, rg), coil.randn(4, rg)]);
  assert.deepEqual(saved, ["primals_1", "primals_4", "relu"]);
});

test("random ops are never recomputed: dropout's mask is saved", () => {
  coil.manualSeed(3);
  const j = traceJoint(((x: coil.Tensor) => F.dropout(x.cos(), 0.5).sum()) as never, [coil.randn(10, rg)]);
  const p = defaultPartition(j.gm, { numFwdOutputs: j.numFwdOutputs });
  assert.ok(![...p.backward.graph.nodes].some((n: Node) => String(n.target).includes("dropout") && !String(n.target).includes("backward")), p.backward.graph.toString());
  assert.equal([...p.forward.graph.nodes].filter((n: Node) => String(n.target) === "aten.native_dropout.default").length, 1);
});

test("parameters are free to save (staticInputIndices), other inputs cost their bytes", () => {
  // a float64 input cast to bfloat16: as a plain input the 4x smaller cast is cheaper to save
  const j = traceJoint(((w: coil.Tensor) => w.to("bfloat16").cos().sum()) as never, [coil.randn(64, rg)]);
  const plain = minCutRematerializationPartition(j.gm, { numFwdOutputs: j.numFwdOutputs });
  assert.deepEqual(plain.savedNames, ["_to_copy"]);
  const asParam = minCutRematerializationPartition(j.gm, { numFwdOutputs: j.numFwdOutputs, staticInputIndices: [0] });
  assert.deepEqual(asParam.savedNames, ["primals_1"]);
});
