// bench/wasm_gemm: GFLOP/s of the wasm SIMD GEMM (1 and 2 threads, plain and relaxed SIMD) at 256/512/1024, of
// the wasm conv3x3 (1x16x56x56, 16->16, relu) and of the MLP 784-512-512-10 b64 layers (packed weights), next to
// the SIMD arithmetic ceiling measured in the same run (a register-only f32x4 mul+add / relaxed_madd loop), since
// the shared 2-core machines are noisy. In: optional sizes on the command line. Out: a table on stdout.
// Run: npx tsx bench/wasm_gemm.ts [256 512 1024]

import { ModuleBuilder } from "../src/wasm/emitter.js";
import { wasmFeatures } from "../src/wasm/features.js";
import { PackedB, sgemmPtr } from "../src/wasm/gemm.js";
import { conv2d, Conv2dWeight } from "../src/wasm/conv.js";
import { MAX_PAGES, wasmMemory } from "../src/wasm/memory.js";
import { threadPool } from "../src/wasm/threads.js";

const mem = wasmMemory();
const pool = threadPool();
const feats = wasmFeatures();

/** GFLOP/s of 12 independent f32x4 accumulators updated `iters` times (no memory traffic). */
function ceiling(relaxed: boolean): number {
  const m = new ModuleBuilder({ shared: mem.shared, maxPages: MAX_PAGES }, "peak");
  const f = m.func("peak", ["i32"], ["f32"], { export: true });
  const acc = Array.from({ length: 12 }, () => f.local("v128"));
  const x = f.local("v128"), y = f.local("v128"), i = f.local("i32");
  f.f32x4(1.0000001).set(x);
  f.f32x4(0.9999999).set(y);
  for (const a of acc) f.f32x4(0).set(a);
  f.for_(i, () => f.i32(0), () => f.get(0), 1, () => {
    for (const a of acc) {
      if (relaxed) f.get(x).get(y).get(a).op("f32x4.relaxed_madd").set(a);
      else f.get(a).get(x).op("f32x4.mul").get(y).op("f32x4.add").set(a);
    }
  });
  f.get(acc[0]!).lane("f32x4.extract_lane", 0);
  const inst = new WebAssembly.Instance(m.compile(), { env: { memory: mem.memory } });
  const peak = inst.exports.peak as (n: number) => number;
  const iters = 2_000_000;
  peak(1000);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    peak(iters);
    best = Math.min(best, performance.now() - t);
  }
  return (iters * 12 * 8) / best / 1e6;
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const rows: string[] = [];
rows.push(`features: ${JSON.stringify(feats)}; pool threads: ${pool.threads}`);
rows.push(`ceiling (1 core, same run): mul+add ${ceiling(false).toFixed(1)} GFLOP/s${feats.relaxedSimd ? `, relaxed_madd ${ceiling(true).toFixed(1)} GFLOP/s` : ""}`);
rows.push("size  kernel   threads  best ms  GFLOP/s");
for (const n of sizes.length ? sizes : [256, 512, 1024]) {
  const a = mem.malloc(n * n * 4), b = mem.malloc(n * n * 4), c = mem.malloc(n * n * 4);
  const f = mem.f32;
  for (let i = 0; i < n * n; i++) {
    f[(a >> 2) + i] = Math.random() - 0.5;
    f[(b >> 2) + i] = Math.random() - 0.5;
  }
  for (const relaxed of feats.relaxedSimd ? [false, true] : [false]) {
    for (const threads of pool.threads > 1 ? [1, pool.threads] : [1]) {
      const run = () => sgemmPtr({ M: n, N: n, K: n, A: { ptr: a, rs: n, cs: 1 }, B: { ptr: b, rs: n, cs: 1 }, C: { ptr: c, ld: n }, threads, relaxed });
      run();
      let best = Infinity;
      const reps = n >= 1024 ? 5 : 15;
      for (let r = 0; r < reps; r++) {
        const t = performance.now();
        run();
        best = Math.min(best, performance.now() - t);
      }
      rows.push(`${String(n).padEnd(5)} ${(relaxed ? "relaxed" : "plain").padEnd(8)} ${String(threads).padEnd(8)} ${best.toFixed(2).padStart(7)}  ${((2 * n * n * n) / best / 1e6).toFixed(1)}`);
    }
  }
  mem.free(a); mem.free(b); mem.free(c);
}
// conv3x3 16->16 + relu on 1x16x56x56 (the anchors' conv row), prepacked weight
{
  const x = Float32Array.from({ length: 16 * 56 * 56 }, () => Math.random() - 0.5);
  const w = new Conv2dWeight(Float32Array.from({ length: 16 * 16 * 9 }, () => Math.random() - 0.5), [16, 16, 3, 3], new Float32Array(16));
  for (const threads of pool.threads > 1 ? [1, pool.threads] : [1]) {
    const out = new Float32Array(16 * 56 * 56);
    const run = () => conv2d(x, [1, 16, 56, 56], w, [16, 16, 3, 3], { padding: 1, activation: "relu", threads, out });
    run();
    let best = Infinity;
    for (let r = 0; r < 30; r++) {
      const t = performance.now();
      run();
      best = Math.min(best, performance.now() - t);
    }
    rows.push(`conv3x3 16->16+relu 1x16x56x56, ${threads} thread(s): ${best.toFixed(3)} ms, ${((2 * 16 * 16 * 9 * 56 * 56) / best / 1e6).toFixed(1)} GFLOP/s`);
  }
  w.free();
}
// MLP 784-512-512-10 batch 64 (the anchors' MLP row): the three Linear layers as GEMMs on weights packed once
// (x @ W^T with bias + relu fused), activations kept in wasm memory: the kernel-side floor of the compiled MLP
{
  const dims = [784, 512, 512, 10], B = 64;
  const layers = dims.slice(1).map((o, i) => {
    const k = dims[i]!;
    const w = mem.putF32(Float32Array.from({ length: o * k }, () => Math.random() - 0.5));
    const packed = new PackedB({ ptr: w, rs: 1, cs: k }, k, o); // B = W^T
    mem.free(w);
    return { k, o, packed, bias: mem.putF32(new Float32Array(o)), out: mem.malloc(B * o * 4) };
  });
  const x = mem.putF32(Float32Array.from({ length: B * 784 }, () => Math.random() - 0.5));
  const flops = layers.reduce((s, l) => s + 2 * B * l.k * l.o, 0);
  for (const threads of pool.threads > 1 ? [1, pool.threads] : [1]) {
    const run = () => {
      let inp = x;
      layers.forEach((l, i) => {
        sgemmPtr({ M: B, N: l.o, K: l.k, A: { ptr: inp, rs: l.k, cs: 1 }, B: { ptr: 0, rs: 0, cs: 0 }, C: { ptr: l.out, ld: l.o },
          packedB: l.packed, biasN: { ptr: l.bias }, activation: i < layers.length - 1 ? "relu" : "none", threads });
        inp = l.out;
      });
    };
    for (let r = 0; r < 5; r++) run();
    let best = Infinity;
    for (let r = 0; r < 50; r++) {
      const t = performance.now();
      run();
      best = Math.min(best, performance.now() - t);
    }
    rows.push(`MLP 784-512-512-10 b64 (3 GEMMs, packed weights), ${threads} thread(s): ${best.toFixed(3)} ms, ${(flops / best / 1e6).toFixed(1)} GFLOP/s`);
  }
  for (const l of layers) { l.packed.free(); mem.free(l.bias); mem.free(l.out); }
  mem.free(x);
}
console.log(rows.join("\n"));
