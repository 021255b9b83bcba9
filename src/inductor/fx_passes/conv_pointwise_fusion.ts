// inductor/fx_passes/conv_pointwise_fusion: post-grad patterns folding a pointwise epilogue into a
// frozen convolution (Inductor's mkldnn unary fusions): cpu._convolution_pointwise(..., "none", [], "")
// followed by relu, gelu (none/tanh), silu, sigmoid, tanh, hardtanh(min, max) or clamp(min, max)
// becomes one cpu._convolution_pointwise with that attr, scalars and algorithm. The convolution comes
// from freezing's weight prepack, so this fires on frozen inference graphs. Counts 1 match of 2 nodes.
// In: the post-grad PatternMatcherPass to register into. Out: the registrations.

import { Node } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import { cpu } from "../../ops/cpu.js";
import { Arg, CallFunction, Ignored, registerGraphPattern, type Match, type PatternExpr, type PatternMatcherPass } from "../pattern_matcher/index.js";
import { boundArgs } from "./node_args.js";

const convArgs = () => [Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg()];
const conv = () => CallFunction(cpu._convolution_pointwise.default, ...convArgs());

export type Epilogue = { attr: string; scalars: (number | null)[]; algorithm: string } | null;

/** The unary ops a fused epilogue can take, as patterns around `inner` (every arity they appear with). */
export function epiloguePatterns(inner: () => PatternExpr): PatternExpr[] {
  return [
    CallFunction([aten.relu.default, aten.silu.default, aten.sigmoid.default, aten.tanh.default, aten.gelu.default, aten.hardtanh.default, aten.clamp.default], inner()),
    CallFunction(aten.hardtanh.default, inner(), Ignored(), Ignored()),
    CallFunction(aten.clamp.default, inner(), Ignored()),
    CallFunction(aten.clamp.default, inner(), Ignored(), Ignored()),
  ];
}

/** The fused-op attr/scalars/algorithm equivalent to the matched unary node, if any. */
export function epilogueOf(unary: Node): Epilogue {
  const a = boundArgs(unary);
  if (!a) return null;
  const t = unary.target;
  const num = (v: unknown): v is number => typeof v === "number";
  if (t === aten.relu.default) return { attr: "relu", scalars: [], algorithm: "" };
  if (t === aten.silu.default) return { attr: "silu", scalars: [], algorithm: "" };
  if (t === aten.sigmoid.default) return { attr: "sigmoid", scalars: [], algorithm: "" };
  if (t === aten.tanh.default) return { attr: "tanh", scalars: [], algorithm: "" };
  if (t === aten.gelu.default) return a.approximate === "tanh" || a.approximate === "none" ? { attr: "gelu", scalars: [], algorithm: a.approximate as string } : null;
  if (t === aten.hardtanh.default) return num(a.min_val) && num(a.max_val) ? { attr: "hardtanh", scalars: [a.min_val, a.max_val], algorithm: "" } : null;
  if (t === aten.clamp.default) {
    const ok = (v: unknown) => v === null || num(v);
    return ok(a.min) && ok(a.max) ? { attr: "clamp", scalars: [a.min as number | null, a.max as number | null], algorithm: "" } : null;
  }
  return null;
}

function fusible(match: Match): boolean {
  const c = match.nodes.find((n) => n.target === cpu._convolution_pointwise.default);
  return !!c && c.args[7] === "none" && epilogueOf(match.outputNode()) !== null;
}

export function registerConvPointwiseFusion(pass: PatternMatcherPass): void {
  for (const pattern of epiloguePatterns(conv)) {
    registerGraphPattern(pattern, { passDict: pass, extraCheck: fusible })(
      function convUnaryFusion(match: Match, ...args: unknown[]): void {
        const unary = match.outputNode();
        const e = epilogueOf(unary)!;
        const g = match.graph;
        const fused = g.callFunction(cpu._convolution_pointwise.default, [...(args.slice(0, 7) as Node[]), e.attr, e.scalars, e.algorithm]);
        fused.meta.val = unary.meta.val;
        unary.replaceAllUsesWith(fused);
        match.eraseNodes();
      },
    );
  }
}
