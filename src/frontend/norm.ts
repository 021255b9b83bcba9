// frontend/norm: torch-level normalization functions (coil.layerNorm, coil.batchNorm, coil.groupNorm),
// shaped like torch.nn.functional's with a trailing options object. In: tensors. Out: normalized tensors.

import type { Tensor } from "../tensor/tensor.js";
import { fmtShape } from "../tensor/shape.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";

export interface LayerNormOptions { weight?: Tensor | null; bias?: Tensor | null; eps?: number }
export interface BatchNormOptions {
  weight?: Tensor | null; bias?: Tensor | null;
  /** Use batch statistics and update running stats in place (default false, like F.batch_norm). */
  training?: boolean;
  momentum?: number; eps?: number;
}
export interface GroupNormOptions { weight?: Tensor | null; bias?: Tensor | null; eps?: number }

/** F.layer_norm(input, normalized_shape, weight, bias, eps). */
export const layerNorm = defineFunction("coil.layerNorm", (x: Tensor, normalizedShape: number | number[], opts: LayerNormOptions = {}): Tensor => {
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
  return (aten.native_layer_norm.default(x, ns, opts.weight ?? null, opts.bias ?? null, opts.eps ?? 1e-5) as Tensor[])[0]!;
});

/** F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps). */
export const batchNorm = defineFunction("coil.batchNorm", (x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor => {
  const training = opts.training ?? false;
  if (training) {
    const per = x.ndim >= 2 ? x.numel() / x.shape[1]! : x.numel();
    if (per <= 1) throw new RangeError(`batchNorm: Expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`);
  }
  return (aten.native_batch_norm.default(x, opts.weight ?? null, opts.bias ?? null, runningMean, runningVar, training, opts.momentum ?? 0.1, opts.eps ?? 1e-5) as Tensor[])[0]!;
});

/** F.group_norm(input, num_groups, weight, bias, eps). */
export const groupNorm = defineFunction("coil.groupNorm", (x: Tensor, numGroups: number, opts: GroupNormOptions = {}): Tensor => {
  if (x.ndim < 2) throw new RangeError(`groupNorm: expected input with at least 2 dims (N, C, ...), but got input of shape ${fmtShape(x.shape)}`);
  const N = x.shape[0]!, C = x.shape[1]!, HxW = x.numel() / Math.max(1, N * C);
  return (aten.native_group_norm.default(x, opts.weight ?? null, opts.bias ?? null, N, C, N * C === 0 ? 0 : HxW, numGroups, opts.eps ?? 1e-5) as Tensor[])[0]!;
});
