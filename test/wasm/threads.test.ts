// test/wasm/threads: the worker pool over shared wasm memory: every task runs exactly once across threads,
// GEMM results are bitwise equal on 1 and 2 threads, worker traps surface as errors, and a process using the
// pool exits on its own (workers are unref'd) as well as after close(). Hosts: selection per environment, the
// Web Worker host driven through a fake browser environment (Blob URLs, workers that start only after the
// caller yields, a caller that may not Atomics.wait), and the single-thread fallback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ModuleBuilder } from "../../src/wasm/emitter.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { MAX_PAGES, wasmMemory } from "../../src/wasm/memory.js";
import { MAX_PAGES as _MP, WasmMemory } from "../../src/wasm/memory.js";
import { ThreadPool, resetThreadPool } from "../../src/wasm/threads.js";
import { sgemm } from "../../src/wasm/gemm.js";
import { Worker } from "node:worker_threads";
import { getWasmHost, selectWasmHost, setWasmHost, singleThreadHost, type WasmHost } from "../../src/wasm/host.js";
import { createWebWasmHost, type WebEnv } from "../../src/wasm/web_host.js";
import { nodeWasmHost } from "../../src/platform/wasm_threads.js";
import { wasmReady } from "../../src/wasm/ready.js";
import { setWarnSink } from "../../src/utils/logging.js";

const shared = wasmFeatures().threads;

/** work(task, args, tid): out[task] = tid + 1 (spins a little so several threads get tasks); traps on task == trapAt. */
function workModule() {
  const m = new ModuleBuilder({ shared: wasmMemory().shared, maxPages: MAX_PAGES }, "work");
  const f = m.func("work", ["i32", "i32", "i32"], [], { export: true });
  const i = f.local("i32");
  f.get(0).get(1).mem("i32.load", 4).op("i32.eq").if_().op("unreachable").end();
  f.for_(i, () => f.i32(0), () => f.i32(20000), 1, () => {});
  f.get(1).mem("i32.load").get(0).i32(4).op("i32.mul").op("i32.add").get(2).i32(1).op("i32.add").mem("i32.store");
  return m.toBytes();
}

test("every task runs exactly once, on one of the pool's threads", (t) => {
  if (!shared) return t.skip("no shared memory");
  const mem = wasmMemory();
  const pool = new ThreadPool(mem, 3);
  try {
    assert.equal(pool.threads, 3);
    const km = pool.load(workModule());
    const n = 300;
    const out = mem.malloc(n * 4), args = mem.malloc(8);
    mem.i32.fill(0, out >> 2, (out >> 2) + n);
    mem.i32[args >> 2] = out;
    mem.i32[(args >> 2) + 1] = -1;
    pool.run(km, "work", n, args);
    const got = [...mem.i32.subarray(out >> 2, (out >> 2) + n)];
    assert.ok(got.every((v) => v >= 1 && v <= 3), "each task written once by a thread 0..2");
    // (how the tasks spread over threads depends on the OS scheduler: not asserted, it would flake)
    // a trap in a task surfaces as an error, and the pool stays usable
    mem.i32[(args >> 2) + 1] = 250;
    assert.throws(() => pool.run(km, "work", n, args), /unreachable|wasm threads: a worker failed/);
    mem.i32[(args >> 2) + 1] = -1;
    mem.i32.fill(0, out >> 2, (out >> 2) + n);
    pool.run(km, "work", n, args);
    assert.ok([...mem.i32.subarray(out >> 2, (out >> 2) + n)].every((v) => v >= 1));
    assert.throws(() => pool.run(km, "nope", 1, args), /no export 'nope'/);
    mem.free(out); mem.free(args);
  } finally {
    pool.close();
  }
  assert.throws(() => pool.load(workModule()), /pool is closed/);
});

test("GEMM on 1 and 2 threads gives bitwise equal results (single and batched)", (t) => {
  if (!shared) return t.skip("no shared memory");
  resetThreadPool(2);
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) - 0.5;
  for (const [M, N, K] of [[200, 300, 150], [301, 97, 64], [64, 1000, 40]] as [number, number, number][]) {
    const A = Float32Array.from({ length: M * K }, rnd), B = Float32Array.from({ length: K * N }, rnd), bias = Float32Array.from({ length: N }, rnd);
    const one = sgemm(M, N, K, A, B, { threads: 1, bias, activation: "relu" });
    const two = sgemm(M, N, K, A, B, { threads: 2, bias, activation: "relu" });
    assert.deepEqual(two, one, `${M}x${N}x${K}`);
  }
  resetThreadPool();
});

test("a process using the pool exits without close() (workers are unref'd) and with close()", (t) => {
  if (!shared) return t.skip("no shared memory");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  for (const close of [false, true]) {
    const script = `
      import { sgemm } from "./src/wasm/gemm.ts";
      import { threadPool } from "./src/wasm/threads.ts";
      const p = threadPool();
      const r = sgemm(256, 256, 256, new Float32Array(65536).fill(1), new Float32Array(65536).fill(1), { threads: 2 });
      console.log("threads", p.threads, "value", r[0]);
      ${close ? "p.close();" : ""}`;
    const t0 = Date.now();
    const res = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 60000, env: { ...process.env, COIL_NUM_THREADS: "2" } });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /threads 2 value 256/);
    assert.ok(Date.now() - t0 < 30000);
  }
});

test("a task count that is not a non-negative integer is refused, naming the kernel", (t) => {
  if (!shared) return t.skip("no shared memory");
  const mem = wasmMemory();
  const pool = new ThreadPool(mem, 2);
  try {
    const km = pool.load(workModule());
    const args = mem.malloc(8);
    assert.throws(() => pool.run(km, "work", Number.NaN, args), /task count must be a non-negative integer, got NaN \(running 'work'\)/);
    assert.throws(() => pool.run(km, "work", -1, args), /got -1/);
    mem.free(args);
  } finally {
    pool.close();
  }
});

/**
 * meet(task, args, tid): every task waits (bounded spin) until `args[1]` tasks have arrived, then writes tid + 1
 * to out[task] (or -1 when the others never came). With nTasks = threads every thread must take one task.
 */
function meetModule() {
  const m = new ModuleBuilder({ shared: wasmMemory().shared, maxPages: MAX_PAGES }, "meet");
  const f = m.func("meet", ["i32", "i32", "i32"], [], { export: true });
  const k = f.local("i32"), cnt = f.local("i32");
  f.get(1).mem("i32.load").set(cnt);
  f.get(cnt).i32(1).mem("i32.atomic.rmw.add").op("drop");
  f.for_(k, () => f.i32(0), () => f.i32(1_000_000_000), 1, (exit) => {
    f.get(cnt).mem("i32.atomic.load").get(1).mem("i32.load", 4).op("i32.ge_s").brIf(exit);
  });
  f.get(1).mem("i32.load", 8).get(0).i32(4).op("i32.mul").op("i32.add");
  f.get(cnt).mem("i32.atomic.load").get(1).mem("i32.load", 4).op("i32.ge_s").if_("i32").get(2).i32(1).op("i32.add").else_().i32(-1).end();
  f.mem("i32.store");
  return m.toBytes();
}

/** Run meet on `n` tasks; returns out[0..n). */
function meet(pool: ThreadPool, km: ReturnType<ThreadPool["load"]>, n: number): number[] {
  const mem = pool.mem;
  const args = mem.malloc(16), cnt = mem.malloc(4), out = mem.malloc(4 * n);
  mem.i32[cnt >> 2] = 0;
  mem.i32.set([cnt, n, out], args >> 2);
  pool.run(km, "meet", n, args);
  const got = [...mem.i32.subarray(out >> 2, (out >> 2) + n)];
  mem.free(args); mem.free(cnt); mem.free(out);
  return got;
}

/**
 * A fake browser: Blob + URL.createObjectURL keep the script text; Worker runs it in a Node worker behind a
 * `self.onmessage` shim, started only on a later macrotask (a browser starts a Web Worker once its creator
 * returns to the event loop), queueing messages posted before that.
 */
function fakeBrowser(cores: number) {
  const blobs = new Map<string, string>();
  const created: { url: string; opts: unknown }[] = [];
  const live: Worker[] = [];
  class FakeBlob { constructor(readonly parts: string[], readonly opts?: { type?: string }) {} }
  class FakeWorker {
    private w: Worker | null = null;
    private queue: unknown[] = [];
    private dead = false;
    constructor(url: string, opts?: unknown) {
      created.push({ url, opts });
      const text = blobs.get(url);
      if (text === undefined) throw new Error(`no blob at ${url}`);
      setTimeout(() => {
        if (this.dead) return;
        const shim = `const { parentPort } = require("node:worker_threads");\nglobalThis.self = globalThis;\n` +
          `parentPort.on("message", (m) => self.onmessage({ data: m }));\n`;
        this.w = new Worker(shim + text, { eval: true, execArgv: [], stdout: false, stderr: false });
        this.w.unref();
        live.push(this.w);
        for (const m of this.queue) this.w.postMessage(m);
        this.queue = [];
      }, 5);
    }
    postMessage(m: unknown) { if (this.w) this.w.postMessage(m); else this.queue.push(m); }
    terminate() { this.dead = true; void this.w?.terminate(); }
  }
  const env: WebEnv & { crossOriginIsolated: boolean; SharedArrayBuffer: unknown } = {
    Worker: FakeWorker,
    Blob: FakeBlob,
    URL: { createObjectURL: (b: unknown) => { const u = `blob:fake/${blobs.size}`; blobs.set(u, (b as FakeBlob).parts.join("")); return u; } },
    navigator: { hardwareConcurrency: cores },
    crossOriginIsolated: true,
    SharedArrayBuffer,
  };
  return { env, blobs, created, live };
}

test("host selection: Node in Node, Web Workers with cross-origin isolation, else one thread", () => {
  assert.equal(getWasmHost().name, "node");
  assert.equal(selectWasmHost({ process: { versions: { node: "20.0.0" } } }), nodeWasmHost);
  const { env } = fakeBrowser(6);
  const web = selectWasmHost(env);
  assert.equal(web.name, "web");
  assert.equal(web.parallelism(), 6);
  assert.equal(web.mainCanBlock, false, "a page's main thread may not Atomics.wait");
  assert.equal(web.workersStartWhileBlocked, false);
  assert.equal(web.enableRelaxedSimd(), false);
  // no cross-origin isolation (so no SharedArrayBuffer), no SharedArrayBuffer, or no Worker: one thread
  assert.equal(selectWasmHost({ ...env, crossOriginIsolated: false }), singleThreadHost);
  assert.equal(selectWasmHost({ ...env, SharedArrayBuffer: undefined }), singleThreadHost);
  assert.equal(selectWasmHost({ ...env, Worker: undefined }), singleThreadHost);
  assert.equal(selectWasmHost({}), singleThreadHost);
  // inside a worker Atomics.wait is allowed
  class WGS {}
  assert.equal(createWebWasmHost({ ...env, WorkerGlobalScope: WGS, self: new WGS() }).mainCanBlock, true);
});

test("web host: Blob-URL module workers start after the caller yields; modules loaded before and after reach every worker", async (t) => {
  if (!shared) return t.skip("no shared memory");
  const { env, blobs, created } = fakeBrowser(3);
  const prev = setWasmHost(createWebWasmHost(env));
  const pool = new ThreadPool(wasmMemory(), 3);
  try {
    assert.equal(pool.threads, 3);
    assert.equal(created.length, 2);
    assert.deepEqual(created.map((c) => c.opts), [{ type: "module", name: "coil-wasm" }, { type: "module", name: "coil-wasm" }]);
    assert.equal(blobs.size, 1, "one Blob URL for the shared worker body");
    assert.match([...blobs.values()][0]!, /self\.onmessage/);
    assert.equal(pool.ready, false, "workers have not started: the caller has not yielded");
    const early = pool.load(meetModule());
    // before the workers run, tasks run on the calling thread (a rendezvous of 1 meets at once)
    assert.deepEqual(meet(pool, early, 1), [1]);
    const work = pool.load(workModule());
    await pool.whenReady();
    assert.equal(pool.ready, true);
    // every thread takes one task: the module loaded before the workers started is on all of them
    assert.deepEqual(meet(pool, early, 3).sort(), [1, 2, 3]);
    const late = pool.load(meetModule()); // loaded into running workers (postMessage + CMD_LOAD)
    assert.deepEqual(meet(pool, late, 3).sort(), [1, 2, 3]);
    const mem = wasmMemory(), n = 200;
    const out = mem.malloc(n * 4), args = mem.malloc(8);
    mem.i32.fill(0, out >> 2, (out >> 2) + n);
    mem.i32[args >> 2] = out;
    mem.i32[(args >> 2) + 1] = 150;
    assert.throws(() => pool.run(work, "work", n, args), /unreachable|wasm threads: a worker failed/);
    mem.i32[(args >> 2) + 1] = -1;
    pool.run(work, "work", n, args);
    assert.ok([...mem.i32.subarray(out >> 2, (out >> 2) + n)].every((v) => v >= 1 && v <= 3));
    mem.free(out); mem.free(args);
  } finally {
    pool.close();
    setWasmHost(prev);
  }
});

test("web host: a module loaded while only some workers had started is caught up before they take tasks", async (t) => {
  if (!shared) return t.skip("no shared memory");
  const { env } = fakeBrowser(4);
  const prev = setWasmHost(createWebWasmHost(env));
  const pool = new ThreadPool(wasmMemory(), 4);
  try {
    const a = pool.load(meetModule());
    // let the workers start (each enters its loop holding module a), then load b before any call noticed
    await new Promise((r) => setTimeout(r, 300));
    const b = pool.load(meetModule());
    await pool.whenReady();
    assert.deepEqual(meet(pool, b, 4).sort(), [1, 2, 3, 4]);
    assert.deepEqual(meet(pool, a, 4).sort(), [1, 2, 3, 4]);
  } finally {
    pool.close();
    setWasmHost(prev);
  }
});

test("web host: workers that never start leave the pool on the calling thread and whenReady names it", async (t) => {
  if (!shared) return t.skip("no shared memory");
  const host: WasmHost = { ...createWebWasmHost(fakeBrowser(2).env), spawn: () => ({ terminate() {}, postMessage() {} }) };
  const prev = setWasmHost(host);
  const pool = new ThreadPool(wasmMemory(), 2);
  try {
    const km = pool.load(workModule());
    const mem = wasmMemory(), out = mem.malloc(16), args = mem.malloc(8);
    mem.i32.set([out, -1], args >> 2);
    pool.run(km, "work", 4, args);
    assert.deepEqual([...mem.i32.subarray(out >> 2, (out >> 2) + 4)], [1, 1, 1, 1], "every task on the calling thread");
    mem.free(out); mem.free(args);
    await assert.rejects(pool.whenReady(50), /1 workers did not start within 50 ms \(0 started\)/);
  } finally {
    pool.close();
    setWasmHost(prev);
  }
});

test("wasmReady: workers that never start give a warning and threads 1, not an error", async (t) => {
  if (!shared) return t.skip("no shared memory");
  const host: WasmHost = { ...createWebWasmHost(fakeBrowser(2).env), spawn: () => ({ terminate() {}, postMessage() {} }) };
  const prev = setWasmHost(host);
  const warnings: string[] = [];
  const prevSink = setWarnSink((w) => warnings.push(w));
  try {
    resetThreadPool(2); // a process-wide pool on the never-starting host
    assert.deepEqual(await wasmReady({ threads: 2, timeoutMs: 50, eagerKernels: false }), { host: "web", threads: 1 });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /1 workers did not start within 50 ms.*calling thread/);
  } finally {
    setWarnSink(prevSink);
    setWasmHost(prev);
    resetThreadPool();
  }
});

test("single-thread fallback: no workers without a worker host or without shared memory", () => {
  const prev = setWasmHost(singleThreadHost);
  try {
    const pool = new ThreadPool(wasmMemory(), 4);
    assert.equal(pool.threads, 1);
    assert.equal(pool.ready, true);
    const km = pool.load(meetModule());
    assert.deepEqual(meet(pool, km, 1), [1]);
    pool.close();
  } finally {
    setWasmHost(prev);
  }
  // unshared memory (what a page without cross-origin isolation gets): the Node host starts no workers either
  const mem = new WasmMemory({ shared: false });
  const pool = new ThreadPool(mem, 3);
  assert.equal(pool.threads, 1);
  const m = new ModuleBuilder({ shared: false, maxPages: _MP }, "plain");
  const f = m.func("w", ["i32", "i32", "i32"], [], { export: true });
  f.get(1).get(0).i32(4).op("i32.mul").op("i32.add").get(0).i32(10).op("i32.add").mem("i32.store");
  const km = pool.load(m.toBytes());
  const p = mem.malloc(16);
  pool.run(km, "w", 4, p);
  assert.deepEqual([...mem.i32.subarray(p >> 2, (p >> 2) + 4)], [10, 11, 12, 13]);
  pool.close();
});
