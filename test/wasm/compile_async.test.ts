// test/wasm/compile_async: Wasm kernels compile once per source hash and process. A call right after loading
// compiles synchronously (counted in wasmRuntimeStats.syncCompiles; the deferred async compile then finds the
// module and does nothing); `await compiled.warmup(x)` compiles asynchronously without running the function, so
// the first call compiles nothing, also on FX graph cache hits (memory, and disk in a fresh process);
// wasmReady({ threads }) restarts the pool, and 1 and 2 threads give bitwise equal results; a thread that refuses
// synchronous compiles gets an error naming the module and what to await.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { wasmRuntimeStats } from "../../src/inductor/runtime/index.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { compileAsync, moduleCacheStats, moduleSync } from "../../src/wasm/module_cache.js";
import { threadPool } from "../../src/wasm/threads.js";
import { ModuleBuilder } from "../../src/wasm/emitter.js";

type T = coil.Tensor;
const simd = wasmFeatures().simd;
let restore: (() => void) | null = null;
before(() => { if (simd) restore = config.patch({ cpuBackend: "wasm" }).restore; });
after(() => restore?.());

const snap = () => ({ ...wasmRuntimeStats });
const tick = () => new Promise((r) => setTimeout(r, 20));

function closeTo(a: T, b: T): void {
  assert.deepEqual(a.shape, b.shape);
  const d = (a.sub(b).abs().max() as T).item() as number;
  assert.ok(d < 1e-5, `max abs diff ${d}`);
}

test("a call right after compiling compiles its kernel synchronously, once; no async compile follows", async (t) => {
  if (!simd) return t.skip("no wasm SIMD");
  const fn = (x: T) => x.sin().mul(3).add(1);
  const x = coil.randn([64, 64]);
  const s0 = snap();
  const y = coil.compile(fn)(x) as T;
  const s1 = snap();
  assert.ok(s1.syncCompiles - s0.syncCompiles >= 1, "the kernel was compiled synchronously");
  assert.equal(s1.asyncCompiles, s0.asyncCompiles);
  await tick();
  assert.equal(snap().asyncCompiles, s0.asyncCompiles, "the deferred async compile found the module and did nothing");
  closeTo(y, fn(x));
});

test("warmup compiles asynchronously without running; the first call then compiles nothing; cache hits compile nothing", async (t) => {
  if (!simd) return t.skip("no wasm SIMD");
  let ran = 0;
  const fn = (x: T) => { ran++; return x.cos().mul(2).sub(0.5).relu(); };
  const x = coil.randn([32, 48]);
  const g = coil.compile(fn);
  const s0 = snap();
  await g.warmup(x);
  const s1 = snap();
  assert.equal(ran, 1, "warmup traced the function once (with fake tensors) and did not run it");
  const kernels = s1.asyncCompiles - s0.asyncCompiles;
  assert.ok(kernels >= 1, "kernels compiled asynchronously");
  assert.equal(s1.syncCompiles, s0.syncCompiles);
  assert.equal(s1.modulesCompiled, s0.modulesCompiled, "nothing loaded into the pool yet: no call ran");
  const y = g(x) as T;
  const s2 = snap();
  assert.equal(s2.syncCompiles, s0.syncCompiles, "the first call compiled nothing");
  assert.equal(s2.asyncCompiles, s1.asyncCompiles);
  assert.equal(ran, 1, "the call used the warmed-up entry (no new trace)");
  closeTo(y, fn(x)); // (runs fn eagerly: ran is 2 now)
  // a second warmup with inputs that pass the guards traces nothing
  await g.warmup(x);
  assert.equal(ran, 2);
  // new compiled function, same graph: an FX graph cache hit whose kernels are in the module cache already
  const hits0 = coil.counters.inductor?.fxgraph_cache_hit ?? 0;
  const h = coil.compile(fn);
  await h.warmup(x);
  assert.equal((coil.counters.inductor?.fxgraph_cache_hit ?? 0) - hits0, 1, "an FX graph cache hit");
  const s3 = snap();
  assert.equal(s3.asyncCompiles + s3.syncCompiles, s2.asyncCompiles + s2.syncCompiles, "a cache hit compiles nothing again");
  closeTo(h(x) as T, fn(x));
});

test("a disk cache hit in a fresh process: warmup compiles the cached kernels asynchronously, the call compiles nothing", (t) => {
  if (!simd) return t.skip("no wasm SIMD");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "coil-compile-async-"));
  try {
    const script = `
      import * as coil from "./src/index.ts";
      import { config } from "./src/inductor/config.ts";
      import { wasmRuntimeStats } from "./src/inductor/runtime/index.ts";
      import { coilSourceFingerprint } from "./src/platform/cache_store.ts";
      config.cpuBackend = "wasm";
      const f = coil.compile((x) => x.exp().mul(0.25).add(x));
      const x = coil.arange(0, 600).reshape([20, 30]).div(100);
      await f.warmup(x);
      const a = { ...wasmRuntimeStats };
      const y = f(x);
      console.log(JSON.stringify({ warm: [a.asyncCompiles, a.syncCompiles], call: [wasmRuntimeStats.asyncCompiles, wasmRuntimeStats.syncCompiles],
        hit: coil.counters.inductor?.fxgraph_cache_hit ?? 0, sum: y.sum().item(), fp: coilSourceFingerprint() }));`;
    type Run = { warm: [number, number]; call: [number, number]; hit: number; sum: number; fp: string };
    const child = (): Run => {
      const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 120000, env: { ...process.env, COIL_CACHE_DIR: dir } });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!) as Run;
    };
    // A coil source file edited between the two runs (a shared working tree) changes the cache's source
    // fingerprint, and with it every key: retry the pair then, in a fresh directory.
    let runs: Run[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      rmSync(dir, { recursive: true, force: true });
      runs = [child(), child()];
      if (runs[0]!.fp === runs[1]!.fp) break;
    }
    for (const r of runs) {
      assert.ok(r.warm[0] >= 1, `async compiles in warmup: ${JSON.stringify(r)}`);
      assert.equal(r.warm[1], 0);
      assert.deepEqual(r.call, r.warm, "the call compiled nothing");
    }
    assert.equal(runs[0]!.hit, 0, JSON.stringify(runs));
    assert.equal(runs[1]!.hit, 1, `the second process loaded the artifact from disk: ${JSON.stringify(runs)}`);
    assert.equal(runs[1]!.sum, runs[0]!.sum);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("wasmReady({ threads }) restarts the pool; 1 and 2 threads give bitwise equal results", async (t) => {
  if (!simd || !wasmFeatures().threads) return t.skip("no wasm SIMD or shared memory");
  const fn = (x: T) => x.tanh().mul(x.sigmoid()).add(0.125);
  const x = coil.randn([256, 256]); // above the runtime's parallel threshold: the kernel is split into tasks
  const f = coil.compile(fn);
  const one = await coil.wasmReady({ threads: 1 });
  assert.deepEqual(one, { host: "node", threads: 1 });
  assert.equal(threadPool().threads, 1);
  const y1 = f(x) as T;
  const two = await coil.wasmReady({ threads: 2 });
  assert.deepEqual(two, { host: "node", threads: 2 });
  const y2 = f(x) as T;
  assert.deepEqual(y2.data(), y1.data());
  closeTo(y1, fn(x));
  await assert.rejects(coil.wasmReady({ threads: 0 }), /threads must be a positive integer, got 0/);
  await coil.wasmReady({ threads: 2 }); // unchanged: keeps the pool
  assert.equal(threadPool().threads, 2);
});

test("after wasmReady() eager GEMM and convolution compile nothing (its precompiled bytes are the ones they load)", (t) => {
  if (!simd) return t.skip("no wasm SIMD");
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const script = `
    import { wasmReady } from "./src/wasm/ready.ts";
    import { moduleCacheStats } from "./src/wasm/module_cache.ts";
    import { sgemm } from "./src/wasm/gemm.ts";
    import { conv2d } from "./src/wasm/conv.ts";
    await wasmReady();
    const before = { ...moduleCacheStats };
    const g = sgemm(64, 64, 64, new Float32Array(4096).fill(1), new Float32Array(4096).fill(2));
    const c = conv2d(new Float32Array(2 * 3 * 9 * 9).fill(1), [2, 3, 9, 9], new Float32Array(4 * 3 * 3 * 3).fill(0.5), [4, 3, 3, 3], { padding: 1 });
    const d = conv2d(new Float32Array(1 * 4 * 8 * 8).fill(1), [1, 4, 8, 8], new Float32Array(4 * 9).fill(1), [4, 1, 3, 3], { padding: 1, groups: 4, activation: "relu" });
    console.log(JSON.stringify({ before, after: moduleCacheStats, g: g[0], c: c.data[40], d: d.data[9] }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: root, encoding: "utf8", timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim().split("\n").pop()!) as { before: typeof moduleCacheStats; after: typeof moduleCacheStats; g: number; c: number; d: number };
  assert.ok(o.before.asyncCompiles >= 2, JSON.stringify(o));
  assert.equal(o.after.syncCompiles, o.before.syncCompiles, `eager GEMM/conv compiled synchronously after wasmReady: ${JSON.stringify(o)}`);
  assert.ok(o.after.hits > o.before.hits);
  assert.equal(o.g, 128);
  assert.equal(o.c, 13.5); // an interior output: 27 taps of 1 x 0.5
  assert.equal(o.d, 9);
});

test("module cache: a thread refusing sync compiles gets a clear error; compile errors name the module", async () => {
  const m = new ModuleBuilder({ shared: false, maxPages: 1 }, "tiny");
  m.func("f", ["i32"], ["i32"], { export: true }).get(0).i32(7).op("i32.add");
  const bytes = m.toBytes();
  const Real = WebAssembly.Module;
  const before = moduleCacheStats.syncCompiles;
  (WebAssembly as { Module: unknown }).Module = class { constructor() { throw new RangeError("WebAssembly.Module(): Buffer size is over 4KB"); } };
  try {
    assert.throws(() => moduleSync(bytes, "tiny-refused", undefined, "kernel_x"),
      /wasm: module kernel_x \(\d+ bytes\) is not compiled yet and this thread refuses synchronous compiles.*await compiled\.warmup/);
  } finally {
    (WebAssembly as { Module: unknown }).Module = Real;
  }
  assert.equal(moduleCacheStats.syncCompiles, before);
  // after an async compile the same key needs no sync compile
  const mod = await compileAsync(bytes, "tiny-refused");
  assert.ok(mod instanceof WebAssembly.Module);
  assert.equal(moduleSync(bytes, "tiny-refused"), mod);
  assert.equal(moduleCacheStats.syncCompiles, before);
  // a failed async compile is rethrown, naming the module
  const bad = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 99]);
  await assert.rejects(compileAsync(bad, "bad-bytes"));
  assert.throws(() => moduleSync(bad, "bad-bytes", undefined, "kernel_bad"), /wasm: compiling module kernel_bad failed/);
});
