// inductor/fx_passes/addmm_fusion: post-grad pattern `mm(a, b) + bias` (either operand order, alpha 1)
// -> `addmm(bias, a, b)` when bias broadcasts to the product along rows ([N], [1, N] or [M, N]) and
// has its dtype: one GEMM with the bias folded into its initialisation instead of a GEMM and a
// pointwise pass. The mm must have no other user. Counts 1 match of 2 nodes.
// In: the post-grad PatternMatcherPass to register into. Out: the registration.

import { Node } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import { CallFunction, KeywordArg, registerGraphPattern, type Match, type PatternMatcherPass } from "../pattern_matcher/index.js";
import { sameShape, valOf } from "./node_args.js";

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
