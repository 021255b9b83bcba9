// Freezing: with config.freezing and an inference compile, unmutated parameters become get_attr
// _frozen_param constants (their placeholders go; the compiled callable ignores those args), CSE and
// constant folding run (a transposed weight becomes a constant; an expand does not), then the freezing
// patterns (the conv weight prepack, also with patternMatcher: false); training graphs, mutated
// parameters and non-constant conv weights are left alone; frozen compiles bypass the FX graph cache.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { Graph, GraphModule, type Node } from "../../src/fx/index.js";
import { freeze, isFrozen, dropFrozenArgs } from "../../src/inductor/freezing/freezing.js";
import { constantFold } from "../../src/inductor/freezing/constant_folding.js";
import { cpu } from "../../src/ops/cpu.js";
import { assertClose } from "./assert_close.js";

const { aten, nn } = coil;
type T = coil.Tensor;

/** Compile mod under noGrad with `patch`, returning the output and the post-grad graph (printed + nodes). */
function compileFrozen(mod: coil.nn.Module | ((...a: T[]) => T), args: T[], patch: Record<string, unknown> = {}): { out: T; graph: string; nodes: Node[] } {
  let graph = "", nodes: Node[] = [];
  const out = config.patch({ freezing: true, postGradCustomPostPass: (g: Graph) => { graph = g.toString(); nodes = [...g.nodes]; }, ...patch },
    () => coil.noGrad(() => coil.compile(mod as (...a: T[]) => T)(...args) as T));
  return { out, graph, nodes };
}

class Lin extends nn.Module {
  fc = new nn.Linear(6, 5);
  override forward(x: T): T { return (this.fc.call(x) as T).relu(); }
}

test("parameters become _frozen_param constants; the transposed weight is folded into a new constant", () => {
  const mod = new Lin().eval();
  const x = coil.randn(3, 6);
  const r = compileFrozen(mod, [x]);
  const placeholders = r.nodes.filter((n) => n.op === "placeholder");
  assert.equal(placeholders.length, 1, r.graph);
  const attrs = r.nodes.filter((n) => n.op === "get_attr").map((n) => String(n.target));
  assert.ok(attrs.length >= 2 && attrs.every((a) => a.startsWith("_frozen_param")), r.graph);
  assert.ok(!r.nodes.some((n) => n.target === aten.permute.default || n.target === aten.t.default), `weight.t() folded:\n${r.graph}`);
  assertClose(r.out, coil.noGrad(() => mod.call(x) as T));
  // Without freezing the parameters stay inputs.
  const plain = compileFrozen(mod, [x], { freezing: false });
  assert.equal(plain.nodes.filter((n) => n.op === "placeholder").length, 3);
});

test("a frozen compile gives eager results on repeated calls and new inputs", () => {
  const mod = new Lin().eval();
  const compiled = config.patch({ freezing: true }, () => coil.compile(mod));
  const x1 = coil.randn(2, 6), x2 = coil.randn(4, 6);
  coil.noGrad(() => {
    assertClose(compiled(x1) as T, mod.call(x1) as T);
    assertClose(compiled(x1) as T, mod.call(x1) as T);
  });
  coil.noGrad(() => assertClose(config.patch({ freezing: true }, () => compiled(x2)) as T, mod.call(x2) as T));
});

class Expander extends nn.Module {
  p = new nn.Parameter(coil.randn(1, 3));
  override forward(x: T): T { return x.add(this.p.expand(64, 3)); }
}

test("constant folding skips ops that would make a constant much larger (expand)", () => {
  const mod = new Expander().eval();
  const x = coil.randn(64, 3);
  const r = compileFrozen(mod, [x]);
  assert.ok(r.nodes.some((n) => n.target === aten.expand.default), r.graph);
  assertClose(r.out, coil.noGrad(() => mod.call(x) as T));
});

test("constantFold folds chains of pure ops on constants, keeping only the frontier", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const w = g.getAttr("w");
  const t = g.callFunction(aten.permute.default, [w, [1, 0]]);
  const n = g.callFunction(aten.neg.default, [t]);
  const m = g.callFunction(aten.mm.default, [x, n]);
  g.output(m);
  const wv = coil.randn(3, 2);
  const gm = new GraphModule({ w: wv }, g);
  assert.equal(constantFold(gm), 1);
  const calls = [...gm.graph.nodes].filter((k) => k.op === "call_function").map((k) => String(k.target));
  assert.deepEqual(calls, ["aten.mm.default"]);
  gm.recompile();
  const xv = coil.randn(4, 2);
  assertClose(gm.forward(xv) as T, coil.mm(xv, wv.t().neg()));
});

function paramGraph(): { gm: GraphModule; params: T[] } {
  const g = new Graph();
  const p0 = g.placeholder("arg0_1"), p1 = g.placeholder("arg1_1"), x = g.placeholder("arg2_1");
  const params = [coil.randn(3), coil.randn(3)];
  [p0, p1, x].forEach((p, i) => { p.meta.val = i < 2 ? params[i] : coil.randn(3); });
  const a = g.callFunction(aten.mul.Tensor, [x, p0]);
  const b = g.callFunction(aten.add.Tensor, [a, p1]);
  g.output([b]);
  return { gm: new GraphModule({}, g), params };
}

test("freeze(): mutated parameters stay inputs; inputIndices drives the callable; training graphs untouched", () => {
  const { gm, params } = paramGraph();
  const r = freeze(gm, { kind: "inference", numParams: 2, paramNames: ["w", "b"], params, mutatedInputIndices: [1] });
  assert.ok(r && isFrozen(gm));
  assert.deepEqual(r!.frozenIndices, [0]);
  assert.deepEqual(r!.inputIndices, [1, 2]);
  assert.equal(r!.bypassCache, true);
  assert.deepEqual({ ...r!.info, params: r!.info.params.length }, { kind: "inference", numParams: 1, paramNames: ["b"], params: 1, mutatedInputIndices: [0] });
  assert.deepEqual([...gm.graph.nodes].filter((n) => n.op === "placeholder").map((n) => n.name), ["arg1_1", "arg2_1"]);
  const x = coil.randn(3);
  const run = dropFrozenArgs((args) => [gm.forward(...args) as T].flat(), r!.inputIndices);
  assertClose(run([coil.zeros(3), params[1]!, x])[0] as T, x.mul(params[0]!).add(params[1]!));
  const t = paramGraph();
  assert.equal(freeze(t.gm, { kind: "forward", numParams: 2, paramNames: ["w", "b"], params: t.params, mutatedInputIndices: [] }), null);
  assert.equal(isFrozen(t.gm), false);
});

test("conv weight prepack: counts 1 and 1 even with patternMatcher: false; the packed weight is a new constant", () => {
  const mod = new nn.Conv2d(4, 8, 3, { padding: 1 }).eval();
  const x = coil.randn(1, 4, 7, 7);
  coil.counters.clear();
  const r = compileFrozen(mod, [x], { patternMatcher: false });
  assert.equal(coil.counters.inductor.pattern_matcher_count, 1);
  assert.equal(coil.counters.inductor.pattern_matcher_nodes, 1);
  assert.equal(coil.counters.inductor.fxgraph_cache_bypass, 1);
  const conv = r.nodes.find((n) => n.target === cpu._convolution_pointwise.default)!;
  assert.ok(conv, r.graph);
  assert.deepEqual(conv.args.slice(3), [[1, 1], [1, 1], [1, 1], 1, "none", [], ""]);
  assert.equal((conv.args[1] as Node).op, "get_attr");
  assert.deepEqual(((conv.args[1] as Node).meta.val as T).shape, [1, 2, 4, 3, 3, 4]);
  assert.ok(!r.nodes.some((n) => n.target === aten.convolution.default));
  assertClose(r.out, coil.noGrad(() => mod.call(x) as T));
});

test("conv weight prepack leaves non-constant weights and transposed convolutions alone", () => {
  coil.counters.clear();
  const f = (x: T, w: T) => coil.conv2d(x, w, null, 1, 1);
  const x = coil.randn(1, 4, 5, 5), w = coil.randn(6, 4, 3, 3);
  const r = compileFrozen(f, [x, w]);
  assert.ok(r.nodes.some((n) => n.target === aten.convolution.default), r.graph);
  assert.equal(coil.counters.inductor.pattern_matcher_count ?? 0, 0);
  const tr = new nn.ConvTranspose2d(4, 2, 3).eval();
  const t = compileFrozen(tr, [x]);
  assert.ok(t.nodes.some((n) => n.target === aten.convolution.default), t.graph);
  assertClose(t.out, coil.noGrad(() => tr.call(x) as T));
});

test("frozen conv + relu in bfloat16 matches eager", () => {
  const mod = new nn.Conv2d(3, 4, 3, { padding: 1 }).to("bfloat16").eval();
  const x = coil.randn(2, 3, 5, 5, { dtype: "bfloat16" });
  const f = (x: T) => (mod.call(x) as T).relu();
  const r = compileFrozen(f, [x]);
  assert.ok(r.nodes.some((n) => n.target === cpu._convolution_pointwise.default && n.args[7] === "relu"), r.graph);
  assertClose(r.out, coil.noGrad(() => f(x)), 1.6e-2, 1.6e-2);
});

test("freezing does nothing to training compiles", () => {
  const mod = new Lin();
  const x = coil.randn(2, 6);
  let placeholders = 0;
  const out = config.patch({ freezing: true, postGradCustomPostPass: (g: Graph, ctx: { kind: string }) => { if (ctx.kind === "forward") placeholders = [...g.nodes].filter((n) => n.op === "placeholder").length; } },
    () => coil.compile(mod)(x) as T);
  assert.equal(placeholders, 3);
  (out.sum() as T).backward();
  assert.ok(mod.fc.weight.grad);
});
