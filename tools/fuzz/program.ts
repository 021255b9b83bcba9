// tools/fuzz/program: the fuzzer's program IR (inputs + op list + outputs, plain JSON data) and how a
// program becomes code: JS source for running, TypeScript source for printing, and real input tensors.
// In: a Program. Out: a callable (...inputs) => Tensor[], input tensors, printable source.

import * as coil from "../../src/index.js";
import { Rng } from "./rng.js";
import { FUZZ_OPS } from "./ops.js";

export type Lit = number | boolean | string | null | Lit[];
export type DTypeName = "float32" | "float64" | "bfloat16" | "int64" | "bool";
/** How an input tensor is laid out: a view of a differently shaped base (non-contiguous, broadcast). */
export type Layout = "contiguous" | "transposed" | "strided" | "expanded";

export interface InputSpec {
  shape: number[];
  dtype: DTypeName;
  layout: Layout;
  requiresGrad: boolean;
  /** Seed of the input's data stream. */
  seed: number;
  /** For "expanded": which dims the base has as size 1. */
  expandDims?: number[];
}
export interface OpCall {
  /** Key into FUZZ_OPS. */
  op: string;
  /** Value ids: inputs are 0..inputs.length-1, op k produces value inputs.length + k. */
  args: number[];
  params: Lit[];
}
export interface Program {
  inputs: InputSpec[];
  ops: OpCall[];
  outputs: number[];
  /** Training program: backward through a weighted sum of the float outputs, compare input grads. */
  train: boolean;
}

export const inputName = (i: number): string => (i < 26 ? String.fromCharCode(97 + i) : `in${i}`);
export const valueName = (p: Program, id: number): string => (id < p.inputs.length ? inputName(id) : `v${id}`);

/** The base tensor's shape and the view expression that turns it into the input's logical layout. */
export function layoutOf(spec: InputSpec): { baseShape: number[]; view: string } {
  const s = spec.shape, n = s.length;
  switch (spec.layout) {
    case "contiguous": return { baseShape: [...s], view: "" };
    case "transposed": {
      const b = [...s];
      [b[n - 2], b[n - 1]] = [b[n - 1]!, b[n - 2]!];
      return { baseShape: b, view: `.transpose(${n - 2}, ${n - 1})` };
    }
    case "strided": return { baseShape: [...s, 2], view: `.select(${n}, 1)` };
    case "expanded": {
      const b = s.map((d, i) => (spec.expandDims?.includes(i) ? 1 : d));
      return { baseShape: b, view: `.expand(${JSON.stringify(s)})` };
    }
  }
}

/** Deterministic input data (rounded to 3 decimals so printed programs reproduce it exactly). */
export function inputData(spec: InputSpec, n: number): (number | boolean)[] {
  const r = new Rng(spec.seed);
  if (spec.dtype === "bool") return Array.from({ length: n }, () => r.bool());
  if (spec.dtype === "int64") return Array.from({ length: n }, () => r.int(-4, 6));
  return Array.from({ length: n }, () => Math.round((r.next() * 4 - 2) * 1000) / 1000);
}

function nest(flat: (number | boolean)[], shape: number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [d, ...rest] = shape;
  const step = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: d! }, (_, i) => nest(flat.slice(i * step, (i + 1) * step), rest));
}

export interface Inputs {
  /** Leaves (what receives .grad). */
  bases: coil.Tensor[];
  /** What the program is called with. */
  views: coil.Tensor[];
}

/** Fresh input tensors for one run. */
export function makeInputs(p: Program): Inputs {
  const bases: coil.Tensor[] = [], views: coil.Tensor[] = [];
  for (const spec of p.inputs) {
    const { baseShape, view } = layoutOf(spec);
    const n = baseShape.reduce((a, b) => a * b, 1);
    const flat = inputData(spec, n);
    let base = coil.tensor(flat, { dtype: spec.dtype === "bool" ? "bool" : spec.dtype === "int64" ? "int64" : "float64" });
    base = base.to(spec.dtype).reshape(baseShape).contiguous();
    if (spec.requiresGrad) base.requiresGrad_(true);
    bases.push(base);
    views.push(view === "" ? base : (new Function("x", `return x${view};`) as (x: coil.Tensor) => coil.Tensor)(base));
  }
  return { bases, views };
}

/** One statement per op: `const v3 = a.cos();`. */
export function statements(p: Program): string[] {
  return p.ops.map((o, k) => {
    const def = FUZZ_OPS[o.op];
    if (!def) throw new Error(`fuzz: unknown op '${o.op}'`);
    return `const ${valueName(p, p.inputs.length + k)} = ${def.expr(o.args.map((a) => valueName(p, a)), o.params)};`;
  });
}

/** JS source of the program function (what runs). */
export function jsSource(p: Program): string {
  const params = p.inputs.map((_, i) => inputName(i)).join(", ");
  const body = statements(p).map((s) => `  ${s}\n`).join("");
  return `(${params}) => {\n${body}  return [${p.outputs.map((o) => valueName(p, o)).join(", ")}];\n}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ProgramFn = (...xs: coil.Tensor[]) => coil.Tensor[];
const fnCache = new Map<string, ProgramFn>();

/** The program as a callable; every call returns a new function object (compile caches per function). */
export function programFn(p: Program): ProgramFn {
  const src = jsSource(p);
  let make = fnCache.get(src);
  if (!make) {
    make = new Function("coil", `return () => (${src});`)(coil) as ProgramFn;
    fnCache.set(src, make);
    if (fnCache.size > 2000) fnCache.clear();
  }
  return (make as unknown as () => ProgramFn)();
}

/** Deterministic loss weights for output j (same for eager and compiled runs). */
export function lossWeight(out: coil.Tensor, j: number): coil.Tensor {
  const r = new Rng(1000 + j);
  const n = out.numel();
  const w = coil.tensor(Array.from({ length: n }, () => Math.round((r.next() * 2 - 1) * 1000) / 1000), { dtype: "float64" });
  return w.to(out.dtype).reshape([...out.shape]);
}

/** Runnable TypeScript that reproduces a program against one backend. */
export function printProgram(p: Program, backend: string): string {
  const params = p.inputs.map((_, i) => `${inputName(i)}: coil.Tensor`).join(", ");
  const lines = [
    `import * as coil from "coil";`,
    ``,
    `const fn = (${params}) => {`,
    ...statements(p).map((s) => `  ${s}`),
    `  return [${p.outputs.map((o) => valueName(p, o)).join(", ")}];`,
    `};`,
    `const inputs = () => [`,
  ];
  for (const spec of p.inputs) {
    const { baseShape, view } = layoutOf(spec);
    const n = baseShape.reduce((a, b) => a * b, 1);
    const data = JSON.stringify(nest(inputData(spec, n), baseShape));
    const holder = spec.dtype === "bool" ? "bool" : spec.dtype === "int64" ? "int64" : "float64";
    const cast = holder === spec.dtype ? "" : `.to("${spec.dtype}")`;
    // nested arrays cannot carry the dims after a 0-size one
    const reshape = baseShape.includes(0) ? `.reshape(${JSON.stringify(baseShape)})` : "";
    const rg = spec.requiresGrad ? `.requiresGrad_(true)` : "";
    lines.push(`  coil.tensor(${data}, { dtype: "${holder}" })${reshape}${cast}${rg}${view},`);
  }
  lines.push(`];`);
  lines.push(`const eager = fn(...inputs());`);
  lines.push(`const compiled = coil.compile(fn, { backend: "${backend}" })(...inputs());`);
  lines.push(`eager.forEach((e, i) => console.log(i, e.toArray(), compiled[i]!.toArray()));`);
  if (p.train) lines.push(`// training: loss = sum_j (out_j * w_j).sum() over float outputs, then loss.backward(); compare input grads`);
  return lines.join("\n");
}
