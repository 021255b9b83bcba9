// inductor/scheduler/extern_epilogue: epilogue fusion into extern kernels (Inductor's template epilogues,
// the mkldnn linear/conv + unary fusions). A float32 relu/clamp (relu6, hardtanh) applied elementwise to the
// result of mm/addmm/bmm/convolution, when it is that result's only reader, runs inside the extern call (the
// Wasm GEMM's activation epilogue): the pointwise node is dropped and its buffer becomes the extern's result.
// In: scheduler nodes in program order and the graph's outputs. Out: the nodes left, with
// ExternSchedulerNode.epilogue set on the externs that absorbed one.

import { float32, type DType } from "../../tensor/dtype.js";
import { Buffer, Pointwise, ReinterpretView } from "../ir/nodes.js";
import type { GraphOutput } from "../graph_lowering.js";
import type { Expr } from "../ir/indexing.js";
import type { MathOp, OpsHandler, OpsValue } from "../ir/ops.js";
import { ExternSchedulerNode, SchedulerNode } from "./nodes.js";

/** Ops whose result an activation epilogue may be fused into (the runtime's fast extern path). */
export const EPILOGUE_HOSTS = new Set(["aten.mm.default", "aten.addmm.default", "aten.bmm.default", "aten.convolution.default"]);

/** A symbolic value of the matcher: a load, a clamp-type op of one value, or anything else. */
type Sym = { k: "load"; name: string; index: Expr } | { k: "clamp"; x: Sym; lo: number; hi: number } | { k: "other" };

/** Records an inner function as a tiny tree, just enough to recognise clamp(load(x)). */
class ClampMatcher implements OpsHandler {
  load(name: string, index: Expr): OpsValue { return { k: "load", name, index } satisfies Sym; }
  constant(): OpsValue { return { k: "other" } satisfies Sym; }
  indexExpr(): OpsValue { return { k: "other" } satisfies Sym; }
  toDtype(x: OpsValue, dtype: DType): OpsValue { return dtype === float32 ? x : ({ k: "other" } satisfies Sym); }
  op(name: MathOp, args: readonly OpsValue[], dtype: DType, params?: readonly number[]): OpsValue {
    if (dtype !== float32 || args.length !== 1) return { k: "other" } satisfies Sym;
    const x = args[0] as Sym;
    if (name === "relu") return { k: "clamp", x, lo: 0, hi: Infinity } satisfies Sym;
    if (name === "clamp" && params?.length === 2 && !Number.isNaN(params[0]) && !Number.isNaN(params[1])) return { k: "clamp", x, lo: params[0]!, hi: params[1]! } satisfies Sym;
    return { k: "other" } satisfies Sym;
  }
}

/** [lo, hi] when n computes clamp(src[i], lo, hi) at its own index i (float32), else null. */
function clampOf(n: SchedulerNode, src: string): [number, number] | null {
  if (n.kind !== "pointwise" || n.node.getDtype() !== float32) return null;
  const a = n.access(n.ranges, []);
  if (a.reads.length !== 1 || a.reads[0]!.name !== src || a.reads[0]!.index.key !== a.write.key) return null;
  let v: Sym;
  try { v = (n.node.data as Pointwise).inner(new ClampMatcher(), a.vars) as Sym; } catch { return null; }
  if (v.k !== "clamp" || v.x.k !== "load" || v.x.name !== src) return null;
  return [v.lo, v.hi];
}

const sameLayout = (a: Buffer, b: Buffer) => {
  const x = a.layout, y = b.layout;
  return x.offset === y.offset && x.size.length === y.size.length && x.size.every((s, i) => s === y.size[i] && (s <= 1 || x.stride[i] === y.stride[i]));
};

/** Fold clamp-type epilogues into the extern calls that produce their only input. */
export function fuseExternEpilogues(nodes: readonly (SchedulerNode | ExternSchedulerNode)[], outputs: readonly GraphOutput[]): (SchedulerNode | ExternSchedulerNode)[] {
  const readers = new Map<string, number>();
  const bump = (name: string, k = 1) => readers.set(name, (readers.get(name) ?? 0) + k);
  for (const n of nodes) for (const r of n.readNames()) bump(r);
  for (const n of nodes) if (n instanceof ExternSchedulerNode) for (const w of n.writeNames()) if (!n.node.outputs.some((o) => o.name === w)) bump(w, 2);
  for (const o of outputs) {
    if (o instanceof ReinterpretView) bump(o.buffer.name, 2);
    else if (o instanceof Buffer) bump(o.name, 2);
  }
  const dropped = new Set<SchedulerNode>();
  for (let i = 0; i < nodes.length; i++) {
    const e = nodes[i]!;
    if (!(e instanceof ExternSchedulerNode) || e.node.kind !== "extern" || !EPILOGUE_HOSTS.has(e.node.op.qualname)) continue;
    if (e.node.outputs.length !== 1 || e.node.outputs[0]!.index !== null) continue;
    const out = e.node.outputs[0]!;
    if (out.getDtype() !== float32 || readers.get(out.name) !== 1) continue;
    const user = nodes.slice(i + 1).find((n) => n.readNames().has(out.name));
    if (!(user instanceof SchedulerNode) || !sameLayout(out, user.node)) continue;
    const act = clampOf(user, out.name);
    if (!act) continue;
    e.epilogue = { clamp: act, alias: user.name, origins: user.node.origins };
    dropped.add(user);
  }
  return dropped.size ? nodes.filter((n) => !(n instanceof SchedulerNode && dropped.has(n))) : nodes.slice();
}
