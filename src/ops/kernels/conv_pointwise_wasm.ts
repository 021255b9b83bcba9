// ops/kernels/conv_pointwise_wasm: the float32 fast path of cpu._convolution_pointwise for 2-d
// convolutions: the wasm im2col + SIMD GEMM convolution (src/wasm/conv.ts) with bias, and relu/clamp
// fused in the GEMM (exact in float32); other epilogues run afterwards on the float32 result, as the
// unfused ops would. The weight is copied into wasm memory once per weight tensor (and version) and
// freed when the tensor is collected. In: float32 data, shapes, the plain weight. Out: Float32Array.

import type { Tensor } from "../../tensor/tensor.js";
import { readEnv } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { conv2d, Conv2dWeight } from "../../wasm/conv.js";
import type { Activation } from "../../wasm/gemm.js";
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

export function convPointwiseWasm(a: WasmConvArgs): Float32Array {
  let activation: Activation = "none";
  if (a.attr === "relu") activation = "relu";
  else if (a.attr === "clamp" || a.attr === "hardtanh") activation = { clamp: [a.scalars[0] ?? -Infinity, a.scalars[1] ?? Infinity] };
  const fusedInGemm = a.attr === "none" || activation !== "none";
  const w = residentWeight(a.weightKey, a.wShape, a.plainWeight);
  const { data } = conv2d(a.x, a.xShape, w, a.wShape, {
    stride: a.stride, padding: a.padding, dilation: a.dilation, groups: a.groups, ...(a.bias ? { bias: a.bias } : {}), activation,
  });
  if (!fusedInGemm) for (let i = 0; i < data.length; i++) data[i] = a.epilogue(data[i]!);
  return data;
}
