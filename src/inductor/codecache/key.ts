// inductor/codecache/key: the FX graph cache key of one forward/backward/inference graph, computed on
// the graph handed to compileFxInner (before the post-grad passes): a canonical printing of the graph
// (targets, constant args, get_attr tensors with their data hash, node metadata), the inputs' metadata,
// GraphCompileInfo, the output-affecting config (hooks as uuids), each device's backend pass uuid, and
// the versions. In: a GraphModule, example inputs, compile info. Out: a sha256 key, or a bypass reason.

import { Tensor } from "../../tensor/tensor.js";
import { GraphModule, Node, isTuple, isPlainObject } from "../../fx/index.js";
import type { GraphCompileInfo } from "../../aot/index.js";
import { sha256Hex } from "../../platform/node.js";
import { config } from "../config.js";
import { hookUuid, type GraphHook, type PartitionerHook } from "../custom_graph_pass.js";
import { getCustomBackendConfigForDevice, getCustomBackendPassForDevice } from "../backend_registry.js";
import { devicesInGraph } from "../fx_passes/post_grad.js";
import { elementRange, storageBytes } from "./serialize.js";
import { CACHE_ENTRY_FORMAT, COIL_VERSION } from "./version.js";

/** Thrown inside the key computation when something cannot be identified; becomes a bypass. */
class Unhashable extends Error {}

export type CacheKeyResult =
  | { key: string; bypass: null; details: Record<string, unknown> }
  | { key: null; bypass: string };

/** Hooks whose uuids the key holds, in pipeline order (the pre-grad hook's effect is in the graph). */
export const KEYED_HOOKS = ["jointCustomPrePass", "jointCustomPostPass", "postGradCustomPrePass", "postGradCustomPostPass", "customPartitionerFn"] as const;

export interface KeyOptions {
  /** Identifies the code generator and its output format (e.g. "cpu-js/1"). */
  codegenId: string;
  /** Hash of coil's own sources where the platform can compute one (Node), else null. */
  sourceFingerprint: string | null;
}

/** Shape, strides, offset, dtype, device, requiresGrad of a tensor (no data). */
export function tensorMeta(t: Tensor): Record<string, unknown> {
  return { shape: [...t.shape], strides: [...t.strides], offset: t.offset, dtype: t.dtype.name, device: t.device, requiresGrad: t.requiresGrad };
}

/** sha256 of the storage bytes a tensor reads (with its layout); fake tensors: "fake". */
export function tensorDataHash(t: Tensor): string {
  const data = t.storage.data;
  if (data === null) return "fake";
  const r = elementRange(t);
  if (!r) return "empty";
  return sha256Hex(JSON.stringify([r[0], t.offset, t.shape, t.strides]), storageBytes(data, r[0], r[1]));
}

function targetId(n: Node): string {
  const t = n.target;
  if (typeof t === "string") return JSON.stringify(t);
  const o = t as { kind?: string; qualname?: string; coilName?: string; fxName?: string };
  if ((typeof t === "function" || typeof t === "object") && t !== null) {
    if (o.kind === "OpOverload" && typeof o.qualname === "string") return o.qualname;
    if (typeof o.coilName === "string") return `coil:${o.coilName}`;
    if (typeof o.fxName === "string") return `fx:${o.fxName}`;
  }
  const name = typeof t === "function" ? t.name || "<anonymous>" : String(t);
  throw new Unhashable(`node %${n.name} calls '${name}', a function the cache cannot identify`);
}

function argText(a: unknown, path: string): string {
  if (a instanceof Node) return `%${a.name}`;
  if (a === undefined) return "undefined";
  if (a === null) return "null";
  switch (typeof a) {
    case "number": return Object.is(a, -0) ? "-0" : Number.isNaN(a) ? "NaN" : String(a);
    case "boolean": return String(a);
    case "bigint": return `${a}n`;
    case "string": return JSON.stringify(a);
    default: break;
  }
  if (Array.isArray(a)) {
    const inner = a.map((x, i) => argText(x, `${path}[${i}]`)).join(",");
    return isTuple(a) ? `(${inner})` : `[${inner}]`;
  }
  if (a instanceof Tensor) return `tensor(${JSON.stringify(tensorMeta(a))},${tensorDataHash(a)})`;
  if (typeof a === "object") {
    const o = a as { itemsize?: unknown; name?: unknown };
    if ("itemsize" in o && typeof o.name === "string") return `dtype:${o.name}`;
    if (isPlainObject(a)) return `{${Object.entries(a).map(([k, v]) => `${JSON.stringify(k)}:${argText(v, `${path}.${k}`)}`).join(",")}}`;
  }
  const desc = typeof a === "function" ? `function '${a.name || "<anonymous>"}'` : `${(a as object).constructor?.name ?? "an object"}`;
  throw new Unhashable(`${path} holds ${desc}, which the cache cannot hash`);
}

function metaText(v: unknown): string {
  if (v instanceof Tensor) return JSON.stringify(tensorMeta(v));
  if (Array.isArray(v)) return `[${v.map(metaText).join(",")}]`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return "-";
}

/** A canonical, complete printing of a graph: one line per node, attributes' values hashed. */
export function canonicalGraph(gm: GraphModule): string {
  const lines: string[] = [];
  for (const n of gm.graph.nodes) {
    let line = `${n.name}=${n.op}`;
    if (n.op === "call_function") line += ` ${targetId(n)}`;
    else if (n.op === "call_module") throw new Unhashable(`node %${n.name} calls submodule '${String(n.target)}'`);
    else if (n.op !== "output") line += ` ${JSON.stringify(String(n.target))}`;
    if (n.op === "get_attr") {
      const v = gm.getAttr(String(n.target));
      if (v instanceof Tensor) line += ` = tensor(${JSON.stringify(tensorMeta(v))},${tensorDataHash(v)})`;
      else if (v instanceof GraphModule) line += ` = {${canonicalGraph(v)}}`;
      else line += ` = ${argText(v, `get_attr '${String(n.target)}'`)}`;
    }
    line += ` (${n.args.map((a, i) => argText(a, `%${n.name} arg ${i}`)).join(", ")})`;
    if (Object.keys(n.kwargs).length) line += ` ${argText({ ...n.kwargs }, `%${n.name} kwargs`)}`;
    line += ` : ${metaText(n.meta.val ?? n.meta.exampleValue)}`;
    lines.push(line);
  }
  return lines.join("\n");
}

function inputMeta(x: unknown): unknown {
  if (x instanceof Tensor) return tensorMeta(x);
  if (typeof x === "number" || typeof x === "boolean" || typeof x === "string" || x === null) return x;
  return typeof x;
}

/** Every field of GraphCompileInfo (today: kind, lifted params' count, names and metadata, mutated
 * inputs), tensors by metadata, so fields added later are keyed too. */
function infoParts(v: unknown): unknown {
  if (v instanceof Tensor) return tensorMeta(v);
  if (Array.isArray(v)) return v.map(infoParts);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, infoParts(x)]));
  return inputMeta(v);
}

/** The first keyed hook whose uuid is unknown (a plain function or uuid() returning null), or null. */
export function unkeyedHook(): string | null {
  for (const k of KEYED_HOOKS) {
    if (hookUuid(config[k] as GraphHook | PartitionerHook) === null) return k;
  }
  return null;
}

function backendPasses(gm: GraphModule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const device of devicesInGraph(gm)) {
    const pass = getCustomBackendPassForDevice(device);
    let uuid: string | null = "";
    if (typeof pass === "function") uuid = null;
    else if (pass) uuid = pass.uuid();
    if (uuid === null || uuid === undefined) throw new Unhashable(`the custom backend pass of device '${device}' has no uuid`);
    out[device] = { pass: uuid, config: argText(getCustomBackendConfigForDevice(device), `backend config of '${device}'`) };
  }
  return out;
}

/**
 * The cache key of a graph about to enter the post-grad passes, or why the compile must bypass the
 * cache: a keyed hook without a uuid, freezing on an inference graph, or an unidentifiable target/value.
 */
export function computeCacheKey(gm: GraphModule, examples: readonly unknown[], info: GraphCompileInfo, opts: KeyOptions): CacheKeyResult {
  if (config.freezing && info.kind === "inference") return { key: null, bypass: "freezing is on (frozen parameters are baked into the code)" };
  const hook = unkeyedHook();
  if (hook) return { key: null, bypass: `config.${hook} holds a plain function or a pass whose uuid() is null` };
  const configParts = config.cacheKeyParts();
  if (configParts === null) return { key: null, bypass: "a config hook has no uuid" };
  try {
    const details: Record<string, unknown> = {
      graph: canonicalGraph(gm),
      inputs: examples.map(inputMeta),
      info: infoParts(info),
      config: configParts,
      backendPasses: backendPasses(gm),
      coilVersion: COIL_VERSION,
      sourceFingerprint: opts.sourceFingerprint,
      entryFormat: CACHE_ENTRY_FORMAT,
      codegen: opts.codegenId,
    };
    return { key: sha256Hex(JSON.stringify(details)), bypass: null, details };
  } catch (e) {
    if (e instanceof Unhashable) return { key: null, bypass: e.message };
    throw e;
  }
}
