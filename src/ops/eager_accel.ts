// ops/eager_accel: the eager accelerator hook (dependency inversion: src/inductor installs the
// implementation, src/ops only calls it). The dispatcher's backend step offers every real (non-fake) call of
// an out-of-place, non-view op to the accelerator before running the op's eager kernel; the accelerator
// returns outputs with exactly the eager kernel's shape, strides and dtype, or null to let the kernel run.
// In: an installed accelerator. Out: accelerated results (or null).

import type { Args, KernelResult, OpOverload } from "./registry.js";

/** Computes `op(args)` another way (e.g. a compiled Wasm kernel), or returns null to decline. */
export type EagerAccelerator = (op: OpOverload, args: Args) => KernelResult | null;

let accelerator: EagerAccelerator | null = null;

/** Install (or with null remove) the eager accelerator; returns the previous one. */
export function installEagerAccelerator(fn: EagerAccelerator | null): EagerAccelerator | null {
  const prev = accelerator;
  accelerator = fn;
  return prev;
}

export function eagerAccelerator(): EagerAccelerator | null {
  return accelerator;
}

/** Run the accelerator for a real call of an out-of-place, non-view op; null: run the eager kernel. */
export function tryAccelerate(op: OpOverload, args: Args): KernelResult | null {
  if (accelerator === null || op.isInplace || op.isView) return null;
  return accelerator(op, args);
}
