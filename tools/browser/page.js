// tools/browser/page: the in-browser check, served with the built ESM (dist/) by tools/browser/run.ts. Compiles a
// function with the Wasm backend on 2 Web Workers (await coil.wasmReady + compiled.warmup), runs it, compares
// with eager and with 1 thread, and writes a JSON summary into #result. In: the page. Out: the DOM.

import * as coil from "/dist/index.js";
import { config } from "/dist/inductor.js";
import { wasmRuntimeStats } from "/dist/inductor/runtime/index.js";
import { threadPool } from "/dist/wasm/threads.js";
import { getWasmHost } from "/dist/wasm/host.js";

const out = { crossOriginIsolated: self.crossOriginIsolated, sharedArrayBuffer: typeof SharedArrayBuffer === "function" };
const show = () => { document.getElementById("result").textContent = JSON.stringify(out); };

try {
  config.fxGraphCacheDisk = false; // no file system in a page: the in-memory FX graph cache only
  config.cpuBackend = "wasm";
  out.host = getWasmHost().name;
  out.mainCanBlock = getWasmHost().mainCanBlock;
  const t0 = performance.now();
  const ready = await coil.wasmReady({ threads: 2 });
  out.ready = ready;
  out.readyMs = Math.round(performance.now() - t0);

  const fn = (x, w) => x.sin().mul(2).add(x.exp().mul(0.5)).relu().matmul(w).tanh().add(x.sum(1, true).mul(0.01));
  const x = coil.randn([256, 256]), w = coil.randn([256, 128]).mul(0.05);
  const f = coil.compile(fn);
  const s0 = { ...wasmRuntimeStats };
  await f.warmup(x, w);
  const s1 = { ...wasmRuntimeStats };
  const pool = threadPool();
  const runs0 = pool.stats.parallelRuns;
  const y2 = f(x, w);
  const s2 = { ...wasmRuntimeStats };
  out.asyncCompiles = s1.asyncCompiles - s0.asyncCompiles;
  out.syncCompiles = s2.syncCompiles - s0.syncCompiles;
  out.parallelRuns = pool.stats.parallelRuns - runs0;
  out.poolThreads = pool.threads;
  out.maxDiffEager = y2.sub(fn(x, w)).abs().max().item();

  await coil.wasmReady({ threads: 1 });
  const y1 = f(x, w);
  const a = y1.data(), b = y2.data();
  out.equal1and2 = a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  out.shape = y2.shape;
  out.ok = true;
} catch (e) {
  out.error = String((e && e.stack) || e);
}
show();
