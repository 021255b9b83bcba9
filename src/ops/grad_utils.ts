// ops/grad_utils: helpers shared by derivative formulas, written with registry ops only
// (so joint-graph tracing records them). In: gradients. Out: gradients reduced to input shapes.

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "./ref.js";

/** Sum a broadcast gradient back to `shape` (PyTorch's sum_to_size). */
export function sumToSize(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.shape.length; i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) dims.push(i);
  }
  let r = g;
  if (dims.length) r = aten.sum.dim_IntList(r, dims, true) as Tensor;
  if (r.shape.length !== shape.length || r.shape.some((s, i) => s !== shape[i])) r = aten.view.default(r, [...shape]) as Tensor;
  return r;
}
