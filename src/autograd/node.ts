// autograd/node: backward graph nodes and the autograd dispatch layer that records them.
// In: op calls (from ops/dispatch) on tensors that require grad. Out: outputs linked to a BackwardNode.

import { Tensor, type GradFn } from "../tensor/tensor.js";
import { installAutogradLayer } from "../ops/dispatch.js";
import type { Args, OpOverload, KernelResult, GradResult } from "../ops/registry.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";

export interface Edge { fn: GradFn; index: number }

/** Base class of every backward node (PyTorch's torch.autograd.graph.Node). */
export abstract class Node implements GradFn {
  abstract readonly name: string;
  /** One edge per differentiable input, aligned with `inputNames`/`inputSlots`. */
  nextFunctions: (Edge | null)[] = [];
  /** Number of outputs of the forward op (gradients flowing in). */
  abstract readonly numOutputs: number;
  /** Compute input gradients from output gradients; aligned with nextFunctions. */
  abstract apply(grads: (Tensor | null)[]): (Tensor | null)[];
  /** Called when the graph is freed after backward without retainGraph. */
  release(): void {}
  preHooks: ((grads: (Tensor | null)[]) => void)[] = [];
}

/** The node that accumulates into a leaf tensor's .grad. */
export class AccumulateGrad extends Node {
  readonly name = "AccumulateGrad";
  readonly numOutputs = 1;
  constructor(public readonly variable: Tensor) { super(); }
  apply(): (Tensor | null)[] { return []; }
}

const accumulators = new WeakMap<Tensor, AccumulateGrad>();

export function gradAccumulator(t: Tensor): AccumulateGrad {
  let a = accumulators.get(t);
  if (!a) { a = new AccumulateGrad(t); accumulators.set(t, a); }
  return a;
}

/** Edge into the graph for a tensor that requires grad (its gradFn or its accumulator). */
export function edgeOf(t: Tensor): Edge | null {
  if (!t.requiresGrad) return null;
  if (t.gradFn) return { fn: t.gradFn, index: t.outputNr };
  return { fn: gradAccumulator(t), index: 0 };
}

interface Slot { name: string; listIndex: number; tensor: Tensor; version: number }

/** Backward node of one registry op: runs the op's derivative formula. */
export class OpBackward extends Node {
  readonly name: string;
  readonly numOutputs: number;
  private slots: Slot[];
  private saved: { args: Args; outputs: Tensor[]; versions: Map<Tensor, number> } | null;

  constructor(public readonly op: OpOverload, args: Args, outputs: Tensor[], slots: Slot[]) {
    super();
    this.name = `${capitalize(op.opName)}Backward0`;
    this.numOutputs = outputs.length;
    this.slots = slots;
    this.nextFunctions = slots.map((s) => edgeOf(s.tensor));
    const versions = new Map<Tensor, number>();
    for (const v of Object.values(args)) {
      if (v instanceof Tensor) versions.set(v, v.version);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Tensor) versions.set(e, e.version);
    }
    for (const o of outputs) versions.set(o, o.version);
    this.saved = { args, outputs, versions };
  }

  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    const saved = this.saved;
    if (!saved) {
      throw new Error(`${this.name}: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time.`);
    }
    // Only tensors the formula actually reads count as saved (PyTorch saves just those), so an
    // in-place op on e.g. the output of mul(x, 2) does not break backward.
    const used = new Set<Tensor>();
    const track = (v: unknown) => { if (v instanceof Tensor) used.add(v); else if (Array.isArray(v)) for (const e of v) if (e instanceof Tensor) used.add(e); return v; };
    const checkVersions = () => {
      for (const [t, v] of saved.versions) {
        if (used.has(t) && t.version !== v) {
          throw new Error(`one of the variables needed for gradient computation has been modified by an inplace operation: [${t.dtype.name} [${t.shape.join(", ")}]] is at version ${t.version}; expected version ${v} instead (saved by ${this.name} for ${this.op.qualname})`);
        }
      }
    };
    const def = this.op.def.derivative;
    if (typeof def !== "function") {
      const why = def === "nondifferentiable" ? "is not differentiable" : `has no derivative: ${def.notImplemented}`;
      throw new Error(`${this.op.qualname} ${why}; cannot backward through it`);
    }
    const needed = new Set(this.slots.filter((_, i) => this.nextFunctions[i] !== null).map((s) => s.name));
    const args = new Proxy(saved.args, { get: (t, k) => track(t[k as string]) });
    const outputs = new Proxy(saved.outputs, { get: (t, k) => (typeof k === "string" && /^\d+$/.test(k) ? track(t[Number(k)]) : Reflect.get(t, k)) });
    let res: GradResult;
    try {
      res = def({ args, outputs, grads, needs: (n) => needed.has(n) });
    } catch (e) {
      checkVersions();
      throw e;
    }
    checkVersions();
    return this.slots.map((s, i) => {
      if (this.nextFunctions[i] === null) return null;
      const g = res[s.name];
      const gi = Array.isArray(g) ? g[s.listIndex] ?? null : s.listIndex < 0 ? (g ?? null) : null;
      if (gi && !sameShape(gi.shape, s.tensor.shape)) {
        throw new Error(`${this.op.qualname} derivative returned a gradient of shape [${gi.shape.join(", ")}] for '${s.name}' of shape [${s.tensor.shape.join(", ")}]`);
      }
      return gi;
    });
  }

  override release(): void { this.saved = null; }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function capitalize(s: string): string {
  return s.split("_").filter(Boolean).map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");
}

function diffSlots(op: OpOverload, args: Args): Slot[] {
  const slots: Slot[] = [];
  for (const a of op.schema.args) {
    if (a.type.base !== "Tensor") continue;
    const v = args[a.name];
    if (v instanceof Tensor) slots.push({ name: a.name, listIndex: -1, tensor: v, version: v.version });
    else if (Array.isArray(v)) v.forEach((e, i) => { if (e instanceof Tensor) slots.push({ name: a.name, listIndex: i, tensor: e, version: e.version }); });
  }
  return slots;
}

/** The autograd dispatch layer. */
function autogradLayer(op: OpOverload, args: Args, below: (op: OpOverload, args: Args) => KernelResult): KernelResult {
  if (!isGradEnabled()) return below(op, args);
  const slots = diffSlots(op, args);
  const needsGrad = slots.some((s) => s.tensor.requiresGrad);
  if (!needsGrad) return below(op, args);
  if (op.isInplace) {
    for (const a of op.schema.args) {
      const t = args[a.name];
      if (a.mutable && t instanceof Tensor && t.requiresGrad && t.isLeaf) {
        throw new Error(`${op.qualname}: a leaf Variable that requires grad is being used in an in-place operation (shape [${t.shape.join(", ")}], dtype ${t.dtype.name})`);
      }
    }
  }
  const out = noGrad(() => below(op, args));
  if (op.def.derivative === "nondifferentiable") return out;
  const outs = Array.isArray(out) ? out : [out];
  const diffOuts = outs.filter((o, i) => o.dtype.isFloatingPoint && op.def.differentiableOutputs?.[i] !== false);
  if (diffOuts.length === 0) return out;
  const node = new OpBackward(op, { ...args }, outs, slots);
  outs.forEach((o, i) => {
    if (!o.dtype.isFloatingPoint || op.def.differentiableOutputs?.[i] === false) return;
    o.requiresGrad = true;
    o.gradFn = node;
    o.outputNr = i;
  });
  return out;
}

installAutogradLayer(autogradLayer);
