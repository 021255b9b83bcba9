// ops/dispatch: runs one op call through the layers, like PyTorch's dispatcher:
// bind args -> autograd layer (installed by src/autograd) -> dispatch modes (tracers,
// functionalisation) -> backend (meta rule for fake tensors, eager kernel for real ones).
// In: an OpOverload and call args. Out: output tensor(s).

import { Tensor, Storage } from "../tensor/tensor.js";
import { contiguousStrides, numel } from "../tensor/shape.js";
import { bindArgs } from "./schema.js";
import type { Args, OpOverload, TensorMeta, KernelResult } from "./registry.js";
import { tryAccelerate } from "./eager_accel.js";

/** A dispatch mode sees every op below autograd (PyTorch's TorchDispatchMode). */
export interface DispatchMode {
  dispatch(op: OpOverload, args: Args, next: (op: OpOverload, args: Args) => KernelResult): KernelResult;
}

/** The autograd layer: wraps `below` to record a backward node when needed. */
export type AutogradLayer = (op: OpOverload, args: Args, below: (op: OpOverload, args: Args) => KernelResult) => KernelResult;

let autogradLayer: AutogradLayer | null = null;
export function installAutogradLayer(layer: AutogradLayer): void {
  autogradLayer = layer;
}

const modeStack: DispatchMode[] = [];

/** Run fn with `mode` pushed on the dispatch-mode stack. */
export function withDispatchMode<T>(mode: DispatchMode, fn: () => T): T {
  modeStack.push(mode);
  try {
    return fn();
  } finally {
    const top = modeStack.pop();
    if (top !== mode) throw new Error("dispatch mode stack corrupted");
  }
}

export function activeDispatchModes(): readonly DispatchMode[] {
  return modeStack;
}

/** Stage label used in error messages ("eager", "capture", "aot", ...). */
export const stage = { current: "eager" };

/** Public entry: call an op with positional args and kwargs. */
export function callOp(op: OpOverload, args: readonly unknown[], kwargs: Record<string, unknown> = {}): unknown {
  const bound = bindArgs(op.schema, op.qualname, args, kwargs);
  return callBound(op, bound);
}

/** Call with already-bound args (used by tracers and decompositions). */
export function callBound(op: OpOverload, bound: Args): KernelResult {
  if (autogradLayer) return autogradLayer(op, bound, belowAutograd);
  return belowAutograd(op, bound);
}

/** Everything below autograd: modes from the top of the stack down, then the backend. */
export function belowAutograd(op: OpOverload, bound: Args): KernelResult {
  return runModes(op, bound, modeStack.length - 1);
}

function runModes(op: OpOverload, bound: Args, level: number): KernelResult {
  if (level < 0) return backend(op, bound);
  const mode = modeStack[level]!;
  // While a mode handles an op, it and the modes above it are disabled (as in PyTorch).
  const saved = modeStack.splice(level);
  try {
    return mode.dispatch(op, bound, (op2, bound2) => runModes(op2, bound2, level - 1));
  } finally {
    modeStack.splice(level, modeStack.length - level, ...saved);
  }
}

function collectTensors(args: Args): Tensor[] {
  const out: Tensor[] = [];
  for (const v of Object.values(args)) {
    if (v instanceof Tensor) out.push(v);
    else if (Array.isArray(v)) for (const e of v) if (e instanceof Tensor) out.push(e);
  }
  return out;
}

export function describeArgs(args: Args): string {
  return Object.entries(args).map(([k, v]) => {
    if (v instanceof Tensor) return `${k}: Tensor[${v.shape.join(", ")}] ${v.dtype.name}`;
    if (Array.isArray(v) && v.some((e) => e instanceof Tensor)) {
      return `${k}: [${v.map((e) => e instanceof Tensor ? `Tensor[${e.shape.join(", ")}] ${e.dtype.name}` : String(e)).join(", ")}]`;
    }
    return `${k}: ${JSON.stringify(v)}`;
  }).join("; ");
}

/** Wrap an error so it names the op, its arguments and the stage, keeping the original message first. */
export function opError(op: OpOverload, args: Args, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if ((e as { coilOp?: boolean }).coilOp) return e;
  const msg = e.message.startsWith(op.qualname) || e.message.startsWith(op.opName) ? e.message : `${op.qualname}: ${e.message}`;
  const wrapped = new (e.constructor as ErrorConstructor)(`${msg}\n  [stage: ${stage.current}; arguments: ${describeArgs(args)}]`);
  (wrapped as { coilOp?: boolean }).coilOp = true;
  wrapped.stack = wrapped.message + "\n" + (e.stack ?? "").split("\n").slice(1).join("\n");
  return wrapped;
}

/**
 * Backend: fake tensors go through the meta rule, real ones through the eager accelerator (installed by
 * src/inductor/eager: compiled Wasm kernels; it may decline) or else the eager kernel.
 */
function backend(op: OpOverload, args: Args): KernelResult {
  const tensors = collectTensors(args);
  const anyFake = tensors.some((t) => t.isFake);
  try {
    for (const t of tensors) if (t.storage.disposed) throw new Error(`a tensor argument (shape [${t.shape.join(", ")}], dtype ${t.dtype.name}) was disposed (tensor.dispose()); it cannot be used any more`);
    if (tensors.length > 1) {
      const dev = tensors[0]!.device;
      for (const t of tensors) if (t.device !== dev) throw new TypeError(`expected all tensors to be on the same device, but found ${dev} and ${t.device}`);
    }
    if (op.isInplace) checkNoInternalOverlap(op, args);
    if (anyFake) return fakeFromMeta(op, args);
    const out = tryAccelerate(op, args) ?? op.def.kernel(args);
    if (op.isInplace) {
      for (const a of op.schema.args) if (a.mutable && args[a.name] instanceof Tensor) (args[a.name] as Tensor).storage.version++;
    }
    return out;
  } catch (err) {
    throw opError(op, args, err);
  }
}

/**
 * An in-place op must not write through a tensor whose elements share memory (a broadcast view with a
 * 0 stride on a dim of size > 1): the result would depend on the write order (PyTorch refuses it too).
 */
function checkNoInternalOverlap(op: OpOverload, args: Args): void {
  for (const a of op.schema.args) {
    const t = args[a.name];
    if (!a.mutable || !(t instanceof Tensor) || t.numel() === 0) continue;
    if (t.shape.some((d, i) => d > 1 && t.strides[i] === 0)) {
      throw new Error(`${op.opName}: unsupported operation: more than one element of the written-to tensor '${a.name}' (shape [${t.shape.join(", ")}], strides [${t.strides.join(", ")}]) refers to a single memory location; clone() the tensor before the in-place operation`);
    }
  }
}

/** Build fake outputs from the meta rule (views alias their source's fake storage). */
export function fakeFromMeta(op: OpOverload, args: Args): KernelResult {
  const meta = op.def.meta(args);
  const one = (m: TensorMeta): Tensor => {
    if (m.viewOf !== undefined) {
      const src = args[m.viewOf] as Tensor;
      return src.aliasAs(m.shape, m.strides ?? contiguousStrides(m.shape), m.offset ?? src.offset);
    }
    if (op.isInplace) {
      const mutated = op.schema.args.find((a) => a.mutable);
      if (mutated) return args[mutated.name] as Tensor;
    }
    const strides = m.strides ?? contiguousStrides(m.shape);
    let extent = numel(m.shape) === 0 ? 0 : 1;
    for (let i = 0; i < m.shape.length; i++) extent += (m.shape[i]! - 1) * Math.abs(strides[i]!);
    return new Tensor(Storage.fake(extent, m.dtype, m.device ?? "cpu"), m.shape.slice(), strides.slice(), 0);
  };
  return Array.isArray(meta) ? meta.map(one) : one(meta);
}
