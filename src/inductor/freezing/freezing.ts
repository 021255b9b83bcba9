// inductor/freezing/freezing: Inductor's freezing (inductor-semantics §1 step 6), for inference graphs
// with `config.freezing`: the lifted parameters the graph does not mutate become constants (their
// placeholders are replaced by `get_attr _frozen_param<i>` nodes whose values are the real tensors),
// then CSE, constant folding, and the freezing patterns (conv weight prepack, ...), which run even with
// `config.patternMatcher` off. A frozen compile bypasses the FX graph cache (its constants are data).
// In: the inference GraphModule and its GraphCompileInfo. Out: the module, rewritten in place, and
// a FreezeResult telling the caller which flat arguments the compiled graph still takes.

import { Tensor } from "../../tensor/tensor.js";
import type { GraphModule, Node } from "../../fx/index.js";
import type { GraphCompileInfo, CompiledGraph } from "../../aot/index.js";
import { log } from "../../utils/logging.js";
import { cse } from "../fx_passes/cse.js";
import { constantFold } from "./constant_folding.js";
import { applyFreezingPatterns } from "./freezing_patterns.js";

export interface FreezeResult {
  /** Indices of the flat call arguments the frozen graph still takes (its placeholders, in order). */
  inputIndices: number[];
  /** Flat-argument indices that became constants. */
  frozenIndices: number[];
  /** Always true: a frozen compile embeds parameter data, so it must not be stored in the FX graph cache. */
  bypassCache: true;
  /** Matches of the freezing patterns (they count in pattern_matcher_count too). */
  patternMatches: number;
  /** The compile info as seen by the frozen graph: the remaining parameters, indices renumbered. */
  info: GraphCompileInfo;
}

const frozenModules = new WeakSet<GraphModule>();

/** Whether freeze() ran on gm (the FX graph cache reads this to bypass itself). */
export function isFrozen(gm: GraphModule): boolean {
  return frozenModules.has(gm);
}

/**
 * Freeze gm's unmutated parameters (the first info.numParams placeholders). No-op (null) for graphs
 * other than inference graphs or without parameters to freeze.
 */
export function freeze(gm: GraphModule, info: GraphCompileInfo): FreezeResult | null {
  if (info.kind !== "inference") return null;
  const g = gm.graph;
  const placeholders = g.nodes.toArray().filter((n: Node) => n.op === "placeholder");
  const mutated = new Set(info.mutatedInputIndices);
  const frozenIndices: number[] = [];
  for (let i = 0; i < info.numParams && i < placeholders.length; i++) {
    const value = info.params[i];
    if (mutated.has(i) || !(value instanceof Tensor)) continue;
    const ph = placeholders[i]!;
    const name = `_frozen_param${i}`;
    gm.setAttr(name, value);
    const attr = g.insertingBefore(ph, () => g.getAttr(name));
    for (const [k, v] of Object.entries(ph.meta)) attr.meta[k] = v;
    attr.meta.val ??= Tensor.fake(value.shape, value.dtype, value.device, value.strides);
    ph.replaceAllUsesWith(attr);
    g.eraseNode(ph);
    g.rename(attr, ph.name);
    frozenIndices.push(i);
  }
  if (frozenIndices.length === 0) return null;
  frozenModules.add(gm);
  cse(g);
  constantFold(gm);
  const patternMatches = applyFreezingPatterns(gm);
  g.eliminateDeadCode();
  for (const name of Object.keys(gm.attrs)) {
    if (name.startsWith("_frozen_param") && !g.nodes.toArray().some((n: Node) => n.op === "get_attr" && n.target === name)) gm.deleteAttr(name);
  }
  g.lint();
  gm.recompile();
  log("post_grad_graphs", () => `===== inference graph after freezing =====\n${g.toString()}`);
  const frozen = new Set(frozenIndices);
  const inputIndices = placeholders.map((_, i) => i).filter((i) => !frozen.has(i));
  const kept = (i: number) => !frozen.has(i);
  const graphInfo: GraphCompileInfo = {
    kind: info.kind,
    numParams: info.numParams - frozenIndices.length,
    paramNames: info.paramNames.filter((_, i) => kept(i)),
    params: info.params.filter((_, i) => kept(i)),
    mutatedInputIndices: info.mutatedInputIndices.map((i) => inputIndices.indexOf(i)),
  };
  return { inputIndices, frozenIndices, bypassCache: true, patternMatches, info: graphInfo };
}

/** Adapt a compiled frozen graph to the full flat argument list (drops the frozen parameters). */
export function dropFrozenArgs(compiled: CompiledGraph, inputIndices: readonly number[]): CompiledGraph {
  return (args: Tensor[]) => compiled(inputIndices.map((i) => args[i]!));
}
