// aot/aot_autograd: the AOT autograd driver. Takes a torch-level GraphModule from capture, lifts its
// parameters to inputs, traces the inference graph or the joint graph, runs graph hooks, partitions,
// hands each graph to a compiler, and returns a callable that joins eager autograd (its outputs carry a
// backward node that runs the compiled backward). In: (gm, exampleInputs) + compilers. Out: a callable.

import { Tensor } from "../tensor/tensor.js";
import { isGradEnabled, noGrad } from "../autograd/index.js";
import { Node as AutogradNode, edgeOf } from "../autograd/node.js";
import { aten } from "../ops/aten.js";
import { bump } from "../utils/counters.js";
import { log } from "../utils/logging.js";
import { stage } from "../ops/dispatch.js";
import { Interpreter, type Graph, type GraphModule, type Node } from "../fx/index.js";
import { traceInference, traceJoint } from "./joint.js";
import type { PartitionResult, PartitionOptions } from "./partitioner.js";
import { defaultPartition } from "./min_cut_partitioner.js";
import { toDecompositionTable, type DecompositionTable, type DecompositionsOption } from "./decompositions.js";
import { currentBackendContext } from "../dynamo/backends.js";

export type GraphKind = "inference" | "forward" | "backward" | "joint";
/** A compiled graph: takes flat tensors, returns flat outputs. */
export type CompiledGraph = (args: Tensor[]) => unknown[];
/** What a graph compiler learns about the graph it compiles, besides the graph and example inputs. */
export interface GraphCompileInfo {
  kind: Exclude<GraphKind, "joint">;
  /** How many leading flat inputs are lifted module parameters/buffers (0 for backward graphs). */
  numParams: number;
  /** Their attribute paths in the captured module (`L__self___fc1_weight`), in input order. */
  paramNames: string[];
  /** The lifted tensors themselves (real values at compile time; freezing turns them into constants). */
  params: Tensor[];
  /** Indices into the flat inputs of the inputs this graph mutates (written back after each call). */
  mutatedInputIndices: number[];
}
export type GraphCompiler = (gm: GraphModule, exampleInputs: Tensor[], info: GraphCompileInfo) => CompiledGraph;
export type PartitionFn = (joint: GraphModule, opts: PartitionOptions) => PartitionResult;

export interface AotOptions {
  fwCompiler: GraphCompiler;
  bwCompiler?: GraphCompiler;
  inferenceCompiler?: GraphCompiler;
  partitionFn?: PartitionFn;
  /** Extra/overriding decompositions (on top of the default table); compile()'s `decompositions` option wins over these. */
  decompositions?: DecompositionsOption;
  /** Runs on the joint graph (training) or the inference graph before partitioning (the joint hooks). */
  jointGraphPasses?: (graph: Graph, kind: "joint" | "inference") => void;
}

/** Run an fx GraphModule's torch-level graph with get_attr tensors replaced by flat inputs. */
function liftParams(gm: GraphModule): { params: Tensor[]; names: string[]; run: (flat: Tensor[], userArgs: unknown[]) => unknown } {
  const names: string[] = [];
  const params: Tensor[] = [];
  for (const n of gm.graph.nodes) {
    if (n.op === "get_attr") {
      const v = gm.getAttr(String(n.target));
      if (v instanceof Tensor && !names.includes(String(n.target))) { names.push(String(n.target)); params.push(v); }
    }
  }
  const run = (flat: Tensor[], userArgs: unknown[]) => interpretTorchGraph(gm, names, flat.slice(0, names.length), userArgs);
  return { params, names, run };
}

/** Runs a torch-level graph with fx's Interpreter, reading the lifted get_attr tensors from `attrValues`. */
class LiftedAttrInterpreter extends Interpreter {
  constructor(gm: GraphModule, private readonly attrNames: string[], private readonly attrValues: unknown[]) { super(gm); }
  override getAttr(target: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const k = this.attrNames.indexOf(String(target));
    return k >= 0 ? this.attrValues[k] : super.getAttr(target, args, kwargs);
  }
}

export function interpretTorchGraph(gm: GraphModule, attrNames: string[], attrValues: unknown[], userArgs: unknown[]): unknown {
  return new LiftedAttrInterpreter(gm, attrNames, attrValues).run(...userArgs);
}

/** Stands for the (not differentiable) compiled backward in a createGraph backward: refuses double backward. */
class CompiledFunctionDoubleBackward extends AutogradNode {
  readonly name = "CompiledFunctionBackwardBackward";
  readonly numOutputs: number;
  constructor(private readonly gradDescr: string[]) { super(); this.numOutputs = gradDescr.length; }
  apply(): (Tensor | null)[] {
    throw new Error(`aot autograd: double backward through a compiled function is not supported (gradients ${this.gradDescr.join(", ")} came from a compiled backward graph, which is not differentiable); compute higher-order gradients eagerly or compile the gradient computation itself [stage: aot runtime (double backward)]`);
  }
}

/** Backward node of a compiled function: runs the compiled backward graph. */
class CompiledFunctionBackward extends AutogradNode {
  readonly name = "CompiledFunctionBackward";
  constructor(readonly numOutputs: number, private saved: Tensor[] | null, private readonly bw: CompiledGraph,
    private readonly diffOutputs: number[], private readonly outputs: Tensor[], inputs: Tensor[]) {
    super();
    this.nextFunctions = inputs.map((t) => edgeOf(t));
  }
  apply(grads: (Tensor | null)[]): (Tensor | null)[] {
    if (!this.saved) throw new Error("CompiledFunctionBackward: trying to backward through the graph a second time; specify retainGraph: true");
    // the backward graph was traced with contiguous tangents of the outputs' dtypes
    const tangents = this.diffOutputs.map((oi) => {
      const o = this.outputs[oi]!;
      const g = grads[oi] ?? noGrad(() => aten.zeros.default(o.shape, { dtype: o.dtype, device: o.device }) as Tensor);
      if (g.isContiguous() && g.dtype === o.dtype) return g;
      return noGrad(() => aten._to_copy.default(g, { dtype: o.dtype, memory_format: "contiguous_format" }) as Tensor);
    });
    if (!isGradEnabled()) return this.bw([...this.saved, ...tangents]) as (Tensor | null)[];
    // createGraph: the compiled backward is not differentiable; results carry a node that refuses
    // a second backward (PyTorch: "torch.compile with aot_autograd does not currently support double backward")
    const res = noGrad(() => this.bw([...this.saved!, ...tangents])) as (Tensor | null)[];
    const guard = new CompiledFunctionDoubleBackward(res.map((r) => (r ? `[${r.shape.join(", ")}] ${r.dtype.name}` : "none")));
    res.forEach((r, i) => {
      if (!r || !r.dtype.isFloatingPoint) return;
      r.requiresGrad = true;
      r.gradFn = guard;
      r.outputNr = i;
    });
    return res;
  }
  override release(): void { this.saved = null; }
}

/** Build the AOT backend: (gm, exampleInputs) => callable. */
export function aotAutograd(opts: AotOptions): (gm: GraphModule, exampleInputs: Tensor[]) => (...args: unknown[]) => unknown {
  return (gm, exampleInputs) => {
    bump("aot_autograd", "total");
    const { params, names, run } = liftParams(gm);
    const flatExamples = [...params, ...exampleInputs];
    const fnFlat = (...flat: Tensor[]) => run(flat, flat.slice(params.length));
    const needsGrad = isGradEnabled() && flatExamples.some((t) => t.requiresGrad);
    const decompositions = mergeDecompositions(opts.decompositions, currentBackendContext().decompositions as DecompositionsOption | undefined);
    const prevStage = stage.current;
    stage.current = "aot";
    try {
      const lifted = { params, names, decompositions };
      const result = needsGrad ? compileTraining(opts, fnFlat, flatExamples, lifted) : compileInference(opts, fnFlat, flatExamples, lifted);
      bump("aot_autograd", "ok");
      return (...userArgs: unknown[]) => result([...params, ...(userArgs as Tensor[])]);
    } finally {
      stage.current = prevStage;
    }
  };
}

function applyMutations(flat: Tensor[], outs: unknown[], numFwd: number, mutated: number[]): unknown[] {
  mutated.forEach((inputIdx, k) => {
    const v = outs[numFwd - mutated.length + k] as Tensor;
    noGrad(() => aten.copy_.default(flat[inputIdx]!, v));
  });
  return outs.slice(0, numFwd - mutated.length);
}

interface Lifted { params: Tensor[]; names: string[]; decompositions: DecompositionTable | undefined }

function mergeDecompositions(base: DecompositionsOption | undefined, user: DecompositionsOption | undefined): DecompositionTable | undefined {
  const a = toDecompositionTable(base, "aotAutograd decompositions");
  const b = toDecompositionTable(user, "compile decompositions");
  if (!a || !b) return a ?? b;
  return new Map([...a, ...b]);
}

function compileInference(opts: AotOptions, fn: (...a: Tensor[]) => unknown, examples: Tensor[], lifted: Lifted): (flat: Tensor[]) => unknown {
  const traced = traceInference(fn, examples, { decompositions: lifted.decompositions });
  opts.jointGraphPasses?.(traced.gm.graph, "inference");
  traced.gm.recompile();
  log("aot_graphs", () => `===== inference graph =====\n${traced.gm.graph.toString()}`);
  const compiler = opts.inferenceCompiler ?? opts.fwCompiler;
  const compiled = compiler(traced.gm, examples, {
    kind: "inference", numParams: lifted.params.length, paramNames: lifted.names, params: lifted.params,
    mutatedInputIndices: traced.mutatedInputIndices,
  });
  return (flat) => {
    const outs = noGrad(() => compiled(flat));
    const res = applyMutations(flat, outs, traced.numFwdOutputs, traced.mutatedInputIndices);
    return res.length === 1 ? res[0] : res;
  };
}

function compileTraining(opts: AotOptions, fn: (...a: Tensor[]) => unknown, examples: Tensor[], lifted: Lifted): (flat: Tensor[]) => unknown {
  const joint = traceJoint(fn, examples, { decompositions: lifted.decompositions });
  opts.jointGraphPasses?.(joint.gm.graph, "joint");
  joint.gm.recompile();
  log("aot_graphs", () => `===== joint graph =====\n${joint.gm.graph.toString()}`);
  const part = (opts.partitionFn ?? defaultPartition)(joint.gm, {
    numFwdOutputs: joint.numFwdOutputs, staticInputIndices: lifted.params.map((_, i) => i),
  });
  const fw = opts.fwCompiler(part.forward, examples, {
    kind: "forward", numParams: lifted.params.length, paramNames: lifted.names, params: lifted.params,
    mutatedInputIndices: joint.mutatedInputIndices,
  });
  const bwExamples = part.backward.graph.nodes.toArray().filter((n: Node) => n.op === "placeholder").map((n: Node) => n.meta.val as Tensor);
  const bw = (opts.bwCompiler ?? opts.fwCompiler)(part.backward, bwExamples, { kind: "backward", numParams: 0, paramNames: [], params: [], mutatedInputIndices: [] });
  const numFwd = joint.numFwdOutputs;
  const numUserOuts = numFwd - joint.mutatedInputIndices.length;
  return (flat) => {
    if (!isGradEnabled()) {
      // called under noGrad after a training compile: run the forward graph only
      const outs = noGrad(() => fw(flat));
      const res = applyMutations(flat, outs.slice(0, numFwd), numFwd, joint.mutatedInputIndices);
      return res.length === 1 ? res[0] : res;
    }
    const all = noGrad(() => fw(flat));
    const saved = all.slice(numFwd) as Tensor[];
    const outs = applyMutations(flat, all.slice(0, numFwd), numFwd, joint.mutatedInputIndices) as Tensor[];
    const gradInputs = joint.gradInputs.map((i) => flat[i]!);
    const diffOuts = joint.diffOutputs.filter((i) => i < numUserOuts);
    if (diffOuts.length) {
      const node = new CompiledFunctionBackward(outs.length, saved, bw, diffOuts, outs, gradInputs);
      diffOuts.forEach((i) => {
        const o = outs[i]!;
        o.requiresGrad = true;
        o.gradFn = node;
        o.outputNr = i;
      });
    }
    return outs.length === 1 ? outs[0] : outs;
  };
}
