// bench/peers/onnx_writer: a minimal ONNX protobuf writer so the onnxruntime-node peer needs no Python
// and no committed model files. In: a graph description (nodes, float32 inputs/outputs with static
// shapes, float32/int64 initializers). Out: the serialized ModelProto bytes (Uint8Array) that
// ort.InferenceSession.create() accepts. Only the fields the bench uses are written.

type Bytes = number[];

function varint(out: Bytes, v: number | bigint): void {
  let x = BigInt.asUintN(64, BigInt(v)); // negative int64 -> two's complement, 10 bytes
  while (x >= 0x80n) { out.push(Number(x & 0x7fn) | 0x80); x >>= 7n; }
  out.push(Number(x));
}
function tag(out: Bytes, field: number, wire: number): void { varint(out, (field << 3) | wire); }
function int(out: Bytes, field: number, v: number | bigint): void { tag(out, field, 0); varint(out, v); }
function bytes(out: Bytes, field: number, b: ArrayLike<number>): void {
  tag(out, field, 2); varint(out, b.length);
  for (let i = 0; i < b.length; i++) out.push(b[i]!);
}
function str(out: Bytes, field: number, s: string): void { bytes(out, field, new TextEncoder().encode(s)); }
function msg(out: Bytes, field: number, body: Bytes): void { bytes(out, field, body); }
function f32(out: Bytes, field: number, v: number): void {
  tag(out, field, 5);
  const b = new Uint8Array(new Float32Array([v]).buffer);
  for (const x of b) out.push(x);
}

export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };
export interface OnnxNode { op: string; inputs: string[]; outputs: string[]; attrs?: Record<string, AttrValue> }
export interface OnnxValue { name: string; shape: number[] }
export interface OnnxInit { name: string; shape: number[]; data: Float32Array | BigInt64Array }
export interface OnnxGraph { nodes: OnnxNode[]; inputs: OnnxValue[]; outputs: OnnxValue[]; inits?: OnnxInit[]; opset?: number }

const FLOAT = 1, INT64 = 7;

function attribute(name: string, v: AttrValue): Bytes {
  const a: Bytes = [];
  str(a, 1, name);
  if (typeof v === "number") { int(a, 3, v); int(a, 20, 2); } // INT
  else if (typeof v === "string") { str(a, 4, v); int(a, 20, 3); } // STRING
  else if (Array.isArray(v)) { for (const x of v) int(a, 8, x); int(a, 20, 7); } // INTS
  else if ("float" in v) { f32(a, 2, v.float); int(a, 20, 1); } // FLOAT
  else { for (const x of v.floats) f32(a, 7, x); int(a, 20, 6); } // FLOATS
  return a;
}

function valueInfo(v: OnnxValue): Bytes {
  const shape: Bytes = [];
  for (const d of v.shape) { const dim: Bytes = []; int(dim, 1, d); msg(shape, 1, dim); }
  const tensorType: Bytes = []; int(tensorType, 1, FLOAT); msg(tensorType, 2, shape);
  const type: Bytes = []; msg(type, 1, tensorType);
  const out: Bytes = []; str(out, 1, v.name); msg(out, 2, type);
  return out;
}

function tensorProto(t: OnnxInit): Bytes {
  const out: Bytes = [];
  for (const d of t.shape) int(out, 1, d);
  int(out, 2, t.data instanceof Float32Array ? FLOAT : INT64);
  str(out, 8, t.name);
  bytes(out, 9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)); // raw_data, little-endian
  return out;
}

/** Serialize a graph as an ONNX ModelProto (IR version 8, default-domain opset `opset`, default 20). */
export function onnxModel(g: OnnxGraph): Uint8Array {
  const graph: Bytes = [];
  g.nodes.forEach((n, i) => {
    const node: Bytes = [];
    for (const x of n.inputs) str(node, 1, x);
    for (const x of n.outputs) str(node, 2, x);
    str(node, 3, `${n.op}_${i}`);
    str(node, 4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) msg(node, 5, attribute(k, v));
    msg(graph, 1, node);
  });
  str(graph, 2, "coil_bench");
  for (const t of g.inits ?? []) msg(graph, 5, tensorProto(t));
  for (const v of g.inputs) msg(graph, 11, valueInfo(v));
  for (const v of g.outputs) msg(graph, 12, valueInfo(v));
  const model: Bytes = [];
  int(model, 1, 8); // ir_version
  str(model, 2, "coil-bench");
  msg(model, 7, graph);
  const opset: Bytes = []; str(opset, 1, ""); int(opset, 2, g.opset ?? 20);
  msg(model, 8, opset);
  return Uint8Array.from(model);
}

/** An int64 initializer (Reshape shapes, axes). */
export function i64(name: string, values: number[]): OnnxInit {
  return { name, shape: [values.length], data: BigInt64Array.from(values.map((v) => BigInt(v))) };
}
