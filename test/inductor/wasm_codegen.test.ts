// The WebAssembly codegen (config.cpuBackend = "wasm"): the fusion-table programs equal eager within the
// Wasm math's tolerance with no more kernels than the JS backend, every float32 kernel is a Wasm kernel,
// 1 and 2 threads give bitwise equal results, memory stays bounded over 200 calls, and kernels that need
// another dtype (float64, integers) or an op without a vector form fall back to JS kernels per kernel.
// bfloat16/float16 kernels are wasm kernels (float32 compute, conversions in registers): bit for bit the
// JS codegen's results where the compute is the same, within one 16-bit ulp for the math functions.
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
  const fn = (x: T, y: T) => x.mul(2).add(y).relu().exp();
  check(fn, [x, y], Infinity);
  // exp grows to e^10 here: within 2e-6 relative (a few float32 ulps), not absolute
  const w = compiled("wasm", fn, [x, y]).result as T, e = coil.noGrad(() => fn(x, y));
  const rel = (w.sub(e).abs().div(e.abs().clamp(1, Infinity)).max() as T).item() as number;
  assert.ok(rel <= 2e-6, `max relative diff ${rel}`);
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

test("float64 programs fall back to JS kernels per kernel and equal eager", () => {
  for (const dtype of ["float64"] as const) {
    const x = coil.randn([16, 20]).to(dtype);
    const fn = (x: T) => x.exp().softmax(-1).add(1);
    const w = compiled("wasm", fn, [x]);
    const m = w.metas[0]!;
    assert.equal(m.wasmKernels, 0);
    assert.ok(m.jsKernels >= 1);
    // the fallback kernels are the JS backend's: bit for bit its result, and eager's within bfloat16 rounding
    assert.deepEqual((w.result as T).toArray(), (compiled("js", fn, [x]).result as T).toArray());
    close((w.result as T).to("float64"), coil.noGrad(() => fn(x)).to("float64"), 1e-12);
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
  // the row's address is computed once per row; inside the loops an access is (r0 << 2) + rowptr
  assert.match(src, /local\.set \$rowptr\n/);
  assert.match(src, /local\.get \$r0\n\/\/ +i32\.const 2\n\/\/ +i32\.shl\n\/\/ +local\.get \$rowptr/);
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

// ---- bfloat16 / float16 kernels: converted in registers on load and store, float32 compute ----

type Half = "bfloat16" | "float16";
const HALVES: Half[] = ["bfloat16", "float16"];
const bitsOf = (t: T) => Array.from(t.contiguous().data() as Uint16Array);
/** A 2-byte float tensor of shape `shape` holding the given bit patterns. */
function halfFromBits(dtype: Half, bits: ArrayLike<number>, shape = [bits.length]): T {
  const t = coil.zeros(shape).to(dtype);
  (t.data() as Uint16Array).set(Array.from(bits));
  return t;
}
const isNanBits = (d: Half, b: number) => (d === "bfloat16" ? (b & 0x7f80) === 0x7f80 : (b & 0x7c00) === 0x7c00) && (b & (d === "bfloat16" ? 0x7f : 0x3ff)) !== 0;
/** Bit-for-bit equal 16-bit outputs (any NaN equals any NaN). */
function sameBits(d: Half, a: number[], b: number[], what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (isNanBits(d, a[i]!) && isNanBits(d, b[i]!)) continue;
    if (a[i] !== b[i]) assert.fail(`${what}: element ${i}: wasm 0x${a[i]!.toString(16)} js 0x${b[i]!.toString(16)}`);
  }
}
/** The same program on both codegens: every kernel of the wasm one is a wasm kernel; the results. */
function both(fn: (...a: T[]) => T, args: T[]): { w: T; j: T; meta: Meta } {
  const w = compiled("wasm", fn, args), j = compiled("js", fn, args);
  const meta = w.metas[0]!;
  assert.equal(meta.jsKernels, 0, `JS fallback kernels: ${meta.kernelNames}`);
  assert.ok(meta.wasmKernels >= 1);
  return { w: w.result as T, j: j.result as T, meta };
}
/** Float32 bit patterns: a strided sweep of all 2^32, every exponent's rounding ties and neighbours, specials. */
function f32Sweep(): Float32Array {
  const u = new Uint32Array(1 << 17);
  let k = 0;
  for (let i = 0; k < 60000; i++) u[k++] = (i * 71993) >>> 0 ? Math.imul(i, 71993) >>> 0 : 0;
  for (let e = 0; e < 256 && k + 12 <= u.length; e++) {
    for (const m of [0, 1, 0x7fff, 0x8000, 0x8001, 0x18000, 0xfff, 0x1000, 0x1001, 0x3000, 0x7fffff, 0x7fe000]) u[k++] = ((e << 23) | m) >>> 0;
  }
  const specials = [0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x80000000, 0, 0x477fefff, 0x477ff000, 0x477fe000, 0x33000000, 0x33000001, 0x387fc000, 0x38800000, 0x7f7fffff];
  for (const s of specials) u[k++] = s;
  for (let i = 0; k < u.length; i++) u[k++] = (u[i]! ^ 0x80000000) >>> 0; // the negatives
  return new Float32Array(u.buffer);
}

test("bfloat16/float16 conversions in registers equal the JS codegen bit for bit (float32 sweep, every 16-bit pattern)", () => {
  const x = coil.tensor(Array.from(f32Sweep()));
  (x.data() as Float32Array).set(f32Sweep()); // keep NaN payloads and -0 exactly
  for (const d of HALVES) {
    // float32 -> half in the kernel (round to nearest even, overflow to Inf, subnormal halves, NaN)
    const down = both((x) => x.to(d), [x]);
    sameBits(d, bitsOf(down.w), bitsOf(down.j), `float32 -> ${d}`);
    // rounded in float32 registers (the cast inside a float32 kernel), every value as the JS codegen's
    const rnd = both((x) => x.to(d).float(), [x]);
    const rw = rnd.w.data() as Float32Array, rj = rnd.j.data() as Float32Array;
    for (let i = 0; i < rw.length; i++) assert.ok(Object.is(rw[i], rj[i]) || (Number.isNaN(rw[i]) && Number.isNaN(rj[i])), `float32 ${x.data()[i]} rounded to ${d}: ${rw[i]} vs ${rj[i]}`);
    // every 16-bit pattern -> float32 (exact), and through a float32 op back to the half
    const all = halfFromBits(d, Array.from({ length: 65536 }, (_, i) => i));
    const up = both((h) => h.float(), [all]);
    const uw = up.w.data() as Float32Array, uj = up.j.data() as Float32Array;
    for (let i = 0; i < 65536; i++) assert.ok(Object.is(uw[i], uj[i]) || (Number.isNaN(uw[i]) && Number.isNaN(uj[i])), `${d} 0x${i.toString(16)} -> ${uw[i]} vs ${uj[i]}`);
    const round = both((h) => h.float().mul(3).to(d), [all]);
    sameBits(d, bitsOf(round.w), bitsOf(round.j), `${d} * 3 in float32`);
  }
});

test("bfloat16/float16 pointwise arithmetic (rounded per op, as eager) equals the JS codegen bit for bit", () => {
  for (const d of HALVES) {
    const mk = (n: number, s: number) => coil.randn([n]).mul(s).to(d);
    const [a, b, c] = [mk(1003, 3), mk(1003, 1), mk(1003, 100)];
    // ties, signed zeros, infinities, NaN, and for float16 subnormals and overflow
    const sp = d === "bfloat16" ? [0x0000, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x3f81, 0x0001, 0x8001, 0x7f7f] : [0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x03ff, 0x8001, 0x7bff];
    (a.data() as Uint16Array).set(sp);
    (b.data() as Uint16Array).set(sp.slice().reverse());
    const progs: [string, (...t: T[]) => T][] = [
      ["x*y+z, relu", (x, y, z) => x.mul(y).add(z).relu()],
      ["(x-y)/z, neg, abs", (x, y, z) => x.sub(y).div(z).neg().abs()],
      ["where, clamp, max", (x, y, z) => coil.where(x.gt(y), x.clamp(-2, 2), z).maximum(y)],
      ["sqrt, square, reciprocal", (x, y) => x.abs().sqrt().add(y.mul(y)).reciprocal()],
      ["float32 compute, cast back", (x, y) => x.float().mul(y.float()).add(0.1).to(d)],
    ];
    for (const [what, fn] of progs) {
      const { w, j } = both(fn, [a, b, c]);
      assert.equal(w.dtype.name, d);
      sameBits(d, bitsOf(w), bitsOf(j), `${d} ${what}`);
    }
  }
});

test("bfloat16/float16 non-contiguous inputs (gathers), broadcast (splats) and a transposed output", () => {
  for (const d of HALVES) {
    const x = coil.randn([9, 14]).to(d).t();
    const y = coil.randn([14, 20]).to(d).narrow(1, 3, 9);
    const z = coil.randn([9]).to(d);
    const { w, j } = both((x, y, z) => x.mul(2).add(y).sub(z).relu(), [x, y, z]);
    sameBits(d, bitsOf(w), bitsOf(j), `${d} gathers`);
    const t = both((x) => x.t().contiguous().mul(x.t()).add(1), [coil.randn([7, 13]).to(d)]);
    sameBits(d, bitsOf(t.w), bitsOf(t.j), `${d} transposed`);
  }
});

/** |a - b| <= ulps units of b's 16-bit precision (2^-7 relative for bfloat16, 2^-10 for float16) + abs. */
function closeHalf(d: Half, a: T, b: T, ulps: number, abs = 0): void {
  const x = a.float().toArray(), y = b.float().toArray();
  const rel = d === "bfloat16" ? 2 ** -7 : 2 ** -10;
  for (let i = 0; i < x.length; i++) {
    if (Number.isNaN(y[i]!) || !Number.isFinite(y[i]!)) { assert.ok(Object.is(x[i], y[i]) || (Number.isNaN(x[i]!) && Number.isNaN(y[i]!)), `${i}: ${x[i]} vs ${y[i]}`); continue; }
    const tol = ulps * rel * Math.abs(y[i]!) + abs;
    assert.ok(Math.abs(x[i]! - y[i]!) <= tol, `${d} element ${i}: ${x[i]} vs ${y[i]} (tol ${tol})`);
  }
}

test("bfloat16/float16 transcendental chains run as wasm kernels, within one 16-bit ulp of the JS codegen", () => {
  for (const d of HALVES) {
    const x = coil.randn([4099]).mul(3).to(d);
    for (const fn of [(x: T) => x.cos().cos().cos(), (x: T) => x.exp().tanh(), (x: T) => F.gelu(x).sigmoid(), (x: T) => x.sin().mul(x.exp())]) {
      const { w, j, meta } = both(fn, [x]);
      assert.equal(meta.kernels, 1);
      closeHalf(d, w, j, 1, 1e-6);
    }
  }
});

test("bfloat16/float16 reductions accumulate in float32: sum, mean, amax over rows and a non-last dim", () => {
  for (const d of HALVES) {
    const x = coil.randn([37, 130]).to(d);
    const y = coil.randn([7, 10, 13]).to(d);
    const cases: [(x: T) => T, T, number][] = [
      [(x) => x.sum(-1), x, 2], [(x) => x.mean(-1), x, 2], [(x) => x.amax(-1), x, 0], [(x) => x.amin(1), y, 0],
      [(x) => x.sum(0), y, 2], [(x) => x.mul(x).sum([0, 2]), y, 2],
    ];
    for (const [fn, a, ulps] of cases) {
      const { w, j } = both(fn, [a]);
      if (ulps === 0) sameBits(d, bitsOf(w), bitsOf(j), `${d} max/min`);
      else closeHalf(d, w, j, ulps, 1e-3);
    }
    // NaN and Inf in a row
    const z = coil.randn([3, 9]).to(d);
    const zb = z.data() as Uint16Array;
    zb[2] = d === "bfloat16" ? 0x7fc0 : 0x7e00; zb[9 + 4] = d === "bfloat16" ? 0x7f80 : 0x7c00;
    const r = both((z) => z.amax(1).add(z.sum(1)), [z]);
    sameBits(d, bitsOf(r.w), bitsOf(r.j), `${d} NaN/Inf rows`);
  }
});

test("bfloat16/float16 softmax and layer_norm + gelu: one wasm kernel each, close to eager", () => {
  for (const d of HALVES) {
    const x = coil.randn([33, 130]).mul(4).to(d);
    const sm = both((x) => x.softmax(-1), [x]);
    assert.equal(sm.meta.kernels, 1);
    closeHalf(d, sm.w, coil.noGrad(() => x.softmax(-1)), 1, 1e-7);
    closeHalf(d, sm.w, sm.j, 1, 1e-7);
    const lnFn = (x: T) => F.gelu(F.layerNorm(x, [66]));
    const v = coil.randn([17, 66]).to(d);
    const r = both(lnFn, [v]);
    assert.equal(r.meta.kernels, 1);
    closeHalf(d, r.w, r.j, 1, 1e-3);
  }
});

test("bfloat16/float16 buffers live in wasm memory: outputs there, wasm-resident inputs not copied, 1 and 2 threads equal", () => {
  for (const d of HALVES) {
    const x = toWasmTensor(coil.randn([301, 300]).to(d));
    assert.equal(x.dtype.name, d);
    const before = wasmRuntimeStats.copiedIn;
    const y = compiled("wasm", (x: T) => x.softmax(-1).add(x), [x]).result as T;
    assert.equal(wasmRuntimeStats.copiedIn, before);
    assert.ok((y.data() as Uint16Array).buffer instanceof SharedArrayBuffer);
    assert.ok(y.data() instanceof Uint16Array);
    const res: number[][] = [];
    for (const threads of [1, 2]) {
      resetThreadPool(threads);
      res.push(bitsOf(compiled("wasm", (x: T) => F.gelu(x).sum(-1).add(x.amax(-1)), [x]).result as T));
    }
    assert.deepEqual(res[0], res[1]);
    disposeWasmTensor(y);
  }
});

test("bfloat16/float16 in-place update of an input outside wasm memory: the kernel's copy is written back", () => {
  for (const d of HALVES) {
    const base = coil.randn([6, 37]);
    const run = (backend: "js" | "wasm") => {
      const x = base.to(d); // a fresh JS-memory input each time
      const c = compiled(backend, (x: T) => { x.mul_(3); return x.add(1); }, [x]);
      if (backend === "wasm") assert.equal(c.metas.reduce((n, m) => n + m.jsKernels, 0), 0, "only wasm kernels");
      return { x: bitsOf(x), y: bitsOf(c.result as T) };
    };
    const copied = wasmRuntimeStats.copiedIn;
    const w = run("wasm"), j = run("js");
    assert.ok(wasmRuntimeStats.copiedIn > copied, "the input was copied into wasm memory");
    assert.notDeepEqual(w.x, bitsOf(base.to(d)), "the input was updated");
    sameBits(d, w.x, j.x, `${d} in-place input`);
    sameBits(d, w.y, j.y, `${d} output after the in-place update`);
  }
});
