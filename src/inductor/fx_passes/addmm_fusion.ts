// inductor/fx_passes/addmm_fusion: post-grad GEMM fusions. Bias: `mm(a, b) + bias` (either operand
// order, alpha 1) -> `addmm(bias, a, b)` when bias broadcasts to the product along rows ([N], [1, N] or
// [M, N]) and has its dtype (counts 1 match of 2 nodes). Epilogue (a later pattern pass, so it sees the
// addmm the bias fusion made), for frozen weights only (mat2 a constant, as Inductor's mkldnn linear
// fusions, which need freezing; unfrozen graphs keep extern addmm + a fused pointwise kernel, as
// Inductor): `relu/gelu/silu/sigmoid/tanh/hardtanh/clamp(addmm(bias, a, W))` or of `mm(a, W)` ->
// `cpu._addmm_pointwise(bias | null, a, W, attr, scalars, algorithm)`: one GEMM, bias and activation
// applied before the result is stored (counts 1 match of 2 nodes). The product must have no other user. In: the PatternMatcherPasses to register into. Out: registrations.

import { Node } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import { cpu } from "../../ops/cpu.js";
import { CallFunction, KeywordArg, registerGraphPattern, type Match, type PatternMatcherPass } from "../pattern_matcher/index.js";
import { sameShape, valOf } from "./node_args.js";
import { epilogueOf, epiloguePatterns } from "./conv_pointwise_fusion.js";
// The fused op must be lowerable wherever this pass runs (until the lowering index imports it).
import "../lowering/cpu_conv_pointwise.js";

function biasFits(match: Match): boolean {
  const add = match.outputNode();
  const alpha = add.kwargs.alpha;
  if (alpha !== undefined && alpha !== null && alpha !== 1) return false;
  const bias = match.kwargs.bias, mm = valOf(match.nodes.find((n) => n.target === aten.mm.default));
  const b = valOf(bias), out = valOf(add);
  if (!(bias instanceof Node) || !b || !mm || !out || mm.ndim !== 2 || b.dtype !== mm.dtype || out.dtype !== mm.dtype) return false;
  if (!sameShape(out.shape, mm.shape)) return false;
  const [M, N] = mm.shape as [number, number];
  return (b.ndim === 1 && b.shape[0] === N) || (b.ndim === 2 && (b.shape[0] === 1 || b.shape[0] === M) && b.shape[1] === N);
}

export function registerAddmmFusion(pass: PatternMatcherPass): void {
  const mm = CallFunction(aten.mm.default, KeywordArg("mat1"), KeywordArg("mat2"));
  for (const pattern of [CallFunction(aten.add.Tensor, mm, KeywordArg("bias")), CallFunction(aten.add.Tensor, KeywordArg("bias"), mm)]) {
    registerGraphPattern(pattern, { passDict: pass, extraCheck: biasFits })(
      function addmmBiasFusion(match: Match, kw: Record<string, unknown>): void {
        const add = match.outputNode();
        const g = match.graph;
        const fused = g.callFunction(aten.addmm.default, [kw.bias as Node, kw.mat1 as Node, kw.mat2 as Node]);
        fused.meta.val = add.meta.val;
        add.replaceAllUsesWith(fused);
        match.eraseNodes();
      },
    );
  }
}

const FLOATS = new Set(["float32", "float64", "bfloat16", "float16"]);

function epilogueFits(match: Match): boolean {
  const inner = match.nodes.find((n) => n.target === aten.addmm.default || n.target === aten.mm.default);
  const out = valOf(match.outputNode()), v = valOf(inner);
  if (!inner || !out || !v || out.dtype !== v.dtype || !FLOATS.has(v.dtype.name) || !sameShape(out.shape, v.shape)) return false;
  const w = match.kwargs.mat2;
  if (!(w instanceof Node) || w.op !== "get_attr") return false; // frozen weights only
  if (inner.target === aten.addmm.default) {
    const { beta, alpha } = inner.kwargs;
    if ((beta !== undefined && beta !== 1) || (alpha !== undefined && alpha !== 1) || inner.args.length !== 3) return false;
  }
  return epilogueOf(match.outputNode()) !== null;
}

export function registerGemmEpilogueFusion(pass: PatternMatcherPass): void {
  const inners = [
    () => CallFunction(aten.addmm.default, KeywordArg("bias"), KeywordArg("mat1"), KeywordArg("mat2")),
    () => CallFunction(aten.mm.default, KeywordArg("mat1"), KeywordArg("mat2")),
  ];
  for (const inner of inners) {
    for (const pattern of epiloguePatterns(inner)) {
      registerGraphPattern(pattern, { passDict: pass, extraCheck: epilogueFits })(
        function gemmEpilogueFusion(match: Match, kw: Record<string, unknown>): void {
          const unary = match.outputNode();
          const e = epilogueOf(unary)!;
          const g = match.graph;
          const fused = g.callFunction(cpu._addmm_pointwise.default, [(kw.bias as Node | undefined) ?? null, kw.mat1 as Node, kw.mat2 as Node, e.attr, e.scalars, e.algorithm]);
          fused.meta.val = unary.meta.val;
          unary.replaceAllUsesWith(fused);
          match.eraseNodes();
        },
      );
    }
  }
}
