// bench/peers/ort: the onnxruntime-node peer. In: workload sizes and float32 weights (the same arrays coil
// uses). Out: ONNX graphs built in memory with ./onnx_writer (weights as initializers, activations as
// inputs) and a runner that calls InferenceSession.run on fixed input tensors.

import * as ort from "onnxruntime-node";
import { onnxModel, i64, type OnnxGraph, type OnnxNode, type OnnxInit } from "./onnx_writer.js";

export const ORT_VERSION: string = (ort.env as { versions?: { common?: string } }).versions?.common ?? "unknown";

export interface OrtRunner { run: () => Promise<Float32Array>; }

/** Build a session for `graph` and a runner that feeds `feeds` (float32 arrays with shapes). threads 0 = ORT default. */
export async function ortRunner(graph: OnnxGraph, feeds: Record<string, { data: Float32Array; shape: number[] }>, threads: number): Promise<OrtRunner> {
  const opts: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: "all", executionProviders: ["cpu"] };
  if (threads > 0) { opts.intraOpNumThreads = threads; opts.interOpNumThreads = 1; }
  const session = await ort.InferenceSession.create(onnxModel(graph), opts);
  const inputs: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(feeds)) inputs[k] = new ort.Tensor("float32", v.data, v.shape);
  const outName = graph.outputs[0]!.name;
  return {
    run: async () => {
      const r = await session.run(inputs);
      return r[outName]!.data as Float32Array;
    },
  };
}

/** Transpose a row-major [r, c] matrix to [c, r]. */
export function transpose2d(a: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

const f = (name: string, data: Float32Array, shape: number[]): OnnxInit => ({ name, data, shape });

export function cosGraph(n: number): OnnxGraph {
  return {
    inputs: [{ name: "x", shape: [n] }], outputs: [{ name: "y", shape: [n] }],
    nodes: [{ op: "Cos", inputs: ["x"], outputs: ["c1"] }, { op: "Cos", inputs: ["c1"], outputs: ["c2"] }, { op: "Cos", inputs: ["c2"], outputs: ["y"] }],
  };
}

export function matmulGraph(n: number): OnnxGraph {
  return { inputs: [{ name: "a", shape: [n, n] }, { name: "b", shape: [n, n] }], outputs: [{ name: "y", shape: [n, n] }], nodes: [{ op: "MatMul", inputs: ["a", "b"], outputs: ["y"] }] };
}

export function convReluGraph(xShape: number[], w: Float32Array, wShape: number[], b: Float32Array): OnnxGraph {
  const [N, , H, W] = xShape as [number, number, number, number];
  return {
    inputs: [{ name: "x", shape: xShape }], outputs: [{ name: "y", shape: [N, wShape[0]!, H, W] }],
    inits: [f("w", w, wShape), f("b", b, [wShape[0]!])],
    nodes: [
      { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { kernel_shape: [wShape[2]!, wShape[3]!], pads: [1, 1, 1, 1], strides: [1, 1] } },
      { op: "Relu", inputs: ["c"], outputs: ["y"] },
    ],
  };
}

/** Linear layers (weights [out, in] as in coil/PyTorch) with relu between them: Gemm(transB=1) each. */
export function mlpGraph(batch: number, layers: { w: Float32Array; b: Float32Array; shape: number[] }[]): OnnxGraph {
  const nodes: OnnxNode[] = [], inits: OnnxInit[] = [];
  let cur = "x";
  layers.forEach((l, i) => {
    inits.push(f(`w${i}`, l.w, l.shape), f(`b${i}`, l.b, [l.shape[0]!]));
    const out = i === layers.length - 1 ? "y" : `h${i}`;
    nodes.push({ op: "Gemm", inputs: [cur, `w${i}`, `b${i}`], outputs: [i === layers.length - 1 ? out : `g${i}`], attrs: { transB: 1 } });
    if (i < layers.length - 1) nodes.push({ op: "Relu", inputs: [`g${i}`], outputs: [out] });
    cur = out;
  });
  return { inputs: [{ name: "x", shape: [batch, layers[0]!.shape[1]!] }], outputs: [{ name: "y", shape: [batch, layers.at(-1)!.shape[0]!] }], nodes, inits };
}

export function softmaxGraph(shape: number[]): OnnxGraph {
  return { inputs: [{ name: "x", shape }], outputs: [{ name: "y", shape }], nodes: [{ op: "Softmax", inputs: ["x"], outputs: ["y"], attrs: { axis: -1 } }] };
}

export function layerNormGeluGraph(shape: number[], w: Float32Array, b: Float32Array): OnnxGraph {
  const d = shape.at(-1)!;
  return {
    inputs: [{ name: "x", shape }], outputs: [{ name: "y", shape }], inits: [f("w", w, [d]), f("b", b, [d])],
    nodes: [
      { op: "LayerNormalization", inputs: ["x", "w", "b"], outputs: ["n"], attrs: { axis: -1, epsilon: { float: 1e-5 } } },
      { op: "Gelu", inputs: ["n"], outputs: ["y"] }, // opset 20, exact (erf) by default
    ],
  };
}

export type Params = Map<string, { data: Float32Array; shape: number[] }>;

/** nn.TransformerEncoderLayer forward (post-norm, relu, batch-first [B, S, E]) from coil's parameter names. */
export function encoderGraph(B: number, S: number, E: number, H: number, p: Params): OnnxGraph {
  const hd = E / H;
  const get = (k: string) => { const v = p.get(k); if (!v) throw new Error(`ort encoder: missing parameter ${k} (have ${[...p.keys()].join(", ")})`); return v; };
  const inW = get("selfAttn.inProjWeight").data, inB = get("selfAttn.inProjBias").data;
  const inits: OnnxInit[] = [], nodes: OnnxNode[] = [];
  const linear = (x: string, w: Float32Array, b: Float32Array, out: number, inn: number, name: string): string => {
    inits.push(f(`${name}_wT`, transpose2d(w, out, inn), [inn, out]), f(`${name}_b`, b, [out]));
    nodes.push({ op: "MatMul", inputs: [x, `${name}_wT`], outputs: [`${name}_mm`] }, { op: "Add", inputs: [`${name}_mm`, `${name}_b`], outputs: [name] });
    return name;
  };
  inits.push(i64("heads_shape", [B, S, H, hd]), i64("merge_shape", [B, S, E]), f("scale", new Float32Array([1 / Math.sqrt(hd)]), []));
  const proj = ["q", "k", "v"].map((n, i) => {
    const l = linear("x", inW.subarray(i * E * E, (i + 1) * E * E), inB.subarray(i * E, (i + 1) * E), E, E, n);
    nodes.push({ op: "Reshape", inputs: [l, "heads_shape"], outputs: [`${n}_r`] });
    nodes.push({ op: "Transpose", inputs: [`${n}_r`], outputs: [`${n}_h`], attrs: { perm: n === "k" ? [0, 2, 3, 1] : [0, 2, 1, 3] } });
    return `${n}_h`;
  });
  nodes.push(
    { op: "Mul", inputs: [proj[0]!, "scale"], outputs: ["qs"] },
    { op: "MatMul", inputs: ["qs", proj[1]!], outputs: ["scores"] },
    { op: "Softmax", inputs: ["scores"], outputs: ["attn"], attrs: { axis: -1 } },
    { op: "MatMul", inputs: ["attn", proj[2]!], outputs: ["ctx_h"] },
    { op: "Transpose", inputs: ["ctx_h"], outputs: ["ctx_t"], attrs: { perm: [0, 2, 1, 3] } },
    { op: "Reshape", inputs: ["ctx_t", "merge_shape"], outputs: ["ctx"] },
  );
  const ao = linear("ctx", get("selfAttn.outProj.weight").data, get("selfAttn.outProj.bias").data, E, E, "attn_out");
  const ln = (x: string, name: string, out: string) => {
    inits.push(f(`${name}_w`, get(`${name}.weight`).data, [E]), f(`${name}_b`, get(`${name}.bias`).data, [E]));
    nodes.push({ op: "LayerNormalization", inputs: [x, `${name}_w`, `${name}_b`], outputs: [out], attrs: { axis: -1, epsilon: { float: 1e-5 } } });
  };
  nodes.push({ op: "Add", inputs: ["x", ao], outputs: ["res1"] });
  ln("res1", "norm1", "x1");
  const ffDim = get("linear1.weight").shape[0]!;
  const h1 = linear("x1", get("linear1.weight").data, get("linear1.bias").data, ffDim, E, "ff1");
  nodes.push({ op: "Relu", inputs: [h1], outputs: ["ff1_r"] });
  const h2 = linear("ff1_r", get("linear2.weight").data, get("linear2.bias").data, E, ffDim, "ff2");
  nodes.push({ op: "Add", inputs: ["x1", h2], outputs: ["res2"] });
  ln("res2", "norm2", "y");
  return { inputs: [{ name: "x", shape: [B, S, E] }], outputs: [{ name: "y", shape: [B, S, E] }], nodes, inits };
}
