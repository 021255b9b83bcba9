// ops/schema: parses PyTorch-style op schemas ("add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor")
// and binds call arguments to them. In: schema strings, call args. Out: FunctionSchema, bound argument records.

import { Tensor } from "../tensor/tensor.js";

export type BaseType =
  | "Tensor" | "Scalar" | "int" | "SymInt" | "float" | "bool" | "str" | "ScalarType" | "Device" | "Layout" | "MemoryFormat" | "Generator" | "Any";

export interface ArgType {
  base: BaseType;
  optional: boolean;
  /** list: -1 none, 0 unsized list, n fixed-size list (int[2]). */
  list: number;
  /** element optional inside a list (Tensor?[]). */
  elemOptional: boolean;
}

export interface SchemaArg {
  name: string;
  type: ArgType;
  hasDefault: boolean;
  default: unknown;
  kwargOnly: boolean;
  /** Alias annotation: "a" for views of self, "a!" for mutated arguments. */
  alias: string | null;
  mutable: boolean;
}

export interface FunctionSchema {
  name: string;
  overload: string;
  args: SchemaArg[];
  returns: { name: string | null; type: ArgType; alias: string | null; mutable: boolean }[];
  text: string;
}

function parseType(raw: string): { type: ArgType; alias: string | null; mutable: boolean } {
  let s = raw.trim();
  let alias: string | null = null;
  let mutable = false;
  const m = /^(\w+)\(([a-z])(!?)\)(.*)$/.exec(s);
  if (m) {
    alias = m[2]!;
    mutable = m[3] === "!";
    s = m[1]! + m[4]!;
  }
  let optional = false;
  let list = -1;
  let elemOptional = false;
  const lm = /^(\w+)(\??)\[(\d*)\](\??)$/.exec(s);
  if (lm) {
    elemOptional = lm[2] === "?";
    list = lm[3] ? Number(lm[3]) : 0;
    optional = lm[4] === "?";
    s = lm[1]!;
  } else if (s.endsWith("?")) {
    optional = true;
    s = s.slice(0, -1);
  }
  const base = (s === "SymInt" ? "int" : s) as BaseType;
  return { type: { base, optional, list, elemOptional }, alias, mutable };
}

function parseDefault(text: string, t: ArgType): unknown {
  const s = text.trim();
  if (s === "None") return null;
  if (s === "True") return true;
  if (s === "False") return false;
  if (s.startsWith("[")) {
    const inner = s.slice(1, -1).trim();
    if (!inner) return [];
    return inner.split(",").map((x) => Number(x.trim()));
  }
  if (s.startsWith('"') || s.startsWith("'")) return s.slice(1, -1);
  const n = Number(s);
  if (!Number.isNaN(n)) {
    // int[2] stride=1 means [1, 1]
    if (t.list > 0) return new Array(t.list).fill(n);
    return n;
  }
  return s;
}

function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0, cur = "";
  for (const ch of s) {
    if (ch === "(" || ch === "[") depth++;
    if (ch === ")" || ch === "]") depth--;
    if (ch === "," && depth === 0) { out.push(cur); cur = ""; } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

export function parseSchema(text: string): FunctionSchema {
  const m = /^\s*([\w]+)(?:\.(\w+))?\s*\((.*)\)\s*->\s*(.+)$/.exec(text);
  if (!m) throw new SyntaxError(`invalid op schema: ${text}`);
  const name = m[1]!;
  const overload = m[2] ?? "default";
  const args: SchemaArg[] = [];
  let kwargOnly = false;
  for (const part of splitTop(m[3]!)) {
    const p = part.trim();
    if (p === "*") { kwargOnly = true; continue; }
    const eq = p.indexOf("=");
    const decl = eq >= 0 ? p.slice(0, eq).trim() : p;
    const sp = decl.lastIndexOf(" ");
    const { type, alias, mutable } = parseType(decl.slice(0, sp));
    const argName = decl.slice(sp + 1);
    args.push({
      name: argName, type, alias, mutable, kwargOnly,
      hasDefault: eq >= 0, default: eq >= 0 ? parseDefault(p.slice(eq + 1), type) : undefined,
    });
  }
  let retText = m[4]!.trim();
  if (retText.startsWith("(")) retText = retText.slice(1, -1);
  const returns = splitTop(retText).map((r) => {
    const t = r.trim();
    const sp = t.lastIndexOf(" ");
    const typeText = sp > 0 && !t.slice(sp + 1).includes(")") && !t.slice(sp + 1).includes("]") ? t.slice(0, sp) : t;
    const rname = typeText === t ? null : t.slice(sp + 1);
    const { type, alias, mutable } = parseType(typeText);
    return { name: rname, type, alias, mutable };
  });
  return { name, overload, args, returns, text: text.trim() };
}

export function typeToString(t: ArgType): string {
  let s: string = t.base;
  if (t.list >= 0) s += (t.elemOptional ? "?" : "") + `[${t.list || ""}]`;
  if (t.optional) s += "?";
  return s;
}

function describe(v: unknown): string {
  if (v instanceof Tensor) return `Tensor(shape=[${v.shape.join(", ")}], dtype=${v.dtype.name})`;
  if (Array.isArray(v)) return `[${v.map(describe).join(", ")}]`;
  if (v === null) return "None";
  if (typeof v === "string") return `"${v}"`;
  return String(v);
}

function checkElem(base: BaseType, v: unknown, elemOptional: boolean): boolean {
  if (v === null || v === undefined) return elemOptional;
  switch (base) {
    case "Tensor": return v instanceof Tensor;
    case "Scalar": return typeof v === "number" || typeof v === "boolean";
    case "int": case "SymInt": return typeof v === "number" && Number.isInteger(v) || typeof v === "boolean";
    case "float": return typeof v === "number";
    case "bool": return typeof v === "boolean" || v === 0 || v === 1;
    case "str": return typeof v === "string";
    case "ScalarType": return typeof v === "string" || (typeof v === "object" && v !== null && "itemsize" in v);
    case "Device": return typeof v === "string";
    default: return true;
  }
}

export function checkArgType(t: ArgType, v: unknown): boolean {
  if (v === null || v === undefined) return t.optional;
  if (t.list >= 0) {
    if (!Array.isArray(v)) {
      // PyTorch accepts a single int for int[N] (broadcast) arguments
      return t.list > 0 && t.base === "int" && typeof v === "number" && Number.isInteger(v);
    }
    return v.every((e) => checkElem(t.base, e, t.elemOptional));
  }
  return checkElem(t.base, v, false);
}

/** Bind positional and keyword args to the schema, fill defaults, check types. Errors name the op. */
export function bindArgs(schema: FunctionSchema, qualname: string, args: readonly unknown[], kwargs: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const positional = schema.args.filter((a) => !a.kwargOnly);
  if (args.length > positional.length) {
    throw new TypeError(`${qualname}: expected at most ${positional.length} positional arguments but got ${args.length}; schema: ${schema.text}`);
  }
  const seen = new Set<string>();
  args.forEach((v, i) => { out[positional[i]!.name] = v; seen.add(positional[i]!.name); });
  for (const [k, v] of Object.entries(kwargs)) {
    const a = schema.args.find((x) => x.name === k);
    if (!a) throw new TypeError(`${qualname}: got an unexpected keyword argument '${k}'; schema: ${schema.text}`);
    if (seen.has(k)) throw new TypeError(`${qualname}: got multiple values for argument '${k}'`);
    out[k] = v;
    seen.add(k);
  }
  for (const a of schema.args) {
    if (!seen.has(a.name) || out[a.name] === undefined) {
      if (a.hasDefault) out[a.name] = a.default;
      else if (a.type.optional) out[a.name] = null;
      else throw new TypeError(`${qualname}: missing required argument '${a.name}' (${typeToString(a.type)}); schema: ${schema.text}`);
    }
    let v = out[a.name];
    if (a.type.list > 0 && typeof v === "number") { v = new Array(a.type.list).fill(v); out[a.name] = v; }
    if (!checkArgType(a.type, v)) {
      throw new TypeError(`${qualname}: argument '${a.name}' must be ${typeToString(a.type)}, but got ${describe(v)}; schema: ${schema.text}`);
    }
  }
  return out;
}

/** Positional args and kwargs as an aten graph records them: trailing defaults dropped. */
export function unbindArgs(schema: FunctionSchema, bound: Record<string, unknown>): { args: unknown[]; kwargs: Record<string, unknown> } {
  const args: unknown[] = [];
  const kwargs: Record<string, unknown> = {};
  const positional = schema.args.filter((a) => !a.kwargOnly);
  let last = -1;
  positional.forEach((a, i) => { if (!a.hasDefault || !sameValue(bound[a.name], a.default)) last = i; });
  for (let i = 0; i <= last; i++) args.push(bound[positional[i]!.name]);
  for (const a of schema.args) {
    if (a.kwargOnly && !(a.hasDefault && sameValue(bound[a.name], a.default)) && !(a.type.optional && !a.hasDefault && bound[a.name] == null)) {
      kwargs[a.name] = bound[a.name];
    }
  }
  return { args, kwargs };
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const x = a === undefined ? null : a;
  const y = b === undefined ? null : b;
  if (typeof x === "boolean" || typeof y === "boolean") return Number(x) === Number(y) && x !== null && y !== null;
  return x === y;
}
