// autograd/engine: runs the backward graph (Tensor.backward, autograd.grad).
// In: root tensors and their incoming gradients. Out: gradients accumulated into leaves' .grad,
// or returned for the requested inputs.

import { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { Node, AccumulateGrad, edgeOf, type Edge } from "./node.js";
import { noGrad, enableGrad } from "./grad_mode.js";

export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
}

function add(a: Tensor | null, b: Tensor | null): Tensor | null {
  if (!a) return b;
  if (!b) return a;
  return aten.add.Tensor(a, b) as Tensor;
}

function onesLike(t: Tensor): Tensor {
  return aten.ones_like.default(t) as Tensor;
}

/** Topologically order the nodes reachable from the roots (every node before the nodes it feeds). */
function collect(roots: Edge[]): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  const stack: { n: Node; i: number }[] = [];
  for (const r of roots) {
    const n = r.fn as Node;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push({ n, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.i < top.n.nextFunctions.length) {
        const e = top.n.nextFunctions[top.i++];
        if (!e) continue;
        const c = e.fn as Node;
        if (!seen.has(c)) { seen.add(c); stack.push({ n: c, i: 0 }); }
      } else {
        order.push(top.n);
        stack.pop();
      }
    }
  }
  order.reverse();
  return order;
}

/**
 * Core engine. Returns the gradients that reached `captureFor` (when given); otherwise
 * accumulates into leaves.
 */
export function runBackward(outputs: Tensor[], gradOutputs: (Tensor | null)[], opts: BackwardOptions & { inputs?: Tensor[]; accumulate: boolean }): (Tensor | null)[] {
  const roots: Edge[] = [];
  const initial = new Map<Node, (Tensor | null)[]>();
  outputs.forEach((o, i) => {
    if (!o.requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    let g = gradOutputs[i] ?? null;
    if (!g) {
      if (o.numel() !== 1) throw new Error(`grad can be implicitly created only for scalar outputs (got shape [${o.shape.join(", ")}]); pass a gradient`);
      g = noGrad(() => onesLike(o));
    } else if (g.shape.length !== o.shape.length || g.shape.some((s, k) => s !== o.shape[k])) {
      throw new Error(`Mismatch in shape: grad_output[${i}] has a shape of [${g.shape.join(", ")}] and output[${i}] has a shape of [${o.shape.join(", ")}]`);
    }
    const e = edgeOf(o)!;
    roots.push(e);
    const n = e.fn as Node;
    const buf = initial.get(n) ?? new Array<Tensor | null>(n.numOutputs).fill(null);
    buf[e.index] = add(buf[e.index] ?? null, g);
    initial.set(n, buf);
  });
  const captureEdges = new Map<Node, number[]>();
  const captured: (Tensor | null)[] = (opts.inputs ?? []).map(() => null);
  (opts.inputs ?? []).forEach((t, i) => {
    const e = edgeOf(t);
    if (!e) throw new Error(`autograd.grad: input ${i} does not require grad`);
    const list = captureEdges.get(e.fn as Node) ?? [];
    list.push(i);
    captureEdges.set(e.fn as Node, list);
  });
  const order = collect(roots);
  const buffers = initial;
  const run = () => {
    for (const node of order) {
      const grads = buffers.get(node);
      buffers.delete(node);
      if (!grads) continue;
      for (const h of node.preHooks) h(grads);
      const cap = captureEdges.get(node);
      if (cap) {
        for (const i of cap) {
          const t = opts.inputs![i]!;
          captured[i] = add(captured[i] ?? null, grads[t.gradFn ? t.outputNr : 0] ?? null);
        }
        if (node instanceof AccumulateGrad) continue;
      }
      if (node instanceof AccumulateGrad) {
        if (!opts.accumulate) continue;
        let g = grads[0];
        if (!g) continue;
        const v = node.variable;
        for (const h of v.hooks) { const r = h(g); if (r) g = r; }
        if (v.grad) v.grad = noGrad(() => aten.add.Tensor(v.grad!, g!) as Tensor);
        else v.grad = opts.createGraph ? g : noGrad(() => aten.clone.default(g!) as Tensor);
        continue;
      }
      const out = node.apply(grads);
      if (!opts.retainGraph) node.release();
      node.nextFunctions.forEach((e, k) => {
        if (!e || !out[k]) return;
        const n = e.fn as Node;
        let buf = buffers.get(n);
        if (!buf) { buf = new Array<Tensor | null>(n.numOutputs).fill(null); buffers.set(n, buf); }
        buf[e.index] = add(buf[e.index] ?? null, out[k]!);
      });
    }
  };
  if (opts.createGraph) enableGrad(run); else noGrad(run);
  return captured;
}

/** Tensor hooks on non-leaf tensors and retainGrad run as pre-hooks of their gradFn. */
export function registerNonLeafHook(t: Tensor, fn: (g: Tensor) => Tensor | void): void {
  const node = t.gradFn as Node;
  const idx = t.outputNr;
  node.preHooks.push((grads) => {
    const g = grads[idx];
    if (!g) return;
    const r = fn(g);
    if (r) grads[idx] = r;
  });
}

/** tensor.backward(gradient?, {retainGraph, createGraph, inputs}) */
export function backward(t: Tensor, gradient: Tensor | null = null, opts: BackwardOptions & { inputs?: Tensor[] } = {}): void {
  // As in PyTorch, retain_graph defaults to create_graph.
  opts = { ...opts, retainGraph: opts.retainGraph ?? opts.createGraph };
  if (opts.inputs) {
    const grads = runBackward([t], [gradient], { ...opts, accumulate: false });
    opts.inputs.forEach((inp, i) => {
      const g = grads[i];
      if (g) inp.grad = inp.grad ? noGrad(() => aten.add.Tensor(inp.grad!, g) as Tensor) : g;
    });
    return;
  }
  runBackward([t], [gradient], { ...opts, accumulate: true });
}

/** autograd.grad(outputs, inputs, gradOutputs?, {retainGraph, createGraph, allowUnused}) */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], gradOutputs: (Tensor | null)[] | Tensor | null = null,
  opts: BackwardOptions & { allowUnused?: boolean } = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = gradOutputs === null ? outs.map(() => null) : Array.isArray(gradOutputs) ? gradOutputs : [gradOutputs];
  const res = runBackward(outs, gos, { retainGraph: opts.retainGraph ?? opts.createGraph, createGraph: opts.createGraph, inputs: ins, accumulate: false });
  if (!opts.allowUnused) {
    res.forEach((g, i) => {
      if (!g) throw new Error(`autograd.grad: one of the differentiated tensors (input ${i}) appears to not have been used in the graph; set allowUnused: true if this is the desired behavior`);
    });
  }
  return res;
}
