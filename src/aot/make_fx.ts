// aot/make_fx: traces a function at the aten level (PyTorch's make_fx) by running it on fake tensors
// under a dispatch mode that records every op below autograd into an fx Graph, functionalising
// in-place ops on the way. In: a function and fake example inputs. Out: an aten-level GraphModule
// whose nodes carry meta.val (fake tensors).

import { defaultGenerator } from "../tensor/random.js";
import { Tensor } from "../tensor/tensor.js";
import { withDispatchMode, type DispatchMode } from "../ops/dispatch.js";
import { unbindArgs } from "../ops/schema.js";
import { lookupOp, type Args, type OpOverload, type KernelResult } from "../ops/registry.js";
import { Graph, GraphModule, getitem, type Node, type Argument } from "../fx/index.js";
import { noGrad } from "../autograd/index.js";
import { aten } from "../ops/aten.js";
import { replayChain, scatterIntoRoot, viewStep, type ViewInfo } from "./view_replay.js";
import { decompositionFor, runDecomposition, type Decomposition, type DecompositionTable } from "./decompositions.js";

const aliasOp = (): OpOverload => lookupOp("aten.alias.default")!;

export interface TraceOptions {
  /** Names for the placeholders, in input order (default arg0_1, arg1_1, ...). */
  placeholderNames?: string[];
  decompositions?: DecompositionTable;
}

/** The recording mode. Maps every fake tensor it has seen to the graph node that produced it. */
export class ProxyTensorMode implements DispatchMode {
  readonly nodeOf = new Map<Tensor, Node>();
  readonly constants: Record<string, Tensor> = {};
  /** Graph inputs that were mutated in place: input tensor -> node holding its final value. */
  readonly mutatedInputs = new Map<Tensor, Node>();
  private constCount = 0;
  /** Views taken while tracing: root tensor + view chain (functionalisation replays/scatters them). */
  private readonly views = new Map<Tensor, ViewInfo>();
  /** Bumped each time a root tensor is mutated: its views made before are stale. */
  private readonly generation = new Map<Tensor, number>();

  constructor(readonly graph: Graph, private readonly decomps: DecompositionTable | undefined, readonly inputs: Set<Tensor>) {}

  argFor(v: unknown): Argument {
    if (v instanceof Tensor) return this.nodeFor(v);
    if (Array.isArray(v)) return v.map((e) => this.argFor(e));
    return v as Argument;
  }

  nodeFor(t: Tensor): Node {
    const info = this.views.get(t);
    if (info && info.generation !== (this.generation.get(info.root) ?? 0)) {
      // the root was mutated after this view was taken: regenerate the view from the root's new value
      const fresh = this.traced(() => replayChain(info.root, info.chain));
      this.nodeOf.set(t, this.nodeOf.get(fresh)!);
      info.generation = this.generation.get(info.root) ?? 0;
    }
    const n = this.nodeOf.get(t);
    if (n) return n;
    if (!t.isFake) {
      // A real tensor created inside the traced code (e.g. a scalar wrapped as a 0-d tensor): a constant.
      const name = `_tensor_constant${this.constCount++}`;
      this.constants[name] = t;
      const node = this.graph.getAttr(name);
      node.meta.val = Tensor.fake(t.shape, t.dtype, t.device, t.strides);
      this.nodeOf.set(t, node);
      return node;
    }
    throw new Error(`aot tracing: a fake tensor of shape [${t.shape.join(", ")}] (${t.dtype.name}) was used that is neither a graph input nor produced by a traced op`);
  }

  dispatch(op: OpOverload, args: Args, next: (op: OpOverload, args: Args) => KernelResult): KernelResult {
    const decomp = decompositionFor(op, this.decomps);
    if (decomp) return this.decompose(op, decomp, args);
    if (op.isInplace) return this.functionalize(op, args, next);
    const out = next(op, args);
    this.record(op, args, out);
    if (op.isView && args.self instanceof Tensor) this.rememberViews(op, args, out);
    return out;
  }

  /** Run ops with this mode active (it is off while it handles an op) and grad off: they are recorded. */
  private traced<R>(fn: () => R): R {
    return noGrad(() => withDispatchMode(this, fn));
  }

  private rememberViews(op: OpOverload, args: Args, out: KernelResult): void {
    const self = args.self as Tensor;
    const src = this.views.get(self);
    const root = src?.root ?? self;
    (Array.isArray(out) ? out : [out]).forEach((o, i) => {
      if (o.storage !== self.storage) return;
      this.views.set(o, { root, chain: [...(src?.chain ?? []), viewStep(op, args, i, o)], generation: this.generation.get(root) ?? 0 });
    });
  }

  /** Run a decomposition with this mode back on the stack, so the ops it calls are recorded. */
  private decompose(op: OpOverload, fn: Decomposition, args: Args): KernelResult {
    const inputs = new Set(Object.values(args).filter((v): v is Tensor => v instanceof Tensor));
    const fix = (r: unknown): Tensor => {
      if (!(r instanceof Tensor)) throw new TypeError(`aot decomposition of ${op.qualname} returned ${r === null ? "null" : typeof r}, expected a tensor [stage: aot decompose]`);
      // returning an argument as is would let the autograd layer re-parent it: alias it instead
      return inputs.has(r) ? (aliasOp()(r) as Tensor) : r;
    };
    return noGrad(() => withDispatchMode(this, () => {
      const r = runDecomposition(op, fn, args);
      return Array.isArray(r) ? r.map(fix) : fix(r);
    }));
  }

  private record(op: OpOverload, args: Args, out: KernelResult): Node {
    const mapped: Args = {};
    for (const [k, v] of Object.entries(args)) mapped[k] = this.argFor(v);
    const { args: pos, kwargs } = unbindArgs(op.schema, mapped);
    const node = this.graph.callFunction(op, pos as Argument[], kwargs as Record<string, Argument>);
    if (Array.isArray(out)) {
      node.meta.val = out;
      out.forEach((o, i) => {
        const g = this.graph.callFunction(getitem, [node, i]);
        g.meta.val = o;
        this.nodeOf.set(o, g);
      });
    } else {
      node.meta.val = out;
      this.nodeOf.set(out, node);
    }
    return node;
  }

  /** The value an in-place op leaves in self, computed out of place (recorded). */
  private functionalValue(op: OpOverload, args: Args, next: (op: OpOverload, args: Args) => KernelResult): Tensor {
    const self = args.self as Tensor;
    switch (op.opName) {
      case "copy_": // broadcast src to self's shape, cast to self's dtype
        return this.traced(() => aten._to_copy.default(aten.expand.default(args.src, [...self.shape]), { dtype: self.dtype }) as Tensor);
      case "fill_":
        return this.traced(() => aten.full_like.default(self, args.value) as Tensor);
      case "zero_":
        return this.traced(() => aten.zeros_like.default(self) as Tensor);
      default: {
        const functional = functionalVariant(op);
        const out = next(functional, args) as Tensor; // fake result, same metadata as self
        this.record(functional, args, out);
        return out;
      }
    }
  }

  /** In-place op -> its functional variant; the mutated tensor now stands for the new node. */
  private functionalize(op: OpOverload, args: Args, next: (op: OpOverload, args: Args) => KernelResult): KernelResult {
    const mutated = op.schema.args.filter((a) => a.mutable);
    if (mutated.length !== 1 || mutated[0]!.name !== "self") {
      throw new Error(`aot functionalisation: cannot functionalise ${op.qualname} (it mutates ${mutated.map((a) => a.name).join(", ")}; only ops mutating self are supported) [stage: aot functionalise]`);
    }
    const self = args.self as Tensor;
    const info = this.views.get(self);
    if (info && (self.requiresGrad || info.root.requiresGrad)) {
      throw new Error(`aot functionalisation: ${op.qualname} mutates a view ([${self.shape.join(", ")}] ${self.dtype.name}, taken with ${info.chain.map((c) => c.op).join(" -> ")}) of a tensor that requires grad; coil's autograd cannot rebase the view's gradient, so this cannot be functionalised in a training graph. Use the out-of-place op, or mutate a tensor that does not require grad [stage: aot functionalise]`);
    }
    const out = this.functionalValue(op, args, next);
    const node = this.nodeOf.get(out)!;
    const root = info?.root ?? self;
    let rootNode = node;
    if (info) {
      // write the view's new value back into its root, through the inverse of each view step
      const newRoot = this.traced(() => {
        const r = scatterIntoRoot(root, info.chain, out);
        return root.isContiguous() && !r.isContiguous() ? (aten.clone.default(r, { memory_format: "contiguous_format" }) as Tensor) : r;
      });
      rootNode = this.nodeOf.get(newRoot)!;
      this.nodeOf.set(root, rootNode);
    }
    this.nodeOf.delete(out);
    this.nodeOf.set(self, node);
    const gen = (this.generation.get(root) ?? 0) + 1;
    this.generation.set(root, gen);
    if (info) info.generation = gen; // the mutated view itself is current
    if (this.inputs.has(root)) this.mutatedInputs.set(root, rootNode);
    self.storage.version++;
    return self;
  }
}

/** aten.add_.Tensor -> aten.add.Tensor (copy_, fill_ and zero_ are handled by functionalValue). */
export function functionalVariant(op: OpOverload): OpOverload {
  const name = `aten.${op.opName.replace(/_$/, "")}.${op.overload}`;
  const f = lookupOp(name);
  if (!f) throw new Error(`aot functionalisation: ${op.qualname} has no functional variant (${name} is not in the op registry), so it cannot be functionalised [stage: aot functionalise]`);
  return f;
}

export interface TracedGraph {
  gm: GraphModule;
  /** Number of the traced function's own outputs (mutated inputs follow them in the graph output). */
  numOutputs: number;
  /** Input tensors (fakes) mutated in place by the traced code, by input index. */
  mutatedInputIndices: number[];
}

/**
 * Output arguments for traced results: one per result, then the final value of every mutated graph
 * input (returned as extra outputs and copied back by the runtime wrapper).
 */
export function outputArgs(mode: ProxyTensorMode, inputs: readonly Tensor[], outs: readonly unknown[]): { outArgs: Argument[]; mutatedInputIndices: number[] } {
  const outArgs: Argument[] = outs.map((o) => (o instanceof Tensor ? mode.nodeFor(o) : (o as Argument)));
  const mutatedInputIndices: number[] = [];
  inputs.forEach((t, i) => {
    const n = mode.mutatedInputs.get(t);
    if (n) { mutatedInputIndices.push(i); outArgs.push(n); }
  });
  return { outArgs, mutatedInputIndices };
}

/**
 * Trace `fn(...inputs)` into an aten graph. `inputs` are fake tensors (or non-tensors, which are
 * specialised); outputs may be a tensor or an array of tensors.
 */
export function makeFx(fn: (...a: Tensor[]) => unknown, inputs: Tensor[], opts: TraceOptions = {}): TracedGraph {
  const graph = new Graph();
  const mode = new ProxyTensorMode(graph, opts.decompositions, new Set(inputs));
  inputs.forEach((t, i) => {
    const ph = graph.placeholder(opts.placeholderNames?.[i] ?? `arg${i}_1`);
    ph.meta.val = t;
    mode.nodeOf.set(t, ph);
  });
  // Tracing must not consume the random stream (factories on constants run for real while tracing).
  const rng = defaultGenerator.getState();
  let outs: unknown[];
  try {
    outs = flattenOutputs(withDispatchMode(mode, () => fn(...inputs)));
  } finally {
    defaultGenerator.setState(rng);
  }
  const { outArgs, mutatedInputIndices } = outputArgs(mode, inputs, outs);
  graph.output(outArgs);
  return { gm: new GraphModule(mode.constants, graph), numOutputs: outs.length, mutatedInputIndices };
}

export function flattenOutputs(r: unknown): unknown[] {
  if (Array.isArray(r)) return r;
  return [r];
}
