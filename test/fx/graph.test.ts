// test/fx/graph: building graphs by hand, torch.fx printing, naming, users bookkeeping on every
// mutation, checked erasure, DCE, lint, stable topological sort, copy and insert points.
// In: hand-built graphs. Out: assertions.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import { Graph, Node, tuple, mapArg, getitem, GraphModule } from "../../src/fx/index.js";

function users(n: Node): string[] {
  return [...n.users.keys()].map((u) => u.name);
}

test("printing matches torch.fx format", () => {
  const g = new Graph();
  const x = g.placeholder("L_x_");
  const cos = g.callMethod("cos", [x]);
  const a = g.placeholder("a");
  const b = g.placeholder("b");
  const mm = g.callFunction(coil.mm, [a, b]);
  const cos1 = g.callFunction(aten.cos.default, [cos]);
  g.output([cos1]);
  void mm;
  assert.equal(g.toString(), [
    "graph():",
    "    %l_x_ : [num_users=1] = placeholder[target=L_x_]",
    "    %cos : [num_users=1] = call_method[target=cos](args = (%l_x_,), kwargs = {})",
    "    %a : [num_users=1] = placeholder[target=a]",
    "    %b : [num_users=1] = placeholder[target=b]",
    "    %mm : [num_users=0] = call_function[target=coil.mm](args = (%a, %b), kwargs = {})",
    "    %cos_1 : [num_users=1] = call_function[target=aten.cos.default](args = (%cos,), kwargs = {})",
    "    return (cos_1,)",
  ].join("\n"));
});

test("printing of literals, lists, tuples, kwargs, defaults, types and list outputs", () => {
  const g = new Graph();
  const x = g.placeholder("x", { typeExpr: "Tensor" });
  const y = g.placeholder("y", { defaultValue: 3 });
  const e = g.callFunction(aten.expand.default, [x, [8, 2]]);
  const add = g.callFunction(aten.add.Tensor, [e, y], { alpha: 2 });
  const f = g.callFunction(coil.relu, [add, tuple(1, 1), "same", true, null, false, -Infinity, coil.float32], { inplace: false });
  g.output([f, add], { asList: true });
  const lines = g.toString().split("\n");
  assert.equal(lines[1], "    %x : Tensor [num_users=1] = placeholder[target=x]");
  assert.equal(lines[2], "    %y : [num_users=1] = placeholder[target=y](default=3)");
  assert.equal(lines[3], "    %expand : [num_users=1] = call_function[target=aten.expand.default](args = (%x, [8, 2]), kwargs = {})");
  assert.equal(lines[4], "    %add : [num_users=2] = call_function[target=aten.add.Tensor](args = (%expand, %y), kwargs = {alpha: 2})");
  assert.equal(lines[5], "    %relu : [num_users=1] = call_function[target=coil.relu](args = (%add, (1, 1), same, True, None, False, -inf, coil.float32), kwargs = {inplace: False})");
  assert.equal(lines[6], "    return [relu, add]");
  const g2 = new Graph();
  g2.output(g2.placeholder("z"));
  assert.equal(g2.toString().split("\n")[2], "    return z");
});

test("names: suffixes, snake_case, reserved words, python builtins, sanitizing", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const names = [
    g.callMethod("cos", [x]), g.callMethod("cos", [x]), g.callMethod("cos", [x]),
    g.callMethod("sum", [x]), g.callMethod("logSoftmax", [x]),
    g.callFunction(aten.convolution.default, [x]), g.createNode("call_function", coil.mm, [x], {}, "class"),
    g.getAttr("layer.0.weight"), g.callModule("block1", [x]), g.createNode("call_method", "view", [x], {}, "cos_1"),
    g.createNode("call_method", "view", [x], {}, "1st"),
  ].map((n) => n.name);
  assert.deepEqual(names, ["cos", "cos_1", "cos_2", "sum_1", "log_softmax", "convolution", "class_1", "layer_0_weight", "block1", "cos_3", "_1st"]);
  assert.equal(String(g.nodes.first), "x");
});

test("users bookkeeping on args/kwargs/target setters, updateArg, updateKwarg", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const y = g.placeholder("y");
  const n = g.callFunction(aten.add.Tensor, [x, x]);
  assert.deepEqual(users(x), ["add"]);
  assert.deepEqual(n.allInputNodes.map(String), ["x"]);
  n.args = [x, y];
  assert.deepEqual(users(y), ["add"]);
  n.updateArg(0, y);
  assert.deepEqual(users(x), []);
  assert.deepEqual(n.allInputNodes.map(String), ["y"]);
  n.kwargs = { alpha: x };
  assert.deepEqual(users(x), ["add"]);
  n.updateKwarg("alpha", 2);
  assert.deepEqual(users(x), []);
  n.args = [[x, { k: y }], 1];
  assert.deepEqual(users(x), ["add"]);
  assert.deepEqual(n.allInputNodes.map(String), ["x", "y"]);
  n.target = aten.mul.Tensor;
  assert.deepEqual(users(x), ["add"]);
  assert.ok(n.format().includes("target=aten.mul.Tensor"));
  assert.throws(() => { (n.args as unknown[])[0] = y; }, TypeError, "args are frozen");
  assert.throws(() => n.updateArg(5, x), RangeError);
});

test("replaceAllUsesWith / replaceInputWith keep users right", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callMethod("cos", [x]);
  const b = g.callMethod("sin", [x]);
  const u1 = g.callFunction(aten.add.Tensor, [a, a]);
  const u2 = g.callFunction(aten.mul.Tensor, [a, x], { other: [a] });
  a.meta.val = "va";
  const changed = a.replaceAllUsesWith(b, (u) => u !== u2, { propagateMeta: true });
  assert.deepEqual(changed.map(String), ["add"]);
  assert.deepEqual(users(a), ["mul"]);
  assert.deepEqual(users(b), ["add"]);
  assert.equal(b.meta.val, "va");
  assert.equal(u1.format(), "%add : [num_users=0] = call_function[target=aten.add.Tensor](args = (%sin, %sin), kwargs = {})");
  u2.replaceInputWith(a, b);
  assert.deepEqual(users(a), []);
  assert.deepEqual(users(b), ["add", "mul"]);
  assert.equal(String(mapArg(u2.kwargs.other, (n) => n.name)), "sin");
  g.eraseNode(a);
  g.lint();
});

test("eraseNode refuses while the node has users, naming them", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callMethod("cos", [x]);
  const s = g.callMethod("sin", [c]);
  g.output(s);
  assert.throws(() => g.eraseNode(c), /erase node %cos but it still has 1 user\(s\) in the graph: %sin/);
  const other = new Graph();
  assert.throws(() => other.eraseNode(c), /wrong graph/);
  const out = g.nodes.last!;
  out.args = [c];
  g.eraseNode(s);
  assert.deepEqual(users(c), ["output"]);
  assert.equal(g.nodes.length, 3);
  assert.throws(() => g.eraseNode(s), /already erased/);
  g.lint();
});

test("eliminateDeadCode keeps placeholders, output, in-place and random ops", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const unusedIn = g.placeholder("unused");
  const a = g.callMethod("cos", [x]);
  const dead1 = g.callMethod("sin", [a]);
  g.callFunction(aten.neg.default, [dead1]);
  const inplace = g.callMethod("add_", [x, 1]);
  const rnd = g.callFunction(coil.randn, [[2]]);
  g.output(a);
  void unusedIn; void inplace; void rnd;
  assert.equal(g.eliminateDeadCode(), true);
  assert.deepEqual(g.nodes.toArray().map(String), ["x", "unused", "cos", "add_", "randn", "output"]);
  assert.equal(g.eliminateDeadCode(), false);
  // A custom purity oracle
  assert.equal(g.eliminateDeadCode((n) => n.op === "placeholder" || n.op === "output"), true);
  assert.deepEqual(g.nodes.toArray().map(String), ["x", "unused", "cos", "output"]);
  g.lint();
});

test("in-place OpOverloads are impure (schema alias annotations)", () => {
  const inplace = Object.values(aten).flatMap((p) => p.overloads()).find((o) => o.isInplace);
  if (!inplace) return; // no in-place op registered yet
  const g = new Graph();
  const x = g.placeholder("x");
  const n = g.callFunction(inplace, [x]);
  assert.equal(n.isImpure(), true);
  assert.equal(g.callFunction(aten.cos.default, [x]).isImpure(), false);
});

test("lint catches each kind of corruption", () => {
  const build = () => {
    const g = new Graph();
    const x = g.placeholder("x");
    const c = g.callMethod("cos", [x]);
    const s = g.callMethod("sin", [c]);
    g.output(s);
    return { g, x, c, s };
  };
  { const { g } = build(); g.lint(); }
  { const { g, c } = build(); c.name = "sin"; assert.throws(() => g.lint(), /duplicate node name 'sin'/); }
  { const { g, c } = build(); c.name = "a-b"; assert.throws(() => g.lint(), /not a legal/); }
  { const { g, c, s } = build(); c.prepend(s); assert.throws(() => g.lint(), /uses %cos before it is defined/); }
  { const { g, c } = build(); const o = new Graph(); const y = o.placeholder("y");
    c.args = [y]; assert.throws(() => g.lint(), /belongs to another graph/); }
  { const { g, c, x } = build(); c.users.clear(); void x; assert.throws(() => g.lint(), /%cos.users does not list it|does not list it/); }
  { const { g, c, x } = build(); x.users.set(g.nodes.last!, null); void c; assert.throws(() => g.lint(), /does not use it/); }
  { const { g, c, s } = build(); // dangling: s still uses c after c was unlinked and marked erased by hand
    c._removeFromList(); c._erased = true; g._len--; void s; assert.throws(() => g.lint(), /dangling reference|not in this graph/); }
  { const { g, s } = build(); s._next = s; assert.throws(() => g.lint(), /linked list corrupted/); }
  { const { g } = build(); g.output(1); assert.throws(() => g.lint(), /2 output nodes/); }
  { const { g, c } = build(); c.target = 42; assert.throws(() => g.lint(), /string target/); }
  { const { g } = build(); g.insertingBefore(g.nodes.last!, () => g.getAttr("w"));
    new GraphModule({ w: 1 }, g).setAttr("w", 2); g.lint();
    g.insertingBefore(g.nodes.last!, () => g.getAttr("missing")); assert.throws(() => g.lint(), /does not have/); }
});

test("stableTopologicalSort fixes out-of-order insertion and keeps the rest in place", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callMethod("cos", [x]);
  const b = g.callMethod("sin", [x]);
  const out = g.output([a, b]);
  // Insert a user of b before b, and an unrelated node after it.
  const c = g.insertingBefore(a, () => g.callMethod("neg", [b]));
  void out;
  assert.throws(() => g.lint(), /before it is defined/);
  g.stableTopologicalSort();
  g.lint();
  assert.deepEqual(g.nodes.toArray().map(String), ["x", "cos", "sin", "neg", "output"]);
  g.stableTopologicalSort();
  assert.deepEqual(g.nodes.toArray().map(String), ["x", "cos", "sin", "neg", "output"]);
  void c;
  // a cycle cannot be sorted
  a.args = [c];
  b.args = [a];
  assert.throws(() => g.stableTopologicalSort(), /cycle/);
});

test("copy and nodeCopy produce an independent, equal graph", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callFunction(aten.cos.default, [x]);
  a.meta.val = 1;
  g.output(tuple(a, [a, x]));
  const h = g.copy();
  assert.equal(h.toString(), g.toString());
  h.lint();
  const ha = h.nodes.toArray()[1]!;
  assert.notEqual(ha, a);
  assert.equal(ha.meta.val, 1);
  ha.meta.val = 2;
  assert.equal(a.meta.val, 1);
  assert.equal(ha.graph, h);
  assert.deepEqual(users(x), ["cos", "output"]);
  // nodeCopy into another graph with an arg transform
  const k = new Graph();
  const y = k.placeholder("y");
  const copied = k.nodeCopy(a, () => y);
  assert.equal(copied.format(), "%cos : [num_users=0] = call_function[target=aten.cos.default](args = (%y,), kwargs = {})");
});

test("insertingBefore/After, insertPoint with `using`, iteration while mutating", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callMethod("cos", [x]);
  g.output(a);
  const [n1, n2] = g.insertingAfter(x, () => {
    const p = g.callMethod("neg", [x]);
    return [p, g.callMethod("relu", [p])];
  });
  assert.deepEqual(g.nodes.toArray().map(String), ["x", "neg", "relu", "cos", "output"]);
  g.insertingBefore(null, () => g.placeholder("first"));
  g.insertingAfter(null, () => g.callMethod("dead", [x]));
  assert.deepEqual(g.nodes.toArray().map(String), ["first", "x", "neg", "relu", "cos", "output", "dead"]);
  {
    using _ = g.insertPoint(a, "before");
    g.callMethod("sin", [n2!]);
  }
  const late = g.callMethod("tail", [x]);
  assert.equal(g.nodes.last, late);
  assert.deepEqual(g.nodes.toArray().map(String), ["first", "x", "neg", "relu", "sin", "cos", "output", "dead", "tail"]);
  // erase while iterating, and nodes inserted after the cursor are visited
  const seen: string[] = [];
  for (const n of g.nodes) {
    seen.push(n.name);
    if (n.name === "dead" || n.name === "tail") g.eraseNode(n);
    if (n === n1) g.insertingAfter(n, () => g.callMethod("abs", [x]));
  }
  assert.deepEqual(seen, ["first", "x", "neg", "abs_1", "relu", "sin", "cos", "output", "dead", "tail"]);
  assert.deepEqual([...g.nodes.reversed()].map(String).slice(0, 2), ["output", "cos"]);
  assert.equal(g.nodes.length, 8);
  g.lint();
});

test("findNodes by op and target", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  g.callFunction(coil.mm, [x, x]);
  g.callFunction(aten.mm.default, [x, x]);
  g.callFunction(coil.mm, [x, x]);
  assert.deepEqual(g.findNodes({ op: "call_function", target: coil.mm }).map(String), ["mm", "mm_2"]);
  assert.equal(g.findNodes({ op: "call_function" }).length, 3);
  assert.equal(g.findNodes({ op: "placeholder" })[0], x);
});

test("createNode validates op and target kinds and argument ownership", () => {
  const g = new Graph();
  assert.throws(() => g.createNode("call_function", "cos"), /must be a function/);
  assert.throws(() => g.createNode("bogus" as never, "x"), /unknown op/);
  const o = new Graph();
  const y = o.placeholder("y");
  assert.throws(() => g.callMethod("cos", [y]), /belongs to another graph/);
  assert.equal(getitem([1, 2, 3], -1), 3);
});
