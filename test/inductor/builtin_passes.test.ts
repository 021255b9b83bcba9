// The built-in graph passes: each pass's effect on a small graph (seen from the custom hook that runs
// right after it), unchanged results, `patternMatcher: false` turning them off, and the counters of the
// pattern-based ones (mm + bias -> addmm, frozen conv + epilogue). Unit tests of cse/dce/noop removal
// on hand-built graphs for the cases capture cannot produce (random ops, mutations).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { Graph, type Node } from "../../src/fx/index.js";
import { cse } from "../../src/inductor/fx_passes/cse.js";
import { dce } from "../../src/inductor/fx_passes/dce.js";
import { removeNoops } from "../../src/inductor/fx_passes/noop_removal.js";
import { cpu } from "../../src/ops/cpu.js";
import { assertClose } from "./assert_close.js";

const { aten } = coil;
type T = coil.Tensor;

const targets = (g: Graph): string[] => [...g.nodes].filter((n) => n.op === "call_function").map((n) => String(n.target));

/** Compile fn under `patch`, recording the call targets seen by the joint post and post-grad post hooks. */
function compileAndSee(fn: (...a: T[]) => T, args: T[], patch: Record<string, unknown> = {}): { out: T; joint: string[]; post: string[] } {
  let joint: string[] = [], post: string[] = [];
  const out = config.patch({
    jointCustomPostPass: (g: Graph) => { joint = targets(g); },
    postGradCustomPostPass: (g: Graph) => { post = targets(g); },
    ...patch,
  }, () => coil.noGrad(() => coil.compile(fn)(...args) as T));
  return { out, joint, post };
}

test("no-op removal: x*1, x+0, x/1, x-0, same-shape view/expand disappear; results unchanged", () => {
  const f = (x: T) => x.mul(1).add(0).div(1).sub(0).view(4, 3).expand(4, 3).cos();
  const x = coil.randn(4, 3);
  const on = compileAndSee(f, [x]);
  assert.deepEqual(on.joint, ["aten.cos.default"]);
  assertClose(on.out, f(x));
  const off = compileAndSee(f, [x], { patternMatcher: false });
  assert.ok(off.joint.length > 1, `patternMatcher: false keeps them: ${off.joint}`);
  assertClose(off.out, f(x));
});

test("no-op removal keeps ops that change dtype or shape, and never returns an input as an output", () => {
  const xi = coil.tensor([1, 2, 3], { dtype: "int32" });
  const f = (x: T) => x.mul(1.5).mul(1);
  const r = compileAndSee(f, [xi]);
  assert.equal(r.joint.filter((t) => t.startsWith("aten.mul.")).length, 1, `int*1.5 promotes; only the *1 goes: ${r.joint}`);
  const g = (x: T) => x.mul(1);
  const s = compileAndSee(g, [coil.randn(3)]);
  assert.equal(s.joint.length, 1, "x*1 returned directly would alias the input");
  const v = (x: T) => x.view(2, 6).cos();
  assert.ok(compileAndSee(v, [coil.randn(3, 4)]).joint.includes("aten.view.default"));
});

test("CSE merges identical pure calls", () => {
  const f = (x: T) => x.sin().add(x.sin()).mul(x.exp()).add(x.exp());
  const x = coil.randn(5);
  const on = compileAndSee(f, [x]);
  assert.equal(on.joint.filter((t) => t === "aten.sin.default").length, 1);
  assert.equal(on.joint.filter((t) => t === "aten.exp.default").length, 1);
  assertClose(on.out, f(x));
  const off = compileAndSee(f, [x], { patternMatcher: false });
  assert.equal(off.joint.filter((t) => t === "aten.sin.default").length, 2);
});

test("CSE never merges random ops or calls across a mutation", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const r1 = g.callFunction(aten.rand_like.default, [x]);
  const r2 = g.callFunction(aten.rand_like.default, [x]);
  const s1 = g.callFunction(aten.sin.default, [x]);
  const m = g.callFunction(aten.add_.Tensor, [x, 1]);
  const s2 = g.callFunction(aten.sin.default, [x]);
  const s3 = g.callFunction(aten.sin.default, [x]);
  g.output([r1, r2, s1, m, s2, s3] as Node[]);
  assert.equal(cse(g), 1, "only s3 (same region as s2) merges");
  assert.equal(targets(g).filter((t) => t === "aten.rand_like.default").length, 2);
  assert.equal(targets(g).filter((t) => t === "aten.sin.default").length, 2);
});

test("DCE erases unused pure nodes but keeps in-place and random ones", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  g.callFunction(aten.cos.default, [x]);
  g.callFunction(aten.rand_like.default, [x]);
  g.callFunction(aten.add_.Tensor, [x, 1]);
  const s = g.callFunction(aten.sin.default, [x]);
  g.output(s);
  assert.equal(dce(g), 1);
  assert.deepEqual(targets(g), ["aten.rand_like.default", "aten.add_.Tensor", "aten.sin.default"]);
});

test("no-op removal leaves clones that an in-place op writes through", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  x.meta.val = coil.randn(3);
  const c1 = g.callFunction(aten.cos.default, [x]);
  c1.meta.val = coil.randn(3);
  const cl = g.callFunction(aten.clone.default, [c1]);
  cl.meta.val = coil.randn(3);
  const m = g.callFunction(aten.add_.Tensor, [cl, 1]);
  g.output([m, c1] as Node[]);
  assert.equal(removeNoops(g), 0);
});

test("uniform values fold in the joint graph: full([n], 2) * 3 + 1 becomes full([n], 7)", () => {
  const f = (x: T) => x.add(coil.full([4], 2).mul(3).add(1));
  const x = coil.randn(4);
  const on = compileAndSee(f, [x]);
  assert.deepEqual(on.joint, ["aten.full.default", "aten.add.Tensor"]);
  assertClose(on.out, f(x));
  const off = compileAndSee(f, [x], { patternMatcher: false });
  assert.ok(off.joint.some((t) => t.startsWith("aten.mul.")), `${off.joint}`);
});

test("mm + bias becomes addmm (either order), counted 1 match of 2 nodes; off with patternMatcher: false", () => {
  const a = coil.randn(5, 4), b = coil.randn(4, 3), bias = coil.randn(3);
  for (const f of [(a: T, b: T, c: T) => coil.mm(a, b).add(c), (a: T, b: T, c: T) => c.add(coil.mm(a, b))]) {
    coil.counters.clear();
    const on = compileAndSee(f, [a, b, bias]);
    assert.deepEqual(on.post, ["aten.addmm.default"]);
    assert.equal(coil.counters.inductor.pattern_matcher_count, 1);
    assert.equal(coil.counters.inductor.pattern_matcher_nodes, 2);
    assertClose(on.out, f(a, b, bias));
    coil.counters.clear();
    const off = compileAndSee(f, [a, b, bias], { patternMatcher: false });
    assert.deepEqual(off.post, ["aten.mm.default", "aten.add.Tensor"]);
    assert.equal(coil.counters.inductor.pattern_matcher_count ?? 0, 0);
  }
});

test("mm + a bias that does not broadcast along rows stays unfused", () => {
  const f = (a: T, b: T, c: T) => coil.mm(a, b).add(c);
  const on = compileAndSee(f, [coil.randn(5, 4), coil.randn(4, 3), coil.randn(5, 1)]);
  assert.deepEqual(on.post, ["aten.mm.default", "aten.add.Tensor"]);
});

class ConvAct extends coil.nn.Module {
  conv = new coil.nn.Conv2d(4, 8, 3, { padding: 1 });
  constructor(private readonly act: (x: T) => T) { super(); }
  override forward(x: T): T { return this.act(this.conv.call(x) as T); }
}

const acts: [string, (x: T) => T, string, unknown[], string][] = [
  ["relu", (x) => x.relu(), "relu", [], ""],
  ["gelu tanh", (x) => coil.nn.functional.gelu(x, { approximate: "tanh" }), "gelu", [], "tanh"],
  ["silu", (x) => coil.nn.functional.silu(x), "silu", [], ""],
  ["hardtanh (decomposed to clamp by AOT)", (x) => coil.hardtanh(x, -0.5, 0.5), "clamp", [-0.5, 0.5], ""],
  ["clamp", (x) => x.clamp(0, 6), "clamp", [0, 6], ""],
];

for (const [name, act, attr, scalars, alg] of acts) {
  test(`frozen conv + ${name} fuses into cpu._convolution_pointwise(attr "${attr}") (counts 2 and 3)`, () => {
    const mod = new ConvAct(act).eval();
    const x = coil.randn(2, 4, 6, 6);
    let post: Node[] = [];
    coil.counters.clear();
    const out = config.patch({ freezing: true, postGradCustomPostPass: (g: Graph) => { post = [...g.nodes].filter((n) => n.op === "call_function"); } },
      () => coil.noGrad(() => coil.compile(mod)(x) as T));
    assert.equal(post.length, 1, post.map(String).join(", "));
    assert.equal(post[0]!.target, cpu._convolution_pointwise.default);
    assert.deepEqual(post[0]!.args.slice(7), [attr, scalars, alg]);
    assert.equal(coil.counters.inductor.pattern_matcher_count, 2);
    assert.equal(coil.counters.inductor.pattern_matcher_nodes, 3);
    assertClose(out, coil.noGrad(() => mod.call(x) as T), 1e-5, 1e-5);
  });
}

class LinAct extends coil.nn.Module {
  fc = new coil.nn.Linear(5, 4);
  constructor(private readonly act: (x: T) => T) { super(); }
  override forward(x: T): T { return this.act(this.fc.call(x) as T); }
}

test("frozen linear + epilogue becomes cpu._addmm_pointwise; unfrozen graphs keep addmm + the pointwise op", () => {
  const x = coil.randn(6, 5);
  for (const [act, attr, alg] of [[(y: T) => y.relu(), "relu", ""], [(y: T) => coil.nn.functional.gelu(y, { approximate: "tanh" }), "gelu", "tanh"]] as const) {
    const mod = new LinAct(act).eval();
    let post: Node[] = [];
    coil.counters.clear();
    const out = config.patch({ freezing: true, postGradCustomPostPass: (g: Graph) => { post = [...g.nodes].filter((n) => n.op === "call_function"); } },
      () => coil.noGrad(() => coil.compile(mod)(x) as T));
    assert.deepEqual(post.map((n) => String(n.target)), ["cpu._addmm_pointwise.default"]);
    assert.deepEqual(post[0]!.args.slice(3), [attr, [], alg]);
    assert.equal((post[0]!.args[2] as Node).op, "get_attr", "the folded, transposed weight");
    assert.equal(coil.counters.inductor.pattern_matcher_count, 1);
    assert.equal(coil.counters.inductor.pattern_matcher_nodes, 2);
    assertClose(out, coil.noGrad(() => mod.call(x) as T));
    const plain = compileAndSee((y: T) => mod.call(y) as T, [x]);
    assert.ok(plain.post.includes("aten.addmm.default") && !plain.post.includes("cpu._addmm_pointwise.default"), `${plain.post}`);
  }
});

test("frozen mm + bias + relu: bias fusion then epilogue fusion (counts 2 and 4); off with patternMatcher: false", () => {
  class M extends coil.nn.Module {
    w = new coil.nn.Parameter(coil.randn(5, 4));
    b = new coil.nn.Parameter(coil.randn(4));
    override forward(a: T): T { return coil.mm(a, this.w).add(this.b).relu(); }
  }
  const mod = new M().eval();
  const a = coil.randn(6, 5);
  coil.counters.clear();
  const on = compileAndSee((x: T) => mod.call(x) as T, [a], { freezing: true });
  assert.deepEqual(on.post, ["cpu._addmm_pointwise.default"]);
  assert.equal(coil.counters.inductor.pattern_matcher_count, 2, "addmm bias fusion, then the epilogue fusion");
  assert.equal(coil.counters.inductor.pattern_matcher_nodes, 4);
  assertClose(on.out, coil.noGrad(() => mod.call(a) as T));
  const off = compileAndSee((x: T) => mod.call(x) as T, [a], { freezing: true, patternMatcher: false });
  assert.deepEqual(off.post, ["aten.mm.default", "aten.add.Tensor", "aten.relu.default"]);
});

test("GEMM + epilogue leaves a frozen product that has another user", () => {
  class M extends coil.nn.Module {
    w = new coil.nn.Parameter(coil.randn(3, 3));
    override forward(a: T): T { const p = coil.mm(a, this.w); return p.relu().add(p); }
  }
  const mod = new M().eval();
  const a = coil.randn(3, 3);
  const r = compileAndSee((x: T) => mod.call(x) as T, [a], { freezing: true });
  assert.ok(r.post.includes("aten.mm.default") && r.post.includes("aten.relu.default"), `${r.post}`);
  assertClose(r.out, coil.noGrad(() => mod.call(a) as T));
});
