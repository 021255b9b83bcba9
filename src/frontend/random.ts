// frontend/random: torch-level random functions and methods: coil.dropout(x, p, training),
// coil.bernoulli, x.normal_/x.uniform_ (in place), x.bernoulli(). Factories rand/randn/randint live in
// frontend/creation. All draw from coil's seeded Generator (coil.manualSeed(seed); deterministic per
// seed, but a different stream from PyTorch's). In: tensors. Out: tensors.

import type { Tensor } from "../tensor/tensor.js";
import type { Generator } from "../tensor/random.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

declare module "../tensor/tensor.js" {
  interface Tensor {
    normal_(mean?: number, std?: number, opts?: { generator?: Generator }): Tensor;
    uniform_(from?: number, to?: number, opts?: { generator?: Generator }): Tensor;
    bernoulli(p?: number, opts?: { generator?: Generator }): Tensor;
    dropout(p?: number, training?: boolean): Tensor;
  }
}

/** coil.dropout: in training zeroes elements with probability p and scales the rest by 1/(1-p). */
function dropoutImpl(x: Tensor, p = 0.5, training = true): Tensor {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  return (aten.native_dropout.default(x, p, true) as Tensor[])[0]!;
}

function bernoulliImpl(x: Tensor, p?: number, opts: { generator?: Generator } = {}): Tensor {
  const g = { generator: opts.generator ?? null };
  return p === undefined ? aten.bernoulli.default(x, g) : aten.bernoulli.p(x, p, g);
}

export const dropout = defineFunction("coil.dropout", dropoutImpl);
export const bernoulli = defineFunction("coil.bernoulli", bernoulliImpl);
defineMethod("dropout", dropoutImpl);
defineMethod("bernoulli", bernoulliImpl);
defineMethod("normal_", (x, mean = 0, std = 1, opts: { generator?: Generator } = {}) => aten.normal_.default(x, mean, std, { generator: opts.generator ?? null }));
defineMethod("uniform_", (x, from = 0, to = 1, opts: { generator?: Generator } = {}) => aten.uniform_.default(x, from, to, { generator: opts.generator ?? null }));
