// The WebAssembly codegen (config.cpuBackend = "wasm"): the fusion-table programs equal eager within the
// Wasm math's tolerance with no more kernels than the JS backend, every float32 kernel is a Wasm kernel,
// 1 and 2 threads give bitwise equal results, memory stays bounded over 200 calls, and kernels that need
// another dtype (float64, bfloat16) or an op without a vector form fall back to JS kernels per kernel.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import type { CompiledArtifact } from "../../src/inductor/codegen/artifact.js";
import { counters } from "../../src/utils/counters.js";
import { disposeWasmTensor, toWasmTensor, wasmRuntimeStats } from "../../src/inductor/runtime/index.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { resetThreadPool } from "../../src/wasm/threads.js";

type T = coil.Tensor;
const nn = coil.nn;
const F = coil.nn.functional;

interface Meta { kernels: number; kernelCalls: number; externCalls: string[]; wasmKernels: number; jsKernels: number; kernelNames: string[] }
const metaOf = (a: CompiledArtifact) => a.meta as unknown as Meta;

function compiled(backend: "js" | "wasm", fn: (...a: T[]) => unknown, args: T[]): { result: unknown; metas: Meta[]; artifacts: CompiledArtifact[] } {
  counters.clear();
  const { result, artifacts } = config.patch({ cpuBackend: backend }, () => coil.noGrad(() => runAndGetArtifacts(() => coil.compile(fn)(...args))));
  assert.equal(counters.inductor.codegen_fallback ?? 0, 0, "no graph may fall back to eager fx");
  return { result, metas: artifacts.map(metaOf), artifacts };
}

function close(a: T, b: T, tol: number): void {
  assert.deepEqual(a.shape, b.shape);
  if (a.numel() === 0) return;
  const d = (a.sub(b).abs().max() as T).item() as number;
  assert.ok(d <= tol, `max abs diff ${d} > ${tol}`);
}

/** Compile fn with both backends; check wasm equals eager within tol and has no more kernels than JS. */
function check(fn: (...a: T[]) => T, args: T[], tol: number, opts: { allWasm?: boolean } = {}): Meta {
  const js = compiled("js", fn, args);
  const w = compiled("wasm", fn, args);
  assert.equal(w.artifacts[0]!.format, "cpu-wasm/1");
  const eager = coil.noGrad(() => fn(...args));
  close(w.result as T, eager, tol);
  const kw = w.metas.reduce((s, m) => s + m.kernels, 0), kj = js.metas.reduce((s, m) => s + m.kernels, 0);
  assert.ok(kw <= kj, `wasm kernels ${kw} > js kernels ${kj}`);
  const m = w.metas[0]!;
  if (opts.allWasm ?? true) {
    assert.equal(m.jsKernels, 0, `JS fallback kernels: ${m.kernelNames}`);
    assert.equal(m.wasmKernels, m.kernels);
  }
  return m;
}

after(() => resetThreadPool());

test("cos(cos(cos(x))): one wasm kernel (odd length: vector loop + tail), within 1e-6 of eager", () => {
  const m = check((x) => x.cos().cos().cos(), [coil.randn([1003])], 1e-6);
  assert.equal(m.kernels, 1);
  assert.match(m.kernelNames[0]!, /^wasm_fused_cos/);
});

test("softmax over rows (row length not a multiple of 4): one wasm kernel", () => {
  const x = coil.randn([33, 130]).mul(4);
  const m = check((x) => x.softmax(-1), [x], 2e-6);
  assert.equal(m.kernels, 1);
  assert.equal(m.kernelCalls, 1);
});

test("layer_norm then gelu: one wasm kernel", () => {
  const ln = new nn.LayerNorm(66);
  const m = check((x) => F.gelu(ln.call(x) as T), [coil.randn([17, 66])], 2e-5);
  assert.equal(m.kernels, 1);
});

test("MLP 784-512-512-10 inference: 3 addmm, the relus in one wasm kernel", () => {
  const mlp = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const m = check((x) => mlp.call(x) as T, [coil.randn([8, 784])], 1e-4);
  assert.deepEqual(m.externCalls, ["aten.addmm.default", "aten.addmm.default", "aten.addmm.default"]);
  assert.ok(m.kernels <= 1);
});

test("pointwise chain with broadcasting (stride-0 loads as splats, transcendental ops, where/clamp)", () => {
  const f = (x: T, y: T, z: T) => {
    const a = x.mul(y).add(z).sigmoid();
    return coil.where(a.gt(0.5), a.tanh(), a.exp().log1p()).clamp(0.1, 0.9).sub(x.abs().sqrt());
  };
  check(f, [coil.randn([6, 5, 7]), coil.randn([5, 1]), coil.randn([7])], 2e-6);
});

test("non-contiguous inputs (transposed, sliced) are read with gathers", () => {
  const x = coil.randn([9, 14]).t();
  const y = coil.randn([14, 20]).narrow(1, 3, 9);
  check((x, y) => x.mul(2).add(y).relu().exp(), [x, y], 2e-6);
});

test("reductions over a non-last dim and several dims: sum, mean, amax, amin", () => {
  const x = coil.randn([7, 10, 13]);
  check((x) => x.sum(0), [x], 2e-5);
  check((x) => x.mean(1), [x], 2e-6);
  check((x) => x.amax(2).add(x.amin(2)), [x], 0);
  check((x) => x.sum([0, 2]), [x], 5e-5);
  check((x) => x.pow(2).sum(), [x], 1e-3);
});

test("NaN and infinity propagate through max and sum reductions as in eager", () => {
  const x = coil.randn([4, 9]);
  const d = x.data() as Float32Array;
  d[3] = NaN; d[9 + 8] = Infinity; d[18 + 2] = -Infinity;
  const w = compiled("wasm", (x: T) => [x.amax(1), x.sum(1)] as unknown as T, [x]).result as T[];
  const [mx, sm] = coil.noGrad(() => [x.amax(1), x.sum(1)]);
  assert.deepEqual(Array.from(w[0]!.toArray() as unknown as ArrayLike<number>), Array.from(mx!.toArray() as unknown as ArrayLike<number>)); // NaN payloads may differ
  const a = w[1]!.toArray() as unknown as number[], b = sm!.toArray() as unknown as number[];
  a.forEach((v, i) => (Number.isFinite(b[i]!) ? assert.ok(Math.abs(v - b[i]!) < 1e-5) : assert.ok(Object.is(v, b[i]))));
});

test("1 and 2 threads give bitwise equal results (tasks split the outer loop)", () => {
  const ln = new nn.LayerNorm(300);
  const progs: [(x: T) => T, number[]][] = [
    [(x) => x.cos().mul(x.sin()).exp(), [100003]],
    [(x) => x.softmax(-1), [301, 300]],
    [(x) => F.gelu(ln.call(x) as T), [257, 300]],
    [(x) => x.sum(0), [300, 301]],
  ];
  for (const [fn, shape] of progs) {
    const x = coil.randn(shape);
    const res: number[][] = [];
    for (const threads of [1, 2]) {
      const pool = resetThreadPool(threads);
      assert.equal(pool.threads, threads);
      res.push(Array.from((compiled("wasm", fn, [x]).result as T).contiguous().data() as Float32Array));
    }
    assert.deepEqual(res[0], res[1]);
  }
});

test("an input already in wasm memory is not copied in", () => {
  const x = toWasmTensor(coil.randn([1000]));
  const before = wasmRuntimeStats.copiedIn;
  const y = compiled("wasm", (x: T) => x.cos().add(1), [x]).result as T;
  assert.equal(wasmRuntimeStats.copiedIn, before);
  const z = compiled("wasm", (x: T) => x.cos().add(1), [coil.randn([1000])]).result as T;
  assert.equal(wasmRuntimeStats.copiedIn, before + 1);
  assert.ok((y.data() as Float32Array).buffer instanceof SharedArrayBuffer && (z.data() as Float32Array).buffer instanceof SharedArrayBuffer);
});

test("intermediates are freed after each call; memory stays bounded over 200 calls", () => {
  const w = coil.randn([64, 48]);
  const f = config.patch({ cpuBackend: "wasm" }, () => {
    const c = coil.compile((x: T) => x.softmax(-1).matmul(w).tanh().sum(0));
    return (x: T) => config.patch({ cpuBackend: "wasm" }, () => c(x) as T);
  });
  const x = toWasmTensor(coil.randn([100, 64]));
  const mem = wasmMemory();
  const copied = wasmRuntimeStats.copiedIn;
  for (let i = 0; i < 10; i++) disposeWasmTensor(f(x));
  const s0 = mem.stats();
  let y: T | null = null;
  for (let i = 0; i < 200; i++) {
    y = f(x);
    assert.ok((y.data() as Float32Array).buffer === mem.memory.buffer || (y.data() as Float32Array).buffer instanceof SharedArrayBuffer);
    if (i < 199) disposeWasmTensor(y);
  }
  const s1 = mem.stats();
  // at most one copy-in per call: the extern mm's result when it lands in JS memory; never x
  assert.ok(wasmRuntimeStats.copiedIn - copied <= 210, `copies: ${wasmRuntimeStats.copiedIn - copied}`);
  assert.equal(s1.heapTop, s0.heapTop, "the heap must not grow");
  assert.ok(s1.liveBlocks <= s0.liveBlocks + 1, `live blocks ${s0.liveBlocks} -> ${s1.liveBlocks}`);
  close(y!, coil.noGrad(() => x.softmax(-1).matmul(w).tanh().sum(0)), 1e-4);
});

test("float64 and bfloat16 programs fall back to JS kernels per kernel and equal eager", () => {
  for (const dtype of ["float64", "bfloat16"] as const) {
    const x = coil.randn([16, 20]).to(dtype);
    const fn = (x: T) => x.exp().softmax(-1).add(1);
    const w = compiled("wasm", fn, [x]);
    const m = w.metas[0]!;
    assert.equal(m.wasmKernels, 0);
    assert.ok(m.jsKernels >= 1);
    // the fallback kernels are the JS backend's: bit for bit its result, and eager's within bfloat16 rounding
    assert.deepEqual((w.result as T).toArray(), (compiled("js", fn, [x]).result as T).toArray());
    close((w.result as T).to("float64"), coil.noGrad(() => fn(x)).to("float64"), dtype === "float64" ? 1e-12 : 2e-2);
  }
});

test("a program mixing float32 kernels with an argmax kernel: wasm and JS kernels side by side", () => {
  const x = coil.randn([12, 40]), y = coil.randn([5, 7]);
  const fn = (x: T, y: T) => [x.exp().sum(1), y.mul(3).argmax(1)] as unknown as T;
  const w = compiled("wasm", fn, [x, y]);
  const m = w.metas[0]!;
  assert.ok(m.wasmKernels >= 1 && m.jsKernels >= 1, JSON.stringify(m));
  const [s, a] = w.result as unknown as T[];
  close(s!, x.exp().sum(1), 1e-4);
  assert.deepEqual(a!.toArray(), y.mul(3).argmax(1).toArray());
});

test("the artifact shows each wasm kernel's listing beside the wrapper (COIL_LOGS=output_code prints it)", () => {
  const w = compiled("wasm", (x: T) => x.softmax(-1), [coil.randn([8, 16])]);
  const src = w.artifacts[0]!.source;
  assert.match(src, /format cpu-wasm\/1/);
  assert.match(src, /\/\/ \(func \$kernel \(param \$task i32\)/);
  assert.match(src, /f32x4\.pmax/);
  assert.match(src, /function call\(args\)/);
});

test("0-d and empty tensors (an empty outer range runs no task)", () => {
  check((x) => x.exp().add(1), [coil.randn([])], 1e-6);
  check((x) => x.exp().sum(1), [coil.randn([0, 3])], 0);
  check((x) => x.exp().add(1), [coil.randn([0])], 0);
  check((x) => x.sum(), [coil.randn([5])], 1e-6);
});

test("a loop-invariant value (read through a stride-0 input) is stored at every index", () => {
  const x = coil.tensor([1.668]).expand([6]);
  check((a) => a.flip([0]).pow(0.5), [x], 1e-6);
  check((a) => a.exp().add(1), [coil.randn([3, 1]).expand([3, 9])], 1e-6);
});

/** Compile fn (several outputs) with the wasm backend; each output equals eager within tol. */
function checkMany(fn: (...a: T[]) => T[], args: T[], tol: number): { meta: Meta; source: string } {
  const w = compiled("wasm", fn, args);
  const eager = coil.noGrad(() => fn(...args));
  const got = w.result as T[];
  assert.equal(got.length, eager.length);
  eager.forEach((e, i) => close(got[i]!, e, tol));
  return { meta: w.metas[0]!, source: w.artifacts[0]!.source };
}

test("a kernel with two row arrays (the div read after softmax's exps): each has its own scratch slot", () => {
  // fuzzer seed: sigmoid(x/2) came back as sigmoid(softmax(x/2)) -- the exps overwrote the div's row
  const fn = (a: T) => { const v1 = a.div(2); return [v1.softmax(0), v1.sigmoid()]; };
  const { meta, source } = checkMany(fn, [coil.tensor([-0.394])], 1e-6);
  assert.equal(meta.kernels, 1);
  assert.equal(meta.jsKernels, 0);
  assert.match(source, /"scratchRow":8\b/);
  checkMany(fn, [coil.randn([7])], 1e-6);
  // rows of a 2-d softmax, several threads' slots
  checkMany((a: T) => { const v1 = a.mul(0.5); return [v1.softmax(1), v1.sigmoid(), v1.exp()]; }, [coil.randn([37, 13])], 1e-5);
});

test("empty inputs, including empty strided views whose offset lies past their storage, give empty outputs", () => {
  const a = coil.tensor([]).reshape([0, 1, 1]);
  const b = coil.tensor([]).reshape([0, 1, 1, 2]).select(3, 1);
  const r = checkMany((x: T, y: T) => [x.add(y)], [a, b], 0);
  assert.equal(r.meta.jsKernels, 0);
  const c = coil.randn([3, 0, 2]).transpose(0, 2);
  checkMany((x: T) => [x.exp(), x.sum(1)], [c], 0);
  const d = coil.tensor([]).reshape([2, 0, 2]).select(2, 1);
  checkMany((x: T, y: T) => [x.mul(y).add(1), x.softmax(1)], [d, d], 0);
});
