// test/wasm/threads: the worker pool over shared wasm memory: every task runs exactly once across threads,
// GEMM results are bitwise equal on 1 and 2 threads, worker traps surface as errors, and a process using the
// pool exits on its own (workers are unref'd) as well as after close().
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ModuleBuilder } from "../../src/wasm/emitter.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { MAX_PAGES, wasmMemory } from "../../src/wasm/memory.js";
import { ThreadPool, resetThreadPool } from "../../src/wasm/threads.js";
import { sgemm } from "../../src/wasm/gemm.js";

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
