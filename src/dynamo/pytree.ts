// dynamo/pytree: walks nested inputs and outputs (arrays, plain objects, tensors, constants) like
// torch.utils._pytree. In: a user's call arguments or return value. Out: tensor leaves with their
// source names (`L['seqs'][0]` -> `L_seqs_0_`), a tree spec the guards compare, and unflattening.

import { Tensor } from "../tensor/tensor.js";

export type PathKey = string | number;

/** Tree spec: the structure of a value with tensors abstracted (compared by guards). */
export type TreeSpec =
  | { kind: "tensor" }
  | { kind: "const"; value: unknown }
  | { kind: "opaque"; value: unknown }
  | { kind: "list"; children: TreeSpec[] }
  | { kind: "dict"; keys: string[]; children: TreeSpec[] };

export interface TensorLeaf {
  tensor: Tensor;
  path: PathKey[];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function isConstant(v: unknown): boolean {
  return v === null || v === undefined || typeof v === "number" || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint";
}

/** Flatten `value`, appending tensor leaves (in depth-first order) to `leaves`. */
export function flatten(value: unknown, path: PathKey[], leaves: TensorLeaf[], seen: Set<unknown> = new Set()): TreeSpec {
  if (value instanceof Tensor) {
    leaves.push({ tensor: value, path });
    return { kind: "tensor" };
  }
  if (isConstant(value)) return { kind: "const", value };
  if (Array.isArray(value) || isPlainObject(value)) {
    if (seen.has(value)) throw new TypeError(`compile: cyclic input structure at ${sourceName(path)}`);
    seen.add(value);
    try {
      if (Array.isArray(value)) return { kind: "list", children: value.map((v, i) => flatten(v, [...path, i], leaves, seen)) };
      const keys = Object.keys(value);
      return { kind: "dict", keys, children: keys.map((k) => flatten(value[k], [...path, k], leaves, seen)) };
    } finally {
      seen.delete(value);
    }
  }
  return { kind: "opaque", value };
}

/** First structural difference between a spec and a value (null when they match); tensors are not checked here. */
export function specMismatch(spec: TreeSpec, value: unknown, path: PathKey[], leaves: Tensor[]): string | null {
  const where = sourceExpr(path);
  switch (spec.kind) {
    case "tensor":
      if (!(value instanceof Tensor)) return `${where} is no longer a Tensor`;
      leaves.push(value);
      return null;
    case "const":
      if (!Object.is(spec.value, value)) return `${where} == ${show(spec.value)} (now ${show(value)})`;
      return null;
    case "opaque":
      if (spec.value !== value) return `${where} is not the same object as when compiled`;
      return null;
    case "list": {
      if (!Array.isArray(value)) return `${where} is no longer an array`;
      if (value.length !== spec.children.length) return `len(${where}) == ${spec.children.length} (now ${value.length})`;
      for (let i = 0; i < value.length; i++) {
        const r = specMismatch(spec.children[i]!, value[i], [...path, i], leaves);
        if (r) return r;
      }
      return null;
    }
    case "dict": {
      if (!isPlainObject(value)) return `${where} is no longer a plain object`;
      const keys = Object.keys(value);
      if (keys.length !== spec.keys.length || keys.some((k, i) => k !== spec.keys[i])) {
        return `keys of ${where} == [${spec.keys.join(", ")}] (now [${keys.join(", ")}])`;
      }
      for (let i = 0; i < keys.length; i++) {
        const r = specMismatch(spec.children[i]!, value[keys[i]!], [...path, keys[i]!], leaves);
        if (r) return r;
      }
      return null;
    }
  }
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  return String(v);
}

/** Python-style source expression for messages: L['seqs'][0]. */
export function sourceExpr(path: PathKey[]): string {
  if (path.length === 0) return "L";
  const [head, ...rest] = path;
  return `L['${String(head)}']` + rest.map((k) => (typeof k === "number" ? `[${k}]` : `['${k}']`)).join("");
}

/** Dynamo's placeholder target for a source: L['seqs'][0] -> L_seqs_0_. */
export function sourceName(path: PathKey[]): string {
  return "L_" + path.map((k) => String(k).replace(/[^A-Za-z0-9_]/g, "_")).join("_") + "_";
}

/** Output spec: like TreeSpec but tensor leaves point at graph outputs. */
export type OutSpec =
  | { kind: "out"; index: number }
  | { kind: "const"; value: unknown }
  | { kind: "list"; children: OutSpec[] }
  | { kind: "dict"; keys: string[]; children: OutSpec[] };

/** Build an output spec; `onTensor` returns the graph-output index for a tensor leaf. */
export function outSpec(value: unknown, onTensor: (t: Tensor) => number, seen: Set<unknown> = new Set()): OutSpec {
  if (value instanceof Tensor) return { kind: "out", index: onTensor(value) };
  if (Array.isArray(value) || isPlainObject(value)) {
    if (seen.has(value)) throw new TypeError("compile: cyclic output structure");
    seen.add(value);
    try {
      if (Array.isArray(value)) return { kind: "list", children: value.map((v) => outSpec(v, onTensor, seen)) };
      const keys = Object.keys(value);
      return { kind: "dict", keys, children: keys.map((k) => outSpec(value[k], onTensor, seen)) };
    } finally {
      seen.delete(value);
    }
  }
  return { kind: "const", value };
}

/** Rebuild a user-visible output from graph outputs. */
export function unflattenOut(spec: OutSpec, outs: readonly unknown[]): unknown {
  switch (spec.kind) {
    case "out": return outs[spec.index];
    case "const": return spec.value;
    case "list": return spec.children.map((c) => unflattenOut(c, outs));
    case "dict": {
      const o: Record<string, unknown> = {};
      spec.keys.forEach((k, i) => { o[k] = unflattenOut(spec.children[i]!, outs); });
      return o;
    }
  }
}

/** Visit every tensor in a nested value (arrays and plain objects). */
export function someTensor(value: unknown, pred: (t: Tensor) => boolean): boolean {
  if (value instanceof Tensor) return pred(value);
  if (Array.isArray(value)) return value.some((v) => someTensor(v, pred));
  if (isPlainObject(value)) return Object.values(value).some((v) => someTensor(v, pred));
  return false;
}

/** Map every tensor in a nested value (arrays and plain objects are copied). */
export function mapTensors(value: unknown, fn: (t: Tensor) => unknown): unknown {
  if (value instanceof Tensor) return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapTensors(v, fn));
  if (isPlainObject(value)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = mapTensors(v, fn);
    return o;
  }
  return value;
}
