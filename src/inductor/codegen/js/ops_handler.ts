// inductor/codegen/js/ops_handler: the ops handler that turns inner functions into JavaScript statements.
// Every value is a named temporary (`tmp3`) of a known dtype; common subexpressions are reused within a
// loop scope; each op's result is rounded to its dtype (Math.fround for float32, bfloat16/float16 rounding,
// int32/uint8 wrap-around) so fused code computes what eager's op-by-op kernels store. A value that does
// not depend on an inner loop's variables is emitted before that loop (loop-invariant hoisting).
// In: inner functions calling ops.*. Out: lines of JS and the value names.

import { castScalar, int64, type DType } from "../../../tensor/dtype.js";
import { printExpr, sym, type Expr } from "../../ir/indexing.js";
import type { IndirectCheck, MathOp, OpsHandler, OpsValue } from "../../ir/ops.js";
import { instantiate, jsNumber } from "./templates.js";

/** A value: its JS expression (a temporary's name or a literal), dtype, and the scope it is valid from. */
export interface JsValue { readonly expr: string; readonly dtype: DType; readonly level?: number }

export const jsIndexPrinter = { fdiv: (a: string, d: number) => `Math.floor((${a}) / ${d})`, fmod: (a: string, d: number) => `((${a}) % ${d})` };
export const printIndex = (e: Expr): string => printExpr(e, jsIndexPrinter);

const BOOL_VALUED = new Set<MathOp>(["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf"]);

/** Round a double to what `dtype` holds (identity where the value already fits). */
export function roundTo(expr: string, dtype: DType): string {
  switch (dtype.name) {
    case "float32": return `Math.fround(${expr})`;
    case "bfloat16": return `H.rbf(${expr})`;
    case "float16": return `H.rhf(${expr})`;
    case "int32": return `((${expr}) | 0)`;
    case "uint8": return `(H.toInt(${expr}) & 255)`;
    case "bool": return `((${expr}) !== 0 ? 1 : 0)`;
    case "int64": return `((${expr}) || 0)`; // as eager's int64 stores: no -0
    default: return expr; // float64
  }
}

/** A cast with PyTorch's rules (float -> int truncates, NaN/inf -> 0; -> bool is != 0). */
export function castTo(expr: string, from: DType, to: DType): string {
  if (from === to) return expr;
  if (to.isFloatingPoint) {
    if (to.name === "float64") return expr;
    // values of a narrower float (or small ints) are exact in the wider float
    const exact = from.name === "bool" || from.name === "uint8" || (to.name === "float32" && (from.name === "bfloat16" || from.name === "float16"));
    return exact ? expr : roundTo(expr, to);
  }
  if (to.name === "bool") return `((${expr}) !== 0 ? 1 : 0)`;
  if (!from.isFloatingPoint) return to.name === "int64" || from.name === "bool" || (from.name === "uint8") ? expr : roundTo(expr, to);
  return to.name === "int64" ? `H.toInt(${expr})` : roundTo(expr, to);
}

/** Where a buffer is read: an array parameter, or a kernel-local row array read at a fixed index. */
export interface PtrInfo { ptr: string; dtype: DType; at?: string; level?: number }

/** Emits statements into the innermost open scope. */
export class JsOpsHandler implements OpsHandler {
  private scopes: { lines: string[]; cse: Map<string, JsValue>; locals: Map<string, JsValue> }[] = [];
  private tmp = 0;
  /** Scope depth of each indirect index variable (a temporary holding a loaded index). */
  private readonly indirectLevels = new Map<string, number>();
  /** Innermost scope a value may be hoisted to (raised inside a masked body). */
  private floor = 0;

  /**
   * `load` of a buffer resolves to `ptrOf(name)[index]`, or to a local value if one is in scope.
   * `varLevel` gives the scope depth at which each loop variable is defined (outer 0, inner 1).
   */
  constructor(private readonly ptrOf: (name: string) => PtrInfo, private readonly varLevel: (v: string) => number = () => 0) {
    this.push();
  }

  push(): void { this.scopes.push({ lines: [], cse: new Map(), locals: new Map() }); }
  /** Close the innermost scope and return its lines. */
  pop(): string[] { return this.scopes.pop()!.lines; }
  emit(line: string): void { this.scopes[this.scopes.length - 1]!.lines.push(line); }
  /** Make `name` (a buffer) readable as a local value in the current scope. */
  defineLocal(name: string, v: JsValue): void { this.scopes[this.scopes.length - 1]!.locals.set(name, v); }
  newName(prefix = "tmp"): string { return `${prefix}${this.tmp++}`; }

  private lookup(key: string): JsValue | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) { const v = this.scopes[i]!.cse.get(key); if (v) return v; }
    return undefined;
  }
  /** Bind `expr` to a new temporary in scope `level` (default: the innermost), or reuse an identical one. */
  bind(expr: string, dtype: DType, level = this.scopes.length - 1): JsValue {
    const key = `${dtype.name}|${expr}`;
    const hit = this.lookup(key);
    if (hit) return hit;
    const at = Math.min(Math.max(level, this.floor), this.scopes.length - 1);
    const v = { expr: this.newName(), dtype, level: at };
    this.scopes[at]!.lines.push(`const ${v.expr} = ${expr};`);
    this.scopes[at]!.cse.set(key, v);
    return v;
  }

  private indexLevel(index: Expr): number {
    let l = 0;
    for (const v of index.freeVars()) l = Math.max(l, this.indirectLevels.get(v) ?? this.varLevel(v));
    return l;
  }
  private levelOf(vals: readonly OpsValue[]): number {
    return vals.reduce<number>((l, v) => Math.max(l, (v as JsValue).level ?? 0), 0);
  }

  load(name: string, index: Expr): OpsValue {
    for (let i = this.scopes.length - 1; i >= 0; i--) { const v = this.scopes[i]!.locals.get(name); if (v) return v; }
    const p = this.ptrOf(name);
    const at = `${p.ptr}[${p.at ?? printIndex(index)}]`;
    const read = p.dtype.name === "bfloat16" ? `H.bf2f(${at})` : p.dtype.name === "float16" ? `H.h2f(${at})` : at;
    return this.bind(read, p.dtype, p.level ?? this.indexLevel(index));
  }
  constant(value: number, dtype: DType): OpsValue { return { expr: jsNumber(castScalar(value, dtype)), dtype }; }
  indexExpr(index: Expr, dtype: DType): OpsValue { return this.bind(castTo(printIndex(index), int64, dtype), dtype, this.indexLevel(index)); }
  toDtype(x: OpsValue, dtype: DType): OpsValue {
    const v = x as JsValue;
    if (v.dtype === dtype) return v;
    const e = castTo(v.expr, v.dtype, dtype);
    return e === v.expr ? { expr: v.expr, dtype, level: v.level } : this.bind(e, dtype, v.level ?? 0);
  }
  op(name: MathOp, args: readonly OpsValue[], dtype: DType, params?: readonly number[]): OpsValue {
    const e = instantiate(name, args.map((a) => (a as JsValue).expr), params, dtype.name !== "float64");
    return this.bind(BOOL_VALUED.has(name) ? e : roundTo(e, dtype), dtype, this.levelOf(args));
  }
  /** `const tmpN = x (+ size when negative)`, then a bounds check that throws like the eager kernel. */
  indirectIndexing(x: OpsValue, size: number, check: IndirectCheck): Expr {
    const v = x as JsValue;
    const before = this.tmp;
    const e = check.wrapNegative ? `(${v.expr} < 0 ? ${v.expr} + ${size} : ${v.expr})` : `(${v.expr})`;
    const t = this.bind(e, int64, v.level ?? 0);
    if (this.tmp !== before) {
      const msg = `${check.op}: index " + ${v.expr} + " is out of bounds for dimension ${check.dim} with size ${size}`;
      this.scopes[t.level!]!.lines.push(`if (!(${t.expr} >= 0 && ${t.expr} < ${size})) throw new RangeError("${msg}");`);
      this.indirectLevels.set(t.expr, t.level!);
    }
    return sym(t.expr);
  }
  /** `let tmpN = other; if (mask) { ...body...; tmpN = value; }`: the body's loads run only under the mask. */
  masked(mask: OpsValue, body: () => OpsValue, other: number, dtype: DType): OpsValue {
    const m = mask as JsValue, cur = this.scopes.length - 1;
    const name = this.newName();
    this.push();
    const saved = this.floor;
    this.floor = this.scopes.length - 1;
    const v = this.toDtype(body(), dtype) as JsValue;
    this.emit(`${name} = ${v.expr};`);
    this.floor = saved;
    const lines = this.pop();
    this.scopes[cur]!.lines.push(`let ${name} = ${jsNumber(castScalar(other, dtype))};`, `if (${m.expr}) {`, ...lines.map((l) => `  ${l}`), "}");
    return { expr: name, dtype, level: cur };
  }
}

/** The statement storing value v (of its dtype) into ptr[index] of a buffer of `dtype`. */
export function storeLine(ptr: string, index: Expr, v: JsValue, dtype: DType): string {
  const val = castTo(v.expr, v.dtype, dtype);
  const enc = dtype.name === "bfloat16" ? `H.f2bf(${val})` : dtype.name === "float16" ? `H.f2h(${val})` : val;
  return `${ptr}[${printIndex(index)}] = ${enc};`;
}
