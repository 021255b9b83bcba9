// bench/peers/tfjs: the TensorFlow.js peer on its WebAssembly backend (XNNPACK, SIMD, one thread in Node).
// In: workload sizes and the same float32 arrays coil uses. Out: functions that run one workload call
// (inside tf.tidy, result disposed) and functions that return its output as a flat array for the check.
// No training row: tfjs-core alone registers no gradients (the @tensorflow/tfjs umbrella package does,
// together with layers, converter, data and webgl, which the bench does not want to install).

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import type { Params } from "./ort.js";

export const TFJS_VERSION: string = tf.version_core;

let ready: Promise<void> | null = null;
export function initTfjs(): Promise<void> {
  ready ??= (async () => { if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: wasm backend failed to initialise"); await tf.ready(); })();
  return ready;
}

export interface TfImpl { run: () => void; output: () => Float32Array }

/** Wrap fn (tensors -> tensor) as an impl; `post` maps the output before reading it (e.g. NHWC -> NCHW). */
export function tfImpl(fn: () => tf.Tensor, post?: (y: tf.Tensor) => tf.Tensor): TfImpl {
  return {
    run: () => { tf.tidy(fn).dispose(); },
    output: () => { const y = tf.tidy(() => (post ? post(fn()) : fn())); const d = y.dataSync() as Float32Array; y.dispose(); return d; },
  };
}

export const t = (data: Float32Array, shape: number[]): tf.Tensor => tf.tensor(data, shape, "float32");

export const cos3 = (x: tf.Tensor): tf.Tensor => tf.cos(tf.cos(tf.cos(x)));
export const matmul = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.matMul(a, b);

/** NHWC input, HWIO filter (tfjs's native layouts): fused conv2d + bias + relu. */
export const convRelu = (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor => tf.fused.conv2d({ x, filter: w, bias: b, strides: 1, pad: "same", activation: "relu" });

/** Weights pre-transposed to [in, out]; fused matMul + bias (+ relu). */
export function mlp(x: tf.Tensor2D, layers: { wT: tf.Tensor2D; b: tf.Tensor1D }[]): tf.Tensor {
  let h: tf.Tensor2D = x;
  layers.forEach((l, i) => { h = tf.fused.matMul({ a: h, b: l.wT, bias: l.b, activation: i < layers.length - 1 ? "relu" : "linear" }) as tf.Tensor2D; });
  return h;
}

export const softmax = (x: tf.Tensor): tf.Tensor => tf.softmax(x, -1);

function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b);
}
const gelu = (x: tf.Tensor): tf.Tensor => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
export const layerNormGelu = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => gelu(layerNorm(x, w, b));

export type EncoderVars = Record<string, tf.Variable>;

/** The encoder's parameters as tf.Variables (linear weights transposed to [in, out]). */
let varCount = 0;
export function encoderVars(p: Params): EncoderVars {
  const v: EncoderVars = {};
  const id = varCount++;
  for (const [k, { data, shape }] of p) {
    if (shape.length === 2) {
      const [o, i] = shape as [number, number];
      const tr = new Float32Array(data.length);
      for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) tr[c * o + r] = data[r * i + c]!;
      v[k] = tf.variable(tf.tensor2d(tr, [i, o]), true, `enc${id}_${k}`.replace(/\./g, "_"));
    } else v[k] = tf.variable(tf.tensor(data, shape), true, `enc${id}_${k}`.replace(/\./g, "_"));
  }
  return v;
}

/** TransformerEncoderLayer forward (post-norm, relu, batch-first) with tfjs ops. */
export function encoder(x: tf.Tensor3D, v: EncoderVars, H: number): tf.Tensor3D {
  const [B, S, E] = x.shape; const hd = E / H;
  const lin = (h: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D => tf.add(tf.matMul(h, w as tf.Tensor2D), b) as tf.Tensor2D;
  const x2 = tf.reshape(x, [B * S, E]) as tf.Tensor2D;
  const qkv = lin(x2, v["selfAttn.inProjWeight"]!, v["selfAttn.inProjBias"]!); // [B*S, 3E]
  const heads = (i: number) => tf.reshape(tf.transpose(tf.reshape(tf.slice(qkv, [0, i * E], [B * S, E]), [B, S, H, hd]), [0, 2, 1, 3]), [B * H, S, hd]) as tf.Tensor3D;
  const q = tf.mul(heads(0), 1 / Math.sqrt(hd)) as tf.Tensor3D, k = heads(1), vv = heads(2);
  const attn = tf.softmax(tf.matMul(q, k, false, true), -1) as tf.Tensor3D;
  const ctx = tf.reshape(tf.transpose(tf.reshape(tf.matMul(attn, vv), [B, H, S, hd]), [0, 2, 1, 3]), [B * S, E]) as tf.Tensor2D;
  const ao = lin(ctx, v["selfAttn.outProj.weight"]!, v["selfAttn.outProj.bias"]!);
  const x1 = layerNorm(tf.add(x2, ao), v["norm1.weight"]!, v["norm1.bias"]!) as tf.Tensor2D;
  const ff = lin(tf.relu(lin(x1, v["linear1.weight"]!, v["linear1.bias"]!)), v["linear2.weight"]!, v["linear2.bias"]!);
  return tf.reshape(layerNorm(tf.add(x1, ff), v["norm2.weight"]!, v["norm2.bias"]!), [B, S, E]) as tf.Tensor3D;
}

export { tf };
