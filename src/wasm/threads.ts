// wasm/threads: a pool of workers over the one shared WebAssembly.Memory. Each worker instantiates the same kernel
// modules; a parallel call runs `fn(task, argsPtr, threadId)` for task = 0..n-1, handed out through an atomic
// counter to the workers and the calling thread, which blocks (Atomics.wait) until all are done, so the API is
// synchronous. In: kernel module bytes, export names, task counts. Out: finished tasks (or a thrown worker error).
// One thread (no workers) when shared memory is unavailable. Workers are unref'd: they never keep a process alive.

import { readEnv } from "../utils/logging.js";
import { getWasmHost, type WorkerHandle } from "./host.js";
import { wasmMemory, type WasmMemory } from "./memory.js";

// control block slots (Int32Array over a SharedArrayBuffer)
const SEQ = 0, CMD = 1, DONE = 2, NEXT = 3, NTASKS = 4, MOD = 5, FUNC = 6, ARGS = 7, ERR = 8, LPTR = 9, LLEN = 10, READY = 11;
const MSG = 16; // error message bytes start at int index 16 (byte 64), 448 bytes
const CMD_LOAD = 1, CMD_RUN = 2, CMD_EXIT = 3;
const CTRL_INTS = 128;

/** The worker body. Plain JS with no imports: it is shipped as source text to worker_threads / Web Workers. */
const workerMain = `(data) => {
  const { memory, ctrl, tid } = data;
  const c = new Int32Array(ctrl);
  const fns = [];
  let seq = 0;
  Atomics.add(c, ${READY}, 1);
  Atomics.notify(c, ${READY});
  for (;;) {
    let s = Atomics.load(c, ${SEQ});
    for (let k = 0; k < 20000 && s === seq; k++) s = Atomics.load(c, ${SEQ});
    while (s === seq) { Atomics.wait(c, ${SEQ}, seq); s = Atomics.load(c, ${SEQ}); }
    seq = s;
    const cmd = c[${CMD}];
    if (cmd === ${CMD_EXIT}) { Atomics.add(c, ${DONE}, 1); Atomics.notify(c, ${DONE}); return; }
    try {
      if (cmd === ${CMD_LOAD}) {
        const bytes = new Uint8Array(memory.buffer, c[${LPTR}], c[${LLEN}]).slice();
        const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
        fns[c[${MOD}]] = Object.values(inst.exports);
      } else if (cmd === ${CMD_RUN}) {
        const fn = fns[c[${MOD}]][c[${FUNC}]];
        const n = c[${NTASKS}], a = c[${ARGS}];
        for (;;) { const t = Atomics.add(c, ${NEXT}, 1); if (t >= n) break; fn(t, a, tid); }
      }
    } catch (e) {
      if (Atomics.compareExchange(c, ${ERR}, 0, 1) === 0) {
        const msg = new TextEncoder().encode(String(e && e.message || e)).slice(0, 440);
        new Uint8Array(ctrl, ${MSG * 4}, msg.length).set(msg);
        c[${MSG - 1}] = msg.length;
      }
    }
    Atomics.add(c, ${DONE}, 1);
    Atomics.notify(c, ${DONE});
  }
}`;

/** A kernel module instantiated on every thread of a pool. */
export interface KernelModule {
  readonly id: number;
  readonly instance: WebAssembly.Instance;
  readonly exportNames: string[];
}

export class ThreadPool {
  readonly threads: number;
  private readonly workers: WorkerHandle[] = [];
  private readonly ctrl: Int32Array;
  private readonly modules: KernelModule[] = [];
  private closed = false;
  private running = false;

  /** threads counts the calling thread: threads - 1 workers are started. */
  constructor(readonly mem: WasmMemory, threads: number) {
    const host = getWasmHost();
    const want = Math.max(1, Math.floor(threads));
    this.ctrl = new Int32Array(typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(CTRL_INTS * 4) : new ArrayBuffer(CTRL_INTS * 4));
    if (want > 1 && mem.shared) {
      for (let t = 1; t < want; t++) {
        const w = host.spawn(workerMain, { memory: mem.memory, ctrl: this.ctrl.buffer, tid: t });
        if (!w) break;
        this.workers.push(w);
      }
      this.waitFor(READY, this.workers.length, 30000, "start");
    }
    this.threads = this.workers.length + 1;
  }

  private waitFor(slot: number, target: number, timeoutMs: number, what: string): void {
    const c = this.ctrl;
    const canBlock = getWasmHost().mainCanBlock;
    const t0 = Date.now();
    let v = Atomics.load(c, slot);
    for (let k = 0; k < 100000 && v < target; k++) v = Atomics.load(c, slot);
    while (v < target) {
      if (canBlock) Atomics.wait(c, slot, v, 50);
      v = Atomics.load(c, slot);
      if (v < target && Date.now() - t0 > timeoutMs) throw new Error(`wasm threads: workers did not ${what} within ${timeoutMs} ms (${v}/${target})`);
    }
  }

  private broadcast(cmd: number, fill: () => void): void {
    if (this.closed) throw new Error("wasm threads: pool is closed");
    const c = this.ctrl;
    c[CMD] = cmd;
    c[ERR] = 0;
    fill();
    Atomics.store(c, DONE, 0);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
  }

  private checkError(): void {
    if (Atomics.load(this.ctrl, ERR)) {
      const len = this.ctrl[MSG - 1]!;
      const msg = new TextDecoder().decode(new Uint8Array(this.ctrl.buffer, MSG * 4, len).slice());
      throw new Error(`wasm threads: a worker failed: ${msg}`);
    }
  }

  /** Compile and instantiate a module on every thread (synchronously). */
  load(bytes: Uint8Array<ArrayBuffer>): KernelModule {
    const module = new WebAssembly.Module(bytes);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.mem.memory } });
    const km: KernelModule = { id: this.modules.length, instance, exportNames: Object.keys(instance.exports) };
    if (this.workers.length) {
      const p = this.mem.malloc(bytes.length);
      this.mem.u8.set(bytes, p);
      try {
        this.broadcast(CMD_LOAD, () => {
          this.ctrl[MOD] = km.id;
          this.ctrl[LPTR] = p;
          this.ctrl[LLEN] = bytes.length;
        });
        this.waitFor(DONE, this.workers.length, 60000, "load a module");
        this.checkError();
      } finally {
        this.mem.free(p);
      }
    }
    this.modules.push(km);
    return km;
  }

  /**
   * Run exported `fn(task, argsPtr, threadId)` for task = 0..nTasks-1 on up to `maxThreads` threads (the calling
   * thread is thread 0). Returns when every task is done; rethrows the first failure.
   */
  run(km: KernelModule, fnName: string, nTasks: number, argsPtr: number, maxThreads = this.threads): void {
    const fn = km.instance.exports[fnName] as ((t: number, a: number, tid: number) => void) | undefined;
    const fi = km.exportNames.indexOf(fnName);
    if (!fn || fi < 0) throw new Error(`wasm threads: module ${km.id} has no export '${fnName}'`);
    if (this.running) throw new Error("wasm threads: nested parallel run");
    if (!Number.isSafeInteger(nTasks) || nTasks < 0) throw new RangeError(`wasm threads: task count must be a non-negative integer, got ${nTasks} (running '${fnName}')`);
    if (this.workers.length === 0 || maxThreads <= 1 || nTasks <= 1) {
      for (let t = 0; t < nTasks; t++) fn(t, argsPtr, 0);
      return;
    }
    this.running = true;
    const c = this.ctrl;
    try {
      this.broadcast(CMD_RUN, () => {
        c[MOD] = km.id;
        c[FUNC] = fi;
        c[ARGS] = argsPtr;
        c[NTASKS] = nTasks;
        Atomics.store(c, NEXT, 0);
      });
      let err: unknown = null;
      try {
        for (;;) {
          const t = Atomics.add(c, NEXT, 1);
          if (t >= nTasks) break;
          fn(t, argsPtr, 0);
        }
      } catch (e) {
        err = e;
        Atomics.store(c, NEXT, nTasks); // stop handing out tasks
      }
      this.waitFor(DONE, this.workers.length, 600000, "finish");
      if (err) throw err;
      this.checkError();
    } finally {
      this.running = false;
    }
  }

  /** Stop the workers (they exit their loop); the pool cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    if (this.workers.length) {
      this.broadcast(CMD_EXIT, () => {});
      try {
        this.waitFor(DONE, this.workers.length, 5000, "exit");
      } catch {
        /* fall through to terminate */
      }
      for (const w of this.workers) w.terminate();
    }
    this.closed = true;
  }
}

/** Default thread count: COIL_NUM_THREADS, else the host's parallelism (1 without shared memory). */
export function defaultThreads(): number {
  const env = Number(readEnv("COIL_NUM_THREADS"));
  if (Number.isFinite(env) && env >= 1) return Math.floor(env);
  return Math.max(1, getWasmHost().parallelism());
}

let pool_: ThreadPool | null = null;

/** The process-wide pool over wasmMemory() (created on first use with defaultThreads()). */
export function threadPool(): ThreadPool {
  return (pool_ ??= new ThreadPool(wasmMemory(), defaultThreads()));
}

/** Close the process-wide pool; the next threadPool() call starts a new one with `threads` (or the default). */
export function resetThreadPool(threads?: number): ThreadPool {
  pool_?.close();
  pool_ = new ThreadPool(wasmMemory(), threads ?? defaultThreads());
  return pool_;
}
