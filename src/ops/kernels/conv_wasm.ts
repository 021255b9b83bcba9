// ops/kernels/conv_wasm: the eager float32 2-d convolution on the WebAssembly SIMD conv2d (src/wasm: the
// multi-threaded GEMM gathering im2col panels in its packing, 1x1 and depthwise paths), as eager mm uses the Wasm GEMM.
// float32 accumulation as in PyTorch. COIL_WASM_GEMM=0 keeps convolutions on the float64 JS kernel.
// In: aten.convolution's args. Out: the output tensor, or null when the fast path does not apply.

import { Tensor } from "../../tensor/tensor.js";
import { float32 } from "../../tensor/dtype.js";
import { readEnv } from "../../utils/logging.js";
import { wasmFeatures } from "../../wasm/features.js";
import { conv2d } from "../../wasm/conv.js";
import type { Args } from "../registry.js";
import { WASM_MIN_FLOPS } from "./gemm.js";

let wasmOk: boolean | null = null;

/** A float32 tensor's elements in logical (contiguous) order. */
function f32(t: Tensor): Float32Array {
  const data = t.storage.data as Float32Array;
  if (t.isContiguous()) return data.subarray(t.offset, t.offset + t.numel());
  const out = new Float32Array(t.numel());
  const idx = new Array<number>(t.ndim).fill(0);
  for (let i = 0; i < out.length; i++) {
    let off = t.offset;
    for (let d = 0; d < t.ndim; d++) off += idx[d]! * t.strides[d]!;
    out[i] = data[off]!;
    for (let d = t.ndim - 1; d >= 0; d--) { if (++idx[d]! < t.shape[d]!) break; idx[d] = 0; }
  }
  return out;
}

const pair2 = (v: unknown): [number, number] => {
  const l = v as number[];
  return [l[0]!, l.length > 1 ? l[1]! : l[0]!];
};

export function convolutionWasm(a: Args, outShape: readonly number[]): Tensor | null {
  const input = a.input as Tensor, weight = a.weight as Tensor, bias = a.bias as Tensor | null;
  if (a.transposed || input.ndim !== 4 || weight.ndim !== 4) return null;
  if (input.dtype !== float32 || weight.dtype !== float32 || (bias && bias.dtype !== float32)) return null;
  const [N, , , ] = input.shape as [number, number, number, number];
  const [CO, CIg, KH, KW] = weight.shape as [number, number, number, number];
  const OH = outShape[2]!, OW = outShape[3]!;
  if (N * CO * OH * OW * CIg * KH * KW < WASM_MIN_FLOPS) return null;
  if (wasmOk === null) wasmOk = readEnv("COIL_WASM_GEMM") !== "0" && wasmFeatures().simd;
  if (!wasmOk) return null;
  const out = Tensor.empty([...outShape], float32);
  conv2d(f32(input), input.shape as [number, number, number, number], f32(weight), weight.shape as [number, number, number, number], {
    stride: pair2(a.stride), padding: pair2(a.padding), dilation: pair2(a.dilation), groups: a.groups as number,
    bias: bias ? f32(bias) : undefined, out: out.storage.data as Float32Array,
  });
  return out;
}
