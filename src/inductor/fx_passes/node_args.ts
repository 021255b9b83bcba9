// inductor/fx_passes/node_args: small helpers the built-in passes share: a call node's arguments bound
// to its op's schema names (defaults filled, no type checks: values may be Nodes), the fake value of a
// node (meta.val), and whether a node is read or written by an in-place op.
// In: fx Nodes. Out: bound args, tensor metadata, predicates.

import { Tensor } from "../../tensor/tensor.js";
import type { Node } from "../../fx/index.js";
import { isOpOverload } from "../../ops/registry.js";
import { isMutationOp } from "../pattern_matcher/pass.js";

/** node.args/kwargs by schema name (defaults filled); null when the target is not an aten-style op. */
export function boundArgs(node: Node): Record<string, unknown> | null {
  const op = node.target;
  if (!isOpOverload(op)) return null;
  const out: Record<string, unknown> = {};
  const positional = op.schema.args.filter((a) => !a.kwargOnly);
  node.args.forEach((v, i) => { if (positional[i]) out[positional[i]!.name] = v; });
  Object.assign(out, node.kwargs);
  for (const a of op.schema.args) if (out[a.name] === undefined) out[a.name] = a.hasDefault ? a.default : null;
  return out;
}

/** The fake (or real) tensor a node produces, from meta.val / meta.exampleValue. */
export function valOf(x: unknown): Tensor | null {
  if (!x || typeof x !== "object" || !("meta" in x)) return null;
  const m = (x as Node).meta;
  const v = m.val ?? m.exampleValue ?? m.example_value;
  return v instanceof Tensor ? v : null;
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** Whether an in-place op uses the node (it may be written through it). */
export function hasMutatingUser(n: Node): boolean {
  for (const u of n.users.keys()) if (isMutationOp(u)) return true;
  return false;
}
