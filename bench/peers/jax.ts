// bench/peers/jax: the jax-js peer (JAX-style tracing + jit kernel fusion, WebAssembly device; one
// thread on Node 20, which has no global Worker). In: workload sizes and the same float32 arrays coil
// uses. Out: jit-compiled functions wrapped as impls that follow jax-js's reference-counting rules
// (arguments are passed as `.ref` so the inputs survive every call; outputs are disposed).

import { init, defaultDevice, jit, numpy as np, nn, lax } from "@jax-js/jax";

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
