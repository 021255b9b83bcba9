// optim/optimizer: the Optimizer base (torch.optim.Optimizer): parameter groups with per-group
// options, per-parameter state, zeroGrad(setToNone), step(closure) run under noGrad, state dicts.
// Updates run as fused per-parameter loops over the storage (like PyTorch's fused optimizers):
// values are read as float64, updated, and rounded back to the parameter dtype; the parameter's
// version counter is bumped as an in-place op would. In: parameters with .grad. Out: updated parameters.

import { Tensor, elementOffsets, toFloat64Array, writeStorage } from "../tensor/tensor.js";
import { enableGrad, noGrad } from "../autograd/index.js";

export type ParamGroup<O> = O & { params: Tensor[] };
export type ParamGroupSpec<O> = Partial<O> & { params: Iterable<Tensor> };
export type ParamsArg<O> = Iterable<Tensor> | ParamGroupSpec<O>[];

/** Float64 working copy of a parameter and its gradient, written back by `commit`. */
export interface ParamView {
  p: Float64Array;
  g: Float64Array;
  commit(): void;
}

export function paramView(t: Tensor): ParamView {
  const p = toFloat64Array(t);
  const g = toFloat64Array(t.grad!);
  return {
    p, g,
    commit(): void {
      const arr = t.data("optimizer step");
      const offs = elementOffsets(t);
      for (let i = 0; i < offs.length; i++) writeStorage(arr, t.dtype, offs[i]!, p[i]!);
      t.storage.version++;
    },
  };
}

/** A state buffer: float64 values kept between steps (exposed as tensors by stateDict). */
export function zerosState(n: number): Float64Array { return new Float64Array(n); }

export abstract class Optimizer<O extends object> {
  readonly paramGroups: ParamGroup<O>[] = [];
  readonly state = new Map<Tensor, Record<string, Float64Array | number>>();

  constructor(params: ParamsArg<O>, readonly defaults: O, readonly name: string) {
    const list = [...(params as Iterable<Tensor | ParamGroupSpec<O>>)];
    if (list.length === 0) throw new Error(`${name}: optimizer got an empty parameter list`);
    if (list[0] instanceof Tensor) this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupSpec<O>);
    else for (const g of list as ParamGroupSpec<O>[]) this.addParamGroup(g);
  }

  /** Validate hyper-parameters of a group (throws naming the optimizer and the value). */
  protected abstract validate(group: O): void;

  addParamGroup(spec: ParamGroupSpec<O>): void {
    if (!spec || typeof spec !== "object" || !("params" in spec)) throw new TypeError(`${this.name}: a param group must be an object with 'params'`);
    const params = spec.params instanceof Tensor ? [spec.params] : [...spec.params];
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: optimizer can only optimize Tensors, but param ${i} is ${typeof p}`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf Tensor (param ${i}, shape [${p.shape.join(", ")}])`);
      if (!p.dtype.isFloatingPoint) throw new TypeError(`${this.name}: param ${i} has dtype ${p.dtype.name}; only floating point parameters can be optimized`);
    }
    const seen = new Set<Tensor>();
    for (const g of this.paramGroups) for (const p of g.params) seen.add(p);
    for (const p of params) {
      if (seen.has(p)) throw new Error(`${this.name}: some parameters appear in more than one parameter group`);
      seen.add(p);
    }
    const group = { ...this.defaults, ...spec, params } as ParamGroup<O>;
    this.validate(group);
    this.paramGroups.push(group);
  }

  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) { p.grad = null; continue; }
        const gr = p.grad;
        if (gr.gradFn) { p.grad = noGrad(() => Tensor.empty(gr.shape, gr.dtype, gr.device)); continue; }
        const arr = gr.data("zeroGrad");
        for (const off of elementOffsets(gr)) arr[off] = 0;
        gr.storage.version++;
      }
    }
  }

  /** One optimisation step. `closure` (re-evaluates the loss) runs with grad enabled. */
  step(closure?: () => Tensor | number): number | undefined {
    let loss: number | undefined;
    if (closure) {
      const l = enableGrad(closure);
      loss = typeof l === "number" ? l : l.item();
    }
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (!p.grad) continue;
          if (p.grad.shape.length !== p.shape.length || p.grad.shape.some((s, i) => s !== p.shape[i])) {
            throw new Error(`${this.name}: gradient of shape [${p.grad.shape.join(", ")}] does not match parameter of shape [${p.shape.join(", ")}]`);
          }
          let st = this.state.get(p);
          if (!st) { st = {}; this.state.set(p, st); }
          const v = paramView(p);
          this.update(group, v, st);
          v.commit();
        }
      }
    });
    return loss;
  }

  /** Update `v.p` in place from `v.g` and the parameter's state. */
  protected abstract update(group: ParamGroup<O>, v: ParamView, state: Record<string, Float64Array | number>): void;

  /** torch-style state dict: per-parameter state by index, and the groups' options with param indices. */
  stateDict(): { state: Record<number, Record<string, Tensor | number>>; paramGroups: (O & { params: number[] })[] } {
    const index = new Map<Tensor, number>();
    let k = 0;
    const paramGroups = this.paramGroups.map((g) => ({ ...g, params: g.params.map((p) => { index.set(p, k); return k++; }) }));
    const state: Record<number, Record<string, Tensor | number>> = {};
    for (const [p, st] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      state[i] = Object.fromEntries(Object.entries(st).map(([n, v]) => [n, typeof v === "number" ? v : Tensor.fromValues(v, p.shape, "float64")]));
    }
    return { state, paramGroups: paramGroups as (O & { params: number[] })[] };
  }

  loadStateDict(sd: ReturnType<Optimizer<O>["stateDict"]>): void {
    if (sd.paramGroups.length !== this.paramGroups.length) throw new Error(`${this.name}: loaded state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`);
    const all: Tensor[] = [];
    sd.paramGroups.forEach((g, i) => {
      const mine = this.paramGroups[i]!;
      if (g.params.length !== mine.params.length) throw new Error(`${this.name}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${i}`);
      all.push(...mine.params);
      const { params: _ignored, ...opts } = g;
      Object.assign(mine, opts);
    });
    this.state.clear();
    for (const [i, st] of Object.entries(sd.state)) {
      const p = all[Number(i)];
      if (!p) continue;
      this.state.set(p, Object.fromEntries(Object.entries(st).map(([n, v]) => [n, typeof v === "number" ? v : toFloat64Array(v)])));
    }
  }
}
