// inductor/codegen/wasm/kernel: one fused kernel (a FusedGroup) as a WebAssembly module exporting
// `kernel(task, args, tid)` for the thread pool. The args block holds [chunk, buffer pointers..., scratch];
// a task runs outer indices [task*chunk, min(N0, task*chunk + chunk)) of the first outer dimension. The
// innermost loop (the last outer dim of a pointwise kernel, the last inner dim of a reduction kernel) runs
// over f32x4 vectors with a scalar tail (one lane, splat); other loops are scalar. Reductions (sum, prod,
// max, min) keep four vector accumulators (the loop is unrolled four times) and combine them horizontally
// after the loop. Row arrays (softmax's exps) live in a per-thread scratch row, each in its own slot of it.
// Buffers are float32, bfloat16 or float16 (the 2-byte ones converted to float32 lanes on load and back on
// store, ops_handler.ts / half.ts); any other dtype makes the kernel a JS kernel.
// In: a FusedGroup and the storage plan. Out: GeneratedKernel whose source is the header line, the module
// bytes (base64) and the listing.

import { Reduction, type Buffer } from "../../ir/nodes.js";
import { add, cst, mul, sym, type Expr } from "../../ir/indexing.js";
import { loopSegments, type FusedGroup, type SchedulerNode } from "../../scheduler/index.js";
import { ModuleBuilder, type FunctionBuilder } from "../../../wasm/emitter.js";
import { MathScope } from "../../../wasm/math.js";
import { MAX_PAGES } from "../../../wasm/memory.js";
import type { GeneratedKernel } from "../device.js";
import { WasmOpsHandler, WasmUnsupported, type Code, type Elem, type WValue } from "./ops_handler.js";

export const WASM_KERNEL_TAG = "// wasm kernel ";

/** What the runtime needs to run a kernel: how to split it into tasks, and its parameters. */
export interface WasmKernelHeader {
  /** Extent of the split (first outer) dimension; 1 when there is none. */
  dim0: number;
  /** Elements of work per index of dim0 (for the threading threshold). */
  rowWork: number;
  /** Task chunks are multiples of this (4 when dim0 is the vectorised dimension). */
  align: number;
  /** Number of parameters, and how many of the last are outputs. */
  nparams: number;
  outs: number;
  /** Bytes of scratch row per thread (row arrays), 0 if none. */
  scratchRow: number;
  shared: boolean;
}

const RED_OP = { sum: "f32x4.add", prod: "f32x4.mul", max: "f32x4.max", min: "f32x4.min" } as const;
/** Accumulation ops: pmax/pmin (a < b ? b : a) are one instruction; NaN lanes are tracked on the side. */
const FAST_OP = { sum: "f32x4.add", prod: "f32x4.mul", max: "f32x4.pmax", min: "f32x4.pmin" } as const;
const RED_INIT = { sum: 0, prod: 1, max: -Infinity, min: Infinity } as const;
/**
 * Vector accumulators per reduction (the loop body is unrolled as many times): four hide f32x4.add's
 * latency (sum over rows in L1: 16 -> 14 us per 128x1024 against two; one: 22 us); TurboFan unrolls the
 * loop further on its own but keeps a single dependency chain per accumulator.
 */
const REDUCTION_UNROLL = 4;
type RedType = keyof typeof RED_OP;

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(s);
}

/** Row-major flat index of r0, r1, ... over `sizes`. */
function flatIndex(prefix: string, sizes: readonly number[]): Expr {
  let e: Expr = cst(0), stride = 1;
  for (let i = sizes.length - 1; i >= 0; i--) { e = add(e, mul(sym(`${prefix}${i}`), stride)); stride *= sizes[i]!; }
  return e;
}

/** Emit `for (v = start; v < end; v++) body` with start/end pushing i32s. */
function scalarLoop(f: FunctionBuilder, v: number, start: () => void, end: () => void, body: () => void): void {
  f.for_(v, start, end, 1, () => body());
}

/**
 * The vectorised loop over [start, end): `unroll` copies of the vector body per step (copy u sees
 * v + 4u), then single vector steps, then the one-lane tail.
 */
function vectorLoop(f: FunctionBuilder, v: number, start: () => void, end: () => void, vec: Code[][], tail: Code[]): void {
  const run = (code: Code[]) => { for (const c of code) c(); };
  start(); f.set(v);
  const loopTo = (width: number, body: () => void) => {
    const exit = f.block();
    const top = f.loop();
    f.get(v).i32(width).op("i32.add"); end(); f.op("i32.gt_s").brIf(exit);
    body();
    f.get(v).i32(width).op("i32.add").set(v);
    f.br(top).end().end();
  };
  if (vec.length > 1) loopTo(4 * vec.length, () => vec.forEach(run));
  loopTo(4, () => run(vec[0]!));
  const exit = f.block();
  const top = f.loop();
  f.get(v); end(); f.op("i32.ge_s").brIf(exit);
  run(tail);
  f.get(v).i32(1).op("i32.add").set(v);
  f.br(top).end().end();
}

/** Generate the Wasm kernel for g, or throw WasmUnsupported (the caller falls back to the JS codegen). */
export function generateWasmKernel(g: FusedGroup, stored: ReadonlySet<string>, bufferOf: (name: string) => Buffer,
  localArrays: ReadonlySet<string>, shared: boolean): GeneratedKernel & { header: WasmKernelHeader; listing: string } {
  const written = new Set(g.nodes.map((n) => n.name));
  const m = new ModuleBuilder({ shared, maxPages: MAX_PAGES }, "kernel");
  const f = m.func("kernel", ["i32", "i32", "i32"], [], { export: true, paramNames: ["task", "args", "tid"] });
  const s = new MathScope(m, f);
  const TASK = 0, ARGS = 1, TID = 2;
  const lo = f.local("i32", "lo"), hi = f.local("i32", "hi");
  const reduction = g.inner.length > 0;
  const xs = g.outer.map((_, i) => f.local("i32", `x${i}`));
  const rs = g.inner.map((_, i) => f.local("i32", `r${i}`));
  const innerNumel = g.inner.reduce((a, b) => a * b, 1);
  // each row array of the group gets its own slot of innerNumel floats in the thread's scratch row
  // (sharing one slot let a later row array overwrite an earlier one still read afterwards)
  const rowNames = g.nodes.filter((n) => localArrays.has(n.name)).map((n) => n.name);
  const hasRows = rowNames.length > 0;
  const scratch = hasRows ? f.local("i32", "scratch") : -1;
  const rowBase = new Map<string, number>();
  rowNames.forEach((name, k) => rowBase.set(name, k === 0 ? scratch : f.local("i32", `scratch${k}`)));
  const flatR = flatIndex("r", g.inner);

  // buffers are float32, or bfloat16/float16 converted in registers on load and store
  const params = new Map<string, { local: number; pname: string; elem: Elem }>();
  let nin = 0, nout = 0;
  const param = (name: string) => {
    let p = params.get(name);
    if (!p) {
      const d = bufferOf(name).getDtype();
      if (d.name !== "float32" && d.name !== "bfloat16" && d.name !== "float16") throw new WasmUnsupported(`buffer ${name} of dtype ${d.name}`);
      const pname = written.has(name) ? `out_ptr${nout++}` : `in_ptr${nin++}`;
      p = { local: f.local("i32", pname), pname, elem: d.name };
      params.set(name, p);
    }
    return p;
  };
  const h = new WasmOpsHandler(f, s, (name) => {
    if (rowBase.has(name)) return { base: rowBase.get(name)!, at: flatR, level: 1 };
    const p = param(name);
    return { base: p.local, elem: p.elem };
  },
    (v) => (reduction ? (v.startsWith("r") ? 1 : 0) : 1));
  g.outer.forEach((_, i) => h.varLocal.set(`x${i}`, xs[i]!));
  g.inner.forEach((_, i) => h.varLocal.set(`r${i}`, rs[i]!));
  h.vecVar = reduction ? `r${g.inner.length - 1}` : g.outer.length ? `x${g.outer.length - 1}` : null;
  h.push(); // scope 1: the inner (vectorised) body; scope 0 holds per-outer-iteration code

  const emitStore = (n: SchedulerNode, v: WValue) => {
    const d = n.node.getDtype();
    const value = h.toDtype(v, d) as WValue;
    if (stored.has(n.name)) {
      const p = param(n.name);
      h.store(p.local, g.accessOf(n).write, value, p.elem);
    }
    const row = rowBase.get(n.name);
    if (row !== undefined) h.store(row, flatR, value);
    h.defineLocal(n.name, value);
  };
  const pointwiseBody = (n: SchedulerNode) => {
    const a = g.accessOf(n);
    const idx = g.placement.get(n) === "inner" ? [...a.vars, ...a.rvars] : a.vars;
    emitStore(n, (n.node.data as { inner: (o: WasmOpsHandler, i: Expr[]) => unknown }).inner(h, idx) as WValue);
  };

  let body0: Code[];
  if (!reduction) {
    // pointwise: the body runs in the vectorised loop over the last outer dim (vector copy, then tail copy)
    h.pop();
    const k = g.outer.length;
    // one vector body per step: TurboFan unrolls the loop itself (seen in --print-wasm-code)
    h.push(); h.mode = "vec";
    for (const n of g.nodes) pointwiseBody(n);
    const vec = h.pop();
    h.push(); h.mode = "tail";
    for (const n of g.nodes) pointwiseBody(n);
    const tail = h.pop();
    const pre = h.pop();
    const nest = (d: number): void => {
      if (d === k - 1) {
        const start = () => (d === 0 ? f.get(lo) : f.i32(0)), end = () => (d === 0 ? f.get(hi) : f.i32(g.outer[d]!));
        vectorLoop(f, xs[d]!, start, end, [vec], tail);
        return;
      }
      scalarLoop(f, xs[d]!, () => (d === 0 ? f.get(lo) : f.i32(0)), () => (d === 0 ? f.get(hi) : f.i32(g.outer[d]!)), () => nest(d + 1));
    };
    body0 = [...pre, () => (k === 0 ? tail.forEach((c) => c()) : nest(0))];
  } else {
    h.pop();
    for (const seg of loopSegments(g)) {
      if ("outer" in seg) { pointwiseBody(seg.outer); continue; }
      const { members, reductions: reds } = seg;
      const U = reds.length ? REDUCTION_UNROLL : 1;
      const accs = new Map<SchedulerNode, number[]>();
      const nanAcc = new Map<SchedulerNode, number>();
      for (const r of reds) {
        const type = (r.node.data as Reduction).reductionType;
        if (!(type in RED_OP)) throw new WasmUnsupported(`reduction ${type}`);
        const ls = Array.from({ length: U }, () => f.local("v128", "acc"));
        accs.set(r, ls);
        // max/min use pmax/pmin (one instruction each) and track NaN lanes separately
        if (type === "max" || type === "min") nanAcc.set(r, f.local("v128", "nan"));
        const nl = nanAcc.get(r);
        h.emit(() => { for (const l of ls) f.f32x4(RED_INIT[type as RedType]).set(l); if (nl !== undefined) f.i32x4(0).set(nl); });
      }
      const vv = rs[rs.length - 1]!;
      const run = (mode: "vec" | "tail", u: number): Code[] => {
        h.push(); h.mode = mode;
        let shifted = -1;
        if (u > 0) {
          shifted = f.local("i32", `r${rs.length - 1}_${u}`);
          const sh = shifted;
          h.emit(() => { f.get(vv).i32(4 * u).op("i32.add").set(sh); });
          h.varLocal.set(`r${rs.length - 1}`, shifted);
        }
        for (const mm of members) {
          if (mm.kind === "pointwise") { pointwiseBody(mm); continue; }
          const red = mm.node.data as Reduction;
          const a = g.accessOf(mm);
          const v = h.toDtype(red.inner(h, a.vars, a.rvars), red.dtype.name === "bool" ? red.dtype : red.dtype) as WValue;
          if (v.kind !== "f") throw new WasmUnsupported("boolean reduction");
          const acc = accs.get(mm)![u]!;
          const type = red.reductionType as RedType;
          const nl = nanAcc.get(mm);
          h.emit(() => {
            const t = s.v();
            h.getF(v);
            // only lane 0 holds a tail element: the other lanes get the identity
            if (mode === "tail") f.f32x4(RED_INIT[type]).i32x4(-1, 0, 0, 0).op("v128.bitselect");
            f.set(t);
            if (nl !== undefined) f.get(nl).get(t).get(t).op("f32x4.ne").op("v128.or").set(nl);
            f.get(acc).get(t).op(FAST_OP[type]).set(acc);
            s.done(t);
          });
        }
        h.varLocal.set(`r${rs.length - 1}`, vv);
        return h.pop();
      };
      const vec = Array.from({ length: U }, (_, u) => run("vec", u));
      const tail = run("tail", 0);
      const nInner = g.inner.length;
      const nest = (d: number): void => {
        if (d === nInner - 1) { vectorLoop(f, rs[d]!, () => f.i32(0), () => f.i32(g.inner[d]!), vec, tail); return; }
        scalarLoop(f, rs[d]!, () => f.i32(0), () => f.i32(g.inner[d]!), () => nest(d + 1));
      };
      h.emit(() => nest(0));
      for (const r of reds) {
        const red = r.node.data as Reduction;
        const ls = accs.get(r)!, op = FAST_OP[red.reductionType as RedType];
        const nl = nanAcc.get(r);
        const v = h.bind(`red|${ls[0]}`, "f", 0, () => {
          if (nl !== undefined) f.f32x4(NaN);
          // pairwise: (a0 op a1) op (a2 op a3)
          if (ls.length === 4) f.get(ls[0]!).get(ls[1]!).op(op).get(ls[2]!).get(ls[3]!).op(op).op(op);
          else { f.get(ls[0]!); for (const l of ls.slice(1)) f.get(l).op(op); }
          const t = s.v();
          f.set(t);
          f.get(t).get(t).get(t).shuffle32(2, 3, 0, 1).op(op).set(t);
          f.get(t).get(t).get(t).shuffle32(1, 0, 3, 2).op(op);
          if (nl !== undefined) f.i32(0).get(nl).op("v128.any_true").op("i32.sub").op("i32x4.splat").op("v128.bitselect");
          s.done(t);
        });
        emitStore(r, v);
      }
    }
    body0 = h.pop();
  }

  // ---- assemble: prologue, outer loops (the first split across tasks), body ----
  const args = [...params.entries()].sort((a, b) => order(a[1].pname) - order(b[1].pname));
  args.forEach(([, p], i) => { f.get(ARGS).mem("i32.load", 4 + 4 * i).set(p.local); });
  const dim0 = g.outer.length ? g.outer[0]! : 1;
  f.get(TASK).get(ARGS).mem("i32.load").op("i32.mul").set(lo);
  f.get(lo).get(ARGS).mem("i32.load").op("i32.add").set(hi);
  f.get(hi).i32(dim0).get(hi).i32(dim0).op("i32.lt_s").op("select").set(hi);
  const scratchRow = rowNames.length * innerNumel * 4;
  if (hasRows) {
    f.get(ARGS).mem("i32.load", 4 + 4 * args.length).get(TID).i32(scratchRow).op("i32.mul").op("i32.add").set(scratch);
    rowNames.forEach((name, k) => { if (k > 0) f.get(scratch).i32(k * innerNumel * 4).op("i32.add").set(rowBase.get(name)!); });
  }
  const runBody = () => { for (const c of body0) c(); };
  if (!reduction || g.outer.length === 0) runBody();
  else {
    const nest = (d: number): void => {
      const start = () => (d === 0 ? f.get(lo) : f.i32(0)), end = () => (d === 0 ? f.get(hi) : f.i32(g.outer[d]!));
      scalarLoop(f, xs[d]!, start, end, () => (d === g.outer.length - 1 ? runBody() : nest(d + 1)));
    };
    nest(0);
  }

  const bytes = m.toBytes();
  if (!WebAssembly.validate(bytes)) m.compile(); // throws with the listing
  const header: WasmKernelHeader = {
    dim0,
    rowWork: (g.outer.slice(1).reduce((a, b) => a * b, 1)) * innerNumel,
    align: !reduction && g.outer.length === 1 ? 4 : 1,
    nparams: args.length,
    outs: args.filter(([, p]) => p.pname.startsWith("out")).length,
    scratchRow,
    shared,
  };
  const listing = m.listing();
  const source = [`${WASM_KERNEL_TAG}${JSON.stringify(header)}`, `// bytes ${base64(bytes)}`,
    ...listing.split("\n").map((l) => `// ${l}`)].join("\n");
  return { source, args: args.map(([b]) => b), writes: [...written].filter((b) => stored.has(b)), header, listing };
}

/** in_ptrs first, then out_ptrs, each by number. */
function order(p: string): number { const k = Number(p.replace(/\D+/g, "")); return p.startsWith("in") ? k : 1e6 + k; }
