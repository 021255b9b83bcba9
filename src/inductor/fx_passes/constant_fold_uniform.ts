// inductor/fx_passes/constant_fold_uniform: joint-graph folding of uniform values (Inductor's
// constant_fold_uniform_value): a tensor every element of which is the same known number (full, zeros,
// ones, *_like, scalar_tensor) stays uniform through pointwise ops whose inputs are all uniform or
// scalars, so `full([n], 2) * 3` becomes `full([n], 6)`. The value is computed by running the op on
// 0-d tensors of the same dtypes, so promotion and rounding match eager. Random, in-place and
// non-pointwise ops are left alone. In: an aten Graph with meta.val. Out: nodes replaced by one full.

import { Tensor } from "../../tensor/tensor.js";
import { Node, type Graph } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import { isOpOverload, type OpOverload } from "../../ops/registry.js";
import { noGrad } from "../../autograd/index.js";
import { boundArgs, valOf } from "./node_args.js";

/** The fill value of a uniform factory node, or undefined. */
function factoryValue(n: Node): number | undefined {
  const t = n.target;
  const a = boundArgs(n);
  if (!a) return undefined;
  if (t === aten.full.default || t === aten.full_like.default) return typeof a.fill_value === "number" ? a.fill_value : undefined;
  if (t === aten.zeros.default || t === aten.zeros_like.default) return 0;
  if (t === aten.ones.default || t === aten.ones_like.default) return 1;
  if (t === aten.scalar_tensor.default) return typeof a.s === "number" ? a.s : undefined;
  return undefined;
}

function scalarValue(t: Tensor): number {
  return Number((t.toArray() as ArrayLike<number>)[0]);
}

export function constantFoldUniformValues(graph: Graph): number {
  const uniform = new Map<Node, number>();
  for (const n of graph.nodes) {
    if (n.op !== "call_function" || !isOpOverload(n.target)) continue;
    const v = valOf(n);
    if (!v) continue;
    const fv = factoryValue(n);
    if (fv !== undefined) { uniform.set(n, fv); continue; }
    const op = n.target as OpOverload;
    if (!op.tags.has("pointwise") || op.isInplace || op.tags.has("random") || n.isImpure()) continue;
    const inputs = n.allInputNodes;
    if (inputs.length === 0 || !inputs.every((x) => uniform.has(x))) continue;
    const sub = (x: unknown): unknown => {
      if (x instanceof Node) return noGrad(() => aten.full.default([], uniform.get(x)!, { dtype: valOf(x)!.dtype }));
      if (Array.isArray(x)) return x.map(sub);
      return x;
    };
    const kwargs: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(n.kwargs)) kwargs[k] = sub(x);
    let out: unknown;
    try {
      out = noGrad(() => (op as (...a: unknown[]) => unknown)(...n.args.map(sub), kwargs));
    } catch {
      continue; // leave it to run (and report its error) at run time
    }
    if (!(out instanceof Tensor) || out.dtype !== v.dtype) continue;
    uniform.set(n, scalarValue(out));
  }
  let replaced = 0;
  for (const [n, value] of uniform) {
    if (factoryValue(n) !== undefined) continue;
    if (![...n.users.keys()].some((u) => !uniform.has(u))) continue;
    const v = valOf(n)!;
    const full = graph.insertingBefore(n, () => graph.callFunction(aten.full.default, [[...v.shape], value], { dtype: v.dtype, device: v.device }));
    full.meta.val = v;
    n.replaceAllUsesWith(full);
    replaced++;
  }
  if (replaced) graph.eliminateDeadCode();
  return replaced;
}
