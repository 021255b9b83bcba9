// inductor/codegen/js/kernel: one fused kernel (a FusedGroup) as a JavaScript function over typed arrays:
// nested outer loops, then per outer iteration the nodes in order: outer-level pointwise statements, and
// inner loops holding pointwise nodes and reduction accumulators. Buffers the scheduler keeps local are
// plain `const`s; the others are read from `in_ptrN` and stored to `out_ptrN`. No closures or allocation
// inside the loops. In: a FusedGroup and the set of stored buffers. Out: kernel source and its parameters.

import { Reduction, type Buffer } from "../../ir/nodes.js";
import { add, cst, mul, sym, type Expr } from "../../ir/indexing.js";
import { float64 } from "../../../tensor/dtype.js";
import { loopSegments, type FusedGroup, type SchedulerNode } from "../../scheduler/index.js";
import { JsOpsHandler, roundTo, storeLine, type JsValue } from "./ops_handler.js";

export interface JsKernel {
  /** `function KERNEL(in_ptr0, out_ptr0) { ... }`, with the name left as the placeholder KERNEL. */
  source: string;
  /** Buffer names passed for the parameters, in order. */
  args: string[];
  /** ComputedBuffers this kernel writes to memory. */
  writes: string[];
}

const INIT: Record<string, string> = { sum: "0", prod: "1", max: "-Infinity", min: "Infinity", argmax: "-Infinity", argmin: "Infinity", any: "0", all: "1" };

function update(type: string, acc: string, v: string, flat: string): string {
  switch (type) {
    case "sum": return `${acc} += ${v};`;
    case "prod": return `${acc} *= ${v};`;
    case "max": return `if (${v} > ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
    case "min": return `if (${v} < ${acc} || ${v} !== ${v}) ${acc} = ${v};`;
    case "argmax": return `if (${acc} === ${acc} && (${v} > ${acc} || ${v} !== ${v})) { ${acc} = ${v}; ${acc}_i = ${flat}; }`;
    case "argmin": return `if (${acc} === ${acc} && (${v} < ${acc} || ${v} !== ${v})) { ${acc} = ${v}; ${acc}_i = ${flat}; }`;
    case "any": return `if (${v} !== 0) ${acc} = 1;`;
    case "all": return `if (${v} === 0) ${acc} = 0;`;
    default: throw new Error(`codegen: reduction type ${type} is not supported`);
  }
}

function loops(vars: string[], sizes: readonly number[], body: string[], indent: string): string[] {
  if (vars.length === 0) return body.map((l) => indent + l);
  const out: string[] = [];
  vars.forEach((v, i) => out.push(`${indent}${"  ".repeat(i)}for (let ${v} = 0; ${v} < ${sizes[i]}; ${v}++) {`));
  const inner = indent + "  ".repeat(vars.length);
  for (const l of body) out.push(inner + l);
  for (let i = vars.length - 1; i >= 0; i--) out.push(`${indent}${"  ".repeat(i)}}`);
  return out;
}

/**
 * Generate the kernel for group g; `stored` are the buffers that must be written to memory, `localArrays`
 * those kept as one row (the inner loops' extent) in a Float64Array the kernel allocates once per call.
 */
export function generateKernel(g: FusedGroup, stored: ReadonlySet<string>, bufferOf: (name: string) => Buffer,
  localArrays: ReadonlySet<string> = new Set()): JsKernel {
  const written = new Set(g.nodes.map((n) => n.name));
  const rowArrays = new Map<string, string>();
  for (const n of g.nodes) if (localArrays.has(n.name)) rowArrays.set(n.name, `local${rowArrays.size}`);
  const params = new Map<string, string>(); // buffer -> param name
  let nin = 0, nout = 0;
  const ptr = (name: string): string => {
    let p = params.get(name);
    if (!p) { p = written.has(name) ? `out_ptr${nout++}` : `in_ptr${nin++}`; params.set(name, p); }
    return p;
  };
  const xs = g.outer.map((_, i) => `x${i}`), rs = g.inner.map((_, i) => `r${i}`);
  const flatR = g.inner.length ? linear(g.inner).replace(/\bv(\d+)/g, "r$1") : "0";
  const h = new JsOpsHandler((name) => {
    const row = rowArrays.get(name);
    return row ? { ptr: row, dtype: float64, at: flatR, level: 1 } : { ptr: ptr(name), dtype: bufferOf(name).getDtype() };
  }, (v) => (v.startsWith("r") ? 1 : 0));
  const emitStore = (n: SchedulerNode, v: JsValue) => {
    const d = n.node.getDtype();
    const value = h.toDtype(v, d) as JsValue;
    if (stored.has(n.name)) h.emit(storeLine(ptr(n.name), g.accessOf(n).write, v, d));
    const row = rowArrays.get(n.name);
    if (row) h.emit(`${row}[${flatR}] = ${value.expr};`);
    h.defineLocal(n.name, value);
  };
  const pointwiseBody = (n: SchedulerNode) => {
    const a = g.accessOf(n);
    const idx = g.placement.get(n) === "inner" ? [...a.vars, ...a.rvars] : a.vars;
    const v = h.toDtype((n.node.data as { inner: (o: JsOpsHandler, i: Expr[]) => unknown }).inner(h, idx), n.node.getDtype()) as JsValue;
    emitStore(n, v);
  };

  // Walk the nodes, grouping consecutive inner-loop members.
  for (const seg of loopSegments(g)) {
    if ("outer" in seg) { pointwiseBody(seg.outer); continue; }
    const { members, reductions: reds } = seg;
    const accs = new Map<SchedulerNode, string>();
    for (const r of reds) {
      const acc = h.newName("acc");
      accs.set(r, acc);
      const type = (r.node.data as Reduction).reductionType;
      h.emit(`let ${acc} = ${INIT[type]};${type.startsWith("arg") ? ` let ${acc}_i = 0;` : ""}`);
    }
    h.push();
    for (const m of members) {
      if (m.kind === "pointwise") { pointwiseBody(m); continue; }
      const red = m.node.data as Reduction;
      const a = g.accessOf(m);
      const v = red.inner(h, a.vars, a.rvars) as JsValue;
      h.emit(update(red.reductionType, accs.get(m)!, v.expr, flatR));
    }
    const body = h.pop();
    for (const l of loops(rs, g.inner, body, "")) h.emit(l);
    for (const r of reds) {
      const red = r.node.data as Reduction, acc = accs.get(r)!;
      const val = red.reductionType.startsWith("arg") ? `${acc}_i` : roundTo(acc, red.dtype);
      const v = h.bind(val, red.dtype);
      emitStore(r, v);
    }
  }
  const body = h.pop();
  const innerNumel = g.inner.reduce((a, b) => a * b, 1);
  const lines = [...[...rowArrays.values()].map((r) => `  const ${r} = new Float64Array(${innerNumel});`), ...loops(xs, g.outer, body, "  ")];
  const args = [...params.entries()].sort((a, b) => order(a[1]) - order(b[1])).map(([b]) => b);
  const names = args.map((b) => params.get(b)!);
  const source = [`function KERNEL(${names.join(", ")}) {`, ...lines, "}"].join("\n");
  return { source, args, writes: [...written].filter((b) => stored.has(b)) };
}

/** in_ptrs first, then out_ptrs, each by number. */
function order(p: string): number { const k = Number(p.replace(/\D+/g, "")); return p.startsWith("in") ? k : 1e6 + k; }

/** Row-major flat index over sizes as text in vars v0, v1, ... */
function linear(sizes: readonly number[]): string {
  let e: Expr = cst(0);
  let stride = 1;
  for (let i = sizes.length - 1; i >= 0; i--) { e = add(e, mul(symV(i), stride)); stride *= sizes[i]!; }
  return e.toString().replace(/\*/g, " * ");
}
const symV = (i: number) => sym(`v${i}`);
