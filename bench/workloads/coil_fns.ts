// bench/workloads/coil_fns: the coil side of each benchmark workload, written with the public API only
// (what a user would write). In: coil tensors / modules. Out: coil tensors. Used by bench/run.ts for the
// "coil eager" and "coil compiled" cells and by test/bench/workloads.test.ts on small sizes.

import * as coil from "../../src/index.js";

type T = coil.Tensor;

export const cos3 = (x: T): T => x.cos().cos().cos();
export const matmul = (a: T, b: T): T => coil.mm(a, b);
/** 3x3 convolution, padding 1, then relu (NCHW). */
export const convRelu = (x: T, w: T, b: T): T => coil.conv2d(x, w, b, 1, 1).relu();
export const softmaxRows = (x: T): T => x.softmax(-1);
/** layer_norm over the last dim (with weight and bias), then exact gelu. */
export const layerNormGelu = (x: T, w: T, b: T): T => coil.gelu(coil.layerNorm(x, [x.shape[x.ndim - 1]!], { weight: w, bias: b }));

/** MLP 784-512-512-10 (sizes overridable for tests). */
export function makeMlp(sizes: number[] = [784, 512, 512, 10]): coil.nn.Sequential {
  const layers: coil.nn.Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    if (i > 0) layers.push(new coil.nn.ReLU());
    layers.push(new coil.nn.Linear(sizes[i]!, sizes[i + 1]!));
  }
  return new coil.nn.Sequential(...layers);
}

export interface EncoderSize { dModel: number; nhead: number; ff: number }
export const ENCODER: EncoderSize = { dModel: 128, nhead: 4, ff: 512 };

/** nn.TransformerEncoderLayer, post-norm, relu, no dropout, batch-first input [batch, seq, dModel]. */
export function makeEncoder(s: EncoderSize = ENCODER): coil.nn.TransformerEncoderLayer {
  return new coil.nn.TransformerEncoderLayer(s.dModel, s.nhead, { dimFeedforward: s.ff, dropout: 0, batchFirst: true });
}

/** One training step: zero grads, forward, MSE loss against `target`, backward, SGD step. Returns the loss value. */
export function trainStep(forward: (x: T) => T, opt: coil.optim.SGD, x: T, target: T): number {
  opt.zeroGrad();
  const loss = coil.nn.functional.mseLoss(forward(x), target);
  loss.backward();
  opt.step();
  return loss.item();
}

/** A coil float32 tensor holding `data` with `shape`. */
export function fromF32(data: Float32Array, shape: number[]): T {
  return coil.tensor(data).reshape(shape);
}

/** Parameters as float32 arrays, keyed by coil's parameter name ("0.weight", "selfAttn.inProjWeight", ...). */
export function paramsOf(m: coil.nn.Module): Map<string, { data: Float32Array; shape: number[] }> {
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [name, p] of m.namedParameters()) out.set(name, { data: Float32Array.from(p.toArray()), shape: [...p.shape] });
  return out;
}
