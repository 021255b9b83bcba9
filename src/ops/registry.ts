// ops/registry: the single source of truth for aten ops. Each overload declares once its schema,
// meta rule, eager CPU kernel, derivative and (for pointwise ops) its scalar formula.
// In: OpDef tables from the family files (ops/*_ops.ts). Out: OpOverload objects (callable) and lookup.

import type { Tensor, Device } from "../tensor/tensor.js";
import type { DType } from "../tensor/dtype.js";
import { parseSchema, type FunctionSchema } from "./schema.js";

/** Bound arguments of one call, keyed by schema argument name (defaults filled in). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Args = Record<string, any>;

/** Output metadata computed by a meta rule without touching data. */
export interface TensorMeta {
  shape: readonly number[];
  dtype: DType;
  device?: Device;
  /** Defaults to contiguous strides. */
  strides?: readonly number[];
  /** For view ops: the output aliases the storage of this argument, at `offset`. */
  viewOf?: string;
  offset?: number;
}

export type MetaResult = TensorMeta | TensorMeta[];
export type KernelResult = Tensor | Tensor[];

export interface GradCtx {
  /** Bound args as seen at forward time (tensors are the saved inputs). */
  readonly args: Args;
  /** Forward outputs (saved). */
  readonly outputs: readonly Tensor[];
  /** Incoming gradient per output; null when no gradient flows into that output. */
  readonly grads: readonly (Tensor | null)[];
  /** Whether the gradient of the named tensor argument is needed. */
  needs(argName: string): boolean;
}

export type GradResult = Record<string, Tensor | null | (Tensor | null)[]>;

/** Derivative formula, written with registry ops so it can be traced into joint graphs. */
export type Derivative = (ctx: GradCtx) => GradResult;

export type OpTag =
  | "pointwise" | "reduction" | "view" | "inplace" | "random" | "extern" | "creation"
  | "nondeterministic" | "data_dependent" | "composite";

export interface OpDef {
  schema: string;
  meta: (a: Args) => MetaResult;
  kernel: (a: Args) => KernelResult;
  /** A formula, "nondifferentiable" (outputs never require grad, e.g. argmax), or a reason it is missing. */
  derivative: Derivative | "nondifferentiable" | { notImplemented: string };
  tags?: readonly OpTag[];
  /** Per output: false marks it non-differentiable (PyTorch's output_differentiability), e.g. layer norm's mean/rstd. */
  differentiableOutputs?: readonly boolean[];
}

/** A family file exports `{ opName: { overloadName: OpDef } }`. */
export type OpFamily = Record<string, Record<string, OpDef>>;

export interface OpOverloadInfo {
  readonly kind: "OpOverload";
  readonly namespace: string;
  /** Packet name, e.g. "cos". */
  readonly opName: string;
  readonly overload: string;
  /** "aten.cos.default" */
  readonly qualname: string;
  readonly schema: FunctionSchema;
  readonly def: OpDef;
  readonly tags: ReadonlySet<OpTag>;
  readonly packet: OpOverloadPacket;
  readonly isInplace: boolean;
  readonly isView: boolean;
  toString(): string;
}

/** Callable like PyTorch's: `aten.cos.default(x)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpOverload = ((...args: any[]) => any) & OpOverloadInfo;

export interface OpOverloadPacket {
  readonly kind: "OpOverloadPacket";
  readonly namespace: string;
  readonly opName: string;
  readonly qualname: string;
  overloads(): OpOverload[];
  toString(): string;
}

const allOverloads = new Map<string, OpOverload>();

export type CallFn = (op: OpOverload, args: readonly unknown[], kwargs?: Record<string, unknown>) => unknown;

/** Build a namespace object (aten, cpu, prims) from op families. `call` performs dispatch. */
export function buildNamespace<F extends OpFamily>(namespace: string, family: F, call: CallFn):
  { [P in keyof F]: OpOverloadPacket & { [K in keyof F[P]]: OpOverload } } {
  const ns: Record<string, unknown> = {};
  for (const [opName, overloads] of Object.entries(family)) {
    const packet: OpOverloadPacket & Record<string, OpOverload> = {
      kind: "OpOverloadPacket", namespace, opName, qualname: `${namespace}.${opName}`,
      overloads: () => Object.keys(overloads).map((k) => packet[k] as OpOverload),
      toString: () => `${namespace}.${opName}`,
    } as OpOverloadPacket & Record<string, OpOverload>;
    for (const [ovName, def] of Object.entries(overloads)) {
      const schema = parseSchema(def.schema);
      const fullName = schema.overload === "default" ? schema.name : `${schema.name}.${schema.overload}`;
      if (schema.name !== opName || schema.overload !== ovName) {
        throw new Error(`op registry: schema '${fullName}' registered as ${opName}.${ovName}`);
      }
      const qualname = `${namespace}.${opName}.${ovName}`;
      const tags = new Set<OpTag>(def.tags ?? []);
      const isInplace = schema.args.some((a) => a.mutable);
      const isView = !isInplace && schema.returns.some((r) => r.alias !== null && !r.mutable);
      if (isInplace) tags.add("inplace");
      if (isView) tags.add("view");
      const fn = ((...args: unknown[]) => {
        // A trailing plain object holds keyword arguments: aten.add.Tensor(x, y, { alpha: 2 }).
        const last = args[args.length - 1];
        if (isKwargs(last)) return call(fn as OpOverload, args.slice(0, -1), last);
        return call(fn as OpOverload, args);
      }) as unknown as OpOverload;
      Object.defineProperty(fn, "name", { value: qualname });
      Object.assign(fn, {
        kind: "OpOverload", namespace, opName, overload: ovName, qualname, schema, def, tags, packet,
        isInplace, isView, toString: () => qualname,
      });
      packet[ovName] = fn;
      if (allOverloads.has(qualname)) throw new Error(`op registry: ${qualname} registered twice`);
      allOverloads.set(qualname, fn);
    }
    ns[opName] = packet;
  }
  return ns as { [P in keyof F]: OpOverloadPacket & { [K in keyof F[P]]: OpOverload } };
}

/** A plain object (not a tensor, list or dtype) passed last to an op holds its keyword arguments. */
export function isKwargs(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype && !("itemsize" in x);
}

export function isOpOverload(x: unknown): x is OpOverload {
  return typeof x === "function" && (x as Partial<OpOverloadInfo>).kind === "OpOverload";
}
export function isOpOverloadPacket(x: unknown): x is OpOverloadPacket {
  return typeof x === "object" && x !== null && (x as Partial<OpOverloadPacket>).kind === "OpOverloadPacket";
}

/** Look up an overload by qualified name ("aten.cos.default"). */
export function lookupOp(qualname: string): OpOverload | undefined {
  return allOverloads.get(qualname);
}

export function registeredOps(): OpOverload[] {
  return [...allOverloads.values()];
}
