// test/fx/graph_module: generated JavaScript (exact text), running it on numbers and on coil
// tensors, attributes and submodules, stack-trace comments, recompile, and the merge-mm surgery.
// In: hand-built graphs. Out: assertions.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import { Graph, GraphModule, getitem, tuple, type Node } from "../../src/fx/index.js";

const close = (a: number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `${v} vs ${b[i]}`));

test("code is readable JavaScript and runs on coil tensors", () => {
  const g = new Graph();
  const x = g.placeholder("L_x_");
  const cos = g.callMethod("cos", [x]);
  const cos1 = g.callFunction(aten.cos.default, [cos]);
  g.output([cos1]);
  const gm = new GraphModule({}, g);
  assert.equal(gm.code, [
    "forward(l_x_) {",
    "  const cos = l_x_.cos();",
    "  const cos_1 = aten_cos_default(cos);",
    "  return [cos_1];",
    "}",
  ].join("\n"));
  const t = coil.tensor([0, 0.5, 1], { dtype: coil.float32 });
  const [r] = gm.forward(t) as coil.Tensor[];
  close([...r!.toArray()], [0, 0.5, 1].map((v) => Math.cos(Math.cos(v))));
  assert.deepEqual((gm.call(t) as coil.Tensor[])[0]!.tolist(), r!.tolist());
  assert.equal(g.owningModule, gm);
  assert.ok(gm.printReadable().startsWith("class GraphModule {\n  forward(l_x_) {"));
});

test("kwargs, literals, defaults, dict outputs and name clashes with globals", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const y = g.placeholder("y", { defaultValue: 10 });
  const add = g.callFunction(aten.add.Tensor, [x, x], { alpha: 2 });
  const root = g.callMethod("mul", [add, y]); // a node named like the root parameter
  const fn = function aten_add_Tensor(a: number) { return a + 1; };
  const clash = g.callFunction(fn, [1]); // same sanitized name as the aten global
  g.output({ sum: root, other: clash, lit: [1, "s", null] });
  const gm = new GraphModule({}, g);
  assert.equal(gm.code, [
    "forward(x, y = 10) {",
    "  const add = aten_add_Tensor(x, x, { alpha: 2 });",
    "  const mul = add.mul(y);",
    "  const aten_add_tensor = aten_add_Tensor_1(1);",
    "  return { sum: mul, other: aten_add_tensor, lit: [1, \"s\", null] };",
    "}",
  ].join("\n"));
  const t = coil.tensor([1, 2], { dtype: coil.float32 });
  const out = gm.forward(t) as { sum: coil.Tensor; other: number; lit: unknown[] };
  assert.deepEqual(out.sum.tolist(), [30, 60]);
  assert.equal(out.other, 2);
  assert.deepEqual(out.lit, [1, "s", null]);
});

test("get_attr reads dotted attributes from root; call_module calls submodules; setAttr is live", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const w = g.getAttr("layer.weight");
  const s = g.callModule("layer.act", [x]);
  const f = g.callModule("fn", [s]);
  const r = g.callFunction((a: number, b: number) => a * b, [f, w]);
  g.output(r);
  const root = { layer: { weight: 3, act: { call: (v: number) => v + 1 } }, fn: (v: number) => v * 10, unused: 1 };
  const gm = new GraphModule(root, g);
  assert.equal(gm.code, [
    "forward(x) {",
    "  const layer_weight = root.layer.weight;",
    "  const layer_act = root.layer.act.call(x);",
    "  const fn = root.fn(layer_act);",
    "  const _unnamed = fn_1(fn, layer_weight);",
    "  return _unnamed;",
    "}",
  ].join("\n"));
  assert.equal(gm.forward(2), 90);
  assert.equal(gm.hasAttr("unused"), false);
  assert.equal(gm.getAttr("layer.weight"), 3);
  gm.setAttr("layer.weight", 4);
  assert.equal(gm.forward(2), 120);
  assert.equal(root.layer.weight, 3, "the GraphModule owns its attribute tree");
  gm.setAttr("new.deep.attr", 5);
  assert.equal(gm.getAttr("new.deep.attr"), 5);
  assert.throws(() => gm.getAttr("nope.x"), /GraphModule has no attribute 'nope.x'/);
  // a dict root keyed by qualified names; a GraphModule root
  const gm2 = new GraphModule({ "layer.weight": 2, "layer.act": { forward: (v: number) => -v }, fn: (v: number) => v }, g);
  assert.ok(gm2.code.includes("root.layer.act.forward(x)"));
  assert.equal(gm2.forward(5), -10);
  const gm3 = new GraphModule(gm, g.copy());
  assert.equal(gm3.forward(2), 120);
  assert.throws(() => new GraphModule({}, g.copy()), /references 'layer.weight'/);
});

test("recompile picks up graph mutations; stack traces become comments", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callFunction(aten.cos.default, [x]);
  c.meta.stackTrace = "model.ts:42 in forward\n  y = x.cos()";
  g.output(c);
  const gm = new GraphModule({}, g);
  assert.equal(gm.code, "forward(x) {\n  // model.ts:42 in forward\n  // y = x.cos()\n  const cos = aten_cos_default(x);\n  return cos;\n}");
  c.target = aten.sin.default;
  const t = coil.tensor([0.5], { dtype: coil.float64 });
  close([...(gm.forward(t) as coil.Tensor).toArray()], [Math.cos(0.5)]);
  gm.recompile();
  close([...(gm.forward(t) as coil.Tensor).toArray()], [Math.sin(0.5)]);
  assert.ok(gm.code.includes("aten_sin_default(x)"));
  // assigning a new graph recompiles
  const h = new Graph();
  h.output(h.callFunction(aten.neg.default, [h.placeholder("z")]));
  gm.graph = h;
  close([...(gm.forward(t) as coil.Tensor).toArray()], [-0.5]);
});

// The seed's merge-mm surgery on plain JS matrices: several mm nodes sharing a RHS become one mm
// over a cat, then a split and getitems.
type M = number[][];
const mm = (a: M, b: M): M => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const cat = (xs: M[]): M => xs.flat();
const split = (x: M, sizes: number[]): M[] => { let o = 0; return sizes.map((s) => x.slice(o, (o += s))); };

test("merge-mm surgery with insertingBefore, cat, split and getitem", () => {
  const g = new Graph();
  const w = g.placeholder("w");
  const seqs = [0, 1, 2].map((i) => g.placeholder(`seq${i}`));
  const mms = seqs.map((s) => g.callFunction(mm, [s, w]));
  g.output(tuple(...mms));
  const gm = new GraphModule({}, g);
  const W: M = [[1, 2], [3, 4]];
  const xs: M[] = [[[1, 0]], [[0, 1], [1, 1]], [[2, 2]]];
  const before = gm.forward(W, ...xs);

  // the pass
  const rows = xs.map((x) => x.length);
  const group = g.findNodes({ op: "call_function", target: mm }).filter((n) => n.args[1] === w);
  g.insertingBefore(group[0]!, () => {
    const c = g.callFunction(cat, [group.map((n) => n.args[0] as Node)]);
    const big = g.callFunction(mm, [c, w]);
    const parts = g.callFunction(split, [big, rows]);
    group.forEach((n, i) => {
      const gi = g.callFunction(getitem, [parts, i]);
      n.replaceAllUsesWith(gi);
    });
  });
  for (const n of group) g.eraseNode(n);
  g.lint();
  gm.recompile();
  assert.equal(g.toString(), [
    "graph():",
    "    %w : [num_users=1] = placeholder[target=w]",
    "    %seq0 : [num_users=1] = placeholder[target=seq0]",
    "    %seq1 : [num_users=1] = placeholder[target=seq1]",
    "    %seq2 : [num_users=1] = placeholder[target=seq2]",
    "    %cat : [num_users=1] = call_function[target=cat](args = ([%seq0, %seq1, %seq2],), kwargs = {})",
    "    %mm_3 : [num_users=1] = call_function[target=mm](args = (%cat, %w), kwargs = {})",
    "    %split : [num_users=3] = call_function[target=split](args = (%mm_3, [1, 2, 1]), kwargs = {})",
    "    %getitem : [num_users=1] = call_function[target=operator.getitem](args = (%split, 0), kwargs = {})",
    "    %getitem_1 : [num_users=1] = call_function[target=operator.getitem](args = (%split, 1), kwargs = {})",
    "    %getitem_2 : [num_users=1] = call_function[target=operator.getitem](args = (%split, 2), kwargs = {})",
    "    return (getitem, getitem_1, getitem_2)",
  ].join("\n"));
  assert.ok(gm.code.includes("  const getitem_1 = split[1];"), gm.code);
  assert.deepEqual(gm.forward(W, ...xs), before);
});
