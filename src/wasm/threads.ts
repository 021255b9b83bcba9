// wasm/threads: a pool of workers over the one shared WebAssembly.Memory. Each worker instantiates the same kernel
// modules (compiled once, sent by postMessage); a parallel call runs `fn(task, argsPtr, threadId)` for task =
// 0..n-1, handed out through an atomic counter to the workers and the calling thread, which then waits until all
// are done (Atomics.wait, or a spin on Atomics.load where it may not block: a browser main thread), so the API is
// synchronous. In: compiled modules or bytes, export names, task counts. Out: finished tasks (or a thrown worker
// error). One thread (no workers) without shared memory. Workers never keep a Node process alive.

import { readEnv } from "../utils/logging.js";
import { getWasmHost, type WorkerHandle } from "./host.js";
import { wasmMemory, type WasmMemory } from "./memory.js";
import { moduleSync } from "./module_cache.js";

// control block slots (Int32Array over a SharedArrayBuffer). SEQ holds (generation << 2) | command in one word, so a
// worker always reads a command together with its generation. RUN holds the open run's state:
// (generation & 0x7fff) << 16 | CLOSED | number of workers that joined it.
const SEQ = 0, DONE = 2, NEXT = 3, NTASKS = 4, MOD = 5, FUNC = 6, ARGS = 7, ERR = 8, NMODS = 9, RUN = 10, READY = 11;
const CLOSED = 0x8000;
const MSG = 16; // error message bytes start at int index 16 (byte 64), 448 bytes
const STATE = 128; // STATE + tid: how many modules worker tid had instantiated when it last entered its loop
const CMD_LOAD = 1, CMD_RUN = 2, CMD_EXIT = 3;
const MAX_WORKERS = 256;
const CTRL_INTS = STATE + MAX_WORKERS;

/**
 * The worker body, shared by every host: plain JS with no imports, shipped as source text. A host calls it once
 * as `(data, onMessage)`: data holds the shared memory, the control block and the thread id; onMessage(h)
 * registers h for the host's later messages, which carry compiled modules ({ id, module }). A worker waits in
 * its Atomics loop; CMD_LOAD sends it back to its event loop to receive the modules (NMODS says how many exist),
 * after which it acknowledges (DONE) and re-enters the loop. It counts READY the first time it enters.
 * CMD_RUN: a worker joins the run only while it is open (a compare-exchange on RUN checks the generation), then
 * takes tasks and acknowledges; the caller closes the run once it has no task left and waits only for the
 * workers that joined. So a worker the OS has not scheduled yet never delays a run: the caller does its share.
 */
export const workerMain = `(data, onMessage) => {
  const { memory, ctrl, tid } = data;
  const c = new Int32Array(ctrl);
  const fns = [];
  let seq = 0, loaded = 0, started = false;
  const fail = (e) => {
    if (Atomics.compareExchange(c, ${ERR}, 0, 1) === 0) {
      const msg = new TextEncoder().encode(String(e && e.message || e)).slice(0, 440);
      new Uint8Array(ctrl, ${MSG * 4}, msg.length).set(msg);
      c[${MSG - 1}] = msg.length;
    }
  };
  const ack = () => { Atomics.add(c, ${DONE}, 1); Atomics.notify(c, ${DONE}); };
  const loop = () => {
    for (;;) {
      let s = Atomics.load(c, ${SEQ});
      for (let k = 0; k < 20000 && s === seq; k++) s = Atomics.load(c, ${SEQ});
      while (s === seq) { Atomics.wait(c, ${SEQ}, seq); s = Atomics.load(c, ${SEQ}); }
      seq = s;
      const cmd = s & 3;
      if (cmd === ${CMD_EXIT}) { ack(); return; }
      if (cmd === ${CMD_LOAD}) {
        if (loaded < Atomics.load(c, ${NMODS})) return; // to the event loop: the modules arrive as messages
        Atomics.store(c, ${STATE} + tid, loaded);
        ack();
        continue;
      }
      const gen = (s >>> 2) & 0x7fff;
      let joined = false;
      for (;;) {
        const v = Atomics.load(c, ${RUN});
        if ((v >>> 16) !== gen || (v & ${CLOSED})) break; // over (or a later one): nothing to do
        if (Atomics.compareExchange(c, ${RUN}, v, v + 1) === v) { joined = true; break; }
      }
      if (!joined) continue;
      try {
        const fn = fns[c[${MOD}]][c[${FUNC}]];
        const n = c[${NTASKS}], a = c[${ARGS}];
        for (;;) { const t = Atomics.add(c, ${NEXT}, 1); if (t >= n) break; fn(t, a, tid); }
      } catch (e) {
        fail(e);
      }
      ack();
    }
  };
  const enter = () => {
    if (loaded < Atomics.load(c, ${NMODS})) return; // more modules on their way
    Atomics.store(c, ${STATE} + tid, loaded);
    if (!started) { started = true; seq = Atomics.load(c, ${SEQ}); Atomics.add(c, ${READY}, 1); Atomics.notify(c, ${READY}); }
    else ack();
    loop();
  };
  onMessage((msg) => {
    try {
      fns[msg.id] = Object.values(new WebAssembly.Instance(msg.module, { env: { memory } }).exports);
    } catch (e) {
      fail(e);
    }
    loaded++;
    enter();
  });
  enter();
}`;

/** A kernel module instantiated on every thread of a pool. */
export interface KernelModule {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly instance: WebAssembly.Instance;
  readonly exportNames: string[];
}

export class ThreadPool {
  /** Threads that take tasks once the workers have started (the calling thread included). */
  readonly threads: number;
  /** Parallel calls offered to the workers (joinedRuns: those at least one worker joined), and calls that ran on
   * the calling thread alone. */
  readonly stats = { parallelRuns: 0, callerRuns: 0, joinedRuns: 0 };
  private readonly workers: WorkerHandle[] = [];
  private readonly ctrl: Int32Array;
  private readonly modules: KernelModule[] = [];
  private readonly canBlock: boolean;
  private started = false;
  /** Modules every worker is known to hold (ids below this); a run of a later one syncs the workers first. */
  private synced = 0;
  private closed = false;
  private running = false;
  private gen = 0;

  /**
   * threads counts the calling thread: threads - 1 workers are started. Where workers start while the caller
   * blocks (Node), this waits until they run; elsewhere (browsers: a Web Worker starts only once its creator
   * returns to its event loop) the pool runs every task on the calling thread until they have (see whenReady).
   */
  constructor(readonly mem: WasmMemory, threads: number) {
    const host = getWasmHost();
    this.canBlock = host.mainCanBlock;
    const want = Math.min(MAX_WORKERS + 1, Math.max(1, Math.floor(threads)));
    this.ctrl = new Int32Array(typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(CTRL_INTS * 4) : new ArrayBuffer(CTRL_INTS * 4));
    if (want > 1 && mem.shared) {
      for (let t = 1; t < want; t++) {
        const w = host.spawn(workerMain, { memory: mem.memory, ctrl: this.ctrl.buffer, tid: t });
        if (!w) break;
        this.workers.push(w);
      }
      if (host.workersStartWhileBlocked) {
        this.waitFor(READY, this.workers.length, 30000, "start");
        this.started = true;
      }
    }
    if (this.workers.length === 0) this.started = true;
    this.threads = this.workers.length + 1;
  }

  /** Whether every worker runs (and holds every loaded module); until then tasks run on the calling thread. */
  get ready(): boolean {
    return this.started || this.pollReady();
  }

  /** Resolves once every worker has started; rejects after timeoutMs (e.g. workers blocked by the page's CSP). */
  async whenReady(timeoutMs = 30000): Promise<void> {
    const t0 = Date.now();
    while (!this.ready) {
      if (this.closed) throw new Error("wasm threads: pool is closed");
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(`wasm threads: ${this.workers.length} workers did not start within ${timeoutMs} ms ` +
          `(${Atomics.load(this.ctrl, READY)} started); tasks keep running on the calling thread`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** All workers started: catch up any worker that entered its loop before the last module was loaded. */
  private pollReady(): boolean {
    if (this.closed || Atomics.load(this.ctrl, READY) < this.workers.length) return false;
    let held = this.modules.length;
    for (let t = 1; t <= this.workers.length; t++) held = Math.min(held, Atomics.load(this.ctrl, STATE + t));
    this.synced = held;
    this.started = true;
    return true;
  }

  private waitFor(slot: number, target: number, timeoutMs: number, what: string): void {
    const c = this.ctrl;
    const t0 = Date.now();
    let v = Atomics.load(c, slot);
    for (let k = 0; k < 100000 && v < target; k++) v = Atomics.load(c, slot);
    // A browser main thread may not Atomics.wait: it keeps spinning on Atomics.load (the workers run meanwhile).
    while (v < target) {
      if (this.canBlock) Atomics.wait(c, slot, v, 50);
      v = Atomics.load(c, slot);
      if (v < target && Date.now() - t0 > timeoutMs) throw new Error(`wasm threads: workers did not ${what} within ${timeoutMs} ms (${v}/${target})`);
    }
  }

  private broadcast(cmd: number, fill: () => void): void {
    if (this.closed) throw new Error("wasm threads: pool is closed");
    const c = this.ctrl;
    this.gen = (this.gen % 0x7fff) + 1; // 1..0x7fff: never the initial word 0
    c[ERR] = 0;
    fill();
    Atomics.store(c, DONE, 0);
    Atomics.store(c, SEQ, (this.gen << 2) | cmd);
    Atomics.notify(c, SEQ);
  }

  private checkError(): void {
    if (Atomics.load(this.ctrl, ERR)) {
      const len = this.ctrl[MSG - 1]!;
      const msg = new TextDecoder().decode(new Uint8Array(this.ctrl.buffer, MSG * 4, len).slice());
      Atomics.store(this.ctrl, ERR, 0);
      throw new Error(`wasm threads: a worker failed: ${msg}`);
    }
  }

  /** Send the started workers back to their event loops for the posted modules; wait until all hold them. */
  private syncLoads(): void {
    const n = this.modules.length;
    this.broadcast(CMD_LOAD, () => {});
    this.waitFor(DONE, this.workers.length, 60000, "load a module");
    this.synced = n;
    this.checkError();
  }

  /**
   * Instantiate a module on every thread. Bytes are compiled through the process-wide module cache (a hit when
   * an async compile of the same bytes finished; else a synchronous compile); workers receive the compiled
   * module by postMessage, so nothing is compiled twice. The workers take it from their event loops the first
   * time a parallel run needs it (one round trip for all modules posted since), so modules whose calls stay on
   * the calling thread (small kernels) cost the workers nothing.
   */
  load(src: Uint8Array<ArrayBuffer> | WebAssembly.Module, what?: string): KernelModule {
    if (this.closed) throw new Error("wasm threads: pool is closed");
    const module = src instanceof WebAssembly.Module ? src : moduleSync(src, undefined, undefined, what);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.mem.memory } });
    const km: KernelModule = { id: this.modules.length, module, instance, exportNames: Object.keys(instance.exports) };
    this.modules.push(km);
    if (this.workers.length) {
      Atomics.store(this.ctrl, NMODS, this.modules.length);
      for (const w of this.workers) w.postMessage({ id: km.id, module });
      // A worker not started yet takes the posted modules before it first enters its loop.
    }
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
    if (this.closed) throw new Error("wasm threads: pool is closed");
    if (this.workers.length === 0 || maxThreads <= 1 || nTasks <= 1 || !this.ready) {
      this.stats.callerRuns++;
      for (let t = 0; t < nTasks; t++) fn(t, argsPtr, 0);
      return;
    }
    if (this.synced <= km.id) this.syncLoads();
    this.stats.parallelRuns++;
    this.running = true;
    const c = this.ctrl;
    try {
      this.broadcast(CMD_RUN, () => {
        c[MOD] = km.id;
        c[FUNC] = fi;
        c[ARGS] = argsPtr;
        c[NTASKS] = nTasks;
        Atomics.store(c, NEXT, 0);
        Atomics.store(c, RUN, this.gen << 16); // open, nobody joined yet
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
      // close the run: workers not in it by now stay out; wait only for those that joined (they are running)
      let v = Atomics.load(c, RUN);
      for (let w = Atomics.compareExchange(c, RUN, v, v | CLOSED); w !== v; w = Atomics.compareExchange(c, RUN, v, v | CLOSED)) v = w;
      const joined = v & 0x7fff;
      if (joined) this.stats.joinedRuns++;
      this.waitFor(DONE, joined, 600000, "finish");
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
      if (this.started) {
        this.broadcast(CMD_EXIT, () => {});
        try {
          this.waitFor(DONE, this.workers.length, 5000, "exit");
        } catch {
          /* fall through to terminate */
        }
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

/** The process-wide pool if one was created (and not closed by resetThreadPool), else null. */
export function peekThreadPool(): ThreadPool | null {
  return pool_;
}

/** Close the process-wide pool; the next threadPool() call starts a new one with `threads` (or the default). */
export function resetThreadPool(threads?: number): ThreadPool {
  pool_?.close();
  pool_ = new ThreadPool(wasmMemory(), threads ?? defaultThreads());
  return pool_;
}
