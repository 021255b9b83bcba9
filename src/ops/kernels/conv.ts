// ops/kernels/conv: convolution kernels (forward, transposed, and the three backward products)
// as im2col/col2im + blocked GEMM, for 1-, 2- and 3-d convolutions (1-d and 2-d are run as 3-d with
// unit leading spatial dims). In: contiguous float64 buffers plus geometry. Out: float64 buffers.

import { gemm } from "./gemm.js";

/** Geometry of one convolution, always 3 spatial dims (D, H, W). */
export interface ConvGeom {
  N: number;
  /** Channels of the "image" side (the conv input for a normal conv). */
  Cin: number;
  Cout: number;
  groups: number;
  /** Spatial dims of the conv input and output (of the non-transposed view). */
  inDims: [number, number, number];
  outDims: [number, number, number];
  k: [number, number, number];
  stride: [number, number, number];
  pad: [number, number, number];
  dil: [number, number, number];
}

const prod3 = (d: readonly number[]) => d[0]! * d[1]! * d[2]!;

/**
 * cols[(c*K + kidx) * L + l] = img[c, pos(l, kidx)] (0 in the padding), where the image has dims
 * `img` and the column positions run over `cd` (the conv-output dims).
 */
export function im2col(x: Float64Array, xOff: number, C: number, img: readonly number[], cd: readonly number[],
  k: readonly number[], s: readonly number[], p: readonly number[], d: readonly number[], cols: Float64Array): void {
  const [ID, IH, IW] = img as [number, number, number];
  const [OD, OH, OW] = cd as [number, number, number];
  const [KD, KH, KW] = k as [number, number, number];
  const L = OD * OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const cBase = xOff + c * ID * IH * IW;
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      let o = row * L;
      row++;
      for (let od = 0; od < OD; od++) {
        const id = od * s[0]! - p[0]! + kd * d[0]!;
        if (id < 0 || id >= ID) { cols.fill(0, o, o + OH * OW); o += OH * OW; continue; }
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * s[1]! - p[1]! + kh * d[1]!;
          if (ih < 0 || ih >= IH) { cols.fill(0, o, o + OW); o += OW; continue; }
          const rBase = cBase + (id * IH + ih) * IW;
          const off = kw * d[2]! - p[2]!, sw = s[2]!;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw + off;
            cols[o++] = iw >= 0 && iw < IW ? x[rBase + iw]! : 0;
          }
        }
      }
    }
  }
}

/** Inverse of im2col: accumulates cols back into the image (img += scatter(cols)). */
export function col2im(cols: Float64Array, C: number, img: readonly number[], cd: readonly number[],
  k: readonly number[], s: readonly number[], p: readonly number[], d: readonly number[], x: Float64Array, xOff: number): void {
  const [ID, IH, IW] = img as [number, number, number];
  const [OD, OH, OW] = cd as [number, number, number];
  const [KD, KH, KW] = k as [number, number, number];
  const L = OD * OH * OW;
  let row = 0;
  for (let c = 0; c < C; c++) {
    const cBase = xOff + c * ID * IH * IW;
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      let o = row * L;
      row++;
      for (let od = 0; od < OD; od++) {
        const id = od * s[0]! - p[0]! + kd * d[0]!;
        if (id < 0 || id >= ID) { o += OH * OW; continue; }
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * s[1]! - p[1]! + kh * d[1]!;
          if (ih < 0 || ih >= IH) { o += OW; continue; }
          const rBase = cBase + (id * IH + ih) * IW;
          const off = kw * d[2]! - p[2]!, sw = s[2]!;
          for (let ow = 0; ow < OW; ow++) {
            const iw = ow * sw + off;
            if (iw >= 0 && iw < IW) x[rBase + iw] += cols[o]!;
            o++;
          }
        }
      }
    }
  }
}

function isPointwise(g: ConvGeom): boolean {
  return prod3(g.k) === 1 && g.stride.every((v) => v === 1) && g.pad.every((v) => v === 0);
}

/**
 * Normal convolution. x: [N, Cin, in...], w: [Cout, Cin/groups, k...]. Returns [N, Cout, out...]
 * (bias not added).
 */
export function convForward(g: ConvGeom, x: Float64Array, w: Float64Array): Float64Array {
  const Lin = prod3(g.inDims), L = prod3(g.outDims), K = prod3(g.k);
  const Cg = g.Cin / g.groups, Cog = g.Cout / g.groups;
  const out = new Float64Array(g.N * g.Cout * L);
  const direct = isPointwise(g);
  const cols = direct ? new Float64Array(0) : new Float64Array(Cg * K * L);
  for (let n = 0; n < g.N; n++) for (let gr = 0; gr < g.groups; gr++) {
    const xOff = (n * g.Cin + gr * Cg) * Lin;
    const B = direct ? { arr: x, off: xOff, rs: L, cs: 1 } : { arr: cols, off: 0, rs: L, cs: 1 };
    if (!direct) im2col(x, xOff, Cg, g.inDims, g.outDims, g.k, g.stride, g.pad, g.dil, cols);
    gemm(Cog, L, Cg * K, 1, { arr: w, off: gr * Cog * Cg * K, rs: Cg * K, cs: 1 }, B, 0,
      { arr: out, off: (n * g.Cout + gr * Cog) * L, rs: L, cs: 1 });
  }
  return out;
}

/**
 * Gradient of a normal convolution w.r.t. its input, which is also the transposed convolution of
 * `gy` ([N, Cout, out...]) with w ([Cout, Cin/groups, k...]). Returns [N, Cin, in...].
 */
export function convInputGrad(g: ConvGeom, gy: Float64Array, w: Float64Array): Float64Array {
  const Lin = prod3(g.inDims), L = prod3(g.outDims), K = prod3(g.k);
  const Cg = g.Cin / g.groups, Cog = g.Cout / g.groups;
  const gx = new Float64Array(g.N * g.Cin * Lin);
  const direct = isPointwise(g);
  const cols = new Float64Array(direct ? 0 : Cg * K * L);
  for (let n = 0; n < g.N; n++) for (let gr = 0; gr < g.groups; gr++) {
    const A = { arr: w, off: gr * Cog * Cg * K, rs: 1, cs: Cg * K }; // w_g^T: [Cg*K, Cog]
    const B = { arr: gy, off: (n * g.Cout + gr * Cog) * L, rs: L, cs: 1 };
    const xOff = (n * g.Cin + gr * Cg) * Lin;
    if (direct) { gemm(Cg, L, Cog, 1, A, B, 0, { arr: gx, off: xOff, rs: L, cs: 1 }); continue; }
    gemm(Cg * K, L, Cog, 1, A, B, 0, { arr: cols, off: 0, rs: L, cs: 1 });
    col2im(cols, Cg, g.inDims, g.outDims, g.k, g.stride, g.pad, g.dil, gx, xOff);
  }
  return gx;
}

/**
 * Gradient of a normal convolution w.r.t. its weight: sum over n of gy_g @ im2col(x_g)^T.
 * Returns [Cout, Cin/groups, k...].
 */
export function convWeightGrad(g: ConvGeom, x: Float64Array, gy: Float64Array): Float64Array {
  const Lin = prod3(g.inDims), L = prod3(g.outDims), K = prod3(g.k);
  const Cg = g.Cin / g.groups, Cog = g.Cout / g.groups;
  const gw = new Float64Array(g.Cout * Cg * K);
  const direct = isPointwise(g);
  const cols = new Float64Array(direct ? 0 : Cg * K * L);
  for (let n = 0; n < g.N; n++) for (let gr = 0; gr < g.groups; gr++) {
    const xOff = (n * g.Cin + gr * Cg) * Lin;
    if (!direct) im2col(x, xOff, Cg, g.inDims, g.outDims, g.k, g.stride, g.pad, g.dil, cols);
    const Bt = direct ? { arr: x, off: xOff, rs: 1, cs: L } : { arr: cols, off: 0, rs: 1, cs: L }; // [L, Cg*K]
    gemm(Cog, Cg * K, L, 1, { arr: gy, off: (n * g.Cout + gr * Cog) * L, rs: L, cs: 1 }, Bt, 1,
      { arr: gw, off: gr * Cog * Cg * K, rs: Cg * K, cs: 1 });
  }
  return gw;
}

/** Sum of gy ([N, C, L]) over batch and spatial positions, per channel. */
export function channelSum(gy: Float64Array, N: number, C: number, L: number): Float64Array {
  const out = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    let s = 0;
    const base = (n * C + c) * L;
    for (let l = 0; l < L; l++) s += gy[base + l]!;
    out[c] += s;
  }
  return out;
}
