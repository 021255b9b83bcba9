// optim/adam: Adam and AdamW (decoupled weight decay), with amsgrad and maximize, following
// torch.optim.Adam / AdamW's single-tensor update rule. In: parameters. Out: optimizers.

import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamsArg, type ParamGroup, type ParamView } from "./optimizer.js";

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

function validateAdam(name: string, g: AdamOptions): void {
  if (!(g.lr >= 0)) throw new RangeError(`${name}: Invalid learning rate: ${g.lr}`);
  if (!(g.eps >= 0)) throw new RangeError(`${name}: Invalid epsilon value: ${g.eps}`);
  if (!(g.betas[0] >= 0 && g.betas[0] < 1)) throw new RangeError(`${name}: Invalid beta parameter at index 0: ${g.betas[0]}`);
  if (!(g.betas[1] >= 0 && g.betas[1] < 1)) throw new RangeError(`${name}: Invalid beta parameter at index 1: ${g.betas[1]}`);
  if (!(g.weightDecay >= 0)) throw new RangeError(`${name}: Invalid weight_decay value: ${g.weightDecay}`);
}

function adamUpdate(g: AdamOptions, v: ParamView, st: Record<string, Float64Array | number>, decoupled: boolean): void {
  const { p, g: grad } = v;
  const n = p.length;
  const [b1, b2] = g.betas;
  if (st.step === undefined) {
    st.step = 0;
    st.expAvg = new Float64Array(n);
    st.expAvgSq = new Float64Array(n);
    if (g.amsgrad) st.maxExpAvgSq = new Float64Array(n);
  }
  const step = (st.step as number) + 1;
  st.step = step;
  const m = st.expAvg as Float64Array, s = st.expAvgSq as Float64Array;
  const mx = st.maxExpAvgSq as Float64Array | undefined;
  if (decoupled && g.weightDecay !== 0) for (let i = 0; i < n; i++) p[i] = p[i]! * (1 - g.lr * g.weightDecay);
  const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
  const stepSize = g.lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  for (let i = 0; i < n; i++) {
    let gi = g.maximize ? -grad[i]! : grad[i]!;
    if (!decoupled && g.weightDecay !== 0) gi += g.weightDecay * p[i]!;
    m[i] = m[i]! + (gi - m[i]!) * (1 - b1);
    s[i] = s[i]! * b2 + (1 - b2) * gi * gi;
    let sq = s[i]!;
    if (g.amsgrad && mx) { mx[i] = Math.max(mx[i]!, s[i]!); sq = mx[i]!; }
    const denom = Math.sqrt(sq) / bc2Sqrt + g.eps;
    p[i] = p[i]! - stepSize * m[i]! / denom;
  }
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions> | Iterable<Tensor>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...opts }, "Adam");
  }
  protected validate(g: AdamOptions): void { validateAdam("Adam", g); }
  protected update(g: ParamGroup<AdamOptions>, v: ParamView, st: Record<string, Float64Array | number>): void { adamUpdate(g, v, st, false); }
}

export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions> | Iterable<Tensor>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...opts }, "AdamW");
  }
  protected validate(g: AdamOptions): void { validateAdam("AdamW", g); }
  protected update(g: ParamGroup<AdamOptions>, v: ParamView, st: Record<string, Float64Array | number>): void { adamUpdate(g, v, st, true); }
}
