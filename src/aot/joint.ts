// aot/joint: builds the aten-level inference graph or the joint forward+backward graph of a function,
// with the derivative formulas of the op registry (the same ones eager autograd uses).
// In: a function over flat tensors and fake example inputs. Out: a traced GraphModule plus the
// bookkeeping the partitioner and runtime need.

import { Tensor } from "../tensor/tensor.js";
import { withDispatchMode } from "../ops/dispatch.js";
import { enableGrad, noGrad, grad as autogradGrad } from "../autograd/index.js";
import { Graph, GraphModule, type Node, type Argument } from "../fx/index.js";
import { ProxyTensorMode, flattenOutputs, makeFx, outputArgs, type TraceOptions } from "./make_fx.js";

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
  return { gm: traced.gm, numFwdOutputs: traced.numOutputs, mutatedInputIndices: traced.mutatedInputIndices };
}

/** Trace the joint graph: placeholders primals_1.., tangents_1..; outputs [forward outputs..., input grads...]. */
export function traceJoint(fn: (...a: Tensor[]) => unknown, examples: Tensor[], opts: TraceOptions = {}): JointGraph {
  const graph = new Graph();
  const primals = examples.map((t) => fakeLike(t, t.requiresGrad));
  const mode = new ProxyTensorMode(graph, opts.decompositions, new Set(primals));
  primals.forEach((t, i) => { const ph = graph.placeholder(`primals_${i + 1}`); ph.meta.val = t; mode.nodeOf.set(t, ph); });
  const outs = flattenOutputs(enableGrad(() => withDispatchMode(mode, () => fn(...primals))));
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
    grads = withDispatchMode(mode, () => autogradGrad(diffOutputs.map((i) => outs[i] as Tensor), gradInputs.map((i) => primals[i]!), tangents, { allowUnused: true }));
  }
  const { outArgs, mutatedInputIndices } = outputArgs(mode, primals, outs);
  const numFwdOutputs = outArgs.length;
  for (const g of grads) outArgs.push(g ? mode.nodeFor(g) : null);
  graph.output(outArgs);
  return { gm: new GraphModule(mode.constants, graph), numPrimals: primals.length, numFwdOutputs, diffOutputs, gradInputs, mutatedInputIndices };
}
