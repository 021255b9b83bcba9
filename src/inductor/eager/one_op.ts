// inductor/eager/one_op: compiles one eager op call into a Wasm program: a one-node inference FX graph
// (a placeholder per tensor argument, the op with its other arguments as constants, getitem per output)
// lowered, scheduled and generated with the Wasm codegen, with user hooks and caches out of the way (no
// custom passes, no pre/post-fusion hooks, no freezing, no FX graph cache: compileToArtifact directly).
// In: an op, its bound args, its tensor arguments. Out: a loaded callable plus the expected output layouts,
// or an Unaccelerated error saying why the op cannot run as Wasm kernels.

import { Tensor } from "../../tensor/tensor.js";
import { fakeFromMeta } from "../../ops/dispatch.js";
import { unbindArgs } from "../../ops/schema.js";
import type { Args, OpOverload } from "../../ops/registry.js";
import { Graph, GraphModule, getitem, type Node } from "../../fx/index.js";
import { config } from "../config.js";
import { compileToArtifact } from "../codegen/index.js";
import { CPU_WASM_FORMAT, loadCpuWasm } from "../runtime/cpu_wasm.js";

/** The op compiled, but not into Wasm kernels only (a JS kernel, an extern call, no kernel at all). */
export class Unaccelerated extends Error {}

export interface OutputLayout { shape: readonly number[]; strides: readonly number[]; dtype: string }

export interface OneOpProgram {
  call: (args: Tensor[]) => Tensor[];
  /** The meta rule's outputs: what every call must return. */
  outputs: OutputLayout[];
  /** The op returns a list (multi-output) rather than one tensor. */
  multi: boolean;
  wasmKernels: number;
  compileMs: number;
}

/** Dtypes whose eager calls are accelerated: the Wasm codegen's (16-bit floats converted in registers). */
export const ACCELERATED_DTYPES: ReadonlySet<string> = new Set(["float32", "bfloat16", "float16"]);

const fakeOf = (t: Tensor): Tensor => Tensor.fake(t.shape, t.dtype, t.device, t.strides);

/** Compile `op(args)` where `tensors` are the tensor arguments in the order `collectTensors` gives them. */
export function compileOneOp(op: OpOverload, args: Args, tensors: readonly Tensor[]): OneOpProgram {
  const t0 = performance.now();
  const g = new Graph();
  const placeholders = new Map<Tensor, Node>();
  const fakes = new Map<Tensor, Tensor>();
  tensors.forEach((t, i) => {
    if (placeholders.has(t)) return;
    const p = g.placeholder(`arg${i}`);
    const f = fakeOf(t);
    p.meta.val = f;
    placeholders.set(t, p);
    fakes.set(t, f);
  });
  const map = (v: unknown, to: (t: Tensor) => unknown): unknown =>
    v instanceof Tensor ? to(v) : Array.isArray(v) ? v.map((e) => map(e, to)) : v;
  const nodeArgs: Args = {}, fakeArgs: Args = {};
  for (const [k, v] of Object.entries(args)) {
    nodeArgs[k] = map(v, (t) => placeholders.get(t));
    fakeArgs[k] = map(v, (t) => fakes.get(t));
  }
  const { args: pos, kwargs } = unbindArgs(op.schema, nodeArgs);
  const n = g.callFunction(op, pos as never[], kwargs as never);
  const val = fakeFromMeta(op, fakeArgs);
  n.meta.val = val;
  const vals = Array.isArray(val) ? val : [val];
  if (vals.some((v) => !(v instanceof Tensor))) throw new Unaccelerated(`${op.qualname} does not return tensors only`);
  // another output dtype (a comparison's bool, argmax's int64) would be a JS kernel: decline before compiling
  const other = vals.find((v) => !ACCELERATED_DTYPES.has((v as Tensor).dtype.name));
  if (other) throw new Unaccelerated(`an output of dtype ${(other as Tensor).dtype.name}`);
  if (Array.isArray(val)) {
    g.output(val.map((v, i) => {
      const gi = g.callFunction(getitem, [n, i]);
      gi.meta.val = v;
      return gi;
    }));
  } else g.output([n]);
  const gm = new GraphModule({}, g);
  const artifact = config.patch({
    cpuBackend: "wasm", preFusionCustomPass: null, postFusionCustomPass: null, freezing: false, fxGraphCache: false,
  }, () => compileToArtifact(gm, { kind: "inference" }, "cpu"));
  const meta = artifact.meta as { wasmKernels?: number; jsKernels?: number; externCalls?: string[]; fallbacks?: string[] };
  if (artifact.format !== CPU_WASM_FORMAT) throw new Unaccelerated(`generated format ${artifact.format}`);
  if ((meta.jsKernels ?? 0) > 0) throw new Unaccelerated(`${meta.jsKernels} kernel(s) have no Wasm form`);
  if ((meta.externCalls?.length ?? 0) + (meta.fallbacks?.length ?? 0) > 0) {
    throw new Unaccelerated(`extern/fallback calls: ${[...(meta.externCalls ?? []), ...(meta.fallbacks ?? [])].join(", ")}`);
  }
  if (!meta.wasmKernels) throw new Unaccelerated("no Wasm kernel (the op lowers to a view or a copy of an input)");
  const call = loadCpuWasm(artifact);
  return {
    call,
    outputs: vals.map((v) => ({ shape: v.shape.slice(), strides: v.strides.slice(), dtype: v.dtype.name })),
    multi: Array.isArray(val),
    wasmKernels: meta.wasmKernels,
    compileMs: performance.now() - t0,
  };
}
