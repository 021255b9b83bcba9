// inductor/graph_lowering: walks a post-grad fx graph and lowers it to the loop-level IR (Inductor's
// GraphLowering). Placeholders become InputBuffers, get_attr nodes ConstantBuffers, call_function nodes
// go through the `lowerings` table (or their lowering-pattern handler, or an eager fallback), and the
// output realizes its values. In: a GraphModule. Out: buffers and extern calls in program order, outputs.

import { Tensor } from "../tensor/tensor.js";
import { contiguousStrides } from "../tensor/shape.js";
import { isOpOverload, type OpOverload } from "../ops/registry.js";
import { getitem, type GraphModule, type Node } from "../fx/index.js";
import { lowerings, targetName } from "./lowering_table.js";
import { FixedLayout, FlexibleLayout, type Layout } from "./ir/layout.js";
import {
  Buffer, ComputedBuffer, ConstantBuffer, ExternKernel, InputBuffer, Pointwise, ReinterpretView,
} from "./ir/nodes.js";
import { ReadsRecorder } from "./ir/ops.js";
import { makeVars } from "./ir/indexing.js";
import { StorageBox, TensorBox, realizeAsStrided, rootStorage } from "./ir/tensor_box.js";
import { V, type GraphContext } from "./ir/virtualized.js";
import { bindLowered, fallback } from "./lowering/index.js";

export type GraphOutput = Buffer | ReinterpretView | number | boolean | null;

/** Lowers one graph; after run(), `operations` lists what the wrapper executes, in order. */
export class GraphLowering implements GraphContext {
  readonly inputs: InputBuffer[] = [];
  readonly constants: Record<string, Tensor> = {};
  readonly constantBuffers: ConstantBuffer[] = [];
  readonly operations: (ComputedBuffer | ExternKernel)[] = [];
  readonly outputs: GraphOutput[] = [];
  /** Every placeholder in order (the module's call arguments). */
  readonly placeholderNames: string[] = [];
  private readonly env = new Map<Node, unknown>();
  private readonly nodesByName = new Map<string, Node>();
  private readonly buffers = new Map<string, Buffer>();
  private nextId = 0;
  currentNode = "";
  currentVal: unknown = undefined;

  constructor(readonly gm: GraphModule) {}

  registerBuffer(buf: ComputedBuffer): string {
    buf.name = `buf${this.nextId++}`;
    buf.origins.push(this.currentNode);
    this.buffers.set(buf.name, buf);
    this.operations.push(buf);
    return buf.name;
  }

  registerExtern(k: ExternKernel): string {
    k.name = `buf${this.nextId++}`;
    k.origins.push(this.currentNode);
    for (const o of k.outputs) {
      o.name = k.outputs.length === 1 && o.index === null ? k.name : `buf${this.nextId++}`;
      this.buffers.set(o.name, o);
    }
    this.operations.push(k);
    return k.name;
  }

  getBuffer(name: string): Buffer | undefined { return this.buffers.get(name); }

  run(): this {
    V.withGraph(this, () => {
      const env = this.env;
      for (const n of this.gm.graph.nodes) {
        this.nodesByName.set(n.name, n);
        this.currentNode = n.name;
        this.currentVal = n.meta.val ?? n.meta.exampleValue;
        try {
          if (n.op === "output") this.lowerOutput(n, env);
          else env.set(n, this.lowerNode(n, env));
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          throw new Error(`lowering: node ${n.name} (${targetName(n.target)}): ${msg}`, { cause: err });
        }
      }
    });
    for (const op of this.operations) if (op instanceof ComputedBuffer) op.origins = this.inlinedOrigins(op);
    return this;
  }

  /** The fx nodes a buffer computes: its own node plus the unrealized (inlined) nodes it reads, transitively. */
  private inlinedOrigins(buf: ComputedBuffer): string[] {
    const seen = new Set<string>();
    const visit = (name: string, root: boolean) => {
      const n = this.nodesByName.get(name);
      if (!n || seen.has(name)) return;
      if (n.op === "output" && root) { for (const inp of n.allInputNodes) visit(inp.name, false); return; }
      if (n.op !== "call_function") return;
      const v = this.env.get(n);
      const mine = n.target === getitem || (Array.isArray(v) ? v : [v]).some((b) => {
        const storage = b instanceof TensorBox ? rootStorage(b) : null;
        return storage !== null && (!(storage.data instanceof Buffer) || storage.data === buf);
      });
      if (!mine && !root) return;
      if (mine) seen.add(name);
      for (const inp of n.allInputNodes) visit(inp.name, false);
    };
    for (const o of buf.origins) visit(o, true);
    const order = [...this.nodesByName.keys()];
    return [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  }

  /** Short op name of a node (aten.cos.default -> cos), "" for non-op nodes. */
  originOp(name: string): string {
    const t = this.nodesByName.get(name)?.target;
    if (t === getitem || t === undefined) return "";
    return isOpOverload(t) ? t.opName : targetName(t);
  }
  originTarget(name: string): string {
    const t = this.nodesByName.get(name)?.target;
    return t === undefined ? name : targetName(t);
  }

  private lowerNode(n: Node, env: Map<Node, unknown>): unknown {
    const val = this.currentVal;
    if (n.op === "placeholder") {
      this.placeholderNames.push(n.name);
      if (!(val instanceof Tensor)) return val; // a non-tensor input is a specialised constant
      const buf = new InputBuffer(new FixedLayout(val.device, val.dtype, val.shape, val.strides, 0));
      buf.name = n.name;
      this.buffers.set(buf.name, buf);
      this.inputs.push(buf);
      return TensorBox.create(buf);
    }
    if (n.op === "get_attr") {
      const t = this.gm.getAttr(String(n.target));
      if (!(t instanceof Tensor)) return t;
      const buf = new ConstantBuffer(new FixedLayout(t.device, t.dtype, t.shape, t.strides, 0));
      buf.name = String(n.target).replace(/[^A-Za-z0-9_$]/g, "_");
      this.constants[buf.name] = t;
      this.constantBuffers.push(buf);
      this.buffers.set(buf.name, buf);
      return TensorBox.create(buf);
    }
    if (n.op !== "call_function") throw new Error(`${n.op} nodes are not supported by the inductor backend`);
    const args = n.args.map((a) => mapArg(a, env));
    const kwargs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.kwargs)) kwargs[k] = mapArg(v, env);
    const hasKw = Object.keys(kwargs).length > 0;
    if (n.target === getitem) return (args[0] as unknown[])[args[1] as number];
    let result: unknown;
    const handler = n.meta.loweringPattern as ((m: unknown, ...a: unknown[]) => unknown) | undefined;
    if (handler) result = handler(n.meta.loweringMatch, ...args, ...(hasKw ? [kwargs] : []));
    else if (lowerings.has(n.target as OpOverload)) result = lowerings.call(n.target as OpOverload, ...args, ...(hasKw ? [kwargs] : []));
    else if (isOpOverload(n.target)) result = fallback(n.target, bindLowered(n.target, hasKw ? [...args, kwargs] : args));
    else throw new Error(`no lowering for ${targetName(n.target)} and it is not an aten op with an eager kernel`);
    this.realizeIfReused(n, result);
    return result;
  }

  /** A computation read by several nodes is stored once instead of recomputed by each (Inductor's realize_hint). */
  private realizeIfReused(n: Node, result: unknown): void {
    const boxes = Array.isArray(result) ? result : [result];
    const users = [...n.users.keys()];
    // multi-output results: each getitem user counts for its own element
    const counts = Array.isArray(result)
      ? boxes.map((_, i) => users.filter((u) => u.target === getitem && u.args[1] === i).reduce((s, u) => s + u.users.size, 0))
      : [users.length];
    boxes.forEach((b, i) => {
      if (b instanceof TensorBox && counts[i]! > 1 && !isCheap(b)) b.realize();
    });
  }

  private lowerOutput(n: Node, env: Map<Node, unknown>): void {
    const raw = n.args[0];
    const vals = (Array.isArray(raw) ? raw : [raw]).map((a) => mapArg(a, env));
    const metas = (Array.isArray(raw) ? raw : [raw]).map((a) => (a && typeof a === "object" && "meta" in a ? ((a as Node).meta.val ?? (a as Node).meta.exampleValue) : undefined));
    vals.forEach((v, i) => {
      if (v instanceof TensorBox) {
        const meta = metas[i];
        if (meta instanceof Tensor) fixOutputLayout(v, meta);
        const out = realizeAsStrided(v);
        // Inductor's guarantee: every output has its meta's strides (a backward compiled against the
        // forward's saved tensors checks them). A view whose index collapsed to other strides (flip of
        // an expanded input) or a buffer laid out otherwise is copied into the expected layout.
        this.outputs.push(meta instanceof Tensor && !layoutMatches(out.layout, meta) ? copyToStrides(v, meta) : out);
      } else if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") this.outputs.push(v ?? null);
      else throw new Error(`output ${i} is not a tensor or a number (${String(v)})`);
    });
  }
}

function mapArg(a: unknown, env: Map<Node, unknown>): unknown {
  if (Array.isArray(a)) return a.map((e) => mapArg(e, env));
  if (a && typeof a === "object" && env.has(a as Node)) return env.get(a as Node);
  return a;
}

/** Pure loads and constants are cheaper to recompute than to store. */
function isCheap(b: TensorBox): boolean {
  const sb = b.data;
  if (!(sb instanceof StorageBox) || !(sb.data instanceof Pointwise)) return true;
  const rec = new ReadsRecorder();
  sb.data.inner(rec, makeVars("x", sb.data.ranges).vars);
  return rec.ops === 0 && rec.reads.length <= 1;
}

/** A graph output stored by a kernel gets the strides eager would give it, when those are dense. */
function fixOutputLayout(v: TensorBox, meta: Tensor): void {
  if (!(v.data instanceof StorageBox)) return;
  const sb = v.data;
  if (sb.data instanceof Pointwise) sb.realize();
  const buf = sb.data;
  if (!(buf instanceof ComputedBuffer) || !(buf.layout instanceof FlexibleLayout)) return;
  const dense = new FixedLayout(meta.device, buf.layout.dtype, buf.layout.size, meta.strides, 0);
  const sameRank = meta.strides.length === buf.layout.size.length;
  if (sameRank && dense.storageSize() === dense.numel() && !sameStrides(meta.strides, contiguousStrides(meta.shape))) {
    buf.layout = dense;
  }
}

const sameStrides = (a: readonly number[], b: readonly number[]) => a.every((s, i) => s === b[i]);

/** Same sizes, and the same strides in every dimension of size > 1 (what assert_size_stride checks). */
function layoutMatches(l: Layout, meta: Tensor): boolean {
  return l.size.length === meta.shape.length && l.size.every((s, i) => s === meta.shape[i]) &&
    l.stride.every((s, i) => s === meta.strides[i] || l.size[i]! <= 1);
}

/** A new buffer laid out with the meta's strides holding v's values. */
function copyToStrides(v: TensorBox, meta: Tensor): ComputedBuffer {
  const buf = new ComputedBuffer(new FixedLayout(meta.device, v.getDtype(), meta.shape, meta.strides, 0),
    new Pointwise(v.getDevice(), v.getDtype(), v.getSize(), v.makeLoader()));
  V.graph.registerBuffer(buf);
  return buf;
}

