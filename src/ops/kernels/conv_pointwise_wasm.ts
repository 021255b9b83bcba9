// ops/kernels/conv_pointwise_wasm: the float32 fast paths of cpu._convolution_pointwise for 2-d
// convolutions (the wasm SIMD GEMM convolution of src/wasm/conv.ts) and of cpu._addmm_pointwise (the wasm GEMM
// with the frozen mat2 kept packed), with bias, and relu/clamp fused in the GEMM (exact in float32); other
// epilogues run afterwards on the float32 result, as the unfused ops would. Weights are copied (packed) into wasm
// memory once per weight tensor (and version) and freed when the tensor is collected. In: float32 data, shapes,
// the plain weight. Out: Float32Array.

import type { Storage, Tensor } from "../../tensor/tensor.js";
import { readEnv } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { conv2d, Conv2dWeight } from "../../wasm/conv.js";
import { PackedB, sgemmStrided, type Activation } from "../../wasm/gemm.js";
import type { Epilogue } from "./conv_pointwise.js";

let available: boolean | null = null;

/** Whether the wasm convolution can run here (SIMD, not disabled by COIL_WASM_GEMM=0). */
export function wasmConvAvailable(): boolean {
  if (available === null) {
    try { available = readEnv("COIL_WASM_GEMM") !== "0" && wasmFeatures().simd; } catch { available = false; }
  }
  return available;
}

const cache = new WeakMap<Tensor, { version: number; weight: Conv2dWeight }>();
const registry = new FinalizationRegistry<Conv2dWeight>((w) => w.free());

/** The wasm-resident copy of `key`'s weight (plain OIHW values from `plain()`), made once per version. */
function residentWeight(key: Tensor, shape: [number, number, number, number], plain: () => Float32Array): Conv2dWeight {
  const hit = cache.get(key);
  if (hit && hit.version === key.version) return hit.weight;
  if (hit) { registry.unregister(hit); hit.weight.free(); }
  const weight = new Conv2dWeight(plain(), shape);
  const entry = { version: key.version, weight };
  cache.set(key, entry);
  registry.register(key, weight, entry);
  return weight;
}

export interface WasmConvArgs {
  x: Float32Array; xShape: [number, number, number, number];
  weightKey: Tensor; wShape: [number, number, number, number]; plainWeight: () => Float32Array;
  bias: Float32Array | undefined;
  stride: [number, number]; padding: [number, number]; dilation: [number, number]; groups: number;
  attr: string; scalars: readonly (number | null)[]; epilogue: Epilogue;
}

/** The clamp-type epilogue the GEMM runs itself (exact in float32), or "none" when it runs afterwards. */
function gemmActivation(attr: string, scalars: readonly (number | null)[]): Activation {
  if (attr === "relu") return "relu";
  if (attr === "clamp" || attr === "hardtanh") return { clamp: [scalars[0] ?? -Infinity, scalars[1] ?? Infinity] };
  return "none";
}

// keyed by storage and view (a frozen graph may hand over a fresh view of the same constant every call)
const packedCache = new WeakMap<Storage, Map<string, { version: number; packed: PackedB }>>();
const releasePacked = new FinalizationRegistry<PackedB>((p) => p.free());

export interface WasmAddmmArgs {
  M: number; N: number; K: number;
  /** mat1, row-major M x K. */
  a: Float32Array;
  /** The frozen mat2 tensor (K x N, float32, any strides): packed once per version. */
  mat2: Tensor;
  /** Column bias of length N, or undefined. */
  bias: Float32Array | undefined;
  attr: string; scalars: readonly (number | null)[]; epilogue: Epilogue;
}

/** act(bias + a @ mat2) in float32 on the wasm GEMM, mat2 kept packed in wasm memory across calls. */
export function addmmPointwiseWasm(o: WasmAddmmArgs): Float32Array {
  const { M, N, K, mat2 } = o;
  const key = mat2.storage, sig = `${mat2.offset}:${mat2.shape.join(",")}:${mat2.strides.join(",")}`;
  let byView = packedCache.get(key);
  let hit = byView?.get(sig);
  if (!hit || hit.version !== key.version) {
    if (hit) { releasePacked.unregister(hit); hit.packed.free(); }
    const d = mat2.data() as Float32Array;
    const packed = PackedB.fromView({ data: d, offset: mat2.offset, rs: mat2.strides[0]!, cs: mat2.strides[1]! }, K, N);
    hit = { version: key.version, packed };
    if (!byView) packedCache.set(key, (byView = new Map()));
    byView.set(sig, hit);
    releasePacked.register(key, packed, hit);
  }
  const activation = gemmActivation(o.attr, o.scalars);
  const y = sgemmStrided(1, M, N, K, { data: o.a, rs: K, cs: 1 }, { data: new Float32Array(0), rs: N, cs: 1 }, {
    packedB: hit.packed, activation, ...(o.bias ? { bias: o.bias } : {}),
  });
  if (o.attr !== "none" && activation === "none") for (let i = 0; i < y.length; i++) y[i] = o.epilogue(y[i]!);
  return y;
}

export function convPointwiseWasm(a: WasmConvArgs): Float32Array {
  const activation = gemmActivation(a.attr, a.scalars);
  const fusedInGemm = a.attr === "none" || activation !== "none";
  const w = residentWeight(a.weightKey, a.wShape, a.plainWeight);
  const { data } = conv2d(a.x, a.xShape, w, a.wShape, {
    stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, ...(a.bias ? { bias: a.bias } : {}), activation,
  });
  if (!fusedInGemm) for (let i = 0; i < data.length; i++) data[i] = a.epilogue(data[i]!);
  return data;
}
