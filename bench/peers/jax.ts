// bench/peers/jax: the jax-js peer (JAX-style tracing + jit kernel fusion, WebAssembly device; one
// thread on Node 20, which has no global Worker). In: workload sizes and the same float32 arrays coil
// uses. Out: jit-compiled functions wrapped as impls that follow jax-js's reference-counting rules
// (arguments are passed as `.ref` so the inputs survive every call; outputs are disposed).

import { init, defaultDevice, jit, numpy as np, nn, lax, tree, valueAndGrad } from "@jax-js/jax";
import type { Params } from "./ort.js";
import { transpose2d } from "./ort.js";

export const JAX_VERSION = "0.1.25"; // @jax-js/jax exports no version constant; keep in step with package.json

let ready: Promise<void> | null = null;
export function initJax(): Promise<void> {
  ready ??= (async () => {
    const devs = await init("wasm");
    if (!devs.includes("wasm")) throw new Error(`jax-js: no wasm device (got ${devs.join(", ")})`);
    defaultDevice("wasm");
  })();
  return ready;
}

export type JArr = np.Array;
export interface JaxImpl { run: () => Promise<void>; output: () => Promise<Float32Array> }

export const arr = (data: Float32Array, shape: number[]): JArr => np.array(data).reshape(shape);

/** jit(fn) applied to fixed inputs, which are kept alive (passed by .ref). */
export function jaxImpl(fn: (...xs: JArr[]) => JArr, inputs: JArr[]): JaxImpl {
  const f = jit(fn) as unknown as (...xs: JArr[]) => JArr;
  const call = () => f(...inputs.map((x) => x.ref));
  return {
    run: async () => { const y = await call().blockUntilReady(); y.dispose(); },
    output: async () => Float32Array.from(await call().data() as ArrayLike<number>),
  };
}

export const cos3 = (x: JArr): JArr => np.cos(np.cos(np.cos(x)));
export const matmul = (a: JArr, b: JArr): JArr => np.matmul(a, b);
/** NCHW input, OIHW weights (jax.lax.conv_general_dilated's default layout), padding 1, bias, relu. */
export const convRelu = (x: JArr, w: JArr, b: JArr): JArr => nn.relu(lax.convGeneralDilated(x, w, [1, 1], [[1, 1], [1, 1]]).add(b.reshape([1, -1, 1, 1])));
/** Weights pre-transposed to [in, out]; inputs: x, w0T, b0, w1T, b1, ... */
export const mlp = (x: JArr, ...wb: JArr[]): JArr => {
  let h = x;
  for (let i = 0; i < wb.length; i += 2) {
    h = np.matmul(h, wb[i]!).add(wb[i + 1]!);
    if (i + 2 < wb.length) h = nn.relu(h);
  }
  return h;
};
export const softmax = (x: JArr): JArr => nn.softmax(x, -1);
export const layerNormGelu = (x: JArr, w: JArr, b: JArr): JArr => nn.gelu(nn.standardize(x, -1, { epsilon: 1e-5 }).mul(w).add(b), { approximate: false });

/** Encoder parameters as jax arrays: linear weights transposed to [in, out], the packed in-projection split into q/k/v. */
export type EncP = { wq: JArr; bq: JArr; wk: JArr; bk: JArr; wv: JArr; bv: JArr; wo: JArr; bo: JArr; w1: JArr; b1: JArr; w2: JArr; b2: JArr; g1: JArr; n1: JArr; g2: JArr; n2: JArr };

export function encoderParams(p: Params): EncP {
  const get = (k: string) => { const v = p.get(k); if (!v) throw new Error(`jax encoder: missing parameter ${k}`); return v; };
  const lin = (k: string) => { const { data, shape } = get(k); const [o, i] = shape as [number, number]; return arr(transpose2d(data, o, i), [i, o]); };
  const vec = (k: string) => { const { data, shape } = get(k); return arr(data, shape); };
  const inW = get("selfAttn.inProjWeight"), inB = get("selfAttn.inProjBias").data, E = inW.shape[1]!;
  const part = (i: number) => arr(transpose2d(inW.data.subarray(i * E * E, (i + 1) * E * E), E, E), [E, E]);
  const bpart = (i: number) => arr(inB.slice(i * E, (i + 1) * E), [E]);
  return {
    wq: part(0), bq: bpart(0), wk: part(1), bk: bpart(1), wv: part(2), bv: bpart(2),
    wo: lin("selfAttn.outProj.weight"), bo: vec("selfAttn.outProj.bias"), w1: lin("linear1.weight"), b1: vec("linear1.bias"),
    w2: lin("linear2.weight"), b2: vec("linear2.bias"), g1: vec("norm1.weight"), n1: vec("norm1.bias"), g2: vec("norm2.weight"), n2: vec("norm2.bias"),
  };
}

/** TransformerEncoderLayer forward (post-norm, relu, batch-first), consuming p and x (jax-js ownership rules). */
export function encoder(p: EncP, x: JArr, H: number): JArr {
  const [B, S, E] = x.shape as [number, number, number], hd = E / H;
  const lin = (h: JArr, w: JArr, b: JArr): JArr => np.matmul(h, w).add(b);
  const ln = (h: JArr, g: JArr, b: JArr): JArr => nn.standardize(h, -1, { epsilon: 1e-5 }).mul(g).add(b);
  const x2 = x.reshape([B * S, E]);
  const heads = (t: JArr, perm: number[]) => t.reshape([B, S, H, hd]).transpose(perm);
  const q = heads(lin(x2.ref, p.wq, p.bq), [0, 2, 1, 3]).mul(1 / Math.sqrt(hd));
  const kT = heads(lin(x2.ref, p.wk, p.bk), [0, 2, 3, 1]);
  const v = heads(lin(x2.ref, p.wv, p.bv), [0, 2, 1, 3]);
  const attn = nn.softmax(np.matmul(q, kT), -1);
  const ctx = np.matmul(attn, v).transpose([0, 2, 1, 3]).reshape([B * S, E]);
  const x1 = ln(x2.add(lin(ctx, p.wo, p.bo)), p.g1, p.n1);
  const ff = lin(nn.relu(lin(x1.ref, p.w1, p.b1)), p.w2, p.b2);
  return ln(x1.add(ff), p.g2, p.n2).reshape([B, S, E]);
}

/** A jitted SGD step on the encoder with MSE loss: (p, x, t) -> [loss, new p]. */
export function encoderTrainStep(H: number, lr: number): (p: EncP, x: JArr, t: JArr) => [JArr, EncP] {
  const loss = (p: EncP, x: JArr, t: JArr): JArr => np.mean(np.square(encoder(p, x, H).sub(t)));
  const step = (p: EncP, x: JArr, t: JArr): [JArr, EncP] => {
    const [l, g] = valueAndGrad(loss)(tree.ref(p), x, t) as unknown as [JArr, EncP];
    const next = tree.map((w: JArr, gw: JArr) => w.sub(gw.mul(lr)), p, g) as unknown as EncP;
    return [l, next];
  };
  return jit(step) as unknown as (p: EncP, x: JArr, t: JArr) => [JArr, EncP];
}
