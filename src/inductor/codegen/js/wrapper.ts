// inductor/codegen/js/wrapper: the generated module for one graph (Inductor's PythonWrapperCodegen, in JS):
// kernel definitions (built through rt.kernel, deduplicated by source), then `call(args)`: check input
// sizes/strides, allocate buffers (intermediates in per-module scratch slots kept across calls, reusing dead
// ones of the same dtype and size), run kernels and extern/fallback calls in order (mm/addmm/bmm/convolution
// through rt.externFast, with a fused clamp epilogue), drop buffers after their last use, return the outputs.
// In: a lowered graph and its schedule. Out: module source text and facts for the artifact's meta.

import type { DType } from "../../../tensor/dtype.js";
import {
  Buffer, ConstantBuffer, InputBuffer, MultiOutput, ReinterpretView, type ExternArg,
} from "../../ir/nodes.js";
import type { GraphLowering } from "../../graph_lowering.js";
import { ExternSchedulerNode, FusedGroup, type Scheduler } from "../../scheduler/index.js";
import { EPILOGUE_HOSTS } from "../../scheduler/extern_epilogue.js";
import type { KernelCodegen, ModuleMeta } from "../device.js";
import { jsNumber } from "./templates.js";

export interface WrapperResult { source: string; meta: ModuleMeta }

const list = (xs: readonly number[]) => `[${xs.join(", ")}]`;

function literal(x: ExternArg, ref: (b: Buffer) => string): string {
  if (x instanceof ReinterpretView) return `rt.reinterpret(${ref(x.buffer)}, ${list(x.layout.size)}, ${list(x.layout.stride)}, ${x.layout.offset})`;
  if (x instanceof Buffer) return ref(x);
  if (Array.isArray(x)) return `[${x.map((e) => literal(e, ref)).join(", ")}]`;
  if (x === null) return "null";
  if (typeof x === "number") return jsNumber(x);
  if (typeof x === "boolean" || typeof x === "string") return JSON.stringify(x);
  if (typeof x === "object" && "itemsize" in x) return `rt.dtype(${JSON.stringify((x as DType).name)})`;
  throw new Error(`codegen: cannot write ${String(x)} into the module`);
}

/** Short op names of a buffer's origins (aten.cos.default -> cos) for kernel names. */
function opNames(g: GraphLowering, origins: readonly string[]): string[] {
  return [...new Set(origins.map((o) => g.originOp(o)).filter((n) => n !== ""))].sort();
}

export function generateWrapper(g: GraphLowering, s: Scheduler, kernels: KernelCodegen, header: string): WrapperResult {
  const buf = (name: string): Buffer => {
    const b = g.getBuffer(name);
    if (!b) throw new Error(`codegen: unknown buffer ${name}`);
    return b;
  };
  const ref = (b: Buffer): string => b.name;

  // ---- kernels ----
  const kernelDefs: string[] = [];
  const bySource = new Map<string, string>();
  const kernelOf = new Map<FusedGroup, { name: string; args: string[]; writes: string[] }>();
  let kernelCalls = 0;
  for (const it of s.items) {
    if (!(it instanceof FusedGroup)) continue;
    const k = kernels.generateKernel(it, s.stored, buf, s.localArrays);
    let name = bySource.get(k.source);
    const origins = [...new Set(it.nodes.flatMap((n) => n.node.origins))];
    if (!name) {
      const ops = opNames(g, origins);
      name = `js_fused_${ops.join("_").slice(0, 60) || "kernel"}_${bySource.size}`;
      bySource.set(k.source, name);
      kernelDefs.push(`// Source nodes: [${origins.join(", ")}], Original ATen: [${[...new Set(origins.map((o) => g.originTarget(o)))].join(", ")}]`);
      kernelDefs.push(`const ${name} = rt.kernel(${JSON.stringify(name)}, \`\n${k.source}\`);`, "");
    }
    kernelOf.set(it, { name, args: k.args, writes: k.writes });
  }

  // ---- memory plan: last use of each buffer the wrapper owns ----
  const outputs = new Set<string>();
  for (const o of g.outputs) if (o instanceof Buffer) outputs.add(o.name); else if (o instanceof ReinterpretView) outputs.add(o.buffer.name);
  const lastUse = new Map<string, number>();
  const noReuse = new Set<string>(); // passed to a fallback, whose result may alias it
  s.items.forEach((it, i) => {
    const names = it instanceof FusedGroup ? kernelOf.get(it)!.args : [...it.readNames(), ...it.node.outputs.map((o) => o.name)];
    for (const n of names) lastUse.set(n, i);
    if (it instanceof ExternSchedulerNode && it.node.kind === "fallback") for (const n of it.readNames()) noReuse.add(n);
  });

  const L: string[] = [];
  const pool = new Map<string, string[]>(); // dtype|storage size -> dead wrapper-owned buffers
  const owned = new Set<string>();
  let allocated = 0, reused = 0;
  const externCalls: string[] = [], fallbacks: string[] = [];
  const keyOf = (b: Buffer) => `${b.getDtype().name}|${b.layout.storageSize()}`;
  // Intermediates (not outputs, never handed to a fallback) live in the runtime's per-module scratch slots,
  // allocated on the first call and kept across calls; an output that reuses a slot's storage takes it
  // (rt.unslot: the next call allocates that slot again), so no output ever aliases scratch memory.
  const slotOf = new Map<string, number>();
  let slots = 0;
  const allocate = (b: Buffer) => {
    const key = keyOf(b);
    const free = pool.get(key);
    const lay = `${list(b.layout.size)}, ${list(b.layout.stride)}`;
    const escapes = outputs.has(b.name) || noReuse.has(b.name);
    if (free?.length) {
      const old = free.pop()!;
      const slot = slotOf.get(old);
      const take = escapes && slot !== undefined ? ` rt.unslot(${slot});` : "";
      if (!escapes && slot !== undefined) slotOf.set(b.name, slot);
      L.push(`  let ${b.name} = rt.reinterpret(${old}, ${lay}, 0); ${old} = null;${take} // reuse`);
      reused++;
    } else if (!escapes) {
      slotOf.set(b.name, slots);
      L.push(`  let ${b.name} = rt.scratch(${slots++}, ${lay}, ${JSON.stringify(b.getDtype().name)});`);
      allocated++;
    } else {
      L.push(`  let ${b.name} = rt.empty(${lay}, ${JSON.stringify(b.getDtype().name)});`);
      allocated++;
    }
    owned.add(b.name);
  };

  s.items.forEach((it, i) => {
    if (it instanceof FusedGroup) {
      const k = kernelOf.get(it)!;
      for (const w of k.writes) allocate(buf(w));
      L.push(`  ${k.name}(${k.args.map((a) => `rt.ptr(${refOf(buf(a))})`).join(", ")});`);
      kernelCalls++;
    } else {
      emitExtern(it);
    }
    for (const [name, last] of lastUse) {
      if (last !== i || outputs.has(name) || !owned.has(name) || noReuse.has(name)) continue;
      const b = buf(name);
      const key = keyOf(b);
      pool.set(key, [...(pool.get(key) ?? []), name]);
    }
  });

  function refOf(b: Buffer): string { return ref(b); }

  function emitExtern(it: ExternSchedulerNode): void {
    const k = it.node;
    (k.kind === "extern" ? externCalls : fallbacks).push(k.op.qualname);
    const args = k.args.map((a) => literal(a, ref)).join(", ");
    const kw = Object.entries(k.kwargs).filter(([, v]) => v !== null).map(([n, v]) => `${JSON.stringify(n)}: ${literal(v, ref)}`).join(", ");
    const epi = it.epilogue;
    // mm/addmm/bmm/convolution: the runtime's direct float32 path (Wasm GEMM / conv2d, bias and a fused
    // clamp-type epilogue in the kernel), else the op's eager kernel
    const fast = k.kind === "extern" && EPILOGUE_HOSTS.has(k.op.qualname);
    let act = epi ? `, [${epi.clamp.map(jsNumber).join(", ")}]` : fast ? ", null" : "";
    const result = [k.name, ...(epi ? [epi.alias] : [])];
    if (fast && k.outputs.length === 1 && !result.some((n) => outputs.has(n) || noReuse.has(n))) act += `, ${slots++}`;
    const call = `rt.${fast ? "externFast" : k.kind}(${JSON.stringify(k.op.qualname)}, [${args}], {${kw}}${act})`;
    L.push(`  // ${k.kind === "extern" ? "extern kernel" : "fallback (eager kernel)"} for node ${k.origins.join(", ")}${epi ? `, epilogue ${epi.origins.join(", ")} fused` : ""}`);
    const lay = (o: MultiOutput) => `${list(o.layout.size)}, ${list(o.layout.stride)}`;
    if (k.outputs.length === 1 && k.outputs[0]!.index === null) {
      L.push(`  const ${k.name} = rt.expectLayout(${call}, ${lay(k.outputs[0]!)});`);
    } else {
      L.push(`  const ${k.name} = ${call};`);
      for (const o of k.outputs) L.push(`  const ${o.name} = rt.expectLayout(${k.name}[${o.index}], ${lay(o)});`);
    }
    if (epi) L.push(`  const ${epi.alias} = ${k.name};`);
  }

  // ---- assemble ----
  const outExprs = g.outputs.map((o) => (o instanceof ReinterpretView ? literal(o, ref) : o instanceof Buffer ? ref(o) : o === null ? "null" : literal(o, ref)));
  const inputs = g.inputs.map((b: InputBuffer) => `  rt.assertSizeStride(${b.name}, ${list(b.layout.size)}, ${list(b.layout.stride)}, ${JSON.stringify(b.name)});`);
  const consts = g.constantBuffers.map((c: ConstantBuffer) => `const ${c.name} = rt.constants[${JSON.stringify(c.name)}];`);
  const source = [
    header,
    ...consts,
    ...(consts.length ? [""] : []),
    ...kernelDefs,
    "function call(args) {",
    `  const [${g.placeholderNames.join(", ")}] = args;`,
    ...inputs,
    ...L,
    `  return [${outExprs.join(", ")}];`,
    "}",
    "",
    "return { call };",
    "",
  ].join("\n");
  const names = [...bySource.values()];
  return {
    source,
    meta: { kernels: names.length, kernelNames: names, kernelCalls, externCalls, fallbacks, buffersAllocated: allocated, buffersReused: reused },
  };
}
