// test/wasm/gemm: the SIMD GEMM against a float64 reference over random shapes (odd sizes, K=0, edge tiles),
// every transpose combination, strided/offset views, batched and broadcast batches, every epilogue (alpha, beta,
// column and row bias, relu/relu6/clamp, residual), plain and relaxed kernels, and the pointer API.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sgemm, sbmm, sgemmStrided, sgemmPtr, PackedB, type MatView, type GemmArrayOptions } from "../../src/wasm/gemm.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { erfc64 } from "./math_harness.js";

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
const randArr = (n: number) => Float32Array.from({ length: n }, rnd);

const at = (v: MatView, b: number, i: number, j: number) => v.data[(v.offset ?? 0) + b * (v.bs ?? 0) + i * v.rs + j * v.cs]!;

/** float64 reference plus the magnitude bound sum|a||b| per element. */
function reference(batch: number, M: number, N: number, K: number, A: MatView, B: MatView, o: GemmArrayOptions, cIn?: Float32Array) {
  const out = new Float64Array(batch * M * N), mag = new Float64Array(batch * M * N);
  const alpha = o.alpha ?? 1, beta = o.beta ?? 0;
  const [lo, hi] = o.activation === "relu" ? [0, Infinity] : o.activation === "relu6" ? [0, 6] : typeof o.activation === "object" ? o.activation.clamp : [-Infinity, Infinity];
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0, g = 0;
        for (let k = 0; k < K; k++) {
          const p = at(A, b, i, k) * at(B, b, k, j);
          s += p;
          g += Math.abs(p);
        }
        const idx = (b * M + i) * N + j;
        let y = alpha * s + (beta !== 0 ? beta * cIn![idx]! : 0) + (o.bias ? o.bias[j]! : 0) + (o.biasRows ? o.biasRows[i]! : 0);
        y = Math.min(Math.max(y, lo), hi);
        if (o.residual) y += o.residual[idx]!;
        out[idx] = y;
        mag[idx] = Math.abs(alpha) * g + Math.abs(y) + 1e-30;
      }
  return { out, mag };
}

function check(got: Float32Array, ref: { out: Float64Array; mag: Float64Array }, what: string) {
  for (let i = 0; i < ref.out.length; i++) {
    const err = Math.abs(got[i]! - ref.out[i]!);
    if (!(err <= 2e-6 * ref.mag[i]! + 1e-30)) assert.fail(`${what}: element ${i}: got ${got[i]}, want ${ref.out[i]} (err ${err}, bound ${2e-6 * ref.mag[i]!})`);
  }
}

const SHAPES: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [3, 1, 5], [3, 5, 7], [4, 8, 16], [17, 9, 33], [5, 17, 1], [65, 70, 300], [33, 65, 257], [130, 18, 600], [7, 1030, 3], [1, 64, 513], [9, 9, 0]];

test("every transpose combination over odd shapes matches the reference", () => {
  for (const [M, N, K] of SHAPES)
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const A = randArr(M * K), B = randArr(K * N);
        const got = sgemm(M, N, K, A, B, { transA, transB });
        const av: MatView = transA ? { data: A, rs: 1, cs: M } : { data: A, rs: K, cs: 1 };
        const bv: MatView = transB ? { data: B, rs: 1, cs: K } : { data: B, rs: N, cs: 1 };
        check(got, reference(1, M, N, K, av, bv, {}), `${M}x${N}x${K} tA=${transA} tB=${transB}`);
      }
});

test("K = 0 gives beta*C + bias (activation still applied)", () => {
  const C = randArr(12);
  const got = sgemm(3, 4, 0, new Float32Array(0), new Float32Array(0), { out: C.slice(), beta: 2, bias: Float32Array.of(1, -100, 0, 0), activation: "relu" });
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.equal(got[i * 4 + j], Math.max(0, Math.fround(2 * C[i * 4 + j]!) + [1, -100, 0, 0][j]!));
});

test("strided views with offsets and padded leading dimensions", () => {
  const M = 19, N = 23, K = 41;
  const A: MatView = { data: randArr(5 + 50 * M), offset: 5, rs: 50, cs: 1 };        // padded rows
  const B: MatView = { data: randArr(3 + 2 * N * K + 60), offset: 3, rs: 2, cs: 2 * K }; // transposed, every other element
  check(sgemmStrided(1, M, N, K, A, B), reference(1, M, N, K, A, B, {}), "strided");
});

test("epilogues: alpha, beta, column bias, row bias, relu / relu6 / clamp, residual", () => {
  for (const [M, N, K] of [[13, 21, 37], [64, 64, 300], [2, 3, 4]] as [number, number, number][]) {
    const A = randArr(M * K), B = randArr(K * N);
    const av: MatView = { data: A, rs: K, cs: 1 }, bv: MatView = { data: B, rs: N, cs: 1 };
    const variants: GemmArrayOptions[] = [
      { alpha: 0.5 }, { beta: 1 }, { alpha: -2, beta: 0.25 }, { bias: randArr(N) }, { biasRows: randArr(M) },
      { activation: "relu" }, { activation: "relu6", alpha: 20 }, { activation: { clamp: [-0.1, 0.2] } },
      { residual: randArr(M * N) },
      { alpha: 1.5, beta: -1, bias: randArr(N), biasRows: randArr(M), activation: "relu", residual: randArr(M * N) },
    ];
    for (const o of variants) {
      const cIn = randArr(M * N);
      const got = sgemm(M, N, K, A, B, { ...o, out: cIn.slice() });
      check(got, reference(1, M, N, K, av, bv, o, cIn), `${M}x${N}x${K} ${JSON.stringify(Object.keys(o))}`);
    }
  }
});

test("math activations in the epilogue: gelu, gelu_tanh, silu, sigmoid, tanh (after bias, before residual)", () => {
  const act: Record<string, (x: number) => number> = {
    gelu: (x) => (x >= 0 ? x * (1 - 0.5 * erfc64(x / Math.SQRT2)) : 0.5 * x * erfc64(-x / Math.SQRT2)),
    gelu_tanh: (x) => x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    silu: (x) => x / (1 + Math.exp(-x)),
    sigmoid: (x) => 1 / (1 + Math.exp(-x)),
    tanh: Math.tanh,
  };
  const M = 13, N = 19, K = 29;
  const A = randArr(M * K), B = randArr(K * N), bias = randArr(N), res = randArr(M * N);
  const lin = reference(1, M, N, K, { data: A, rs: K, cs: 1 }, { data: B, rs: N, cs: 1 }, { alpha: 2, bias });
  for (const [name, fn] of Object.entries(act)) {
    const got = sgemm(M, N, K, A, B, { alpha: 2, bias, residual: res, activation: name as "gelu" });
    for (let i = 0; i < M * N; i++) {
      const want = fn(lin.out[i]!) + res[i]!;
      // the pre-activation error (bounded by the GEMM check) times a slope <= 1.2, plus a few ulp of the activation
      const tol = 2.4e-6 * lin.mag[i]! + 4e-7 * (Math.abs(want) + Math.abs(res[i]!));
      assert.ok(Math.abs(got[i]! - want) <= tol, `${name}: [${i}] got ${got[i]}, want ${want}`);
    }
  }
});

test("NaN and Inf propagate; beta = 0 ignores NaN in C (like BLAS / PyTorch addmm)", () => {
  const A = Float32Array.of(1, NaN, 2, 3), B = Float32Array.of(1, 0, 0, 1);
  const C = Float32Array.of(NaN, NaN, NaN, NaN);
  const got = sgemm(2, 2, 2, A, B, { out: C });
  assert.ok(Number.isNaN(got[0]) && Number.isNaN(got[1]), "NaN*0 in row 0 is NaN");
  assert.deepEqual([...got.subarray(2)], [2, 3]);
  const relu = sgemm(1, 1, 1, Float32Array.of(NaN), Float32Array.of(1), { activation: "relu" });
  assert.ok(Number.isNaN(relu[0]), "relu(NaN) stays NaN");
  assert.equal(sgemm(1, 1, 1, Float32Array.of(Infinity), Float32Array.of(2))[0], Infinity);
});

test("batched: contiguous, transposed, and a broadcast operand (batch stride 0)", () => {
  const batch = 3, M = 10, N = 12, K = 9;
  const A = randArr(batch * M * K), B = randArr(batch * K * N);
  check(sbmm(batch, M, N, K, A, B), reference(batch, M, N, K, { data: A, rs: K, cs: 1, bs: M * K }, { data: B, rs: N, cs: 1, bs: K * N }, {}), "bmm");
  check(sbmm(batch, M, N, K, A, B, { transA: true, transB: true }), reference(batch, M, N, K, { data: A, rs: 1, cs: M, bs: M * K }, { data: B, rs: 1, cs: K, bs: K * N }, {}), "bmm tt");
  const W: MatView = { data: randArr(K * N), rs: N, cs: 1, bs: 0 };
  const X: MatView = { data: A, rs: K, cs: 1, bs: M * K };
  check(sgemmStrided(batch, M, N, K, X, W), reference(batch, M, N, K, X, W, {}), "broadcast B");
});

test("plain and relaxed kernels agree with the reference", (t) => {
  if (!wasmFeatures().relaxedSimd) return t.skip("no relaxed SIMD");
  const M = 37, N = 45, K = 513;
  const A = randArr(M * K), B = randArr(K * N);
  const ref = reference(1, M, N, K, { data: A, rs: K, cs: 1 }, { data: B, rs: N, cs: 1 }, {});
  check(sgemm(M, N, K, A, B, { relaxed: false }), ref, "plain");
  check(sgemm(M, N, K, A, B, { relaxed: true }), ref, "relaxed");
});

test("pointer API: operands already in wasm memory, output with a leading dimension", () => {
  const mem = wasmMemory();
  const M = 9, N = 10, K = 11, ldc = 16;
  const A = randArr(M * K), B = randArr(K * N);
  const pa = mem.putF32(A), pb = mem.putF32(B), pc = mem.malloc(M * ldc * 4);
  mem.f32View(pc, M * ldc).fill(-7);
  sgemmPtr({ M, N, K, A: { ptr: pa, rs: K, cs: 1 }, B: { ptr: pb, rs: N, cs: 1 }, C: { ptr: pc, ld: ldc } });
  const c = mem.f32View(pc, M * ldc);
  const got = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    got.set(c.subarray(i * ldc, i * ldc + N), i * N);
    for (let j = N; j < ldc; j++) assert.equal(c[i * ldc + j], -7, "padding untouched");
  }
  check(got, reference(1, M, N, K, { data: A, rs: K, cs: 1 }, { data: B, rs: N, cs: 1 }, {}), "ptr");
  mem.free(pa); mem.free(pb); mem.free(pc);
});

test("bad arguments throw naming the problem; temporary blocks are freed", () => {
  const mem = wasmMemory();
  sgemm(4, 4, 4, randArr(16), randArr(16));
  const live = mem.stats().liveBlocks;
  assert.throws(() => sgemm(4, 4, 4, randArr(15), randArr(16)), /overruns its 15-element array/);
  assert.throws(() => sgemm(2, 2, 2, randArr(4), randArr(4), { bias: randArr(1) }), /bias has 1 elements, need N=2/);
  assert.throws(() => sgemm(2, 2, 2, randArr(4), randArr(4), { out: new Float32Array(3) }), /out has 3 elements/);
  assert.throws(() => sgemmPtr({ M: -1, N: 1, K: 1, A: { ptr: 0, rs: 1, cs: 1 }, B: { ptr: 0, rs: 1, cs: 1 }, C: { ptr: 0, ld: 1 } }), /M must be a non-negative integer/);
  assert.equal(mem.stats().liveBlocks, live);
});

test("prepacked B (x @ W^T weights): same bits as packing per call, over K blocks, odd N, threads, batches, epilogues", () => {
  const mem = wasmMemory();
  for (const [M, N, K] of [[64, 512, 784], [37, 45, 513], [5, 1, 3], [130, 19, 256], [1, 1030, 7], [9, 9, 0]] as const) {
    const A = randArr(M * K), W = randArr(N * K), bias = randArr(N);
    const av: MatView = { data: A, rs: K, cs: 1 }, wt: MatView = { data: W, rs: 1, cs: K }; // B = W^T
    const live = mem.stats().liveBlocks;
    const pk = PackedB.fromView(wt, K, N);
    for (const threads of [1, 2]) {
      const o: GemmArrayOptions = { bias, activation: "relu", threads };
      const want = sgemmStrided(1, M, N, K, av, wt, o);
      assert.deepEqual(sgemmStrided(1, M, N, K, av, wt, { ...o, packedB: pk }), want, `${M}x${N}x${K} t${threads}`);
    }
    check(sgemmStrided(1, M, N, K, av, wt, { packedB: pk }), reference(1, M, N, K, av, wt, {}), `${M}x${N}x${K} ref`);
    // a batch of 3 sharing the packed weight
    const A3 = randArr(3 * M * K);
    const a3: MatView = { data: A3, rs: K, cs: 1, bs: M * K }, w3: MatView = { ...wt, bs: 0 };
    assert.deepEqual(sgemmStrided(3, M, N, K, a3, w3, { packedB: pk }), sgemmStrided(3, M, N, K, a3, w3), `${M}x${N}x${K} batch`);
    pk.free();
    assert.equal(mem.stats().liveBlocks, live, "blocks freed");
    assert.throws(() => sgemmStrided(1, M, N, K, av, wt, { packedB: pk }), /packed B .*freed/);
  }
  const pk = PackedB.fromView({ data: randArr(12), rs: 4, cs: 1 }, 3, 4);
  assert.throws(() => sgemmStrided(1, 2, 4, 5, { data: randArr(10), rs: 5, cs: 1 }, { data: randArr(20), rs: 4, cs: 1 }, { packedB: pk }), /packed B \(3x4\) does not fit K=5, N=4/);
  pk.free();
});
