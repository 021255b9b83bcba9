// ops/kernels/gemm: blocked, packed GEMM for eager matrix products and convolutions.
// In: M, N, K, alpha/beta and strided views (any strides, so transposes need no copy) over
// Float32Array/Float64Array/Uint16Array(float32-converted by callers) storage. Out: C = alpha*A@B + beta*C
// written in place into a strided Float32Array/Float64Array. Packs panels into float64 scratch buffers
// (reused, never allocated in the hot loop) and runs a 4x4 register-blocked micro-kernel. All-float32 products
// of at least WASM_MIN_FLOPS multiply-adds run on the WebAssembly SIMD GEMM (src/wasm, multi-threaded, float32
// accumulation as in PyTorch) instead; COIL_WASM_GEMM=0 keeps everything on this JS path.

import { readEnv } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { sgemmStrided } from "../../wasm/gemm.js";

export type FloatArray = Float32Array | Float64Array;

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 96;
const NC = 4096;

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);
const tile = new Float64Array(MR * NR);

/** Strided 2-D operand: element (i, j) lives at arr[off + i*rs + j*cs]. */
export interface Mat {
  arr: FloatArray;
  off: number;
  rs: number;
  cs: number;
}

function packAPanel(A: FloatArray, aOff: number, aRs: number, aCs: number, i0: number, mc: number, p0: number, kc: number): void {
  let idx = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = Math.min(MR, mc - ir);
    for (let p = 0; p < kc; p++) {
      const base = aOff + (p0 + p) * aCs + (i0 + ir) * aRs;
      for (let i = 0; i < rows; i++) packA[idx + i] = A[base + i * aRs]!;
      for (let i = rows; i < MR; i++) packA[idx + i] = 0;
      idx += MR;
    }
  }
}

function packBPanel(B: FloatArray, bOff: number, bRs: number, bCs: number, p0: number, kc: number, j0: number, nc: number): void {
  let idx = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const base = bOff + (p0 + p) * bRs + (j0 + jr) * bCs;
      for (let j = 0; j < cols; j++) packB[idx + j] = B[base + j * bCs]!;
      for (let j = cols; j < NR; j++) packB[idx + j] = 0;
      idx += NR;
    }
  }
}

/** 4x4 micro-kernel over packed panels; writes the tile of products. Monomorphic (Float64Array only). */
export function micro(kc: number, Ap: Float64Array, ai: number, Bp: Float64Array, bi: number, out: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = Ap[ai]!, a1 = Ap[ai + 1]!, a2 = Ap[ai + 2]!, a3 = Ap[ai + 3]!;
    const b0 = Bp[bi]!, b1 = Bp[bi + 1]!, b2 = Bp[bi + 2]!, b3 = Bp[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4; bi += 4;
  }
  out[0] = c00; out[1] = c01; out[2] = c02; out[3] = c03;
  out[4] = c10; out[5] = c11; out[6] = c12; out[7] = c13;
  out[8] = c20; out[9] = c21; out[10] = c22; out[11] = c23;
  out[12] = c30; out[13] = c31; out[14] = c32; out[15] = c33;
}

function storeTile(C: FloatArray, cOff: number, cRs: number, cCs: number, rows: number, cols: number, alpha: number): void {
  for (let i = 0; i < rows; i++) {
    const base = cOff + i * cRs;
    for (let j = 0; j < cols; j++) C[base + j * cCs] += alpha * tile[i * NR + j]!;
  }
}

function scaleC(M: number, N: number, beta: number, C: FloatArray, cOff: number, cRs: number, cCs: number): void {
  if (beta === 1) return;
  for (let i = 0; i < M; i++) {
    const base = cOff + i * cRs;
    // beta == 0 ignores what C held (NaN/Inf included), as BLAS and PyTorch do.
    if (beta === 0) for (let j = 0; j < N; j++) C[base + j * cCs] = 0;
    else for (let j = 0; j < N; j++) C[base + j * cCs] *= beta;
  }
}

/** Products below this many multiply-adds stay on the JS kernel (copying into wasm memory costs more). */
export const WASM_MIN_FLOPS = 32768;
let wasmOk: boolean | null = null;

function useWasm(M: number, N: number, K: number, alpha: number, A: Mat, B: Mat, C: Mat): boolean {
  if (!(A.arr instanceof Float32Array && B.arr instanceof Float32Array && C.arr instanceof Float32Array)) return false;
  if (M * N * K < WASM_MIN_FLOPS || alpha === 0 || A.rs < 0 || A.cs < 0 || B.rs < 0 || B.cs < 0) return false;
  if (wasmOk === null) wasmOk = readEnv("COIL_WASM_GEMM") !== "0" && wasmFeatures().simd;
  return wasmOk;
}

/** The float32 product on the wasm GEMM; C gets alpha*A@B + beta*C. */
function gemmWasm(M: number, N: number, K: number, alpha: number, A: Mat, B: Mat, beta: number, C: Mat): void {
  const av = { data: A.arr as Float32Array, offset: A.off, rs: A.rs, cs: A.cs };
  const bv = { data: B.arr as Float32Array, offset: B.off, rs: B.rs, cs: B.cs };
  const c = C.arr as Float32Array;
  if (C.cs === 1 && C.rs === N) {
    sgemmStrided(1, M, N, K, av, bv, { alpha, beta, out: c.subarray(C.off, C.off + M * N) });
    return;
  }
  const t = sgemmStrided(1, M, N, K, av, bv, { alpha });
  for (let i = 0; i < M; i++) {
    const base = C.off + i * C.rs;
    if (beta === 0) for (let j = 0; j < N; j++) c[base + j * C.cs] = t[i * N + j]!;
    else for (let j = 0; j < N; j++) c[base + j * C.cs] = beta * c[base + j * C.cs]! + t[i * N + j]!;
  }
}

/**
 * C[M,N] = alpha * A[M,K] @ B[K,N] + beta * C. A, B, C are strided views (see Mat). C must not
 * overlap A or B. Accumulates in float64 within each K block (float32 on the wasm path).
 */
export function gemm(M: number, N: number, K: number, alpha: number, A: Mat, B: Mat, beta: number, C: Mat): void {
  if (useWasm(M, N, K, alpha, A, B, C)) return gemmWasm(M, N, K, alpha, A, B, beta, C);
  scaleC(M, N, beta, C.arr, C.off, C.rs, C.cs);
  if (M === 0 || N === 0 || K === 0 || alpha === 0) return;
  const nb = Math.min(N, NC);
  if (packB.length < KC * (Math.ceil(nb / NR) * NR)) packB = new Float64Array(KC * Math.ceil(nb / NR) * NR);
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packBPanel(B.arr, B.off, B.rs, B.cs, pc, kc, jc, nc);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packAPanel(A.arr, A.off, A.rs, A.cs, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = Math.min(NR, nc - jr);
          const bi = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = Math.min(MR, mc - ir);
            micro(kc, packA, (ir / MR) * kc * MR, packB, bi, tile);
            storeTile(C.arr, C.off + (ic + ir) * C.rs + (jc + jr) * C.cs, C.rs, C.cs, rows, cols, alpha);
          }
        }
      }
    }
  }
}

/** Convenience: contiguous row-major matrices (lda = K, ldb = N, ldc = N) at given offsets. */
export function gemmContiguous(M: number, N: number, K: number, A: FloatArray, aOff: number, B: FloatArray, bOff: number,
  C: FloatArray, cOff: number, accumulate: boolean, transA = false, transB = false): void {
  gemm(M, N, K, 1,
    transA ? { arr: A, off: aOff, rs: 1, cs: M } : { arr: A, off: aOff, rs: K, cs: 1 },
    transB ? { arr: B, off: bOff, rs: 1, cs: K } : { arr: B, off: bOff, rs: N, cs: 1 },
    accumulate ? 1 : 0, { arr: C, off: cOff, rs: N, cs: 1 });
}
