// inductor/freezing/constant_folding: folds the subgraphs of a frozen graph whose inputs are all
// constants (get_attr tensors) into new constants, as Inductor's freezing ConstantFolder: e.g.
// `permute(_frozen_param0)` becomes `_frozen_param4`. Pure aten ops only (no random, in-place or view
// of a mutable input), factories left alone, and never an op whose result is much larger than its
// constant inputs (expand, repeat, ...): folding would bloat the constants instead of saving work.
// In: a GraphModule whose constants are get_attr nodes. Out: the module, rewritten; the number of
// nodes replaced by constants.

import { Tensor } from "../../tensor/tensor.js";
import { Node, type Argument, type GraphModule } from "../../fx/index.js";
import { isOpOverload } from "../../ops/registry.js";
import { aten } from "../../ops/aten.js";
import { noGrad } from "../../autograd/index.js";

/** A result may be at most this many times larger than the largest constant input. */
const MAX_GROWTH = 1;

/** Name of a new constant attribute on gm: `${prefix}${k}` with the first free k. */
export function freshConstantName(gm: GraphModule, prefix = "_frozen_param"): string {
  let k = 0;
  while (gm.hasAttr(`${prefix}${k}`)) k++;
  return `${prefix}${k}`;
}

/** Add `value` as a constant attribute and a get_attr node for it before `before`. */
export function addConstant(gm: GraphModule, value: Tensor, before: Node, nodeName?: string): Node {
  const name = freshConstantName(gm);
  gm.setAttr(name, value);
  const g = gm.graph;
  const n = g.insertingBefore(before, () => g.getAttr(name));
  if (nodeName) g.rename(n, nodeName);
  n.meta.val = Tensor.fake(value.shape, value.dtype, value.device, value.strides);
  return n;
}

function foldable(n: Node): boolean {
  if (n.op !== "call_function" || !isOpOverload(n.target)) return false;
  const op = n.target;
  if (op.isInplace || op.tags.has("random") || op.tags.has("nondeterministic") || n.isImpure()) return false;
  return true;
}

/**
 * Fold every pure call whose tensor inputs are all constants. Values are computed eagerly; only the
 * frontier (constant nodes used by a non-constant node or the output) becomes a new get_attr.
 */
export function constantFold(gm: GraphModule): number {
  const g = gm.graph;
  const values = new Map<Node, unknown>();
  for (const n of g.nodes) {
    if (n.op === "get_attr") {
      const v = gm.getAttr(String(n.target));
      if (v instanceof Tensor) values.set(n, v);
      continue;
    }
    if (!foldable(n)) continue;
    const inputs = n.allInputNodes;
    if (inputs.length === 0 || !inputs.every((x) => values.has(x))) continue; // factories: see joint-graph folding
    const sub = (a: Argument): unknown => {
      if (a instanceof Node) return values.get(a);
      if (Array.isArray(a)) return a.map(sub);
      return a;
    };
    const args = n.args.map(sub);
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.kwargs)) kwargs[k] = sub(v);
    const out = noGrad(() => (n.target as (...a: unknown[]) => unknown)(...args, kwargs));
    if (!(out instanceof Tensor)) continue;
    const biggest = Math.max(...inputs.map((x) => (values.get(x) as Tensor).numel()));
    if (out.numel() > MAX_GROWTH * biggest) continue;
    values.set(n, out);
  }
  let replaced = 0;
  for (const [n, v] of values) {
    if (n.op === "get_attr") continue;
    const outside = [...n.users.keys()].some((u) => !values.has(u));
    if (!outside) continue;
    const value = noGrad(() => aten.contiguous.default(v as Tensor) as Tensor);
    const c = addConstant(gm, value, n);
    n.replaceAllUsesWith(c);
    replaced++;
  }
  g.eliminateDeadCode();
  return replaced;
}
