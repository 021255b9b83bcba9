// inductor/eager/accelerator: the eager accelerator that src/ops' dispatcher consults (installed by
// inductor/register). For a real CPU call of a lowered op on float32 tensors (large enough, see config), it
// compiles the call once into a one-op Wasm program (one_op.ts), keyed by (op, each tensor's shape/strides/
// dtype/offset alignment, every other argument), LRU-bounded, and runs it: the outputs live in Wasm memory,
// so a chain of eager ops copies nothing. It declines (the JS kernel runs) for ops without a pure-Wasm
// lowering, failed compiles (counted, never retried for that key), an exhausted Wasm memory or budget.
// In: (op, bound args) from the dispatcher. Out: the op's outputs, or null.

import { Storage, Tensor } from "../../tensor/tensor.js";
import type { Args, KernelResult, OpOverload, OpTag } from "../../ops/registry.js";
import { installEagerAccelerator } from "../../ops/eager_accel.js";
import { noGrad } from "../../autograd/index.js";
import { bump } from "../../utils/counters.js";
import { log } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { wasmMemory } from "../../wasm/memory.js";
import { lowerings } from "../lowering_table.js";
import { V } from "../ir/virtualized.js";
import { eagerWasmConfig } from "./config.js";
import { ACCELERATED_DTYPES, compileOneOp, Unaccelerated, type OneOpProgram } from "./one_op.js";


/** Ops never accelerated: those with their own eager Wasm kernels (mm, conv), randomness, data-dependent shapes. */
const SKIP_TAGS: readonly OpTag[] = ["random", "nondeterministic", "data_dependent", "extern", "creation"];

export const eagerWasmStats = {
  /** Calls that ran on a compiled program. */
  calls: 0,
  /** One-op programs compiled (cache misses that compiled, successfully or not). */
  compiles: 0,
  compileMs: 0,
  /** Keys whose op compiled but not to Wasm kernels only (JS kernel, extern, no kernel): never retried. */
  unaccelerated: 0,
  /** Compiles that threw: never retried for that key. */
  compileFailures: 0,
  /** Calls that fell back to the JS kernel because Wasm memory was exhausted (a failed allocation). */
  memoryFallbacks: 0,
  /** Calls over the memory budget whose outputs were copied out to JS arrays. */
  copiedOut: 0,
  /** Accelerated outputs freed by dispose(): once there is one, the full memory budget applies. */
  disposedOutputs: 0,
  /** Calls whose program threw at run time or returned another layout than the meta rule (key disabled). */
  runtimeFailures: 0,
  evictions: 0,
  /** New keys not compiled because their op and layouts already compiled SCALAR_VARIANTS other scalar values. */
  scalarVariantsDeclined: 0,
};

/** checked: the first call's outputs matched the meta rule; restride: outputs to re-wrap with the meta's strides. */
type Entry = { program: OneOpProgram; checked: boolean; restride: boolean[] } | { failed: string };

const cache = new Map<string, Entry>();
/** Per op: keys that compiled to Wasm programs and keys that did not; an op with no success in
 * OP_GIVE_UP keys is not offered to the compiler again (each try of a new shape costs a compile). */
const opRecord = new Map<OpOverload, { ok: number; declined: number }>();
const OP_GIVE_UP = 8;
const eligibleOps = new Map<OpOverload, boolean>();
/** Per (op, layouts, arguments with every number masked): how many scalar variants compiled. A loop that
 * changes a scalar on every call (x.mul(step), a schedule) would otherwise compile a program per value: after
 * SCALAR_VARIANTS of them, new values run the JS kernel (the compiled ones keep running). */
const scalarFamilies = new Map<string, number>();
const SCALAR_VARIANTS = 4;
let busy = false;

function opEligible(op: OpOverload): boolean {
  let ok = eligibleOps.get(op);
  if (ok === undefined) {
    ok = lowerings.has(op) && !SKIP_TAGS.some((t) => op.tags.has(t)) && op.schema.returns.length > 0;
    eligibleOps.set(op, ok);
  }
  return ok;
}

/** Encode a non-tensor argument exactly (-0, NaN, dtypes by name). */
function encode(v: unknown, tensors: Tensor[], seen: Map<Tensor, number>): string {
  if (v instanceof Tensor) {
    let i = seen.get(v);
    if (i === undefined) { i = tensors.length; seen.set(v, i); tensors.push(v); }
    return `T${i}`;
  }
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (Array.isArray(v)) return `[${v.map((e) => encode(e, tensors, seen)).join(",")}]`;
  if (v === null || v === undefined) return "_";
  if (typeof v === "object" && "itemsize" in v) return `d:${(v as unknown as { name: string }).name}`;
  if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
  return `?${String(v)}`;
}

function tensorKey(t: Tensor): string {
  return `${t.dtype.name}(${t.shape.join(",")})[${t.strides.join(",")}]@${t.offset & 3}`;
}

/** Whether a graph is being lowered right now (a lowering computing with real tensors must not recurse). */
function lowering(): boolean {
  try { void V.graph; return true; } catch { return false; }
}

function lookup(key: string): Entry | undefined {
  const e = cache.get(key);
  if (e !== undefined) { cache.delete(key); cache.set(key, e); }
  return e;
}

function store(key: string, e: Entry): void {
  cache.set(key, e);
  while (cache.size > eagerWasmConfig.maxEntries) {
    cache.delete(cache.keys().next().value as string);
    eagerWasmStats.evictions++;
  }
}

function isMemoryError(err: unknown): boolean {
  return err instanceof RangeError && /out of memory|could not allocate|Array buffer allocation|WebAssembly\.Memory/i.test(err.message);
}

/**
 * Check the first call's outputs against the meta rule: same dtype and shape, strides equal except on dims
 * of size 1 (marked in restride: those outputs are re-wrapped with the meta's strides, same elements), no
 * output sharing an input's storage. Returns why not, or null.
 */
function checkLayouts(out: readonly Tensor[], p: OneOpProgram, inputs: readonly Tensor[], restride: boolean[]): string | null {
  if (out.length !== p.outputs.length) return `${out.length} outputs, expected ${p.outputs.length}`;
  for (let i = 0; i < out.length; i++) {
    const o = out[i]!, m = p.outputs[i]!;
    if (!(o instanceof Tensor)) return `output ${i} is not a tensor`;
    const stridesOk = o.numel() <= 1 || o.strides.every((s, d) => s === m.strides[d] || o.shape[d] === 1);
    if (o.dtype.name !== m.dtype || o.shape.join() !== m.shape.join() || !stridesOk) {
      return `output ${i} is ${o.dtype.name} [${o.shape}] strides [${o.strides}], the meta rule says ${m.dtype} [${m.shape}] strides [${m.strides}]`;
    }
    if (inputs.some((t) => t.storage === o.storage)) return `output ${i} aliases an input`;
    restride[i] = o.strides.join() !== m.strides.join();
  }
  return null;
}

/** The accelerator: outputs of op(args) from a compiled one-op Wasm program, or null (run the JS kernel). */
export function accelerate(op: OpOverload, args: Args): KernelResult | null {
  const mode = eagerWasmConfig.mode;
  if (mode === "never" || busy || !opEligible(op)) return null;
  const rec = opRecord.get(op);
  if (rec !== undefined && rec.ok === 0 && rec.declined >= OP_GIVE_UP) return null;
  // cheap checks first (most eager calls are small): dtypes, device, size; the key string only after them
  let largest = 0, anyTensor = false;
  for (const v of Object.values(args)) {
    const items = Array.isArray(v) ? v : [v];
    for (const t of items) {
      if (!(t instanceof Tensor)) continue;
      if (!ACCELERATED_DTYPES.has(t.dtype.name) || t.device !== "cpu" || t.isFake) return null;
      anyTensor = true;
      const n = t.numel();
      if (n > largest) largest = n;
    }
  }
  if (!anyTensor) return null;
  if (mode === "auto" && largest < eagerWasmConfig.minNumel) return null;
  if (!wasmFeatures().simd || !wasmMemory().shared || lowering()) return null;
  const tensors: Tensor[] = [];
  const seen = new Map<Tensor, number>();
  let argKey = "";
  for (const [k, v] of Object.entries(args)) argKey += `|${k}=${encode(v, tensors, seen)}`;
  let layoutKey = "";
  for (const t of tensors) layoutKey += `|${tensorKey(t)}`;
  const key = op.qualname + argKey + layoutKey;
  let e = lookup(key);
  if (e === undefined) {
    const family = op.qualname + argKey.replace(/([=,[])(-?(?:[0-9][0-9.e+-]*|NaN|Infinity|0))(?=[,\]|]|$)/g, "$1#") + layoutKey;
    const variants = scalarFamilies.get(family) ?? 0;
    if (variants >= SCALAR_VARIANTS) { eagerWasmStats.scalarVariantsDeclined++; return null; }
    e = compileEntry(op, args, tensors, key);
    if (!("failed" in e)) {
      if (scalarFamilies.size > 4 * eagerWasmConfig.maxEntries) scalarFamilies.clear();
      scalarFamilies.set(family, variants + 1);
    }
  }
  if ("failed" in e) return null;
  let out: Tensor[];
  busy = true;
  try {
    out = noGrad(() => e.program.call(tensors));
  } catch (err) {
    if (isMemoryError(err)) { eagerWasmStats.memoryFallbacks++; bump("eager_wasm", "memory_fallback"); return null; }
    return disable(key, op, `its program threw: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    busy = false;
  }
  if (!e.checked) {
    const why = checkLayouts(out, e.program, tensors, e.restride);
    if (why) return disable(key, op, why);
    e.checked = true;
  }
  // an eager kernel's output is a base tensor: re-wrap a program output that is a view of its own buffer
  // (else autograd would treat in-place ops on it as ops on a view), or whose size-1 strides differ
  for (let i = 0; i < out.length; i++) {
    const o = out[i]!;
    if (e.restride[i] || o.base !== null) out[i] = new Tensor(o.storage, o.shape, e.program.outputs[i]!.strides, o.offset);
  }
  eagerWasmStats.calls++;
  // Over the budget (dropped outputs wait for the garbage collector, and fresh Wasm pages cost 3-8 ms/MiB
  // here): hand JS arrays out instead, so the JS heap's pressure runs the collector; the blocks are reused.
  // Until the program has disposed an accelerated output, it is taken to drop them: an eighth of the budget.
  const budget = eagerWasmStats.disposedOutputs > 0 ? eagerWasmConfig.memoryBudgetBytes : eagerWasmConfig.memoryBudgetBytes / 8;
  if (wasmMemory().stats().inUse > budget) {
    out = out.map((o) => (o.storage.data?.buffer instanceof SharedArrayBuffer ? toJsStorage(o) : o)); // the runtime may have copied it out already
    eagerWasmStats.copiedOut++;
    bump("eager_wasm", "copied_out");
  } else {
    for (const o of out) countDispose(o.storage);
  }
  return e.program.multi ? out : out[0]!;
}

/** Count an explicit dispose of this output (its storage's release hook runs only on dispose). */
function countDispose(s: Storage): void {
  const release = s.release;
  if (release === null) return;
  s.release = () => { eagerWasmStats.disposedOutputs++; release(); };
}

/** The same tensor over a JS array; its Wasm block is freed now. */
function toJsStorage(t: Tensor): Tensor {
  const s = t.storage;
  const data = new s.dtype.arrayCtor(s.size);
  data.set(s.data as never);
  s.dispose();
  const js = new Storage(data, s.dtype, s.device, s.size);
  js.release = () => { eagerWasmStats.disposedOutputs++; }; // nothing to free: counts the dispose
  return new Tensor(js, t.shape, t.strides, t.offset);
}

function compileEntry(op: OpOverload, args: Args, tensors: Tensor[], key: string): Entry {
  eagerWasmStats.compiles++;
  bump("eager_wasm", "compiles");
  let e: Entry;
  busy = true;
  try {
    const program = compileOneOp(op, args, tensors);
    eagerWasmStats.compileMs += program.compileMs;
    e = { program, checked: false, restride: [] };
    record(op).ok++;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof Unaccelerated) {
      eagerWasmStats.unaccelerated++;
      bump("eager_wasm", "unaccelerated");
      record(op).declined++;
    } else {
      eagerWasmStats.compileFailures++;
      bump("eager_wasm", "compile_failed");
    }
    log("inductor", `eager wasm: ${op.qualname} runs its JS kernel for this key: ${msg}`);
    e = { failed: msg };
  } finally {
    busy = false;
  }
  store(key, e);
  return e;
}

function record(op: OpOverload): { ok: number; declined: number } {
  let r = opRecord.get(op);
  if (!r) opRecord.set(op, (r = { ok: 0, declined: 0 }));
  return r;
}

function disable(key: string, op: OpOverload, why: string): null {
  eagerWasmStats.runtimeFailures++;
  bump("eager_wasm", "runtime_failed");
  log("inductor", `eager wasm: ${op.qualname} runs its JS kernel for this key: ${why}`);
  store(key, { failed: why });
  return null;
}

/** Cached keys (programs and failed keys) and the configured bound. */
export function eagerWasmCacheInfo(): { entries: number; programs: number; failed: number; maxEntries: number } {
  let programs = 0;
  for (const e of cache.values()) if (!("failed" in e)) programs++;
  return { entries: cache.size, programs, failed: cache.size - programs, maxEntries: eagerWasmConfig.maxEntries };
}

/** Drop every compiled program and failure record, and zero the stats. */
export function clearEagerWasmCache(): void {
  cache.clear();
  opRecord.clear();
  scalarFamilies.clear();
  eligibleOps.clear();
  for (const k of Object.keys(eagerWasmStats) as (keyof typeof eagerWasmStats)[]) eagerWasmStats[k] = 0;
}

/** Install the accelerator in the ops dispatcher (done by inductor/register). */
export function installEagerWasm(): void {
  installEagerAccelerator(accelerate);
}
