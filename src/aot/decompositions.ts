// aot/decompositions: the decomposition table chosen like Inductor's: which composite ops are split
// into primitives during aten tracing and which stay whole. Users extend it with the `decompositions`
// option of compile / aotAutograd. In: an op. Out: a function computing it from other aten ops, or null.

import type { Args, OpOverload } from "../ops/registry.js";
import { lookupOp } from "../ops/registry.js";

export type Decomposition = (args: Args) => unknown;
export type DecompositionTable = Map<OpOverload, Decomposition>;

function op(name: string): OpOverload | undefined {
  return lookupOp(name);
}

/**
 * Inductor keeps mm/addmm/convolution/softmax/layer_norm whole (they lower to extern kernels or fused
 * reductions) and decomposes thin wrappers. coil's default table covers the ops below; each is
 * registered only when the op exists in the registry.
 */
export function defaultDecompositions(): DecompositionTable {
  const t: DecompositionTable = new Map();
  const add = (name: string, fn: Decomposition) => { const o = op(name); if (o) t.set(o, fn); };
  // contiguous on a traced value is a clone when it must copy (functional graphs have no aliasing to preserve)
  add("aten.contiguous.default", (a) => ((a.self as { isContiguous(): boolean }).isContiguous() ? a.self : op("aten.clone.default")!(a.self)));
  return t;
}

let defaults: DecompositionTable | null = null;

export function decompositionFor(o: OpOverload, extra: DecompositionTable | undefined): Decomposition | null {
  if (extra?.has(o)) return extra.get(o)!;
  defaults ??= defaultDecompositions();
  return defaults.get(o) ?? null;
}
