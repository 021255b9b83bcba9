// inductor/freezing/freezing_patterns: the patterns that run after parameters became constants, in
// their own PatternMatcherPass ("freezing_patterns"), even with `config.patternMatcher` off (as
// Inductor's freezing patterns). Among them the conv weight prepack: aten.convolution.default with a
// constant 2-d weight, not transposed, becomes cpu._convolution_pointwise(input, packed, bias, padding,
// stride, dilation, groups, "none", [], "") where packed = cpu._reorder_convolution_weight(weight) is
// a new constant. A one-node pattern: it counts pattern_matcher_count 1 and pattern_matcher_nodes 1.
// In: a frozen GraphModule. Out: the module, rewritten; the number of matches.

import { Tensor } from "../../tensor/tensor.js";
import { Node, type GraphModule } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import { cpu } from "../../ops/cpu.js";
import { noGrad } from "../../autograd/index.js";
import { bump } from "../../utils/counters.js";
import { CallFunction, KeywordArg, PatternMatcherPass, registerGraphPattern, type Match } from "../pattern_matcher/index.js";
import { addConstant } from "./constant_folding.js";
// The op these patterns create must be lowerable wherever they run (until the lowering index imports it).
import "../lowering/cpu_conv_pointwise.js";

/** The module whose constants the current apply() reads (set around each run). */
let currentModule: GraphModule | null = null;

function constantOf(x: unknown): Tensor | null {
  if (!(x instanceof Node) || x.op !== "get_attr" || !currentModule) return null;
  const v = currentModule.getAttr(String(x.target));
  return v instanceof Tensor ? v : null;
}

const PACKABLE_DTYPES = new Set(["float32", "float64", "bfloat16", "float16"]);

/** Packable: a constant floating weight of a 2-d (4-D tensors), non-transposed convolution on CPU. */
export function isPackableConvolution(match: Match): boolean {
  const k = match.kwargs;
  const w = constantOf(k.weight);
  if (!w || w.ndim !== 4 || w.device !== "cpu" || !PACKABLE_DTYPES.has(w.dtype.name)) return false;
  if (k.transposed !== false) return false;
  const x = (k.input as Node).meta?.val as Tensor | undefined;
  if (!(k.input instanceof Node) || !x || x.ndim !== 4 || x.dtype !== w.dtype) return false;
  const b = k.bias;
  if (b !== null && !(b instanceof Node)) return false;
  return true;
}

export const freezingPatterns = new PatternMatcherPass("freezing_patterns");

const convPattern = CallFunction(aten.convolution.default,
  KeywordArg("input"), KeywordArg("weight"), KeywordArg("bias"), KeywordArg("stride"), KeywordArg("padding"),
  KeywordArg("dilation"), KeywordArg("transposed"), KeywordArg("output_padding"), KeywordArg("groups"));

registerGraphPattern(convPattern, { passDict: freezingPatterns, extraCheck: isPackableConvolution })(
  function convWeightPrepack(match: Match, kw: Record<string, unknown>): void {
    const gm = currentModule!;
    const conv = match.outputNode();
    const w = constantOf(kw.weight)!;
    const { padding, stride, dilation, groups } = kw as { padding: number[]; stride: number[]; dilation: number[]; groups: number };
    const packed = noGrad(() => cpu._reorder_convolution_weight.default(w, padding, stride, dilation, groups) as Tensor);
    const g = gm.graph;
    const packedNode = addConstant(gm, packed, conv, "_reorder_convolution_weight");
    const fused = g.insertingBefore(conv, () => g.callFunction(cpu._convolution_pointwise.default,
      [kw.input as Node, packedNode, kw.bias as Node | null, padding, stride, dilation, groups, "none", [], ""]));
    g.rename(fused, "_convolution_pointwise_default");
    fused.meta.val = conv.meta.val;
    conv.replaceAllUsesWith(fused);
    match.eraseNodes();
    bump("inductor", "cpu_conv_weight_pack_matcher_count");
    bump("inductor", "cpu_conv_weight_pack_matcher_nodes", match.nodes.length);
  },
);

/** Run the freezing patterns on gm; returns the number of matches. */
export function applyFreezingPatterns(gm: GraphModule): number {
  currentModule = gm;
  try {
    return freezingPatterns.apply(gm.graph);
  } finally {
    currentModule = null;
  }
}
