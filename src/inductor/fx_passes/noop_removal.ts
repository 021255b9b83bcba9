// inductor/fx_passes/noop_removal: removes ops that return their input unchanged (Inductor's
// remove_noop_ops): `x * 1`, `x + 0`, `x - 0`, `x / 1`, a view/reshape/expand/_unsafe_view to the same
// shape, alias, an identity permute, a full-range slice, `_to_copy` to the same dtype and device, and a
// clone of a temporary no one else reads. Each removal needs the node's value (meta.val) to have the
// input's shape and dtype (so `int * 1.0`, which promotes, stays). Never makes a graph output alias a
// graph input, never touches a value an in-place op reads or writes. In: a Graph. Out: nodes removed.

import { Node, type Graph } from "../../fx/index.js";
import { aten } from "../../ops/aten.js";
import type { OpOverload } from "../../ops/registry.js";
import { boundArgs, hasMutatingUser, sameShape, valOf } from "./node_args.js";

type Check = (a: Record<string, unknown>, node: Node) => Node | null;

const scalarIs = (v: unknown, k: number): boolean => typeof v === "number" && v === k;
const selfIf = (cond: boolean, a: Record<string, unknown>): Node | null => (cond && a.self instanceof Node ? a.self : null);
const sameSize: Check = (a, n) => selfIf(Array.isArray(a.size) && sameShape(a.size as number[], valOf(a.self)?.shape ?? [-1]) && valOf(n) !== null, a);

/** A fresh copy can be dropped when its source is a temporary used only here. */
const copyOfTemp = (a: Record<string, unknown>, n: Node): Node | null => {
  const src = a.self;
  if (!(src instanceof Node) || src.op === "placeholder" || src.op === "get_attr" || src.users.size !== 1) return null;
  if (hasMutatingUser(src) || hasMutatingUser(n)) return null;
  const mf = a.memory_format;
  if (mf !== null && mf !== undefined && mf !== "preserve_format") return null;
  return src;
};

const CHECKS = new Map<OpOverload, Check>([
  [aten.mul.Tensor, (a) => selfIf(scalarIs(a.other, 1), a)],
  [aten.div.Tensor, (a) => selfIf(scalarIs(a.other, 1), a)],
  [aten.add.Tensor, (a) => selfIf(scalarIs(a.other, 0), a)],
  [aten.sub.Tensor, (a) => selfIf(scalarIs(a.other, 0), a)],
  [aten.view.default, sameSize],
  [aten._unsafe_view.default, sameSize],
  [aten.expand.default, sameSize],
  [aten.alias.default, (a) => selfIf(true, a)],
  [aten.permute.default, (a) => selfIf(Array.isArray(a.dims) && (a.dims as number[]).every((d, i) => d === i), a)],
  [aten.slice.Tensor, (a) => {
    const v = valOf(a.self);
    if (!v) return null;
    const dim = (a.dim as number) < 0 ? (a.dim as number) + v.ndim : (a.dim as number);
    const start = (a.start as number | null) ?? 0, end = (a.end as number | null) ?? Infinity;
    return selfIf(start === 0 && end >= v.shape[dim]! && a.step === 1, a);
  }],
  [aten.clone.default, copyOfTemp],
  [aten._to_copy.default, (a, n) => {
    const v = valOf(a.self);
    if (!v || a.layout !== null || (a.dtype !== null && a.dtype !== v.dtype) || (a.device !== null && a.device !== v.device)) return null;
    return copyOfTemp(a, n);
  }],
]);
for (const name of ["mul", "div", "add", "sub"] as const) {
  const k = name === "mul" || name === "div" ? 1 : 0;
  const packet = aten[name] as unknown as Record<string, OpOverload | undefined>;
  if (packet.Scalar) CHECKS.set(packet.Scalar, (a) => selfIf(scalarIs(a.other, k), a));
}

function isGraphOutputUser(n: Node): boolean {
  for (const u of n.users.keys()) if (u.op === "output") return true;
  return false;
}

export function removeNoops(graph: Graph): number {
  let removed = 0;
  for (const n of graph.nodes.toArray()) {
    if (n.op !== "call_function") continue;
    const check = CHECKS.get(n.target as OpOverload);
    if (!check) continue;
    const a = boundArgs(n);
    const src = a && check(a, n);
    if (!src) continue;
    const v = valOf(n), sv = valOf(src);
    if (!v || !sv || v.dtype !== sv.dtype || !sameShape(v.shape, sv.shape)) continue;
    if (hasMutatingUser(n) || hasMutatingUser(src)) continue;
    if (src.op === "placeholder" && isGraphOutputUser(n)) continue; // an output must not alias an input
    n.replaceAllUsesWith(src);
    graph.eraseNode(n);
    removed++;
  }
  return removed;
}
