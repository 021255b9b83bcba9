// aot/joint: builds the aten-level inference graph or the joint forward+backward graph of a function,
// with the derivative formulas of the op registry (the same ones eager autograd uses).
// In: a function over flat tensors and fake example inputs. Out: a traced GraphModule plus the
// bookkeeping the partitioner and runtime need.

import { Tensor } from "../tensor/tensor.js";
import { withDispatchMode } from "../ops/dispatch.js";
import { enableGrad, noGrad, grad as autogradGrad } from "../autograd/index.js";
import { Graph, GraphModule, type Node, type Argument } from "../fx/index.js";
import { OpBackward } from "../autograd/node.js";
import type { GradFn } from "../tensor/tensor.js";
import { ProxyTensorMode, flattenOutputs, makeFx, outputArgs, type TraceOptions } from "./make_fx.js";

const describe = (t: Tensor) => `[${t.shape.join(", ")}] ${t.dtype.name}`;

/**
 * Before tracing the backward: every recorded backward node on a path to an input that needs a
 * gradient must have a derivative formula. Names the op, its output shape/dtype and the stage.
 */
function checkDerivatives(outs: Tensor[], produced: Iterable<Tensor>): void {
  const outputOf = new Map<GradFn, Tensor>();
  for (const t of produced) if (t.gradFn && !outputOf.has(t.gradFn)) outputOf.set(t.gradFn, t);
  const seen = new Set<GradFn>();
  const stack = outs.map((o) => o.gradFn).filter((f): f is GradFn => f !== null);
  while (stack.length) {
    const fn = stack.pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    if (fn instanceof OpBackward && typeof fn.op.def.derivative !== "function" && fn.nextFunctions.some((e) => e !== null)) {
      const d = fn.op.def.derivative;
      const why = d === "nondifferentiable" ? "is not differentiable" : `has no derivative (${d.notImplemented})`;
      const o = outputOf.get(fn);
      throw new Error(`aot autograd: ${fn.op.qualname} ${why}, but its result${o ? ` ${describe(o)}` : ""} needs a gradient in this training graph; run it under noGrad, detach its inputs, or compile for inference [stage: aot joint graph]`);
    }
    for (const e of fn.nextFunctions) if (e) stack.push(e.fn);
  }
}

export interface JointGraph {
  gm: GraphModule;
  numPrimals: number;
  numFwdOutputs: number;
  /** Indices of forward outputs that are differentiable (get a tangent). */
  diffOutputs: number[];
  /** Indices of primals that require grad (the joint graph's gradient outputs follow this order). */
  gradInputs: number[];
  mutatedInputIndices: number[];
}

function fakeLike(t: Tensor, requiresGrad: boolean): Tensor {
  const f = Tensor.fake(t.shape, t.dtype, t.device, t.strides);
  f.requiresGrad = requiresGrad;
  return f;
}

/** Trace the inference graph (no autograd): placeholders arg0_1, arg1_1, ... */
export function traceInference(fn: (...a: Tensor[]) => unknown, examples: Tensor[], opts: TraceOptions = {}): { gm: GraphModule; numFwdOutputs: number; mutatedInputIndices: number[] } {
  const fakes = examples.map((t) => fakeLike(t, false));
  const traced = noGrad(() => makeFx(fn, fakes, opts));
  // the graph returns the function's outputs, then the new values of the mutated inputs
  return { gm: traced.gm, numFwdOutputs: traced.numOutputs + traced.mutatedInputIndices.length, mutatedInputIndices: traced.mutatedInputIndices };
}

/** Trace the joint graph: placeholders primals_1.., tangents_1..; outputs [forward outputs..., input grads...]. */
export function traceJoint(fn: (...a: Tensor[]) => unknown, examples: Tensor[], opts: TraceOptions = {}): JointGraph {
  const graph = new Graph();
  const primals = examples.map((t) => fakeLike(t, t.requiresGrad));
  const mode = new ProxyTensorMode(graph, opts.decompositions, new Set(primals));
  primals.forEach((t, i) => { const ph = graph.placeholder(`primals_${i + 1}`); ph.meta.val = t; mode.nodeOf.set(t, ph); });
  let outs: unknown[];
  try {
    outs = flattenOutputs(enableGrad(() => withDispatchMode(mode, () => fn(...primals))));
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    if (/leaf Variable that requires grad is being used in an in-place operation/.test(msg)) {
      throw new Error(`aot autograd: cannot functionalise a mutation of an input that requires grad: ${msg.split("\n")[0]} [stage: aot joint graph (forward tracing)]`, { cause: e });
    }
    throw e;
  }
  const diffOutputs: number[] = [];
  outs.forEach((o, i) => { if (o instanceof Tensor && o.requiresGrad) diffOutputs.push(i); });
  const gradInputs = primals.map((p, i) => (p.requiresGrad ? i : -1)).filter((i) => i >= 0);
  // tangents go right after the primals, as in PyTorch's joint graphs
  const firstCompute = graph.nodes.toArray().find((n: Node) => n.op !== "placeholder") ?? null;
  const tangents = diffOutputs.map((oi, k) => {
    const o = outs[oi] as Tensor;
    // tangents are traced contiguous (PyTorch coerces them too): the runtime makes incoming grads contiguous
    const t = Tensor.fake(o.shape, o.dtype, o.device);
    const ph = firstCompute ? graph.insertingBefore(firstCompute, () => graph.placeholder(`tangents_${k + 1}`)) : graph.placeholder(`tangents_${k + 1}`);
    ph.meta.val = t;
    mode.nodeOf.set(t, ph);
    return t;
  });
  let grads: (Tensor | null)[] = [];
  if (diffOutputs.length && gradInputs.length) {
    checkDerivatives(diffOutputs.map((i) => outs[i] as Tensor), mode.nodeOf.keys());
    grads = withDispatchMode(mode, () => autogradGrad(diffOutputs.map((i) => outs[i] as Tensor), gradInputs.map((i) => primals[i]!), tangents, { allowUnused: true }));
  }
  const { outArgs, mutatedInputIndices } = outputArgs(mode, primals, outs);
  const numFwdOutputs = outArgs.length;
  for (const g of grads) outArgs.push(g ? mode.nodeFor(g) : null);
  graph.output(outArgs);
  return { gm: new GraphModule(mode.constants, graph), numPrimals: primals.length, numFwdOutputs, diffOutputs, gradInputs, mutatedInputIndices };
}
