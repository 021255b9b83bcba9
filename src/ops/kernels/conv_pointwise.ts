// ops/kernels/conv_pointwise: the fused CPU convolution behind cpu._convolution_pointwise: im2col +
// a GEMM whose A operand (the weight) is already packed into 4-row panels (so no per-call packing of
// the weight), then bias and a pointwise epilogue (relu, gelu, silu, ...) applied in float64 before the
// single rounding to the output dtype. Also the weight reorder (plain -> packed layout).
// In: contiguous float64 buffers, the conv geometry, the panel width. Out: float64 buffers.

import { gemm, micro } from "./gemm.js";
import { im2col, type ConvGeom } from "./conv.js";
import { erf } from "./pointwise_gen.js";

/** Rows per weight panel (= the GEMM micro-kernel's MR). */
export const PANEL = 4;
const NR = 4;
const KC = 256;
const NC = 2048;

/**
 * The packed layout. A plain weight [Cout, Cin/groups, *k] becomes [groups, Cog/R, Cin/groups, *k, R]
 * with Cog = Cout/groups and R = PANEL when Cog is a multiple of PANEL, else 1: element
 * (co = g*Cog + p*R + r, c, kidx) sits at ((g*(Cog/R) + p) * Cg*K + c*K + kidx) * R + r. Each panel
 * is then exactly the packed A panel that the GEMM micro-kernel reads R rows at a time.
 */
export function panelWidth(cog: number): number {
  return cog % PANEL === 0 ? PANEL : 1;
}

/** Reorder a contiguous plain weight into the packed layout (see panelWidth). */
export function packWeight(w: Float64Array, groups: number, cout: number, cgk: number): Float64Array {
  const cog = cout / groups, R = panelWidth(cog), P = cog / R;
  const out = new Float64Array(w.length);
  for (let g = 0; g < groups; g++) for (let p = 0; p < P; p++) for (let r = 0; r < R; r++) {
    const src = (g * cog + p * R + r) * cgk, dst = (g * P + p) * cgk * R + r;
    for (let q = 0; q < cgk; q++) out[dst + q * R] = w[src + q]!;
  }
  return out;
}

const packB = new Float64Array(KC * NC);

function packBPanel(B: Float64Array, bOff: number, bRs: number, p0: number, kc: number, j0: number, nc: number): void {
  let idx = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = Math.min(NR, nc - jr);
    for (let p = 0; p < kc; p++) {
      const base = bOff + (p0 + p) * bRs + j0 + jr;
      for (let j = 0; j < cols; j++) packB[idx + j] = B[base + j]!;
      for (let j = cols; j < NR; j++) packB[idx + j] = 0;
      idx += NR;
    }
  }
}

const tile = new Float64Array(16);

/** C[4 x cols] += Ap(4 x kc, packed) @ Bp(kc x 4, packed) (gemm.ts's micro-kernel); C row-major, row stride ldc. */
function micro4(kc: number, Ap: Float64Array, ai: number, Bp: Float64Array, bi: number, C: Float64Array, cOff: number, ldc: number, cols: number): void {
  micro(kc, Ap, ai, Bp, bi, tile);
  for (let r = 0; r < 4; r++) {
    const row = cOff + r * ldc;
    for (let c = 0; c < cols; c++) C[row + c] += tile[r * 4 + c]!;
  }
}

/** C[M x N] (row stride N, at cOff) += Wpacked(M x K, 4-row panels at wOff) @ B(K x N, row stride bRs). */
function gemmPackedA(M: number, N: number, K: number, W: Float64Array, wOff: number, B: Float64Array, bOff: number, bRs: number, C: Float64Array, cOff: number): void {
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = Math.min(NC, N - j0);
    for (let p0 = 0; p0 < K; p0 += KC) {
      const kc = Math.min(KC, K - p0);
      packBPanel(B, bOff, bRs, p0, kc, j0, nc);
      for (let i = 0; i < M; i += PANEL) {
        const ai = wOff + (i * K + p0 * PANEL);
        for (let jr = 0; jr < nc; jr += NR) micro4(kc, W, ai, packB, jr * kc, C, cOff + i * N + j0 + jr, N, Math.min(NR, nc - jr));
      }
    }
  }
}

/** Convolution with a packed weight (panel width R): returns [N, Cout, out...] without bias. */
export function convForwardPacked(g: ConvGeom, x: Float64Array, w: Float64Array, R: number): Float64Array {
  const prod3 = (d: readonly number[]) => d[0]! * d[1]! * d[2]!;
  const Lin = prod3(g.inDims), L = prod3(g.outDims), K = prod3(g.k);
  const Cg = g.Cin / g.groups, Cog = g.Cout / g.groups, CgK = Cg * K;
  const out = new Float64Array(g.N * g.Cout * L);
  const direct = K === 1 && g.stride.every((v) => v === 1) && g.pad.every((v) => v === 0);
  const cols = direct ? new Float64Array(0) : new Float64Array(CgK * L);
  for (let n = 0; n < g.N; n++) for (let gr = 0; gr < g.groups; gr++) {
    const xOff = (n * g.Cin + gr * Cg) * Lin, cOff = (n * g.Cout + gr * Cog) * L;
    if (!direct) im2col(x, xOff, Cg, g.inDims, g.outDims, g.k, g.stride, g.pad, g.dil, cols);
    const B = direct ? x : cols, bOff = direct ? xOff : 0;
    if (R === PANEL) gemmPackedA(Cog, L, CgK, w, gr * Cog * CgK, B, bOff, L, out, cOff);
    else gemm(Cog, L, CgK, 1, { arr: w, off: gr * Cog * CgK, rs: CgK, cs: 1 }, { arr: B, off: bOff, rs: L, cs: 1 }, 0, { arr: out, off: cOff, rs: L, cs: 1 });
  }
  return out;
}

export type Epilogue = (v: number) => number;

/** The pointwise epilogue of attr (validated by the caller), in float64. */
export function epilogueFn(attr: string, scalars: readonly (number | null)[], algorithm: string | null): Epilogue {
  switch (attr) {
    case "none": return (a) => a;
    case "relu": return (a) => (a > 0 ? a : a !== a ? a : 0);
    case "gelu": return algorithm === "tanh"
      ? (a) => 0.5 * a * (1 + Math.tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)))
      : (a) => 0.5 * a * (1 + erf(a * Math.SQRT1_2));
    case "silu": return (a) => a / (1 + Math.exp(-a));
    case "sigmoid": return (a) => 1 / (1 + Math.exp(-a));
    case "tanh": return Math.tanh;
    case "hardtanh": case "clamp": {
      const lo = scalars[0] ?? -Infinity, hi = scalars[1] ?? Infinity;
      return (a) => (a !== a ? a : Math.min(Math.max(a, lo), hi));
    }
    default: throw new RangeError(`_convolution_pointwise: unknown attr '${attr}'`);
  }
}

/** In place: y[n, c, l] = epi(y + bias[c]). */
export function biasAndEpilogue(y: Float64Array, N: number, C: number, bias: Float64Array | null, epi: Epilogue, identity: boolean): void {
  const L = y.length / Math.max(1, N * C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const base = (n * C + c) * L, b = bias ? bias[c]! : 0;
    if (identity) { if (b !== 0) for (let l = 0; l < L; l++) y[base + l] += b; continue; }
    for (let l = 0; l < L; l++) y[base + l] = epi(y[base + l]! + b);
  }
}

/** Inverse of packWeight: the plain [Cout, Cg*K] row-major weight. */
export function unpackWeight(p: ArrayLike<number>, groups: number, cout: number, cgk: number, R: number, out: Float32Array | Float64Array): void {
  const cog = cout / groups, P = cog / R;
  for (let g = 0; g < groups; g++) for (let q = 0; q < P; q++) for (let r = 0; r < R; r++) {
    const dst = (g * cog + q * R + r) * cgk, src = (g * P + q) * cgk * R + r;
    for (let k = 0; k < cgk; k++) out[dst + k] = p[src + k * R]!;
  }
}
