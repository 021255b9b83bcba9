// dynamo/capture: traces one call of a user function with fake tensors into a torch-level fx Graph
// (PyTorch's Dynamo output graph). Inputs become `placeholder`s on first use (named `l_x_`), module
// parameters `get_attr`s, every coil function / Tensor method on traced tensors a `call_function`
// (target = the coil function object) or `call_method` node with meta.exampleValue = the fake result.
// In: the function, its fake arguments and parameter table. Out: Graph, root attributes, output spec.

import { Tensor } from "../tensor/tensor.js";
import { isOpOverload } from "../ops/registry.js";
import { defaultGenerator } from "../tensor/random.js";
import { withTorchFunctionMode, type TorchFunctionMode, type CallKind } from "../frontend/torch_function.js";
import { Graph, getitem, type Node } from "../fx/index.js";
import { outSpec, type OutSpec, mapTensors, isPlainObject } from "./pytree.js";
import { userFrame, describeFrame, type UserFrame } from "./source.js";

/** Raised inside a trace when the function cannot be captured (data-dependent code, missing meta rule). */
export class GraphBreak extends Error {
  constructor(readonly reason: string, readonly frame: UserFrame | null, override readonly cause?: unknown) {
    super(`graph break: ${reason} ${describeFrame(frame)}`);
    this.name = "GraphBreak";
  }
}

type SlotOp = "placeholder" | "get_attr" | "call_function" | "call_method";

/** A node-to-be; emitted into an fx Graph once the trace finished (placeholders first). */
class Slot {
  users = 0;
  node: Node | null = null;
  constructor(
    readonly op: SlotOp,
    readonly target: unknown,
    readonly args: unknown[],
    readonly exampleValue: unknown,
    readonly sideEffect = false,
  ) {}
}

/** A traced input: the fake that stands for it, and its Dynamo name (`L_x_`). */
export interface InputSource {
  fake: Tensor;
  name: string;
  /** Index into the call's flat tensor leaves. */
  leafIndex: number;
}

export interface CaptureResult {
  graph: Graph;
  /** Attributes the GraphModule root must hold (get_attr target -> real tensor). */
  root: Record<string, Tensor>;
  /** Flat-leaf index of each placeholder, in placeholder order. */
  placeholderLeaves: number[];
  /** Fake example inputs in placeholder order. */
  exampleInputs: Tensor[];
  out: OutSpec;
  /** Number of call_function / call_method nodes in the graph. */
  callCount: number;
}

export function isDataAccessError(e: unknown): boolean {
  return e instanceof Error && /cannot access the data of a fake tensor|data-dependent|no meta rule|meta (?:rule )?not implemented/i.test(e.message);
}

/** "Tensor.item()" / "coil.mm()" for messages and graph_break counter keys. */
export function describeTarget(kind: CallKind, target: unknown): string {
  if (kind === "call_method") return `Tensor.${String(target)}()`;
  const named = target as { coilName?: string; name?: string };
  return `${named.coilName ?? named.name ?? String(target)}()`;
}

export class Tracer implements TorchFunctionMode {
  private readonly slots: Slot[] = [];
  private readonly slotOf = new Map<Tensor, Slot>();
  private readonly placeholders: { slot: Slot; leafIndex: number }[] = [];
  private readonly root: Record<string, Tensor> = {};
  private constantCount = 0;

  constructor(
    /** Input fakes (deduplicated) with their names. */
    private readonly inputs: Map<Tensor, InputSource>,
    /** Real parameters/buffers of a compiled module -> get_attr target (`L__self___conv_weight`). */
    private readonly params: Map<Tensor, string>,
  ) {}

  /** The graph value standing for tensor t (creates placeholders / get_attrs on first use). */
  private slotFor(t: Tensor): Slot {
    const s = this.slotOf.get(t);
    if (s) return s;
    const inp = this.inputs.get(t);
    if (inp) {
      const slot = new Slot("placeholder", inp.name, [], t);
      this.placeholders.push({ slot, leafIndex: inp.leafIndex });
      this.slotOf.set(t, slot);
      return slot;
    }
    if (t.isFake) throw new Error("compile: a fake tensor that does not belong to this trace reached a traced call (was a tensor from another trace captured in a closure?)");
    // A real tensor: a module parameter/buffer, or a tensor the function closes over.
    let target = this.params.get(t);
    if (target === undefined) target = `_tensor_constant${this.constantCount++}`;
    this.root[target] = t;
    const slot = new Slot("get_attr", target, [], fakeLike(t));
    this.slots.push(slot);
    this.slotOf.set(t, slot);
    return slot;
  }

  private toArg(v: unknown): unknown {
    if (v instanceof Tensor) {
      const s = this.slotFor(v);
      s.users++;
      return s;
    }
    if (Array.isArray(v)) return v.map((e) => this.toArg(e));
    if (isPlainObject(v)) {
      const o: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) o[k] = this.toArg(e);
      return o;
    }
    return v;
  }

  handle(kind: CallKind, target: unknown, args: unknown[], impl: () => unknown): unknown {
    const stack = new Error().stack;
    let result: unknown;
    // Capture must not consume the random stream: a factory on constants (coil.randn(3)) runs for real
    // here, and the compiled program draws its own numbers when it runs.
    const rng = defaultGenerator.getState();
    try {
      result = impl();
    } catch (e) {
      if (e instanceof GraphBreak) throw e;
      if (isDataAccessError(e)) {
        throw new GraphBreak(`data-dependent operation ${describeTarget(kind, target)}`, userFrame(stack), e);
      }
      throw e;
    } finally {
      defaultGenerator.setState(rng);
    }
    const hasTensorResult = result instanceof Tensor || (Array.isArray(result) && result.some((r) => r instanceof Tensor));
    if (!hasTensorResult) {
      if (containsTensor(result)) {
        throw new GraphBreak(`${describeTarget(kind, target)} returned an unsupported structure of tensors`, userFrame(stack));
      }
      return result; // constant (computed from metadata only)
    }
    if (Array.isArray(result) && !result.every((r) => r instanceof Tensor)) {
      throw new GraphBreak(`${describeTarget(kind, target)} returned a list mixing tensors and other values`, userFrame(stack));
    }
    const name = kind === "call_method" ? String(target) : ((target as { name?: string }).name ?? "");
    const inplace = isOpOverload(target) ? target.isInplace : name.endsWith("_") && !name.endsWith("__");
    // Results are fakes from here on (a factory call on constants computed a real tensor).
    const fakeResult = Array.isArray(result) ? keepNamedFields(result, result.map((r) => toFake(r as Tensor))) : toFake(result as Tensor);
    const slot = new Slot(kind, target, args.map((a) => this.toArg(a)), fakeResult, inplace);
    this.slots.push(slot);
    if (Array.isArray(fakeResult)) {
      fakeResult.forEach((r, i) => {
        slot.users++;
        const item = new Slot("call_function", getitem, [slot, i], r);
        this.slots.push(item);
        this.slotOf.set(r, item);
      });
    } else {
      this.slotOf.set(fakeResult, slot);
    }
    return fakeResult;
  }

  /** Run fn under this tracer; returns its result (the fake outputs). */
  trace(fn: () => unknown): unknown {
    return withTorchFunctionMode(this, fn);
  }

  /** Turn the trace into an fx Graph with the given output value. */
  finish(output: unknown): CaptureResult {
    const outSlots: Slot[] = [];
    const out = outSpec(output, (t) => {
      const s = this.slotFor(t);
      s.users++;
      outSlots.push(s);
      return outSlots.length - 1;
    });
    this.deadCodeElim();
    const placeholders = this.placeholders.filter((p) => p.slot.users > 0);
    const graph = new Graph();
    const emitArg = (v: unknown): unknown => {
      if (v instanceof Slot) return v.node!;
      if (Array.isArray(v)) return v.map(emitArg);
      if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, emitArg(e)]));
      return v;
    };
    for (const { slot } of placeholders) {
      slot.node = graph.placeholder(String(slot.target), { typeExpr: "coil.Tensor" });
      slot.node.meta.exampleValue = slot.exampleValue;
    }
    let callCount = 0;
    for (const slot of this.slots) {
      if (slot.op === "placeholder") continue;
      let n: Node;
      if (slot.op === "get_attr") n = graph.getAttr(String(slot.target));
      else if (slot.op === "call_function") {
        // An op overload's trailing plain object holds its keyword arguments (aten.add.Tensor(x, y, {alpha})).
        const args = emitArg(slot.args) as unknown[];
        const kwargs = isOpOverload(slot.target) && args.length && isPlainObject(args[args.length - 1]) ? args.pop() as Record<string, unknown> : {};
        n = graph.callFunction(slot.target as (...a: never[]) => unknown, args as never[], kwargs as never);
      }
      else n = graph.callMethod(String(slot.target), emitArg(slot.args) as never[], {});
      if (slot.op === "call_function" || slot.op === "call_method") callCount++;
      n.meta.exampleValue = slot.exampleValue;
      slot.node = n;
    }
    graph.output(outSlots.map((s) => s.node!));
    return {
      graph,
      root: this.root,
      placeholderLeaves: placeholders.map((p) => p.leafIndex),
      exampleInputs: placeholders.map((p) => p.slot.exampleValue as Tensor),
      out,
      callCount,
    };
  }

  /** Drop calls whose results are never used (Dynamo's dead code elimination); in-place calls stay. */
  private deadCodeElim(): void {
    const release = (v: unknown): void => {
      if (v instanceof Slot) { v.users--; return; }
      if (Array.isArray(v)) v.forEach(release);
      else if (isPlainObject(v)) Object.values(v).forEach(release);
    };
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const s = this.slots[i]!;
      if (s.users > 0 || s.sideEffect || s.op === "placeholder") continue;
      release(s.args);
      this.slots.splice(i, 1);
      if (s.op === "get_attr") delete this.root[String(s.target)];
    }
  }
}

function containsTensor(v: unknown): boolean {
  if (v instanceof Tensor) return true;
  if (Array.isArray(v)) return v.some(containsTensor);
  if (isPlainObject(v)) return Object.values(v).some(containsTensor);
  return false;
}

/** A fake tensor with t's metadata (shape, strides, dtype, device, requiresGrad). */
export function fakeLike(t: Tensor): Tensor {
  const f = Tensor.fake(t.shape, t.dtype, t.device, t.strides);
  f.requiresGrad = t.requiresGrad;
  return f;
}

function toFake(t: Tensor): Tensor {
  return t.isFake ? t : fakeLike(t);
}

/** Map real inputs to fakes, deduplicating aliases of the same tensor object. */
export function fakeInputs(leaves: readonly Tensor[], names: readonly string[]): { inputs: Map<Tensor, InputSource>; fakes: Tensor[] } {
  const byReal = new Map<Tensor, Tensor>();
  const inputs = new Map<Tensor, InputSource>();
  const fakes = leaves.map((t, i) => {
    let f = byReal.get(t);
    if (!f) {
      f = fakeLike(t);
      byReal.set(t, f);
      inputs.set(f, { fake: f, name: names[i]!, leafIndex: i });
    }
    return f;
  });
  return { inputs, fakes };
}

export { mapTensors };

/** Named tuples (`x.max(0)` has .values and .indices) keep their named fields on the fake result. */
function keepNamedFields(real: unknown[], fakes: Tensor[]): Tensor[] {
  for (const key of Object.getOwnPropertyNames(real)) {
    if (key === "length" || /^\d+$/.test(key)) continue;
    const i = real.indexOf((real as unknown as Record<string, unknown>)[key]);
    if (i >= 0) Object.defineProperty(fakes, key, { value: fakes[i], enumerable: false });
  }
  return fakes;
}
