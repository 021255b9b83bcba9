// bench/workloads/index: the benchmark table's rows. In: nothing (sizes are fixed here; inputs are made
// deterministically by bench/harness.randn). Out: a list of Workloads, each with a setup function per
// system (coil eager, coil compiled on the default CPU backend = the WebAssembly codegen, coil js = the
// JavaScript codegen, peers) that returns a runnable impl on the same inputs.

import { config, disposeWasmTensor } from "../../src/inductor.js";
import * as coil from "../../src/index.js";
import { randn } from "../harness.js";
import * as C from "./coil_fns.js";
import * as O from "../peers/ort.js";
import * as TF from "../peers/tfjs.js";
import * as J from "../peers/jax.js";

export interface Impl {
  /** One call of the workload, result materialised (awaited when it returns a Promise). */
  run: () => unknown;
  /** The output as flat float32 data (for the check against coil eager). */
  output: () => ArrayLike<number> | Promise<ArrayLike<number>>;
}

export type SystemName = "coil eager" | "coil compiled" | "coil js" | "ort" | "ort 1t" | "tfjs-wasm" | "jax-js";
export const SYSTEMS: SystemName[] = ["coil eager", "coil compiled", "coil js", "ort", "ort 1t", "tfjs-wasm", "jax-js"];
export const PEERS: SystemName[] = ["ort", "ort 1t", "tfjs-wasm", "jax-js"];

export interface Workload {
  id: string;
  /** Floating-point operations per call, for GFLOP/s (matmul, conv, MLP). */
  flops?: number;
  /** Big inputs (16M elements): fewer repetitions. */
  heavy?: boolean;
  /** Single timed call, not a median (compile-time rows). */
  single?: boolean;
  systems: Partial<Record<SystemName, () => Promise<Impl>>>;
}

type T = coil.Tensor;
const f32 = (t: T): Float32Array => Float32Array.from(t.toArray());

/** Eager and compiled coil cells for a pure function of fixed inputs (inference: no grad). */
function coilCells(fn: (...xs: T[]) => T, inputs: () => T[], dtype?: coil.DTypeName): Workload["systems"] {
  const prep = (): T[] => inputs().map((x) => (dtype ? x.to(dtype) : x));
  return {
    "coil eager": async () => { const xs = prep(); return { run: () => coil.noGrad(() => fn(...xs)), output: () => f32(coil.noGrad(() => fn(...xs))) }; },
    // the default CPU backend, the WebAssembly SIMD codegen: outputs live in Wasm memory and are released at
    // once, as a caller that is done with them would (disposeWasmTensor is a no-op for other tensors)
    "coil compiled": async () => {
      const xs = prep(); const g = coil.compile(fn);
      const call = () => coil.noGrad(() => g(...xs) as T);
      return { run: () => { disposeWasmTensor(call()); }, output: () => f32(call()) };
    },
    // the JavaScript codegen (config.cpuBackend = "js", patched around compile and every call)
    "coil js": async () => {
      const xs = prep(); const g = coil.compile(fn);
      const call = () => config.patch({ cpuBackend: "js" }, () => coil.noGrad(() => g(...xs) as T));
      return { run: () => call(), output: () => f32(call()) };
    },
  };
}

function ortCells(graph: () => import("../peers/onnx_writer.js").OnnxGraph, feeds: () => Record<string, { data: Float32Array; shape: number[] }>): Workload["systems"] {
  const cell = (threads: number) => async (): Promise<Impl> => { const r = await O.ortRunner(graph(), feeds(), threads); return { run: r.run, output: r.run }; };
  return { ort: cell(0), "ort 1t": cell(1) };
}

const tfjsCell = (make: () => TF.TfImpl) => async (): Promise<Impl> => { await TF.initTfjs(); return make(); };
const jaxCell = (fn: (...xs: J.JArr[]) => J.JArr, inputs: () => J.JArr[]) => async (): Promise<Impl> => { await J.initJax(); return J.jaxImpl(fn, inputs()); };

/** Lazily computed value (inputs are made once per workload, on first use). */
function lazy<V>(make: () => V): () => V { let v: V | undefined; return () => (v ??= make()); }

function cosRow(n: number, label: string, dtype?: coil.DTypeName): Workload {
  const x = lazy(() => randn(n, 1));
  const systems: Workload["systems"] = coilCells(C.cos3, () => [C.fromF32(x(), [n])], dtype);
  if (!dtype) Object.assign(systems, ortCells(() => O.cosGraph(n), () => ({ x: { data: x(), shape: [n] } })), {
    "tfjs-wasm": tfjsCell(() => { const tx = TF.t(x(), [n]); return TF.tfImpl(() => TF.cos3(tx)); }),
    "jax-js": jaxCell(J.cos3, () => [J.arr(x(), [n])]),
  });
  return { id: `cos(cos(cos(x))) ${label}${dtype ? ` ${dtype}` : ""}`, heavy: n > 4e6, systems };
}

function matmulRow(n: number, dtype?: coil.DTypeName): Workload {
  const a = lazy(() => randn(n * n, 2)), b = lazy(() => randn(n * n, 3));
  const systems: Workload["systems"] = coilCells(C.matmul, () => [C.fromF32(a(), [n, n]), C.fromF32(b(), [n, n])], dtype);
  if (!dtype) Object.assign(systems, ortCells(() => O.matmulGraph(n), () => ({ a: { data: a(), shape: [n, n] }, b: { data: b(), shape: [n, n] } })), {
    "tfjs-wasm": tfjsCell(() => { const ta = TF.t(a(), [n, n]), tb = TF.t(b(), [n, n]); return TF.tfImpl(() => TF.matmul(ta, tb)); }),
    "jax-js": jaxCell(J.matmul, () => [J.arr(a(), [n, n]), J.arr(b(), [n, n])]),
  });
  return { id: `matmul ${n}${dtype ? ` ${dtype}` : ""}`, flops: 2 * n * n * n, systems };
}

function convRow(): Workload {
  const xs = [1, 16, 56, 56], ws = [16, 16, 3, 3];
  const x = lazy(() => randn(16 * 56 * 56, 4)), w = lazy(() => randn(16 * 16 * 9, 5, 1 / 12)), b = lazy(() => randn(16, 6, 0.1));
  return {
    id: "conv3x3 16->16 + relu 1x16x56x56", flops: 2 * 16 * 16 * 9 * 56 * 56,
    systems: {
      ...coilCells(C.convRelu, () => [C.fromF32(x(), xs), C.fromF32(w(), ws), C.fromF32(b(), [16])]),
      ...ortCells(() => O.convReluGraph(xs, w(), ws, b()), () => ({ x: { data: x(), shape: xs } })),
      "tfjs-wasm": tfjsCell(() => {
        const tx = TF.tf.transpose(TF.t(x(), xs), [0, 2, 3, 1]) as TF.tf.Tensor4D; // NCHW -> NHWC
        const tw = TF.tf.transpose(TF.t(w(), ws), [2, 3, 1, 0]) as TF.tf.Tensor4D; // OIHW -> HWIO
        const tb = TF.t(b(), [16]) as TF.tf.Tensor1D;
        return TF.tfImpl(() => TF.convRelu(tx, tw, tb), (y) => TF.tf.transpose(y, [0, 3, 1, 2]));
      }),
      "jax-js": jaxCell(J.convRelu, () => [J.arr(x(), xs), J.arr(w(), ws), J.arr(b(), [16])]),
    },
  };
}

const MLP_SIZES = [784, 512, 512, 10], MLP_BATCH = 64;
const mlpFlops = MLP_BATCH * MLP_SIZES.slice(1).reduce((s, o, i) => s + 2 * MLP_SIZES[i]! * o, 0);

/** The coil MLP with seeded weights; every system reads its weights from it. */
const mlpModel = lazy(() => { coil.manualSeed(0); return C.makeMlp(MLP_SIZES); });
const mlpInput = lazy(() => randn(MLP_BATCH * 784, 7));
function mlpLayers(): { w: Float32Array; b: Float32Array; shape: number[] }[] {
  const p = C.paramsOf(mlpModel());
  return [0, 2, 4].map((i) => ({ w: p.get(`${i}.weight`)!.data, b: p.get(`${i}.bias`)!.data, shape: p.get(`${i}.weight`)!.shape }));
}

function mlpRows(): Workload[] {
  const xShape = [MLP_BATCH, 784];
  const coilX = () => C.fromF32(mlpInput(), xShape);
  const mlpCells: Workload["systems"] = {
    "coil eager": async () => { const m = mlpModel(), x = coilX(); return { run: () => coil.noGrad(() => m.call(x)), output: () => f32(coil.noGrad(() => m.call(x))) }; },
    "coil compiled": async () => { const m = coil.compile(mlpModel()), x = coilX(); return { run: () => { disposeWasmTensor(coil.noGrad(() => m(x)) as T); }, output: () => f32(coil.noGrad(() => m(x)) as T) }; },
    ...ortCells(() => O.mlpGraph(MLP_BATCH, mlpLayers()), () => ({ x: { data: mlpInput(), shape: xShape } })),
    "tfjs-wasm": tfjsCell(() => {
      const tx = TF.t(mlpInput(), xShape) as TF.tf.Tensor2D;
      const layers = mlpLayers().map((l) => ({ wT: TF.tf.transpose(TF.t(l.w, l.shape)) as TF.tf.Tensor2D, b: TF.t(l.b, [l.shape[0]!]) as TF.tf.Tensor1D }));
      return TF.tfImpl(() => TF.mlp(tx, layers));
    }),
    "jax-js": jaxCell(J.mlp, () => [J.arr(mlpInput(), xShape), ...mlpLayers().flatMap((l) => [J.arr(O.transpose2d(l.w, l.shape[0]!, l.shape[1]!), [l.shape[1]!, l.shape[0]!]), J.arr(l.b, [l.shape[0]!])])]),
  };
  // Compile time: the first call of a fresh compile() of a fresh MLP (same sizes); cache hit: a second
  // compile() of that same module, first call. Measured once each (they are one-off costs).
  let fresh: coil.nn.Sequential | null = null, compiledOnce = false;
  const compileCell = (second: boolean) => async (): Promise<Impl> => {
    if (!second || !fresh) { fresh = C.makeMlp(MLP_SIZES); compiledOnce = false; }
    const m = fresh, x = coilX();
    if (second && !compiledOnce) coil.noGrad(() => coil.compile(m)(x)); // --filter ran the cache-hit row alone
    return {
      run: () => { const y = coil.noGrad(() => coil.compile(m)(x)); compiledOnce = true; return y; },
      output: () => f32(coil.noGrad(() => coil.compile(m)(x))),
    };
  };
  return [
    { id: "MLP 784-512-512-10 b64 compile (1st call)", single: true, systems: { "coil compiled": compileCell(false) } },
    { id: "MLP 784-512-512-10 b64 compile cache hit", single: true, systems: { "coil compiled": compileCell(true) } },
    { id: "MLP 784-512-512-10 b64", flops: mlpFlops, systems: mlpCells },
  ];
}

function softmaxRow(dtype?: coil.DTypeName): Workload {
  const s = [4096, 1024], x = lazy(() => randn(4096 * 1024, 8));
  const systems: Workload["systems"] = coilCells(C.softmaxRows, () => [C.fromF32(x(), s)], dtype);
  if (!dtype) Object.assign(systems, ortCells(() => O.softmaxGraph(s), () => ({ x: { data: x(), shape: s } })), {
    "tfjs-wasm": tfjsCell(() => { const tx = TF.t(x(), s); return TF.tfImpl(() => TF.softmax(tx)); }),
    "jax-js": jaxCell(J.softmax, () => [J.arr(x(), s)]),
  });
  return { id: `softmax rows 4096x1024${dtype ? ` ${dtype}` : ""}`, systems };
}

function layerNormGeluRow(dtype?: coil.DTypeName): Workload {
  const s = [4096, 1024];
  const x = lazy(() => randn(4096 * 1024, 9)), w = lazy(() => randn(1024, 10, 0.2).map((v) => v + 1)), b = lazy(() => randn(1024, 11, 0.1));
  const systems: Workload["systems"] = coilCells(C.layerNormGelu, () => [C.fromF32(x(), s), C.fromF32(w(), [1024]), C.fromF32(b(), [1024])], dtype);
  if (!dtype) Object.assign(systems, ortCells(() => O.layerNormGeluGraph(s, w(), b()), () => ({ x: { data: x(), shape: s } })), {
    "tfjs-wasm": tfjsCell(() => { const tx = TF.t(x(), s), tw = TF.t(w(), [1024]), tb = TF.t(b(), [1024]); return TF.tfImpl(() => TF.layerNormGelu(tx, tw, tb)); }),
    "jax-js": jaxCell(J.layerNormGelu, () => [J.arr(x(), s), J.arr(w(), [1024]), J.arr(b(), [1024])]),
  });
  return { id: `layer_norm + gelu 4096x1024${dtype ? ` ${dtype}` : ""}`, systems };
}

const ENC_B = 8, ENC_S = 64, ENC_LR = 0.01;

/** A freshly seeded encoder layer: every call gives the same initial weights. */
function seededEncoder(): coil.nn.TransformerEncoderLayer { coil.manualSeed(1); return C.makeEncoder(); }
const encX = lazy(() => randn(ENC_B * ENC_S * C.ENCODER.dModel, 12));
const encTarget = lazy(() => randn(ENC_B * ENC_S * C.ENCODER.dModel, 13));
const encShape = [ENC_B, ENC_S, C.ENCODER.dModel];

function encoderRows(): Workload[] {
  const H = C.ENCODER.nhead, E = C.ENCODER.dModel;
  const fwd: Workload["systems"] = {
    "coil eager": async () => { const m = seededEncoder(), x = C.fromF32(encX(), encShape); return { run: () => coil.noGrad(() => m.call(x)), output: () => f32(coil.noGrad(() => m.call(x))) }; },
    "coil compiled": async () => { const m = coil.compile(seededEncoder()), x = C.fromF32(encX(), encShape); return { run: () => { disposeWasmTensor(coil.noGrad(() => m(x)) as T); }, output: () => f32(coil.noGrad(() => m(x)) as T) }; },
    ...ortCells(() => O.encoderGraph(ENC_B, ENC_S, E, H, C.paramsOf(seededEncoder())), () => ({ x: { data: encX(), shape: encShape } })),
    "tfjs-wasm": tfjsCell(() => { const v = TF.encoderVars(C.paramsOf(seededEncoder())); const tx = TF.t(encX(), encShape) as TF.tf.Tensor3D; return TF.tfImpl(() => TF.encoder(tx, v, H)); }),
    "jax-js": async () => {
      await J.initJax();
      const p = J.encoderParams(C.paramsOf(seededEncoder()));
      return J.jaxImpl((x: J.JArr, ...ps: J.JArr[]) => J.encoder(Object.fromEntries(Object.keys(p).map((k, i) => [k, ps[i]!])) as J.EncP, x, H), [J.arr(encX(), encShape), ...Object.values(p)]);
    },
  };
  // Training step: the output checked is the loss of the first step from the shared initial weights.
  const coilTrain = (compiled: boolean) => async (): Promise<Impl> => {
    const m = seededEncoder(), opt = new coil.optim.SGD(m.parameters(), { lr: ENC_LR });
    const f = compiled ? coil.compile(m) : (x: T) => m.call(x);
    const x = C.fromF32(encX(), encShape), t = C.fromF32(encTarget(), encShape);
    let first: number | null = null;
    return { run: () => { const l = C.trainStep(f, opt, x, t); first ??= l; }, output: () => [first ?? C.trainStep(f, opt, x, t)] };
  };
  const train: Workload["systems"] = {
    "coil eager": coilTrain(false),
    "coil compiled": coilTrain(true),
    "jax-js": async () => {
      await J.initJax();
      let p = J.encoderParams(C.paramsOf(seededEncoder()));
      const x = J.arr(encX(), encShape), t = J.arr(encTarget(), encShape), step = J.encoderTrainStep(H, ENC_LR);
      let first: number | null = null;
      const run = async (): Promise<number> => {
        const [l, next] = step(p, x.ref, t.ref);
        p = next;
        const v = (await l.data())[0]!;
        first ??= v;
        return v;
      };
      return { run, output: async () => [first ?? await run()] };
    },
  };
  return [
    { id: "TransformerEncoderLayer fwd (d128 h4 ff512, 8x64)", systems: fwd },
    { id: "TransformerEncoderLayer train step (fwd+bwd+SGD)", systems: train },
  ];
}

export function workloads(): Workload[] {
  return [
    cosRow(1 << 20, "1M"), cosRow(1 << 24, "16M"), cosRow(1 << 20, "1M", "bfloat16"),
    matmulRow(256), matmulRow(512), matmulRow(1024), matmulRow(512, "bfloat16"),
    convRow(),
    ...mlpRows(),
    softmaxRow(), softmaxRow("bfloat16"),
    layerNormGeluRow(), layerNormGeluRow("bfloat16"),
    ...encoderRows(),
  ];
}
