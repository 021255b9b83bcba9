// inductor/runtime/extern_fast: the direct float32 path of the generated wrapper's matrix products and
// convolutions (`rt.externFast`): mm/addmm/bmm straight on the Wasm SIMD GEMM with the bias as the GEMM's
// column bias and a clamp-type epilogue (relu, relu6, clamp) in its kernel, writing into the output tensor's
// storage (no dispatcher, no bias broadcast pass, no second pass for the activation); 2-d convolutions on the
// Wasm conv2d with the weight kept resident in Wasm memory per storage version. Anything else returns null
// and the caller runs the op's eager kernel (then the clamp). In: op name, bound args, the clamp.
// Out: a fresh output tensor or null.

import { Storage, Tensor, elementOffsets } from "../../tensor/tensor.js";
import { float32 } from "../../tensor/dtype.js";
import { readEnv } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { PackedB, sgemmStrided, type Activation, type MatView } from "../../wasm/gemm.js";
import { conv2d, Conv2dWeight } from "../../wasm/conv.js";
import { WASM_MIN_FLOPS } from "../../ops/kernels/gemm.js";

let wasmOk: boolean | null = null;
function wasmUsable(): boolean {
  if (wasmOk === null) {
    try { wasmOk = readEnv("COIL_WASM_GEMM") !== "0" && wasmFeatures().simd; } catch { wasmOk = false; }
  }
  return wasmOk;
}

const isF32 = (t: unknown): t is Tensor => t instanceof Tensor && t.dtype === float32 && !t.isFake;
const activationOf = (c: readonly [number, number] | null): Activation =>
  c === null ? "none" : c[0] === 0 && c[1] === Infinity ? "relu" : { clamp: [c[0], c[1]] };

function view(t: Tensor, batched: boolean): MatView {
  const s = t.strides, n = s.length;
  return { data: t.data("compiled extern") as Float32Array, offset: t.offset, rs: s[n - 2]!, cs: s[n - 1]!, ...(batched ? { bs: s[0]! } : {}) };
}

/** The length-N column bias of an addmm `self` broadcast to [M, N] (a vector, or rows of stride 0), else null. */
function columnBias(b: Tensor, N: number): Float32Array | null {
  const sh = b.shape, st = b.strides, d = b.data("compiled extern") as Float32Array;
  let stride: number;
  if (sh.length === 1 && sh[0] === N) stride = st[0]!;
  else if (sh.length === 2 && sh[1] === N && (sh[0] === 1 || st[0] === 0)) stride = st[1]!;
  else return null;
  if (stride === 1) return d.subarray(b.offset, b.offset + N);
  const out = new Float32Array(N);
  for (let j = 0; j < N; j++) out[j] = d[b.offset + j * stride]!;
  return out;
}

/** Allocates the (contiguous float32) result: a fresh tensor, or the wrapper's scratch slot for an intermediate. */
export type Alloc = (shape: number[], strides: number[]) => Tensor;
export const contiguous = (shape: readonly number[]): number[] => shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
export const freshTensor: Alloc = (shape, strides) => new Tensor(Storage.allocate(shape.reduce((a, b) => a * b, 1), float32), shape, strides, 0);
const outTensor = (alloc: Alloc, shape: number[]) => alloc(shape, contiguous(shape));

function gemm(op: string, args: readonly unknown[], kw: Readonly<Record<string, unknown>>, clamp: readonly [number, number] | null, alloc: Alloc): Tensor | null {
  const addmm = op === "aten.addmm.default", bmm = op === "aten.bmm.default";
  const [a, b] = addmm ? [args[1], args[2]] : [args[0], args[1]];
  if (!isF32(a) || !isF32(b) || a.ndim !== (bmm ? 3 : 2) || b.ndim !== a.ndim) return null;
  const batch = bmm ? a.shape[0]! : 1, M = a.shape[a.ndim - 2]!, K = a.shape[a.ndim - 1]!, N = b.shape[b.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== K || (bmm && b.shape[0] !== batch)) return null;
  if (M * N * K < WASM_MIN_FLOPS || a.strides.some((s) => s < 0) || b.strides.some((s) => s < 0)) return null;
  let alpha = 1;
  let bias: Float32Array | null = null;
  if (addmm) {
    const beta = Number(args[3] ?? kw.beta ?? 1);
    alpha = Number(args[4] ?? kw.alpha ?? 1);
    const self = args[0];
    if (alpha === 0 || !isF32(self) || (beta !== 0 && beta !== 1)) return null;
    if (beta === 1 && !(bias = columnBias(self, N))) return null;
  }
  const out = outTensor(alloc, bmm ? [batch, M, N] : [M, N]);
  const packed = bmm ? null : packedWeight(b, K, N);
  sgemmStrided(batch, M, N, K, view(a, bmm), view(b, bmm), {
    alpha, activation: activationOf(clamp), out: out.data() as Float32Array, ...(bias ? { bias } : {}), ...(packed ? { packedB: packed } : {}),
  });
  return out;
}

// ---- weights: a parameter's B operand stays packed in Wasm memory per storage (and version, view) ----
const packedCache = new WeakMap<Storage, Map<string, { version: number; p: PackedB }>>();
const releasePacked = new FinalizationRegistry<PackedB>((p) => p.free());

/**
 * The packed panels of B when it is (a view of) a parameter, i.e. a leaf that requires grad: its storage is not
 * one of the wrapper's reused scratch buffers, and it changes only through in-place updates, which bump the
 * storage version (then it is packed again). Packing once saves copying the weight in and packing it per call.
 */
function packedWeight(b: Tensor, K: number, N: number): PackedB | null {
  const root = b.base ?? b;
  if (!root.requiresGrad || !root.isLeaf) return null;
  const key = b.storage, sig = `${b.offset}:${b.shape.join(",")}:${b.strides.join(",")}`;
  let byView = packedCache.get(key);
  const hit = byView?.get(sig);
  if (hit && hit.version === key.version) return hit.p;
  if (hit) { releasePacked.unregister(hit); hit.p.free(); }
  const p = PackedB.fromView(view(b, false), K, N);
  const entry = { version: key.version, p };
  if (!byView) packedCache.set(key, (byView = new Map()));
  byView.set(sig, entry);
  releasePacked.register(key, p, entry);
  return p;
}

// ---- convolution: the weight stays in Wasm memory per storage (and version, offset, shape) ----
interface Resident { version: number; offset: number; shape: string; w: Conv2dWeight }
const resident = new WeakMap<Storage, Resident>();
const release = new FinalizationRegistry<Conv2dWeight>((w) => w.free());

function residentWeight(t: Tensor, shape: [number, number, number, number]): Conv2dWeight {
  const key = t.storage, sig = shape.join(",");
  const hit = resident.get(key);
  if (hit && hit.version === key.version && hit.offset === t.offset && hit.shape === sig) return hit.w;
  if (hit) { release.unregister(hit); hit.w.free(); }
  const d = t.data("compiled extern") as Float32Array;
  const w = new Conv2dWeight(d.subarray(t.offset, t.offset + t.numel()), shape);
  const entry = { version: key.version, offset: t.offset, shape: sig, w };
  resident.set(key, entry);
  release.register(key, w, entry);
  return w;
}

const pair = (v: unknown): [number, number] | null => {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) return null;
  return [v[0] as number, v[1] as number];
};

function conv(args: readonly unknown[], clamp: readonly [number, number] | null, alloc: Alloc): Tensor | null {
  const [x, w, b, st, pad, dil, transposed, , groups] = args;
  if (!isF32(x) || !isF32(w) || x.ndim !== 4 || w.ndim !== 4 || transposed !== false || !x.isContiguous() || !w.isContiguous()) return null;
  if (b !== null && b !== undefined && !(isF32(b) && b.ndim === 1 && b.strides[0] === 1)) return null;
  const stride = pair(st), padding = pair(pad), dilation = pair(dil), g = Number(groups);
  if (!stride || !padding || !dilation || !Number.isInteger(g) || g < 1) return null;
  const xs = x.shape as [number, number, number, number], ws = w.shape as [number, number, number, number];
  if (xs[1] !== ws[1] * g || ws[0] % g !== 0) return null;
  const OH = Math.floor((xs[2] + 2 * padding[0] - dilation[0] * (ws[2] - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((xs[3] + 2 * padding[1] - dilation[1] * (ws[3] - 1) - 1) / stride[1]) + 1;
  if (OH <= 0 || OW <= 0 || xs[0] === 0) return null;
  if (ws[0] * ws[1] * ws[2] * ws[3] * OH * OW < WASM_MIN_FLOPS) return null;
  const out = outTensor(alloc, [xs[0], ws[0], OH, OW]);
  const xd = (x.data("compiled extern") as Float32Array).subarray(x.offset, x.offset + x.numel());
  const bias = b instanceof Tensor ? (b.data("compiled extern") as Float32Array).subarray(b.offset, b.offset + ws[0]) : undefined;
  conv2d(xd, xs, residentWeight(w, ws), ws, {
    stride, padding, dilation, groups: g, activation: activationOf(clamp), out: out.data() as Float32Array, ...(bias ? { bias } : {}),
  });
  return out;
}

/** The direct path for op (mm, addmm, bmm, convolution) with clamp fused, or null when it does not apply. */
export function externFast(op: string, args: readonly unknown[], kw: Readonly<Record<string, unknown>>, clamp: readonly [number, number] | null,
  alloc: Alloc = freshTensor): Tensor | null {
  if (!wasmUsable()) return null;
  if (op === "aten.convolution.default") return conv(args, clamp, alloc);
  if (op === "aten.mm.default" || op === "aten.addmm.default" || op === "aten.bmm.default") return gemm(op, args, kw, clamp, alloc);
  return null;
}

/** clamp(t, lo, hi) in place with the generated kernels' float32 semantics (NaN stays NaN). */
export function clampInPlace(t: Tensor, lo: number, hi: number): void {
  const d = t.data("compiled extern");
  const relu = lo === 0 && hi === Infinity;
  const at = (i: number) => { const v = d[i]!; d[i] = relu ? (v > 0 ? v : (v !== v ? v : 0)) : (v !== v ? v : Math.min(Math.max(v, lo), hi)); };
  if (t.isContiguous()) { const end = t.offset + t.numel(); for (let i = t.offset; i < end; i++) at(i); }
  else for (const i of elementOffsets(t)) at(i);
}
