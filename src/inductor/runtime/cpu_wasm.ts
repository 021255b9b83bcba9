// inductor/runtime/cpu_wasm: loads "cpu-wasm/1" artifacts: the JavaScript wrapper module of the JS backend,
// whose kernels are either Wasm modules (source: header line, base64 bytes, listing) or JS functions. Float32,
// bfloat16 and float16 buffers the wrapper allocates live in the shared Wasm memory (src/wasm/memory.ts);
// such inputs that do not are copied in once per call (and copied back if a kernel writes them). After each call, blocks not
// reachable from the outputs are freed at once; outputs keep theirs until their storage dies
// (FinalizationRegistry) or `disposeWasmTensor`. Wasm kernels run on the thread pool, their first outer
// dimension split into tasks, or on the calling thread when small. In: a CompiledArtifact. Out: call(args).

import { Storage, Tensor } from "../../tensor/tensor.js";
import { dtypes, type DType, type DTypeName, type NumericArray } from "../../tensor/dtype.js";
import { numel } from "../../tensor/shape.js";
import { wasmMemory } from "../../wasm/memory.js";
import { threadPool, type KernelModule, type ThreadPool } from "../../wasm/threads.js";
import { compileAsync, moduleSync } from "../../wasm/module_cache.js";
import type { CompiledArtifact } from "../codegen/artifact.js";
import { CpuJsRuntime, wrapperFactory } from "./cpu_js.js";
import { hashString } from "./hash.js";

export const CPU_WASM_FORMAT = "cpu-wasm/1";
const TAG = "// wasm kernel ";

/** Work (elements) below which a kernel runs on the calling thread only. */
export const PARALLEL_MIN_WORK = 1 << 15;

export const wasmRuntimeStats = { modulesCompiled: 0, asyncCompiles: 0, syncCompiles: 0, copiedIn: 0, freedAfterCall: 0, finalized: 0, copiedOut: 0 };

interface Header { dim0: number; rowWork: number; align: number; nparams: number; outs: number; scratchRow: number; shared: boolean }
type Kernel = (...arrays: NumericArray[]) => void;

/** Dtypes whose buffers live in Wasm memory (the Wasm kernels read and write them; others are JS-only). */
const WASM_DTYPES: ReadonlySet<DTypeName> = new Set(["float32", "bfloat16", "float16"]);
/** A typed array of dtype d over n elements of the Wasm memory at byte address ptr. The buffer object is
 * remembered: after the memory grows, `memory.buffer` is a new object and inWasm must still know this one. */
const wasmView = (d: DType, ptr: number, n: number): NumericArray => {
  const buf = wasmMemory().memory.buffer;
  seenBuffers.add(buf);
  return new (d.arrayCtor as unknown as new (b: ArrayBufferLike, o: number, n: number) => NumericArray)(buf, ptr, n);
};

/** Pointer of every block this runtime allocated, by its storage. */
const blockOf = new WeakMap<Storage, number>();
const registry = new FinalizationRegistry<number>((ptr) => { wasmMemory().free(ptr); wasmRuntimeStats.finalized++; });
const modulesByPool = new WeakMap<ThreadPool, Map<string, KernelModule>>();

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** Free the wasm block of a tensor this runtime allocated (`t.dispose()`: later uses of it throw). */
export function disposeWasmTensor(t: Tensor): boolean {
  if (!blockOf.has(t.storage)) return false;
  t.storage.dispose();
  return true;
}

/**
 * Outputs a caller drops are freed only when the garbage collector runs their finalizers, which a synchronous
 * loop of calls never lets happen (1,000 calls with 4 MB outputs would exhaust the 2 GiB memory). So when more
 * than `budgetBytes` of Wasm memory is in use after a call, that call's outputs are copied out to JS arrays and
 * their blocks freed at once (counted in wasmRuntimeStats.copiedOut). Until the program has disposed an output
 * (tensor.dispose()), an eighth of the budget applies: a program that disposes keeps its outputs in Wasm memory.
 */
export const wasmOutputMemory = { budgetBytes: 256 * 2 ** 20 };
let disposedOutputs = 0;

/** Give a storage's block back to the allocator now; false when the storage has none (already freed). */
function freeBlock(storage: Storage): boolean {
  const p = blockOf.get(storage);
  if (p === undefined) return false;
  blockOf.delete(storage);
  registry.unregister(storage);
  wasmMemory().free(p);
  return true;
}

/** A storage's release hook (Storage.dispose): its block goes back to the allocator now. */
function releaseBlock(storage: Storage): void {
  if (freeBlock(storage)) disposedOutputs++;
}

/** Move an output's data to a JS array of its dtype and free its block now (the tensors keep the storage). */
function copyOut(storage: Storage): void {
  const src = storage.data;
  if (src === null || !blockOf.has(storage)) return;
  const data = new storage.dtype.arrayCtor(src.length);
  data.set(src as never);
  freeBlock(storage);
  storage.data = data;
  storage.release = null;
  wasmRuntimeStats.copiedOut++;
}

/** Whether a typed array is a view of the shared wasm memory. */
function inWasm(a: NumericArray): boolean {
  const mem = wasmMemory();
  return mem.shared && a.buffer instanceof SharedArrayBuffer && a.buffer.byteLength <= mem.byteLength &&
    a.byteOffset + a.byteLength <= mem.byteLength && isWasmBuffer(a.buffer);
}
const seenBuffers = new WeakSet<ArrayBufferLike>();
function isWasmBuffer(b: ArrayBufferLike): boolean {
  const cur = wasmMemory().memory.buffer;
  seenBuffers.add(cur);
  return seenBuffers.has(b);
}

/** A float32/bfloat16/float16 tensor with its data in wasm memory (copied), e.g. for benchmarks and tests. */
export function toWasmTensor(t: Tensor): Tensor {
  const c = t.contiguous();
  const strides = c.strides.slice();
  const out = new CpuWasmRuntime({}).empty(c.shape, strides, c.dtype.name); // outside a call: kept until collected
  const src = c.data() as Float32Array;
  (out.data() as Float32Array).set(src.subarray(c.offset, c.offset + c.numel()));
  return out;
}

interface CallState { allocs: Storage[]; temps: Map<string, { view: NumericArray; ptr: number; t: Tensor }>; tempOf: Map<NumericArray, Tensor> }

/** The helpers a generated cpu-wasm module sees as `rt`. */
export class CpuWasmRuntime extends CpuJsRuntime {
  private calls: CallState[] = [];

  private get cur(): CallState | undefined { return this.calls[this.calls.length - 1]; }

  constructor(constants: Readonly<Record<string, Tensor>>) {
    super(constants);
    // Buffers the wrapper keeps across calls (scratch slots for intermediates, when the JS wrapper plans
    // them) are allocated outside the per-call tracking: they stay until the module's runtime dies.
    const self = this as unknown as Record<string, unknown>;
    const scratch = self.scratch;
    if (typeof scratch === "function") self.scratch = (...a: unknown[]) => this.untracked(() => (scratch as (...x: unknown[]) => unknown).apply(this, a));
  }

  /** Run fn with allocations outside the current call's tracking (freed by the FinalizationRegistry). */
  untracked<R>(fn: () => R): R {
    const saved = this.calls;
    this.calls = [];
    try { return fn(); } finally { this.calls = saved; }
  }

  override kernel(name: string, source: string): Kernel {
    const src = source.trim();
    if (!src.startsWith(TAG)) return this.jsKernel(name, src);
    const nl = src.indexOf("\n");
    const header = JSON.parse(src.slice(TAG.length, nl)) as Header;
    const key = hashString(src);
    // decoded once per loaded artifact; the compiled module itself is cached per source hash (wasm/module_cache)
    const bytes = decode(src.slice(nl + 1, src.indexOf("\n", nl + 1)).replace(/^\/\/ bytes /, ""));
    const mem = wasmMemory();
    if (header.shared !== mem.shared) throw new Error(`runtime: kernel ${name} was generated for ${header.shared ? "shared" : "unshared"} memory`);
    // compiled once per source hash and process, asynchronously from here on (a call before it finished
    // compiles synchronously: Node only); every pool and worker shares the compiled module
    const mkey = `kernel-${key}`;
    compileAsync(bytes, mkey, wasmRuntimeStats);
    let argBlock = 0, scratch = 0, scratchThreads = 0;
    const self = this;
    const k = (...arrays: NumericArray[]) => {
      const pool = threadPool();
      let mods = modulesByPool.get(pool);
      if (!mods) modulesByPool.set(pool, (mods = new Map()));
      let km = mods.get(key);
      if (!km) { km = pool.load(moduleSync(bytes, mkey, wasmRuntimeStats, name)); mods.set(key, km); wasmRuntimeStats.modulesCompiled++; }
      if (!argBlock) argBlock = mem.malloc(4 * (header.nparams + 2));
      if (header.scratchRow && scratchThreads < pool.threads) {
        if (scratch) mem.free(scratch);
        scratch = mem.malloc(header.scratchRow * pool.threads);
        scratchThreads = pool.threads;
      }
      if (header.dim0 === 0) return; // an empty outer range: nothing to compute
      const work = header.dim0 * header.rowWork;
      let nTasks = pool.threads > 1 && work >= PARALLEL_MIN_WORK ? Math.min(pool.threads * 4, Math.ceil(header.dim0 / header.align)) : 1;
      const chunk = Math.max(header.align, Math.ceil(header.dim0 / nTasks / header.align) * header.align);
      nTasks = Math.max(1, Math.ceil(header.dim0 / chunk));
      const i32 = mem.i32;
      const w = argBlock >> 2;
      i32[w] = chunk;
      for (let i = 0; i < arrays.length; i++) {
        const a = arrays[i]!;
        if (!inWasm(a)) throw new Error(`runtime: wasm kernel ${name} got an argument outside wasm memory`);
        i32[w + 1 + i] = a.byteOffset;
      }
      i32[w + 1 + arrays.length] = scratch;
      if (nTasks === 1) (km.instance.exports.kernel as (t: number, a: number, tid: number) => void)(0, argBlock, 0);
      else pool.run(km, "kernel", nTasks, argBlock);
      self.copyBack(arrays, header.outs);
    };
    Object.defineProperty(k, "name", { value: name });
    return k;
  }

  private jsKernel(name: string, source: string): Kernel {
    const fn = super.kernel(name, source);
    const sig = /^function KERNEL\(([^)]*)\)/.exec(source)?.[1] ?? "";
    const outs = sig.split(",").filter((p) => p.trim().startsWith("out_ptr")).length;
    const self = this;
    return (...arrays: NumericArray[]) => { fn(...arrays); self.copyBack(arrays, outs); };
  }

  /** Outputs a kernel wrote into a copy of an input go back to the input's own storage. */
  private copyBack(arrays: NumericArray[], outs: number): void {
    const st = this.cur;
    if (!st || st.tempOf.size === 0) return;
    for (let i = arrays.length - outs; i < arrays.length; i++) {
      const t = st.tempOf.get(arrays[i]!);
      if (!t) continue;
      const dst = t.data("compiled kernel") as Float32Array;
      if (t.offset >= dst.length) continue; // an empty view past its storage's end: nothing to copy
      dst.set((arrays[i] as Float32Array).subarray(0, dst.length - t.offset), t.offset);
    }
  }

  override empty(size: readonly number[], stride: readonly number[], dtype: DTypeName): Tensor {
    if (!WASM_DTYPES.has(dtype) || !wasmMemory().shared) return super.empty(size, stride, dtype);
    let n = 0;
    if (numel(size) > 0) n = size.reduce((acc, s, i) => acc + (s - 1) * stride[i]!, 0) + 1;
    const mem = wasmMemory(), d = dtypes[dtype];
    const ptr = mem.malloc(Math.max(n, 1) * d.itemsize);
    const storage = new Storage(wasmView(d, ptr, n), d, "cpu", n);
    blockOf.set(storage, ptr);
    storage.release = () => releaseBlock(storage);
    const st = this.cur;
    if (st) st.allocs.push(storage); else this.keep(storage);
    return new Tensor(storage, size.slice(), stride.slice(), 0);
  }

  /** Hand a block's lifetime to its storage (freed when the storage is collected). */
  keep(storage: Storage): void {
    const p = blockOf.get(storage);
    if (p !== undefined) registry.register(storage, p, storage);
  }

  override ptr(t: Tensor): NumericArray {
    const a = t.data("compiled kernel");
    if (!WASM_DTYPES.has(t.dtype.name) || !wasmMemory().shared || inWasm(a)) return t.offset === 0 ? a : (a.subarray(t.offset) as NumericArray);
    const st = this.cur!;
    for (const v of st.temps.values()) if (v.t.storage === t.storage && v.t.offset === t.offset) return v.view;
    const mem = wasmMemory();
    // an empty view may sit past the end of its storage (select on an empty tensor: offset 1 of 0 elements)
    const n = Math.max(0, a.length - t.offset);
    const p = mem.malloc(Math.max(n, 1) * t.dtype.itemsize);
    const view = wasmView(t.dtype, p, n);
    (view as Float32Array).set((a as Float32Array).subarray(t.offset));
    st.temps.set(`${st.temps.size}`, { view, ptr: p, t });
    st.tempOf.set(view, t);
    wasmRuntimeStats.copiedIn++;
    return view;
  }

  /** Run the module's call with per-call memory tracking: unreachable blocks are freed on return. */
  run(call: (args: Tensor[]) => unknown[], args: Tensor[]): Tensor[] {
    const st: CallState = { allocs: [], temps: new Map(), tempOf: new Map() };
    this.calls.push(st);
    let outs: unknown[] | null = null;
    try {
      outs = call(args);
      return outs as Tensor[];
    } finally {
      this.calls.pop();
      const mem = wasmMemory();
      const live = new Set<Storage>();
      if (outs) for (const o of outs) if (o instanceof Tensor) live.add(o.storage);
      const kept: Storage[] = [];
      for (const s of st.allocs) {
        if (live.has(s)) { kept.push(s); continue; }
        freeBlock(s);
        s.data = new s.dtype.arrayCtor(0);
        wasmRuntimeStats.freedAfterCall++;
      }
      for (const v of st.temps.values()) mem.free(v.ptr);
      // outputs stay in Wasm memory (freed when collected or disposed) unless over the budget: then copied out
      const budget = disposedOutputs > 0 ? wasmOutputMemory.budgetBytes : wasmOutputMemory.budgetBytes / 8;
      const over = kept.length > 0 && mem.stats().inUse > budget;
      for (const s of kept) if (over) copyOut(s); else this.keep(s);
    }
  }
}

/** Load a cpu-wasm artifact: build its wrapper module (once per source hash) and bind its constants. */
export function loadCpuWasm(artifact: CompiledArtifact): (args: Tensor[]) => Tensor[] {
  if (artifact.format !== CPU_WASM_FORMAT) throw new Error(`runtime: cannot load format ${artifact.format} (expected ${CPU_WASM_FORMAT})`);
  const rt = new CpuWasmRuntime(artifact.constants);
  const mod = wrapperFactory(artifact.source)(rt);
  return (args: Tensor[]) => rt.run(mod.call, args);
}
