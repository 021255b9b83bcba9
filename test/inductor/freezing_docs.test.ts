// Runs the examples of docs/custom-passes.md §6 (addmm fusion and patternMatcher: false), §7 (the
// seed's conv+relu lowering pattern on a frozen graph) and §8 (the packed weight and the fused op).

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as coil from "../../src/index.js";
import {
  config, PatternMatcherPass, CallFunction, Arg, registerLoweringPattern, getHashForFiles, lowerings, type Match,
} from "../../src/inductor.js";
import type { Graph } from "../../src/fx/index.js";

const { aten, cpu, counters } = coil;
type T = coil.Tensor;
const thisFile = fileURLToPath(import.meta.url);

function assertClose(a: T, b: T, atol = 1e-5, rtol = 1.3e-6): void {
  assert.deepEqual(a.shape, b.shape);
  const x = Array.from(a.toArray() as ArrayLike<number>), y = Array.from(b.toArray() as ArrayLike<number>);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= atol + rtol * Math.abs(y[i]!), `element ${i}: ${v} vs ${y[i]}`));
}

test("docs §6: mm + bias becomes addmm; patternMatcher: false keeps mm + add", () => {
  const f = (a: T, b: T, bias: T) => coil.mm(a, b).add(bias);
  const a = coil.randn(3, 4), b = coil.randn(4, 5), bias = coil.randn(5);
  let seen: string[] = [];
  const spy = (g: Graph) => { seen = [...g.nodes].filter((n) => n.op === "call_function").map((n) => String(n.target)); };
  counters.clear();
  const y = config.patch({ postGradCustomPostPass: spy }, () => coil.compile(f)(a, b, bias) as T);
  assert.deepEqual(seen, ["aten.addmm.default"]);
  assert.equal(counters.inductor.pattern_matcher_count, 1);
  assert.equal(counters.inductor.pattern_matcher_nodes, 2);
  assertClose(y, f(a, b, bias));
  config.patch({ patternMatcher: false, postGradCustomPostPass: spy }, () => coil.compile(f)(a, b, bias));
  assert.deepEqual(seen, ["aten.mm.default", "aten.add.Tensor"]);
});

class ConvReLU extends coil.nn.Module {
  conv: coil.nn.Conv2d;
  constructor(ic: number, oc: number) { super(); this.conv = new coil.nn.Conv2d(ic, oc, 3, { stride: 1, padding: 1 }); }
  override forward(x: T): T { return (this.conv.call(x) as T).relu(); }
}

test("docs §7: the seed's conv+relu lowering pattern after freezing counts 2 and 3", () => {
  class CustomPass extends PatternMatcherPass {
    override call(g: Graph): void { this.apply(g); }
    override uuid(): string { return getHashForFiles([thisFile]); }
  }
  const customPass = new CustomPass();
  registerLoweringPattern(
    CallFunction(aten.relu, CallFunction(cpu._convolution_pointwise.default, Arg(), Arg(), Arg(), Arg(), Arg(),
      Arg(), Arg(), Arg(), Arg(), Arg(), { _users: 1 })),
    { passDict: customPass },
  )(function fn(_match: Match, ...args: unknown[]) {
    return lowerings.call(cpu._convolution_pointwise.default, ...args.slice(0, -3), "relu", [], "");
  });
  const mod = new ConvReLU(16, 16).eval();
  const x = coil.randn(1, 16, 12, 12);
  counters.clear();
  const y = config.patch({ freezing: true, patternMatcher: false, postGradCustomPrePass: customPass }, () =>
    coil.noGrad(() => coil.compile(mod)(x) as T));
  assert.equal(counters.inductor.pattern_matcher_count, 2);
  assert.equal(counters.inductor.pattern_matcher_nodes, 3);
  assertClose(y, coil.noGrad(() => mod.call(x) as T));
});

test("docs §8: packed weight and the fused gelu(tanh) epilogue", () => {
  const x = coil.randn(2, 3, 6, 6), w = coil.randn(8, 3, 3, 3), b = coil.randn(8);
  const packed = cpu._reorder_convolution_weight.default(w, [1, 1], [1, 1], [1, 1], 1) as T;
  assert.deepEqual(packed.shape, [1, 2, 3, 3, 3, 4]);
  const y = cpu._convolution_pointwise.default(x, packed, b, [1, 1], [1, 1], [1, 1], 1, "gelu", [], "tanh") as T;
  const ref = aten.gelu.default(aten.convolution.default(x, w, b, [1, 1], [1, 1], [1, 1], false, [0, 0], 1), { approximate: "tanh" }) as T;
  assertClose(y, ref);
});
