// The seed test (shared/reference/seed_test_custom_post_grad_passes.py) in TypeScript: custom joint
// passes, the pre-grad merge-mm pass on bfloat16 inputs, the per-device backend pass,
// and the conv+relu custom pre/post passes with freezing and patternMatcher: false (a lowering pattern
// onto cpu._convolution_pointwise after freezing's conv weight prepack: counts 2 and 3).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { CustomGraphPass, CustomGraphModulePass, getHashForFiles } from "../../src/inductor/custom_graph_pass.js";
import { patchInductorBackend, getCustomBackendPassForDevice } from "../../src/inductor/backend_registry.js";
import { getitem, type Graph, type GraphModule, type Node } from "../../src/fx/index.js";
import { fileURLToPath } from "node:url";
import { cpu } from "../../src/ops/cpu.js";
import { lowerings } from "../../src/inductor/lowering_table.js";
import { Arg, CallFunction, PatternMatcherPass, registerLoweringPattern, type Match } from "../../src/inductor/pattern_matcher/index.js";

const { aten } = coil;
const thisFile = fileURLToPath(import.meta.url);

function changeCosPass(graph: Graph): void {
  for (const node of graph.nodes) {
    if (node.op === "call_function" && node.target === aten.cos.default) node.target = aten.sin.default;
  }
}

class ChangeCosCustomPass extends CustomGraphPass {
  call(g: Graph): void { changeCosPass(g); }
  uuid(): string { return getHashForFiles([thisFile]); }
}

function assertClose(a: coil.Tensor, b: coil.Tensor, atol = 1e-5, rtol = 1.3e-6): void {
  assert.deepEqual(a.shape, b.shape);
  assert.equal(a.dtype, b.dtype);
  const x = a.toArray(), y = b.toArray();
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= atol + rtol * Math.abs(y[i]!), `element ${i}: ${v} vs ${y[i]}`));
}

const g = (x: coil.Tensor) => x.sin().sin().sin();
const f = (x: coil.Tensor) => x.cos().cos().cos();

test("custom joint pass pre: cos becomes sin", () => {
  config.patch({ jointCustomPrePass: new ChangeCosCustomPass() }, () => {
    const x = coil.randn(8, { dtype: "float32" });
    assertClose(coil.compile(f)(x) as coil.Tensor, g(x));
  });
});

test("custom joint pass post: cos becomes sin", () => {
  config.patch({ jointCustomPostPass: new ChangeCosCustomPass() }, () => {
    const x = coil.randn(8, { dtype: "float32" });
    assertClose(coil.compile(f)(x) as coil.Tensor, g(x));
  });
});

test("custom joint pass sees the joint graph in training", () => {
  const seen: string[] = [];
  const spy = (graph: Graph, ctx: { kind: string }) => { seen.push(ctx.kind); seen.push(graph.toString()); };
  config.patch({ jointCustomPrePass: spy }, () => {
    const x = coil.randn(8, { requiresGrad: true });
    (coil.compile((x: coil.Tensor) => x.cos().cos().cos().sum())(x) as coil.Tensor).backward();
  });
  assert.equal(seen[0], "joint");
  assert.match(seen[1]!, /%primals_1 : \[num_users=2\] = placeholder/);
  assert.match(seen[1]!, /%tangents_1 : \[num_users=1\] = placeholder/);
  assert.match(seen[1]!, /%expand : \[num_users=1\] = call_function\[target=aten\.expand\.default\]\(args = \(%tangents_1, \[8\]\)/);
});

test("custom pre-grad pass: merge mm sharing a rhs (bfloat16), reading meta.exampleValue", () => {
  let saved: Graph | null = null;
  function mergeMmSharedRhs(graph: Graph): void {
    saved = graph;
    const matmuls = [...graph.nodes].filter((n) => n.target === coil.mm);
    const rhsVals = new Map<unknown, Node[]>();
    for (const m of matmuls) {
      const list = rhsVals.get(m.args[1]) ?? [];
      list.push(m);
      rhsVals.set(m.args[1], list);
    }
    const order = new Map([...graph.nodes].map((n, i) => [n, i]));
    for (const [rhs, mms] of rhsVals) {
      if (mms.length === 1) continue;
      mms.sort((a, b) => order.get(a)! - order.get(b)!);
      const splitVals = graph.insertingBefore(mms[0]!, () => {
        const lhsVals = mms.map((m) => m.args[0] as Node);
        const newCat = graph.createNode("call_function", coil.cat, [lhsVals, 0]);
        const newMm = graph.createNode("call_function", coil.mm, [newCat, rhs as Node]);
        return graph.createNode("call_function", coil.split, [newMm, lhsVals.map((l) => (l.meta.exampleValue as coil.Tensor).shape[0]!)]);
      });
      mms.forEach((m, idx) => {
        m.target = getitem;
        m.args = [splitVals, idx];
      });
    }
  }
  config.patch({ preGradCustomPass: mergeMmSharedRhs }, () => {
    const fn = coil.compile((W: coil.Tensor, nestedSeqs: coil.Tensor[]) => nestedSeqs.map((s) => coil.mm(s, W)));
    const W = coil.randn(16, 16, { dtype: "bfloat16" });
    const seqs = [4, 8, 5, 3].map((l) => coil.randn(l, 16, { dtype: "bfloat16" }));
    const outs = fn(W, seqs) as coil.Tensor[];
    assert.ok(saved !== null);
    const matmuls = [...saved!.nodes].filter((n) => n.target === coil.mm);
    assert.equal(matmuls.length, 1);
    outs.forEach((o, i) => assertClose(o, coil.mm(seqs[i]!, W), 1e-2, 1.6e-2));
  });
});

test("custom backend pass via patchInductorBackend wraps the existing pass", () => {
  class CustomBackendPass extends CustomGraphModulePass {
    constructor(private readonly existing: ReturnType<typeof getCustomBackendPassForDevice>) { super(); }
    call(gm: GraphModule): void {
      if (this.existing) (typeof this.existing === "function" ? this.existing(gm) : this.existing.call(gm));
      changeCosPass(gm.graph);
    }
    uuid(): string { return getHashForFiles([thisFile]); }
  }
  const custom = new CustomBackendPass(getCustomBackendPassForDevice("cpu"));
  patchInductorBackend("cpu", { customPass: custom }, () => {
    const x = coil.randn(8, { dtype: "float32" });
    assertClose(coil.compile(f)(x) as coil.Tensor, g(x));
  });
  assert.equal(getCustomBackendPassForDevice("cpu"), null, "original registration restored");
});

test("a failing user pass names the hook and the pass", () => {
  function brokenPass(): void { throw new Error("boom"); }
  config.patch({ postGradCustomPostPass: brokenPass }, () => {
    assert.throws(() => coil.compile((x: coil.Tensor) => x.cos(), { fullgraph: true })(coil.randn(4)), /postGradCustomPostPass custom pass 'brokenPass' failed on the inference graph: boom/);
  });
});

// ---- conv+relu with freezing and patternMatcher: false (the seed's test_custom_pre_pass / test_custom_post_pass) ----

/** The seed's mkldnn conv+relu fusion, on coil's cpu._convolution_pointwise, as a lowering pattern. */
function registerCpuConvReluFusion(customPassDict: PatternMatcherPass): void {
  const convReluPattern = CallFunction(aten.relu,
    CallFunction(cpu._convolution_pointwise.default, Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), { _users: 1 }));
  registerLoweringPattern(convReluPattern, { passDict: customPassDict, extraCheck: () => true })(
    function fn(_match: Match, ...args: unknown[]) {
      const computationArgs = [...args.slice(0, -3), "relu", [], ""];
      return lowerings.call(cpu._convolution_pointwise.default, ...computationArgs);
    },
  );
}

class CustomPass extends PatternMatcherPass {
  override call(g: Graph): void { this.apply(g); }
  override uuid(): string { return getHashForFiles([thisFile]); }
}

class ConvReLU extends coil.nn.Module {
  conv: coil.nn.Conv2d;
  constructor(ic: number, oc: number) {
    super();
    this.conv = new coil.nn.Conv2d(ic, oc, 3, { stride: 1, padding: 1 });
  }
  override forward(x: coil.Tensor): coil.Tensor { return (this.conv.call(x) as coil.Tensor).relu(); }
}

/** The seed's _test_common: counters cleared, eager vs compiled under noGrad, then the two counts. */
function testCommon(mod: coil.nn.Module, inputs: coil.Tensor[], matcherCount: number, matcherNodes: number): void {
  coil.counters.clear();
  coil.noGrad(() => {
    const cloned = inputs.map((x) => x.clone());
    const expected = mod.call(...inputs) as coil.Tensor;
    const actual = coil.compile(mod)(...cloned) as coil.Tensor;
    assertClose(actual, expected, 1e-5, 1.3e-6);
  });
  assert.equal(coil.counters.inductor.pattern_matcher_count, matcherCount);
  assert.equal(coil.counters.inductor.pattern_matcher_nodes, matcherNodes);
}

for (const hook of ["postGradCustomPrePass", "postGradCustomPostPass"] as const) {
  test(`custom ${hook === "postGradCustomPrePass" ? "pre" : "post"} pass: conv+relu lowering pattern with freezing (counts 2 and 3)`, () => {
    const customPass = new CustomPass();
    config.patch({ freezing: true, patternMatcher: false, postGradCustomPrePass: null, postGradCustomPostPass: null, [hook]: customPass }, () => {
      registerCpuConvReluFusion(customPass);
      const mod = new ConvReLU(16, 16).eval();
      const x = coil.randn([1, 16, 56, 56], { dtype: "float32" });
      const matchCount = 1, matchNodes = 2; // conv_pointwise + relu
      const otherMatchCount = 1, otherMatchNodes = 1; // conv weight prepack (freezing)
      testCommon(mod, [x], matchCount + otherMatchCount, matchNodes + otherMatchNodes);
      assert.equal(coil.counters.inductor.cpu_conv_weight_pack_matcher_count, 1);
      assert.equal(coil.counters.inductor.fxgraph_cache_bypass, 1, "freezing bypasses the FX graph cache");
    });
  });
}
