// optim/sgd: stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay
// and maximize, following torch.optim.SGD's update rule exactly. In: parameters. Out: SGD optimizer.

import type { Tensor } from "../tensor/tensor.js";
import { Optimizer, type ParamsArg, type ParamGroup, type ParamView } from "./optimizer.js";

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions> | Iterable<Tensor>, opts: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts }, "SGD");
  }

  protected validate(g: SGDOptions): void {
    if (!(g.lr >= 0)) throw new RangeError(`SGD: Invalid learning rate: ${g.lr}`);
    if (!(g.momentum >= 0)) throw new RangeError(`SGD: Invalid momentum value: ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`SGD: Invalid weight_decay value: ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new Error("SGD: Nesterov momentum requires a momentum and zero dampening");
  }

  protected update(g: ParamGroup<SGDOptions>, v: ParamView, st: Record<string, Float64Array | number>): void {
    const { p, g: grad } = v;
    const n = p.length;
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) d[i] = (g.maximize ? -grad[i]! : grad[i]!) + g.weightDecay * p[i]!;
    if (g.momentum !== 0) {
      let buf = st.momentumBuffer as Float64Array | undefined;
      if (!buf) { buf = d.slice(); st.momentumBuffer = buf; }
      else for (let i = 0; i < n; i++) buf[i] = g.momentum * buf[i]! + (1 - g.dampening) * d[i]!;
      if (g.nesterov) for (let i = 0; i < n; i++) d[i] = d[i]! + g.momentum * buf[i]!;
      else d.set(buf);
    }
    for (let i = 0; i < n; i++) p[i] = p[i]! - g.lr * d[i]!;
  }
}
