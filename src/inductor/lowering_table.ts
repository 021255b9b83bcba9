// inductor/lowering_table: the shared table from fx call targets (aten OpOverloads, plain functions)
// to lowering functions. The CPU backend fills it; lowering patterns call into it (`L` in the seed).
// In: registrations. Out: lookup and call of a target's lowering; the values are inductor IR values.

import { isOpOverloadPacket, type OpOverload, type OpOverloadPacket } from "../ops/registry.js";

/**
 * Lowers one call: receives the already-lowered arguments (inductor IR values such as TensorBox,
 * or plain constants) and returns the IR value of the result. Kwargs, if any, come last as an object.
 */
export type LoweringFn = (...args: unknown[]) => unknown;
// eslint-disable-next-line @typescript-eslint/ban-types
export type LoweringTarget = OpOverload | Function;

/** A Map with `call(op, ...args)`, which throws naming the op when no lowering is registered. */
export class LoweringTable extends Map<LoweringTarget, LoweringFn> {
  call(op: LoweringTarget, ...args: unknown[]): unknown {
    const fn = this.get(op);
    if (!fn) throw new Error(`lowering: no lowering registered for ${targetName(op)}`);
    return fn(...args);
  }
}

export function targetName(t: unknown): string {
  if (typeof t === "function") return (t as { qualname?: string }).qualname ?? (t.name || "<anonymous function>");
  return String(t);
}

/** The global lowering table, `L` in PyTorch tests: `lowerings.get(aten.relu.default)!(x)`. */
export const lowerings = new LoweringTable();

/**
 * Register `fn` as the lowering of `op` (a packet registers every overload). Returns fn so it can
 * be used inline. Re-registering replaces the previous lowering.
 */
export function registerLowering<F extends LoweringFn>(op: LoweringTarget | OpOverloadPacket | readonly (LoweringTarget | OpOverloadPacket)[], fn: F): F {
  const targets = Array.isArray(op) ? op : [op];
  for (const t of targets) {
    if (isOpOverloadPacket(t)) for (const o of t.overloads()) lowerings.set(o, fn);
    else lowerings.set(t as LoweringTarget, fn);
  }
  return fn;
}
