// wasm/gemm: synchronous float32 GEMM / batched GEMM on the SIMD wasm kernels, multi-threaded through the pool.
// C = act(alpha * op(A) op(B) + beta * C + bias[col] + biasRows[row]) + residual. In: either pointers into
// wasm memory with element strides (sgemmPtr) or Float32Arrays/strided views that are copied in and out
// (sgemm, sbmm, sgemmStrided). Out: C written in place (pointer API) or a Float32Array (array API).

import { log, logsEnabled } from "../utils/logging.js";
import { wasmFeatures } from "./features.js";
import { MAX_PAGES, wasmMemory } from "./memory.js";
import { threadPool, type KernelModule, type ThreadPool } from "./threads.js";
import { ACT, ARG, ARG_SLOTS, CONV, CONV_SLOTS, KC, MR, NR, WS_BYTES, buildGemmModule } from "./gemm_kernels.js";

export type Activation = "none" | "relu" | "relu6" | "gelu" | "gelu_tanh" | "silu" | "sigmoid" | "tanh" | { clamp: [number, number] };

/** A matrix operand in wasm memory: pointer (bytes) and element strides (row, column, batch). */
export interface MatPtr { ptr: number; rs: number; cs: number; bs?: number }
/** A row-major output (or residual) in wasm memory: pointer, leading dimension (elements), batch stride. */
export interface OutPtr { ptr: number; ld: number; bs?: number }
/** A bias vector in wasm memory with an optional batch stride (elements). */
export interface VecPtr { ptr: number; bs?: number }

export interface GemmEpilogue {
  alpha?: number;
  beta?: number;
  activation?: Activation;
  /** Upper bound on threads for this call (default: the whole pool). */
  threads?: number;
  /** Force the plain (non-relaxed) SIMD kernel even when relaxed SIMD is available. */
  relaxed?: boolean;
}

export interface GemmPtrArgs extends GemmEpilogue {
  M: number; N: number; K: number; batch?: number;
  A: MatPtr; B: MatPtr; C: OutPtr;
  /** Per-column bias (length N), broadcast over rows. */
  biasN?: VecPtr;
  /** Per-row bias (length M), broadcast over columns. */
  biasM?: VecPtr;
  /** Added after the activation; row-major with leading dimension ld. */
  residual?: OutPtr;
  /**
   * B is the implicit im2col matrix of the C x H x W image at B.ptr, already zero-padded (B.rs/cs are ignored;
   * B.bs steps to the next group's channels): K = C*KH*KW, N = OH*OW. Packing gathers it straight from the image,
   * on every thread.
   */
  convB?: ConvGeometry;
  /** B packed once ahead (a weight used by many calls): B is ignored; the packed K and N must match. */
  packedB?: PackedB;
}

/** An image's convolution geometry for GemmPtrArgs.convB (per group: C is the group's input channels). */
export interface ConvGeometry { C: number; H: number; W: number; KH: number; KW: number; sh: number; sw: number; dh: number; dw: number; OH: number; OW: number }

const modules = new WeakMap<ThreadPool, Map<boolean, KernelModule>>();
let ws: { pool: ThreadPool; ptr: number } | null = null;
let argsPtr = 0;

function gemmModule(pool: ThreadPool, relaxed: boolean): KernelModule {
  let byPool = modules.get(pool);
  if (!byPool) modules.set(pool, (byPool = new Map()));
  let km = byPool.get(relaxed);
  if (!km) {
    const mb = buildGemmModule({ shared: pool.mem.shared, maxPages: MAX_PAGES, relaxed });
    km = pool.load(mb.toBytes());
    byPool.set(relaxed, km);
    if (logsEnabled("output_code")) log("output_code", mb.listing());
  }
  return km;
}

function activationCode(a: Activation | undefined): [number, number, number] {
  if (a === undefined || a === "none") return [ACT.none, -Infinity, Infinity];
  if (a === "relu") return [ACT.clamp, 0, Infinity];
  if (a === "relu6") return [ACT.clamp, 0, 6];
  if (typeof a === "object" && Array.isArray(a.clamp)) return [ACT.clamp, a.clamp[0], a.clamp[1]];
  if (typeof a === "string" && a in ACT) return [ACT[a as keyof typeof ACT], -Infinity, Infinity];
  throw new TypeError(`wasm gemm: unknown activation ${JSON.stringify(a)}`);
}

/** How to cut (batch, M, N) into tasks for `threads` threads. */
export function planTasks(batch: number, M: number, N: number, K: number, threads: number): { mTiles: number; nTiles: number; chunkM: number; chunkN: number } {
  const whole = { mTiles: 1, nTiles: 1, chunkM: Math.max(M, 1), chunkN: Math.max(N, 1) };
  if (threads <= 1 || batch * M * N * K < 1 << 20 || batch >= 2 * threads) return whole;
  const split = Math.ceil((2 * threads) / batch);
  if (N >= M && N >= NR * 2) {
    const chunkN = Math.ceil(Math.ceil(N / split) / NR) * NR;
    return { mTiles: 1, nTiles: Math.ceil(N / chunkN), chunkM: Math.max(M, 1), chunkN };
  }
  if (M >= MR * 2) {
    const chunkM = Math.ceil(Math.ceil(M / split) / MR) * MR;
    return { mTiles: Math.ceil(M / chunkM), nTiles: 1, chunkM, chunkN: Math.max(N, 1) };
  }
  return whole;
}

/**
 * A K x N operand packed once into the GEMM's B panel layout in wasm memory (for every K block of KC rows, all N
 * columns as NR-wide zero-padded panels), for a weight that many products share: calls that pass it skip packing
 * B and copying it in. The values are a snapshot: repack after the source changes. free() releases the block.
 */
export class PackedB {
  readonly ptr: number;
  private freed = false;
  /** Pack the K x N view B (pointer into wasm memory, element strides). */
  constructor(B: MatPtr, readonly K: number, readonly N: number) {
    if (!Number.isInteger(K) || !Number.isInteger(N) || K < 0 || N < 0) throw new RangeError(`wasm gemm: PackedB needs non-negative integer K, N (got ${K}, ${N})`);
    const mem = wasmMemory();
    const Np = Math.ceil(N / NR) * NR;
    this.ptr = mem.malloc(Math.max(1, Np * K) * 4);
    const pool = threadPool();
    const pack = gemmModule(pool, wasmFeatures().relaxedSimd).instance.exports.pack_b as (dst: number, src: number, rs: number, cs: number, kc: number, nc: number) => void;
    for (let pc = 0; pc < K; pc += KC) pack(this.ptr + pc * Np * 4, B.ptr + pc * B.rs * 4, B.rs, B.cs, Math.min(KC, K - pc), N);
  }
  /** Pack a strided view held in a JS array (copied into wasm memory for the packing only). */
  static fromView(v: MatView, K: number, N: number): PackedB {
    const c = copyIn(v, K, N, 1);
    try { return new PackedB({ ptr: c.ptr, rs: v.rs, cs: v.cs }, K, N); } finally { if (c.block) wasmMemory().free(c.block); }
  }
  get isFreed(): boolean { return this.freed; }
  free(): void {
    if (this.freed) return;
    this.freed = true;
    wasmMemory().free(this.ptr);
  }
}

/** C = act(alpha*A*B + beta*C + biases) + residual on operands already in wasm memory. */
export function sgemmPtr(a: GemmPtrArgs): void {
  const { M, N, K } = a;
  const batch = a.batch ?? 1;
  for (const [k, v] of Object.entries({ M, N, K, batch })) if (!Number.isInteger(v) || v < 0) throw new RangeError(`wasm gemm: ${k} must be a non-negative integer, got ${v}`);
  if (M === 0 || N === 0 || batch === 0) return;
  const pool = threadPool();
  const feats = wasmFeatures();
  if (!feats.simd) throw new Error("wasm gemm: this engine has no WebAssembly SIMD");
  const km = gemmModule(pool, a.relaxed === false ? false : feats.relaxedSimd);
  const mem = pool.mem;
  if (!ws || ws.pool !== pool) {
    if (ws) mem.free(ws.ptr);
    ws = { pool, ptr: mem.malloc(WS_BYTES * pool.threads) };
  }
  if (!argsPtr) argsPtr = mem.malloc((ARG_SLOTS + CONV_SLOTS) * 4);
  const threads = Math.max(1, Math.min(pool.threads, a.threads ?? pool.threads));
  const plan = planTasks(batch, M, N, K, threads);
  const [act, lo, hi] = activationCode(a.activation);
  const i32 = mem.i32;
  const f32 = mem.f32;
  const b = argsPtr >> 2;
  i32.fill(0, b, b + ARG_SLOTS);
  if (a.packedB) {
    const pk = a.packedB;
    if (pk.isFreed || pk.K !== K || pk.N !== N) throw new RangeError(`wasm gemm: packed B (${pk.K}x${pk.N}${pk.isFreed ? ", freed" : ""}) does not fit K=${K}, N=${N}`);
    if (a.convB) throw new RangeError("wasm gemm: packedB and convB exclude each other");
    i32[b + ARG.packedB] = pk.ptr; // every batch shares it (batch stride 0)
  }
  if (a.convB) {
    const g = a.convB;
    if (g.C * g.KH * g.KW !== K || g.OH * g.OW !== N) throw new RangeError(`wasm gemm: conv geometry ${JSON.stringify(g)} does not give K=${K}, N=${N}`);
    if ((g.OH - 1) * g.sh + (g.KH - 1) * g.dh >= g.H || (g.OW - 1) * g.sw + (g.KW - 1) * g.dw >= g.W) throw new RangeError(`wasm gemm: conv geometry ${JSON.stringify(g)} reads outside the (padded) image`);
    for (const [k, slot] of Object.entries(CONV)) i32[b + ARG_SLOTS + slot] = g[k as keyof ConvGeometry];
    i32[b + ARG.conv] = argsPtr + ARG_SLOTS * 4;
  }
  i32[b + ARG.M] = M; i32[b + ARG.N] = N; i32[b + ARG.K] = K;
  i32[b + ARG.A] = a.A.ptr; i32[b + ARG.rsA] = a.A.rs; i32[b + ARG.csA] = a.A.cs; i32[b + ARG.bsA] = a.A.bs ?? 0;
  i32[b + ARG.B] = a.B.ptr; i32[b + ARG.rsB] = a.B.rs; i32[b + ARG.csB] = a.B.cs; i32[b + ARG.bsB] = a.B.bs ?? 0;
  i32[b + ARG.C] = a.C.ptr; i32[b + ARG.ldc] = a.C.ld; i32[b + ARG.bsC] = a.C.bs ?? a.C.ld * M;
  f32[b + ARG.alpha] = a.alpha ?? 1;
  f32[b + ARG.beta] = a.beta ?? 0;
  if (a.biasN) { i32[b + ARG.biasN] = a.biasN.ptr; i32[b + ARG.bsBiasN] = a.biasN.bs ?? 0; }
  if (a.biasM) { i32[b + ARG.biasM] = a.biasM.ptr; i32[b + ARG.bsBiasM] = a.biasM.bs ?? 0; }
  if (a.residual) { i32[b + ARG.res] = a.residual.ptr; i32[b + ARG.ldr] = a.residual.ld; i32[b + ARG.bsR] = a.residual.bs ?? a.residual.ld * M; }
  i32[b + ARG.act] = act; f32[b + ARG.lo] = lo; f32[b + ARG.hi] = hi;
  i32[b + ARG.ws] = ws.ptr; i32[b + ARG.wsStride] = WS_BYTES;
  i32[b + ARG.mTiles] = plan.mTiles; i32[b + ARG.nTiles] = plan.nTiles;
  i32[b + ARG.chunkM] = plan.chunkM; i32[b + ARG.chunkN] = plan.chunkN;
  i32[b + ARG.batch] = batch;
  pool.run(km, "gemm_task", batch * plan.mTiles * plan.nTiles, argsPtr, threads);
}

/** A strided float32 operand held in a JS array: element offset and strides (row, column[, batch]). */
export interface MatView { data: Float32Array; offset?: number; rs: number; cs: number; bs?: number }

/** Whether `a` is a view of the shared wasm memory (the wasm codegen's buffers): then it needs no copy. */
function inWasm(a: Float32Array, mem: ReturnType<typeof wasmMemory>): boolean {
  return a.buffer === mem.memory.buffer && a.byteOffset % 4 === 0;
}

/** Copy the span a strided view touches into wasm memory (block 0: none needed, the view is already there). */
function copyIn(v: MatView, rows: number, cols: number, batch: number): { block: number; ptr: number } {
  const off = v.offset ?? 0;
  const bs = v.bs ?? 0;
  if (v.rs < 0 || v.cs < 0 || bs < 0) throw new RangeError("wasm gemm: negative strides are not supported");
  const last = rows && cols && batch ? off + (rows - 1) * v.rs + (cols - 1) * v.cs + (batch - 1) * bs : off - 1;
  if (last >= v.data.length) throw new RangeError(`wasm gemm: view (offset ${off}, strides ${v.rs},${v.cs},${bs}) of a ${rows}x${cols} (x${batch}) operand overruns its ${v.data.length}-element array`);
  const n = Math.max(0, last - off + 1);
  const mem = wasmMemory();
  if (inWasm(v.data, mem)) return { block: 0, ptr: v.data.byteOffset + off * 4 };
  const block = mem.malloc(n * 4);
  mem.f32.set(v.data.subarray(off, off + n), block >> 2);
  return { block, ptr: block };
}

export interface GemmArrayOptions extends GemmEpilogue {
  transA?: boolean;
  transB?: boolean;
  /** Per-column bias, length N. */
  bias?: Float32Array;
  /** Per-row bias, length M. */
  biasRows?: Float32Array;
  /** batch*M*N residual (row-major), added after the activation. */
  residual?: Float32Array;
  /** Output array (batch*M*N, row-major); its contents are C for beta != 0. */
  out?: Float32Array;
  /** B packed ahead (shared by every batch); the B view is then not read. */
  packedB?: PackedB;
}

/** Batched strided GEMM on JS arrays: A is batch x M x K, B batch x K x N given by views; returns batch*M*N. */
export function sgemmStrided(batch: number, M: number, N: number, K: number, A: MatView, B: MatView, o: GemmArrayOptions = {}): Float32Array {
  const out = o.out ?? new Float32Array(batch * M * N);
  if (out.length < batch * M * N) throw new RangeError(`wasm gemm: out has ${out.length} elements, need ${batch * M * N}`);
  if (o.bias && o.bias.length < N) throw new RangeError(`wasm gemm: bias has ${o.bias.length} elements, need N=${N}`);
  if (o.biasRows && o.biasRows.length < M) throw new RangeError(`wasm gemm: biasRows has ${o.biasRows.length} elements, need M=${M}`);
  if (o.residual && o.residual.length < batch * M * N) throw new RangeError(`wasm gemm: residual has ${o.residual.length} elements, need ${batch * M * N}`);
  if (batch * M * N === 0) return out;
  const mem = wasmMemory();
  const blocks: number[] = [];
  try {
    const a = copyIn(A, M, K, batch); if (a.block) blocks.push(a.block);
    const b = o.packedB ? { block: 0, ptr: 0 } : copyIn(B, K, N, batch); if (b.block) blocks.push(b.block);
    // an output already in wasm memory (the wasm codegen's buffers) is written in place
    const direct = inWasm(out, mem);
    const c = direct ? out.byteOffset : mem.malloc(batch * M * N * 4);
    if (!direct) blocks.push(c);
    const beta = o.beta ?? 0;
    if (beta !== 0 && !direct) mem.f32.set(out.subarray(0, batch * M * N), c >> 2);
    const put = (x: Float32Array | undefined, n: number) => {
      if (!x) return undefined;
      if (inWasm(x, mem)) return x.byteOffset;
      const p = mem.malloc(n * 4);
      blocks.push(p);
      mem.f32.set(x.subarray(0, n), p >> 2);
      return p;
    };
    const bn = put(o.bias, N), bm = put(o.biasRows, M), r = put(o.residual, batch * M * N);
    const { alpha, beta: beta_, activation, threads, relaxed } = o;
    sgemmPtr({
      alpha, beta: beta_, activation, threads, relaxed, M, N, K, batch,
      A: { ptr: a.ptr, rs: A.rs, cs: A.cs, bs: A.bs ?? 0 },
      B: { ptr: b.ptr, rs: B.rs, cs: B.cs, bs: B.bs ?? 0 },
      C: { ptr: c, ld: N, bs: M * N },
      ...(bn !== undefined ? { biasN: { ptr: bn } } : {}),
      ...(bm !== undefined ? { biasM: { ptr: bm } } : {}),
      ...(r !== undefined ? { residual: { ptr: r, ld: N, bs: M * N } } : {}),
      ...(o.packedB ? { packedB: o.packedB } : {}),
    });
    if (!direct) out.set(mem.f32View(c, batch * M * N));
    return out;
  } finally {
    for (const p of blocks) mem.free(p);
  }
}

/** C (M x N) = op(A) op(B) with op = transpose when transA/transB; A is M x K (or K x M), B K x N (or N x K). */
export function sgemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, o: GemmArrayOptions = {}): Float32Array {
  return sbmm(1, M, N, K, A, B, o);
}

/** Batched contiguous GEMM: A batch x (M x K | K x M), B batch x (K x N | N x K). */
export function sbmm(batch: number, M: number, N: number, K: number, A: Float32Array, B: Float32Array, o: GemmArrayOptions = {}): Float32Array {
  const av: MatView = o.transA ? { data: A, rs: 1, cs: M, bs: M * K } : { data: A, rs: K, cs: 1, bs: M * K };
  const bv: MatView = o.transB ? { data: B, rs: 1, cs: K, bs: K * N } : { data: B, rs: N, cs: 1, bs: K * N };
  return sgemmStrided(batch, M, N, K, av, bv, o);
}
