// test/fx/interpreter: Interpreter (per-op overrides, value freeing, error wrapping), Transformer
// rewriting cos -> sin, symbolicTrace of functions and module-like objects, replacePattern.
// In: graphs and traced functions. Out: assertions.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import { Graph, GraphModule, Interpreter, Transformer, symbolicTrace, replacePattern, isFxProxy, TraceError, parameterNames, type Node } from "../../src/fx/index.js";

const f64 = (xs: number[]) => coil.tensor(xs, { dtype: coil.float64 });
const close = (a: ArrayLike<number>, b: number[]) => b.forEach((v, i) => assert.ok(Math.abs(a[i]! - v) < 1e-9, `${a[i]} vs ${v}`));

function cosChain(): GraphModule {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callFunction(aten.cos.default, [x]);
  const b = g.callMethod("cos", [a]);
  const c = g.callFunction(aten.mul.Tensor, [b, x]);
  g.output([c]);
  return new GraphModule({}, g);
}

test("Interpreter runs nodes, frees dead values, and can be specialised", () => {
  const gm = cosChain();
  const t = f64([0.1, 0.2]);
  const [r] = new Interpreter(gm).run(t) as coil.Tensor[];
  close(r!.toArray(), [0.1, 0.2].map((v) => Math.cos(Math.cos(v)) * v));
  const interp = new Interpreter(gm);
  interp.run(t);
  assert.deepEqual([...interp.env.keys()].map(String), ["output"], "values freed after last use");
  const keep = new Interpreter(gm, { garbageCollectValues: false });
  keep.run(t);
  assert.equal(keep.env.size, 5);

  // count calls and swap a target per call
  class Counting extends Interpreter {
    calls: string[] = [];
    override callFunction(target: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
      this.calls.push(String(target));
      const tgt = target === aten.cos.default ? aten.sin.default : target;
      return super.callFunction(tgt, args, kwargs);
    }
  }
  const ci = new Counting(gm);
  const [r2] = ci.run(t) as coil.Tensor[];
  assert.deepEqual(ci.calls, ["aten.cos.default", "aten.mul.Tensor"]);
  close(r2!.toArray(), [0.1, 0.2].map((v) => Math.cos(Math.sin(v)) * v));
});

test("Interpreter works on numbers, defaults and get_attr/call_module", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const y = g.placeholder("y", { defaultValue: 5 });
  const w = g.getAttr("w");
  const m = g.callModule("sub.m", [x], { scale: 3 });
  const s = g.callFunction((a: number, b: number, c: number) => a + b + c, [m, y, w]);
  g.output(s);
  const gm = new GraphModule({ w: 100, sub: { m: { call: (v: number, o: { scale: number }) => v * o.scale } } }, g);
  assert.equal(new Interpreter(gm).run(2), 111);
  assert.equal(new Interpreter(gm).run(2, 1), 107);
  assert.equal(gm.forward(2, 1), 107);
  assert.throws(() => new Interpreter(gm).run(), /missing input for placeholder 'x'/);
});

test("errors are wrapped naming the node, keeping the original message and class", () => {
  const g = new Graph();
  const a = g.placeholder("a");
  const b = g.placeholder("b");
  const m = g.callFunction(aten.mm.default, [a, b]);
  m.meta.stackTrace = "model.ts:7";
  g.output(m);
  const gm = new GraphModule({}, g);
  const x = coil.ones([2, 3]);
  const y = coil.ones([4, 5]);
  assert.throws(() => new Interpreter(gm).run(x, y), (e: Error) => {
    assert.match(e.message, /^mm: .*2x3.*4x5/s);
    assert.match(e.message, /while executing %mm : \[num_users=1\] = call_function\[target=aten.mm.default\]\(args = \(%a, %b\), kwargs = \{\}\)/);
    assert.match(e.message, /original traceback:\n {4}model.ts:7/);
    assert.ok(e.cause instanceof Error);
    return true;
  });
  const g2 = new Graph();
  g2.output(g2.callMethod("nosuch", [g2.placeholder("x")]));
  assert.throws(() => new Interpreter(new GraphModule({}, g2)).run(1), (e: Error) => e instanceof TypeError && /has no method 'nosuch'[\s\S]*while executing %nosuch/.test(e.message));
});

test("Transformer rewrites cos -> sin into a new GraphModule", () => {
  const gm = cosChain();
  gm.graph.nodes.toArray()[1]!.meta.stackTrace = "here";
  gm.graph.nodes.first!.meta.val = "input-meta";
  class CosToSin extends Transformer {
    override callFunction(target: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
      return super.callFunction(target === aten.cos.default ? aten.sin.default : target, args, kwargs);
    }
    override callMethod(target: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
      return super.callMethod(target === "cos" ? "sin" : target, args, kwargs);
    }
  }
  const out = new CosToSin(gm).transform();
  assert.equal(out.graph.toString(), [
    "graph():",
    "    %x : [num_users=2] = placeholder[target=x]",
    "    %sin : [num_users=1] = call_function[target=aten.sin.default](args = (%x,), kwargs = {})",
    "    %sin_1 : [num_users=1] = call_method[target=sin](args = (%sin,), kwargs = {})",
    "    %mul : [num_users=1] = call_function[target=aten.mul.Tensor](args = (%sin_1, %x), kwargs = {})",
    "    return (mul,)",
  ].join("\n"));
  out.graph.lint();
  assert.equal(out.graph.nodes.first!.meta.val, "input-meta");
  assert.equal(out.graph.nodes.toArray()[1]!.meta.stackTrace, "here");
  const [r] = out.forward(f64([0.3])) as coil.Tensor[];
  close(r!.toArray(), [Math.sin(Math.sin(0.3)) * 0.3]);
  // the identity transform reproduces the graph
  assert.equal(new Transformer(gm).transform().graph.toString(), gm.graph.toString());
});

test("symbolicTrace records methods, coil functions and aten ops on proxies", () => {
  let sawProxy = false;
  const fn = (x: coil.Tensor, y: coil.Tensor) => {
    sawProxy ||= isFxProxy(x);
    const a = coil.mm(x.cos(), y);
    const b = aten.add.Tensor(a, x, { alpha: 2 });
    return [coil.relu(b), x.sum(0)];
  };
  const gm = symbolicTrace(fn);
  assert.ok(sawProxy);
  assert.equal(gm.graph.toString(), [
    "graph():",
    "    %x : [num_users=3] = placeholder[target=x]",
    "    %y : [num_users=1] = placeholder[target=y]",
    "    %cos : [num_users=1] = call_method[target=cos](args = (%x,), kwargs = {})",
    "    %mm : [num_users=1] = call_function[target=coil.mm](args = (%cos, %y), kwargs = {})",
    "    %add : [num_users=1] = call_function[target=aten.add.Tensor](args = (%mm, %x), kwargs = {alpha: 2})",
    "    %relu : [num_users=1] = call_function[target=coil.relu](args = (%add,), kwargs = {})",
    "    %sum_1 : [num_users=1] = call_method[target=sum](args = (%x, 0), kwargs = {})",
    "    return (relu, sum_1)",
  ].join("\n"));
  const xt = coil.tensor([[0.5, -1], [2, 0.25]], { dtype: coil.float64 });
  const yt = coil.tensor([[1, 2], [3, 4]], { dtype: coil.float64 });
  const got = gm.forward(xt, yt) as coil.Tensor[];
  const want = fn(xt, yt);
  assert.deepEqual(got.map((t) => t.tolist()), want.map((t) => t.tolist()));
  // a real tensor captured by closure becomes a constant attribute
  const k = coil.tensor([10, 20], { dtype: coil.float64 });
  const gm2 = symbolicTrace((v: coil.Tensor) => v.mul(k));
  assert.ok(gm2.graph.toString().includes("%_tensor_constant0 : [num_users=1] = get_attr[target=_tensor_constant0]"));
  assert.deepEqual((gm2.forward(f64([1, 2])) as coil.Tensor).tolist(), [10, 40]);
  // control flow on proxies is refused
  assert.throws(() => symbolicTrace((v: coil.Tensor) => (Number(v) > 0 ? v : v)), TraceError);
  assert.deepEqual(parameterNames(function named(a: number, { b }: { b: number }, c = 3, ...rest: number[]) { return [a, b, c, rest]; } as never), ["a", "arg1", "c"]);
});

test("symbolicTrace of a module-like object: get_attr for tensors, call_module for submodules", () => {
  const inner = { call: (v: coil.Tensor) => coil.relu(v), weight: f64([7]) };
  const model = {
    weight: f64([1, 2, 3]),
    act: inner,
    helper(v: coil.Tensor) { return v.neg(); },
    forward(x: coil.Tensor) {
      return this.helper(this.act.call(x.mul(this.weight))).add(this.act.weight);
    },
  };
  const gm = symbolicTrace(model);
  assert.equal(gm.graph.toString(), [
    "graph():",
    "    %x : [num_users=1] = placeholder[target=x]",
    "    %weight : [num_users=1] = get_attr[target=weight]",
    "    %mul : [num_users=1] = call_method[target=mul](args = (%x, %weight), kwargs = {})",
    "    %act : [num_users=1] = call_module[target=act](args = (%mul,), kwargs = {})",
    "    %neg : [num_users=1] = call_method[target=neg](args = (%act,), kwargs = {})",
    "    %act_weight : [num_users=1] = get_attr[target=act.weight]",
    "    %add : [num_users=1] = call_method[target=add](args = (%neg, %act_weight), kwargs = {})",
    "    return add",
  ].join("\n"));
  const input = f64([1, -1, 2]);
  assert.deepEqual((gm.forward(input) as coil.Tensor).tolist(), (model.forward(input) as coil.Tensor).tolist());
  assert.equal(gm.getAttr("act"), inner);
  // non-leaf submodules are traced through
  const gm2 = symbolicTrace(model, { isLeafModule: () => false });
  assert.ok(gm2.graph.toString().includes("call_function[target=coil.relu]"));
  assert.deepEqual((gm2.forward(input) as coil.Tensor).tolist(), (model.forward(input) as coil.Tensor).tolist());
});

test("replacePattern rewrites every non-overlapping match", () => {
  const gm = symbolicTrace((x: coil.Tensor, y: coil.Tensor) => {
    const a = x.cos().cos();
    const b = y.cos().cos();
    return coil.mm(a, b).cos();
  });
  const matches = replacePattern(gm, (v: coil.Tensor) => v.cos().cos(), (v: coil.Tensor) => coil.neg(v.sin()));
  assert.equal(matches.length, 2);
  assert.deepEqual(matches.map((m) => m.anchor.name), ["cos_1", "cos_3"]);
  assert.ok(matches.every((m) => m.replacements.length === 1 && m.replacements[0]!.graph === gm.graph));
  gm.graph.lint();
  const text = gm.graph.toString();
  assert.equal((text.match(/call_method\[target=cos\]/g) ?? []).length, 1, text);
  assert.equal((text.match(/coil.neg/g) ?? []).length, 2, text);
  const x = coil.tensor([[0.5, 1], [1.5, 2]], { dtype: coil.float64 });
  const want = coil.mm(coil.neg(x.sin()), coil.neg(x.sin())).cos();
  assert.deepEqual((gm.forward(x, x) as coil.Tensor).tolist(), want.tolist());
});

test("replacePattern skips matches whose inner values escape, and matches literals", () => {
  const gm = symbolicTrace((x: coil.Tensor) => {
    const c = x.cos();
    return [c.cos(), c, x.add(x, 2).relu(), x.add(x, 3).relu()];
  });
  assert.equal(replacePattern(gm, (v: coil.Tensor) => v.cos().cos(), (v: coil.Tensor) => v.sin()).length, 0);
  const ms = replacePattern(gm, (a: coil.Tensor, b: coil.Tensor) => a.add(b, 2).relu(), (a: coil.Tensor, b: coil.Tensor) => coil.mul(a, b));
  assert.equal(ms.length, 1);
  assert.equal(ms[0]!.nodesMap.size, 4);
  gm.graph.lint();
  const x = f64([1, 2]);
  const out = gm.forward(x) as coil.Tensor[];
  assert.deepEqual(out[2]!.tolist(), [1, 4]);
  assert.deepEqual(out[3]!.tolist(), [4, 8]);
  void (null as unknown as Node);
});
