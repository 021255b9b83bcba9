// frontend/tensor_basics: Tensor methods for autograd and data access (backward, detach, item,
// toArray, tolist, requiresGrad_, retainGrad, registerHook). In: tensors. Out: values / side effects.

import { Tensor, toFloat64Array } from "../tensor/tensor.js";
import { backward as runBackwardApi, registerNonLeafHook, type BackwardOptions } from "../autograd/index.js";
import { defineUntracedMethod } from "./define.js";
import { torchFunction } from "./torch_function.js";
import type { NestedArray } from "./creation.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    backward(gradient?: Tensor | null, opts?: BackwardOptions & { inputs?: Tensor[] }): void;
    detach(): Tensor;
    requiresGrad_(on?: boolean): Tensor;
    retainGrad(): void;
    registerHook(fn: (grad: Tensor) => Tensor | void): { remove(): void };
    item(): number;
    toArray(): Float64Array;
    tolist(): NestedArray;
  }
}

defineUntracedMethod("backward", (t: Tensor, gradient: Tensor | null = null, opts: BackwardOptions & { inputs?: Tensor[] } = {}) => {
  runBackwardApi(t, gradient, opts);
});

defineUntracedMethod("detach", (t: Tensor) => torchFunction("call_method", "detach", [t], () => {
  const d = new Tensor(t.storage, t.shape, t.strides, t.offset);
  d.base = t.base ?? t;
  return d;
}));

defineUntracedMethod("requiresGrad_", (t: Tensor, on = true) => {
  if (!t.isLeaf) throw new Error("requiresGrad_: you can only change requires_grad flags of leaf variables");
  if (on && !t.dtype.isFloatingPoint) throw new TypeError(`only tensors of floating point dtype can require gradients (got ${t.dtype.name})`);
  t.requiresGrad = on;
  return t;
});

defineUntracedMethod("retainGrad", (t: Tensor) => {
  if (!t.requiresGrad) throw new Error("can't retain_grad on Tensor that has requires_grad=False");
  if (t.isLeaf || t.retainsGrad) return;
  t.retainsGrad = true;
  registerNonLeafHook(t, (g) => { t.grad = t.grad ? t.grad.add(g) : g; });
});

defineUntracedMethod("registerHook", (t: Tensor, fn: (grad: Tensor) => Tensor | void) => {
  if (!t.requiresGrad) throw new Error("cannot register a hook on a tensor that doesn't require gradient");
  let active = true;
  const wrapped = (g: Tensor) => (active ? fn(g) : undefined);
  if (t.isLeaf) t.hooks.push(wrapped); else registerNonLeafHook(t, wrapped);
  return { remove: () => { active = false; } };
});

defineUntracedMethod("item", (t: Tensor) => torchFunction("call_method", "item", [t], () => {
  if (t.numel() !== 1) throw new RangeError(`item: a Tensor with ${t.numel()} elements cannot be converted to Scalar`);
  return toFloat64Array(t)[0]!;
}));

defineUntracedMethod("toArray", (t: Tensor) => torchFunction("call_method", "toArray", [t], () => toFloat64Array(t)));

defineUntracedMethod("tolist", (t: Tensor) => torchFunction("call_method", "tolist", [t], () => {
  const flat = toFloat64Array(t);
  const isBool = t.dtype.name === "bool";
  let i = 0;
  const rec = (d: number): NestedArray => {
    if (d === t.ndim) { const v = flat[i++]!; return isBool ? v !== 0 : v; }
    const out: NestedArray[] = [];
    for (let k = 0; k < t.shape[d]!; k++) out.push(rec(d + 1));
    return out;
  };
  return rec(0);
}));

/**
 * coil.dispose(a, b, [c, d]): `t.dispose()` for each tensor (arrays are walked; null/undefined skipped): a
 * tensor in Wasm memory gives its block back now instead of when it is garbage collected.
 */
export function dispose(...items: unknown[]): void {
  for (const it of items) {
    if (it instanceof Tensor) it.dispose();
    else if (Array.isArray(it)) dispose(...it);
    else if (it !== null && it !== undefined) throw new TypeError(`coil.dispose: expected tensors or arrays of tensors, got ${typeof it}`);
  }
}
