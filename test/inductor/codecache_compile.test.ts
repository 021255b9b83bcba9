// FX graph cache through coil.compile: bypass / miss / hit counters for no hooks, passes with and
// without uuids, plain-function hooks, freezing, training graphs, the memory limit, the CPU code generator
// (config.cpuBackend); on a hit the post-grad hooks do not run and results stay correct.

import { test, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as coil from "../../src/index.js";
import { counters } from "../../src/utils/counters.js";
import { config } from "../../src/inductor/config.js";
import { CustomGraphPass } from "../../src/inductor/custom_graph_pass.js";
import { clearFxGraphCache, fxGraphCacheInfo } from "../../src/inductor/codecache/index.js";
import type { Graph } from "../../src/fx/index.js";
import { tempCacheDir } from "./fixtures/codecache_util.js";

const dir = tempCacheDir();
const restore = config.patch({ cacheDir: dir });
after(() => { restore.restore(); rmSync(dir, { recursive: true, force: true }); });
beforeEach(() => { clearFxGraphCache(); counters.clear(); });

const cache = () => {
  const c = counters.inductor;
  return { bypass: c.fxgraph_cache_bypass, miss: c.fxgraph_cache_miss, hit: c.fxgraph_cache_hit };
};

class CountingPass extends CustomGraphPass {
  calls = 0;
  constructor(readonly id: string | null) { super(); }
  call(_g: Graph): void { this.calls++; }
  uuid(): string | null { return this.id; }
}

function close(a: coil.Tensor, b: coil.Tensor): void {
  const x = a.toArray(), y = b.toArray();
  assert.equal(x.length, y.length);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= 1e-6 + 1e-6 * Math.abs(y[i]!), `element ${i}: ${v} vs ${y[i]}`));
}

const f = (x: coil.Tensor) => x.cos().mul(2).sin();

test("no hooks: miss, then hit for a second compile of the same program", () => {
  const x = coil.randn(6);
  close(coil.compile(f)(x) as coil.Tensor, f(x));
  assert.deepEqual(cache(), { bypass: 0, miss: 1, hit: 0 });
  const x2 = coil.randn(6);
  close(coil.compile(f)(x2) as coil.Tensor, f(x2));
  assert.deepEqual(cache(), { bypass: 0, miss: 1, hit: 1 });
  coil.compile(f)(coil.randn(7));
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 1 }, "another shape is another entry");
});

test("the CPU code generator is part of the key: js and wasm never share an entry, each hits its own", () => {
  const g = (x: coil.Tensor) => x.cos().mul(3).sin(); // a program no other test compiles (the disk cache persists)
  const x = coil.randn(6);
  const run = (b: "js" | "wasm") => config.patch({ cpuBackend: b }, () => coil.compile(g)(x) as coil.Tensor);
  close(run("js"), g(x));
  close(run("wasm"), g(x));
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 0 });
  run("js");
  run("wasm");
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 2 });
});

test("a CustomGraphPass with a uuid: miss (pass runs), then hit (pass skipped)", () => {
  const pass = new CountingPass("counting-v1");
  config.patch({ postGradCustomPostPass: pass }, () => {
    coil.compile(f)(coil.randn(6));
    assert.deepEqual(cache(), { bypass: 0, miss: 1, hit: 0 });
    assert.equal(pass.calls, 1);
    const x = coil.randn(6);
    close(coil.compile(f)(x) as coil.Tensor, f(x));
    assert.deepEqual(cache(), { bypass: 0, miss: 1, hit: 1 });
    assert.equal(pass.calls, 1, "post-grad hooks do not run on a hit");
  });
  const other = new CountingPass("counting-v2");
  config.patch({ postGradCustomPostPass: other }, () => coil.compile(f)(coil.randn(6)));
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 1 }, "a new uuid misses");
  assert.equal(other.calls, 1);
});

test("a plain function hook: bypass every time, and it still runs", () => {
  let calls = 0;
  const fn = () => { calls++; };
  config.patch({ postGradCustomPrePass: fn }, () => {
    coil.compile(f)(coil.randn(6));
    coil.compile(f)(coil.randn(6));
  });
  assert.deepEqual(cache(), { bypass: 2, miss: 0, hit: 0 });
  assert.equal(calls, 2);
});

test("a pass whose uuid() is null: bypass, and it still runs", () => {
  const pass = new CountingPass(null);
  config.patch({ jointCustomPostPass: pass }, () => {
    coil.compile(f)(coil.randn(6));
    coil.compile(f)(coil.randn(6));
  });
  assert.deepEqual(cache(), { bypass: 2, miss: 0, hit: 0 });
  assert.equal(pass.calls, 2);
});

test("freezing bypasses the cache for inference graphs", () => {
  const lin = new coil.nn.Linear(4, 3);
  const x = coil.randn(2, 4);
  const expected = coil.noGrad(() => lin.call(x)) as coil.Tensor;
  config.patch({ freezing: true }, () => {
    const out = coil.noGrad(() => coil.compile((t: coil.Tensor) => lin.call(t))(x)) as coil.Tensor;
    close(out, expected);
  });
  assert.deepEqual(cache(), { bypass: 1, miss: 0, hit: 0 });
});

test("training: forward and backward graphs miss, then hit, with correct gradients", () => {
  const g = (x: coil.Tensor) => x.cos().mul(x).sum();
  const run = () => {
    const x = coil.randn(5, { requiresGrad: true });
    (coil.compile(g)(x) as coil.Tensor).backward();
    const y = x.detach().requiresGrad_();
    g(y).backward();
    close(x.grad!, y.grad!);
  };
  run();
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 0 });
  run();
  assert.deepEqual(cache(), { bypass: 0, miss: 2, hit: 2 });
});

test("fxGraphCache = false: no lookups, no counters", () => {
  config.patch({ fxGraphCache: false }, () => {
    coil.compile(f)(coil.randn(6));
    coil.compile(f)(coil.randn(6));
  });
  assert.deepEqual(cache(), { bypass: 0, miss: 0, hit: 0 });
});

test("the memory cache respects its entry limit (least recently used evicted)", () => {
  const g = (x: coil.Tensor) => x.sin().add(1);
  config.patch({ fxGraphCacheMemoryMaxEntries: 1, fxGraphCacheDisk: false }, () => {
    coil.compile(f)(coil.randn(6));
    coil.compile(g)(coil.randn(6));
    assert.equal(fxGraphCacheInfo().memoryEntries, 1);
    coil.compile(f)(coil.randn(6));
  });
  assert.deepEqual(cache(), { bypass: 0, miss: 3, hit: 0 }, "f was evicted by g");
  config.patch({ fxGraphCacheMemoryMaxBytes: 0, fxGraphCacheDisk: false }, () => coil.compile(f)(coil.randn(6)));
  assert.equal(fxGraphCacheInfo().memoryEntries, 0, "a zero byte limit keeps nothing");
});

// ---- end to end across processes (needs a codegen that returns CompiledArtifacts) ----

function runCompileChild(cacheDir: string): { hit: number; miss: number; bypass: number; discarded: number; passCalls: number; y: number[]; grad: number[] } {
  const child = fileURLToPath(new URL("./fixtures/codecache_compile_child.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--import", "tsx", child, cacheDir], { cwd: fileURLToPath(new URL("../../", import.meta.url)), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("coil.compile in a new process hits what an earlier process stored (hooks skipped, same results)", (t) => {
  const cacheDir = join(dir, "e2e");
  const first = runCompileChild(cacheDir);
  assert.deepEqual([first.miss, first.hit, first.bypass], [3, 0, 0], "inference + forward + backward graphs");
  assert.equal(first.passCalls, 3);
  const stored = readdirSync(join(cacheDir, "fxgraph")).filter((f) => f.endsWith(".coilfx")).length;
  if (stored === 0) {
    t.skip("compileFxInner's codegen returns callables (memory only), not CompiledArtifacts: nothing on disk yet");
    return;
  }
  assert.equal(stored, 3);
  const second = runCompileChild(cacheDir);
  assert.deepEqual([second.miss, second.hit, second.discarded], [0, 3, 0]);
  assert.equal(second.passCalls, 0, "post-grad hooks do not run on a hit");
  assert.deepEqual(second.y, first.y);
  assert.deepEqual(second.grad, first.grad);
});
