// tools/memory/check: the memory-stability check of issues #7 and #8 (a script, not a timed test). Runs many
// compiled calls (inference and training) and eager calls on the Wasm kernels, and samples the JS heap, external/array-buffer memory, the
// Wasm backend's allocator and the compile caches every `--every` calls; prints a table and fails (exit
// code 1) when the last samples grew past the warm-up ones by more than the allowed slack.
// In: `npx tsx tools/memory/check.ts [--calls 10000] [--every 1000]`. Out: a table on stdout.

import * as coil from "../../src/index.js";
import { config, fxGraphCacheInfo, clearFxGraphCache, runtimeStats, eagerWasmStats } from "../../src/inductor.js";
import { wasmMemory } from "../../src/wasm/memory.js";

const argv = process.argv.slice(2);
const arg = (name: string, d: number) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : d; };
const CALLS = arg("calls", 10000);
const EVERY = arg("every", 1000);
const MB = (b: number) => (b / 2 ** 20).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;

interface Sample { calls: number; heap: number; external: number; arrayBuffers: number; wasmInUse: number; fxEntries: number }

function sample(calls: number): Sample {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  let wasmInUse = 0;
  try { wasmInUse = wasmMemory().stats().inUse; } catch { /* no wasm */ }
  return { calls, heap: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, wasmInUse, fxEntries: fxGraphCacheInfo().memoryEntries };
}

/** Calls step CALLS times; every EVERY calls it yields to the event loop (where FinalizationRegistry callbacks
 * free the Wasm blocks of dropped outputs, as in any program that is not one synchronous loop) and samples. */
async function run(name: string, step: () => void): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 1; i <= CALLS; i++) {
    step();
    if (i % EVERY === 0) {
      gc?.();
      await new Promise((r) => setTimeout(r, 0));
      samples.push(sample(i));
      process.stderr.write(`\r${name}: ${i}/${CALLS} calls`);
    }
  }
  process.stderr.write("\n");
  return samples;
}

function report(name: string, samples: Sample[]): boolean {
  console.log(`\n${name}`);
  console.log("calls    heap MB  external MB  arrayBuffers MB  wasm in use MB  fx cache entries");
  for (const s of samples) {
    console.log(`${String(s.calls).padStart(6)}  ${MB(s.heap).padStart(8)}  ${MB(s.external).padStart(11)}  ${MB(s.arrayBuffers).padStart(15)}  ${MB(s.wasmInUse).padStart(14)}  ${String(s.fxEntries).padStart(16)}`);
  }
  // flat = the median of the last third of the samples is within 10% (+8 MB) of the median of the
  // samples after warm-up (garbage collection of array buffers is lazy, so single samples jump)
  const third = Math.max(1, Math.floor(samples.length / 3));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const early = samples.slice(1, 1 + third);
  const late = samples.slice(samples.length - third);
  const ok = (key: keyof Sample) => median(late.map((s) => s[key])) <= median(early.map((s) => s[key])) * 1.1 + 8 * 2 ** 20;
  const flat = ok("heap") && ok("arrayBuffers") && ok("wasmInUse");
  console.log(flat ? "flat: yes" : "flat: NO (memory grew)");
  return flat;
}

coil.manualSeed(0);
const { nn, optim } = coil;
const results: boolean[] = [];

// 1. inference: a fused pointwise chain + an MLP, under noGrad
{
  const mlp = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 10));
  const f = coil.compile((x: coil.Tensor) => mlp.call(x.cos().mul(2)) as coil.Tensor);
  const x = coil.randn(32, 64);
  results.push(report("inference: compiled MLP on cos(x)*2, batch 32", await run("inference", () => { coil.noGrad(() => f(x)); })));
}

// 2. training: forward + backward + SGD step through a compiled module
{
  const mlp = new nn.Sequential(new nn.Linear(64, 128), new nn.Tanh(), new nn.Linear(128, 10));
  const opt = new optim.SGD(mlp.parameters(), { lr: 1e-3 });
  const cm = coil.compile(mlp);
  const x = coil.randn(32, 64);
  const y = coil.randn(32, 10);
  results.push(report("training: compiled MLP, MSE loss, backward, SGD step", await run("training", () => {
    opt.zeroGrad();
    const loss = nn.functional.mseLoss(cm(x) as coil.Tensor, y);
    loss.backward();
    opt.step();
  })));
}

// 3. eager ops on the Wasm kernels (src/inductor/eager): outputs in Wasm memory, dropped (freed by the
// FinalizationRegistry) or disposed at once
{
  const x = coil.randn(256, 256);
  results.push(report("eager (Wasm dispatch): x.cos().exp().sum() on 256x256, outputs dropped", await run("eager dropped", () => {
    coil.noGrad(() => x.cos().exp().sum());
  })));
  results.push(report("eager (Wasm dispatch): the same, every output disposed", await run("eager disposed", () => {
    coil.noGrad(() => { const a = x.cos(), b = a.exp(), c = b.sum(); coil.dispose(a, b, c); });
  })));
  console.log(`eager wasm: ${JSON.stringify(eagerWasmStats)}`);
}

// 4. the FX graph cache respects its size limit: compile many distinct graphs with a small limit
{
  clearFxGraphCache();
  const limit = 16;
  const entries = config.patch({ fxGraphCacheMemoryMaxEntries: limit, fxGraphCacheDisk: false }, () => {
    for (let k = 1; k <= 64; k++) {
      const g = coil.compile((x: coil.Tensor) => x.mul(k).cos());
      g(coil.randn(4));
    }
    return fxGraphCacheInfo().memoryEntries;
  });
  const ok = entries <= limit;
  console.log(`\nFX graph cache: 64 distinct graphs with fxGraphCacheMemoryMaxEntries=${limit} -> ${entries} entries in memory: ${ok ? "ok" : "OVER LIMIT"}`);
  results.push(ok);
}

console.log(`\nruntime: ${JSON.stringify(runtimeStats)}`);
if (!gc) console.log("(run with node --expose-gc for steadier heap figures: npx tsx --expose-gc tools/memory/check.ts)");
process.exit(results.every(Boolean) ? 0 : 1);
