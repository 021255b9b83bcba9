// inductor/lowering/common: helpers every lowering family uses (Inductor's make_pointwise, broadcasting,
// type promotion, register_lowering over schemas, fallback_handler). A lowering receives IR values
// (TensorBox) and constants, bound to the op's schema names, and returns IR values.
// In: aten ops and lowering bodies. Out: entries in the shared `lowerings` table.

import { Tensor } from "../../tensor/tensor.js";
import { resultType, type DType } from "../../tensor/dtype.js";
import { broadcastShapes, wrapDim } from "../../tensor/shape.js";
import { isKwargs, type OpOverload, type OpOverloadPacket } from "../../ops/registry.js";
import { bump } from "../../utils/counters.js";
import { log } from "../../utils/logging.js";
import { registerLowering } from "../lowering_table.js";
import { cst, makeVars, type Expr } from "../ir/indexing.js";
import { FixedLayout } from "../ir/layout.js";
import { ExternKernel, IRNode, MultiOutput, Pointwise, type ExternArg } from "../ir/nodes.js";
import { ReadsRecorder, type MathOp, type OpsHandler, type OpsValue } from "../ir/ops.js";
import { TensorBox, realizeAsStrided, rootStorage } from "../ir/tensor_box.js";
import { expand } from "../ir/views.js";
import { V } from "../ir/virtualized.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Bound = Record<string, any>;
export type Lowered = TensorBox | TensorBox[] | number | null;

/** Bind positional args and kwargs to the schema's names with defaults (no type checks: args are IR). */
export function bindLowered(op: OpOverload, args: readonly unknown[]): Bound {
  const list = args.slice();
  const kwargs = list.length && isKwargs(list[list.length - 1]) ? (list.pop() as Record<string, unknown>) : {};
  const out: Bound = {};
  const positional = op.schema.args.filter((a) => !a.kwargOnly);
  list.forEach((v, i) => { if (positional[i]) out[positional[i]!.name] = v; });
  Object.assign(out, kwargs);
  for (const a of op.schema.args) {
    if (out[a.name] === undefined) out[a.name] = a.hasDefault ? a.default : null;
    if (a.type.list > 0 && typeof out[a.name] === "number") out[a.name] = new Array(a.type.list).fill(out[a.name]);
  }
  return out;
}

/** Register a lowering written against bound (named) args for one or more overloads. */
export function lower(ops: OpOverload | OpOverloadPacket | readonly (OpOverload | OpOverloadPacket)[], fn: (a: Bound, op: OpOverload) => Lowered): void {
  const list = Array.isArray(ops) ? ops : [ops];
  for (const o of list) {
    const overloads = "overloads" in o ? (o as OpOverloadPacket).overloads() : [o as OpOverload];
    for (const ov of overloads) registerLowering(ov, (...args: unknown[]) => fn(bindLowered(ov, args), ov));
  }
}

export function isBox(x: unknown): x is TensorBox { return x instanceof TensorBox; }

export function box(x: IRNode): TensorBox { return TensorBox.create(x); }

/** Wrap a view node (keeps the storage it reads). */
export function viewBox(x: IRNode): TensorBox { return new TensorBox(x); }

/** A value as a TensorBox (plain numbers become 0-d constants of `dtype`). */
export function asBox(x: unknown, dtype: DType): TensorBox {
  if (isBox(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") {
    const v = Number(x);
    return box(new Pointwise("cpu", dtype, [], (ops) => ops.constant(v, dtype)));
  }
  throw new TypeError(`lowering: expected a tensor or a scalar, got ${String(x)}`);
}

/** Broadcast every box to the common shape (views, no copies). */
export function broadcastAll(op: string, xs: TensorBox[]): TensorBox[] {
  const shape = broadcastShapes(op, ...xs.map((x) => x.getSize()));
  return xs.map((x) => (sameShape(x.getSize(), shape) ? x : viewBox(expand(x, shape))));
}

export const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/** torch.result_type over boxes (0-d boxes count as "dimensionless" tensors) and scalars. */
export function promotedDtype(tensors: TensorBox[], scalars: (number | boolean)[] = []): DType {
  return resultType(tensors.map((t) => ({ dtype: t.getDtype(), ndim: t.getSize().length })), scalars);
}

/** Loader converting to `dtype` (a no-op when it already is). */
export function loadAs(x: IRNode, dtype: DType): (ops: OpsHandler, idx: readonly Expr[]) => OpsValue {
  const load = x.makeLoader();
  if (x.getDtype() === dtype) return load;
  return (ops, idx) => ops.toDtype(load(ops, idx), dtype);
}

/**
 * make_pointwise: a Pointwise over the broadcast shape of `inputs`, whose inner function receives the
 * inputs' values (already converted to `compute`) and returns the result value (dtype `out`).
 */
export function makePointwise(op: string, inputs: TensorBox[], compute: DType, out: DType,
  body: (ops: OpsHandler, vals: OpsValue[], idx: readonly Expr[]) => OpsValue): TensorBox {
  const xs = broadcastAll(op, inputs);
  const loaders = xs.map((x) => loadAs(x, compute));
  const size = xs.length ? xs[0]!.getSize() : [];
  return box(new Pointwise(xs[0]?.getDevice() ?? "cpu", out, size, (ops, idx) => body(ops, loaders.map((l) => l(ops, idx)), idx)));
}

/** A Pointwise applying one math op of the vocabulary to `inputs`. */
export function mathPointwise(name: MathOp, inputs: TensorBox[], compute: DType, out: DType, params?: readonly number[]): TensorBox {
  return makePointwise(name, inputs, compute, out, (ops, vals) => ops.op(name, vals, out, params));
}

export function dimList(dims: number | readonly number[] | null | undefined, ndim: number, op: string): number[] {
  if (dims === null || dims === undefined) return [...Array(ndim).keys()];
  const list = typeof dims === "number" ? [dims] : dims.length === 0 ? [...Array(ndim).keys()] : dims;
  // a 0-d tensor accepts dim 0 / -1 and has nothing to reduce
  return [...new Set(list.map((d) => wrapDim(op, d, Math.max(ndim, 1))))].filter((d) => d < ndim).sort((a, b) => a - b);
}

export const zeroIndex = (n: number): Expr[] => Array.from({ length: n }, () => cst(0));

/**
 * Lowerings that read their input several times (softmax: max, sum, normalise) store an input that is
 * an unrealized computation of more than `maxOps` ops instead of recomputing it in every pass.
 */
export function realizeIfExpensive(x: TensorBox, maxOps = 2): TensorBox {
  const root = rootStorage(x);
  if (!root || !(root.data instanceof Pointwise)) return x;
  const rec = new ReadsRecorder();
  root.data.inner(rec, makeVars("x", root.data.ranges).vars);
  if (rec.ops > maxOps) root.realize();
  return x;
}

// ---------------------------------------------------------------------------------------------
// Fallbacks and extern kernels

/** The current fx node's result meta (fake tensors) from V.graph. */
function currentVals(op: OpOverload): Tensor[] {
  const v = V.graph.currentVal;
  const vals = Array.isArray(v) ? v : [v];
  if (!vals.every((t) => t instanceof Tensor || t === null)) {
    throw new Error(`lowering: ${op.qualname} (node ${V.graph.currentNode}) has no tensor meta for its results`);
  }
  return vals as Tensor[];
}

function externArg(x: unknown, op: OpOverload): ExternArg {
  if (isBox(x)) return realizeAsStrided(x);
  if (Array.isArray(x)) return x.map((e) => externArg(e, op));
  if (x === null || x === undefined) return null;
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "string") return x;
  if (typeof x === "object" && "itemsize" in (x as object)) return x as DType;
  throw new TypeError(`lowering: ${op.qualname}: argument of type ${typeof x} (${String(x)}) cannot be passed to an extern call`);
}

/**
 * Call `op` from the wrapper (an ExternKernel for "extern", its eager kernel for "fallback"): inputs
 * are realized; results are MultiOutput buffers laid out as the node's meta says.
 */
export function externCall(kind: "extern" | "fallback", op: OpOverload, a: Bound): TensorBox | TensorBox[] {
  const positional = op.schema.args.filter((s) => !s.kwargOnly).map((s) => externArg(a[s.name], op));
  const kwargs: Record<string, ExternArg> = {};
  for (const s of op.schema.args) if (s.kwargOnly) kwargs[s.name] = externArg(a[s.name], op);
  const k = new ExternKernel(kind, op, positional, kwargs);
  const vals = currentVals(op);
  const multi = Array.isArray(V.graph.currentVal);
  const outs = vals.map((t, i) => (t === null ? null : new MultiOutput(new FixedLayout(t.device, t.dtype, t.shape, t.strides, 0), k, multi ? i : null)));
  k.outputs = outs.filter((o): o is MultiOutput => o !== null);
  V.graph.registerExtern(k);
  const boxes = outs.map((o) => (o === null ? null : box(o)));
  return (multi ? boxes : boxes[0]!) as TensorBox | TensorBox[];
}

/** Lower an op without a lowering to its eager kernel, visibly (counter + log). */
export function fallback(op: OpOverload, a: Bound): TensorBox | TensorBox[] {
  bump("inductor", "fallback");
  log("inductor", `fallback: ${op.qualname} (node ${V.graph.currentNode}) runs its eager kernel`);
  return externCall("fallback", op, a);
}
