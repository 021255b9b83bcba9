// dynamo/compile: `coil.compile(fnOrModule, opts)`, torch.compile's front door. Keeps a cache of
// entries per compiled function (guards -> compiled graph or eager), captures on a guard miss, hands
// the GraphModule to the backend, falls back to eager on graph breaks and past cacheSizeLimit.
// In: a function or module-like object and options. Out: a callable with the same signature.

import { Tensor } from "../tensor/tensor.js";
import { activeTorchFunctionMode } from "../frontend/torch_function.js";
import { stage } from "../ops/dispatch.js";
import { GraphModule } from "../fx/index.js";
import { bump } from "../utils/counters.js";
import { log } from "../utils/logging.js";
import { dynamoConfig } from "./config.js";
import { isOpOverload, lookupOp } from "../ops/registry.js";
import { isKnownBackend, listBackends, lookupBackend, withBackendContext, type Backend, type CompiledGraphFn } from "./backends.js";
import { Tracer, GraphBreak, fakeInputs, isDataAccessError } from "./capture.js";
import { Guards, type ParamEntry } from "./guards.js";
import { flatten, mapTensors, sourceName, unflattenOut, isPlainObject, type OutSpec, type PathKey, type TensorLeaf, type TreeSpec } from "./pytree.js";
import { parseParams, userFrame, describeFrame } from "./source.js";
import { wasmFeatures } from "../wasm/features.js";
import { wasmReady } from "../wasm/ready.js";

export interface CompileOptions {
  /** A registered backend name ("inductor" (default; "eager" until the inductor stage registers it), "eager", "aot_eager", ...) or a function (gm, exampleInputs) => callable. */
  backend?: string | Backend;
  /** Throw on a graph break instead of running the call eagerly. */
  fullgraph?: boolean;
  /**
   * Accepted for torch.compile compatibility. coil specialises every graph on the input shapes today
   * (no symbolic shapes, no automatic dynamic shapes yet): `dynamic: true` still recompiles once per
   * distinct shape, up to `dynamoConfig.cacheSizeLimit`.
   */
  dynamic?: boolean | null;
  /**
   * Extra or overriding decompositions for the aten tracing of the aot stage (backends "aot_eager",
   * "inductor"): `{ "aten.gelu.default": (self, approximate) => ... }` or a Map keyed by OpOverload.
   * Each receives the op's schema arguments in order. See docs/aot.md.
   */
  decompositions?: Record<string, (...args: never[]) => unknown> | Map<unknown, (...args: never[]) => unknown>;
}

const OPTION_KEYS = new Set(["backend", "fullgraph", "dynamic", "decompositions"]);

/** A module-like object: nn.Module or anything with `forward` (and optionally a `call` that runs hooks). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ModuleLike { forward(...args: any[]): any }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

/** What compile() returns: the callable plus `warmup`. */
export type CompiledFn<F extends AnyFn> = F & {
  /**
   * Capture and compile for these example inputs without running the function (an entry whose guards they
   * pass is reused, also on FX graph cache hits), then wait until the Wasm backend is ready: its thread pool's
   * workers run and every kernel (and the eager GEMM/im2col module) is compiled, asynchronously. Browsers need
   * it before the first call (their main thread cannot compile large modules synchronously); elsewhere it moves
   * compile time out of the first call.
   */
  warmup(...args: Parameters<F>): Promise<void>;
};

interface GraphEntry {
  guards: Guards;
  kind: "graph";
  run: CompiledGraphFn;
  placeholderLeaves: number[];
  out: OutSpec;
}
interface EagerEntry {
  guards: Guards;
  kind: "eager";
  reason: string;
}
type Entry = GraphEntry | EagerEntry;

/** Bumped by reset(): every compiled function drops its cache when it sees a new epoch. */
let epoch = 0;

/** Forget every compiled entry of every compiled function (torch._dynamo.reset()). */
export function reset(): void {
  epoch++;
}

function validateDecompositions(d: unknown): void {
  if (d === undefined) return;
  if (!(d instanceof Map) && !isPlainObject(d)) throw new TypeError(`compile: decompositions must be an object or a Map from op to function (got ${d === null ? "null" : typeof d})`);
  for (const [k, fn] of d instanceof Map ? d.entries() : Object.entries(d)) {
    if (!isOpOverload(k) && !(typeof k === "string" && (lookupOp(k) ?? lookupOp(`aten.${k}`)))) throw new TypeError(`compile: decompositions: unknown op '${String(k)}'; use an OpOverload or a name like "aten.gelu.default"`);
    if (typeof fn !== "function") throw new TypeError(`compile: decompositions: the decomposition of ${String(k)} must be a function (got ${typeof fn})`);
  }
}

function validateOptions(opts: unknown): Required<Omit<CompileOptions, "dynamic" | "decompositions">> & { dynamic: boolean | null; decompositions?: CompileOptions["decompositions"] } {
  if (opts === undefined) return { backend: "inductor", fullgraph: false, dynamic: null };
  if (!isPlainObject(opts)) throw new TypeError(`compile: options must be an object like { backend: "eager", fullgraph: true } (got ${typeof opts})`);
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.has(k)) throw new TypeError(`compile: unknown option '${k}'; expected one of ${[...OPTION_KEYS].join(", ")}`);
  }
  const backend = opts.backend ?? "inductor";
  if (typeof backend === "string") {
    if (!isKnownBackend(backend)) throw new Error(`compile: unknown backend '${backend}'; registered backends: ${listBackends().join(", ")} (or pass a function (gm, exampleInputs) => callable)`);
  } else if (typeof backend !== "function") {
    throw new TypeError(`compile: backend must be a backend name or a function (gm, exampleInputs) => callable (got ${typeof backend})`);
  }
  const fullgraph = opts.fullgraph ?? false;
  if (typeof fullgraph !== "boolean") throw new TypeError(`compile: fullgraph must be a boolean (got ${typeof fullgraph})`);
  const dynamic = opts.dynamic ?? null;
  if (dynamic !== null && typeof dynamic !== "boolean") throw new TypeError(`compile: dynamic must be a boolean or null (got ${typeof dynamic})`);
  validateDecompositions(opts.decompositions);
  return { backend: backend as string | Backend, fullgraph, dynamic, decompositions: opts.decompositions as CompileOptions["decompositions"] };
}

function isModuleLike(x: unknown): x is ModuleLike {
  return typeof x === "object" && x !== null && typeof (x as { forward?: unknown }).forward === "function";
}

/**
 * Parameters and buffers of a module-like object, in a stable order: `namedParameters()` and
 * `namedBuffers()` when the object has them (nn.Module), else the tensors in its own fields (walked).
 */
export function moduleParams(mod: object): ParamEntry[] {
  const out: ParamEntry[] = [];
  const seen = new Set<Tensor>();
  const add = (name: string, t: unknown): void => {
    if (t instanceof Tensor && !seen.has(t)) { seen.add(t); out.push({ name, tensor: t }); }
  };
  let described = false;
  for (const method of ["namedParameters", "namedBuffers"]) {
    const m = (mod as Record<string, unknown>)[method];
    if (typeof m === "function") {
      described = true;
      for (const pair of m.call(mod) as Iterable<[string, unknown]>) add(pair[0], pair[1]);
    }
  }
  if (described) return out;
  const visited = new Set<unknown>([mod]);
  const walk = (obj: object, prefix: string, depth: number): void => {
    if (depth > 16) return;
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}.${k}` : k;
      if (v instanceof Tensor) add(name, v);
      else if (v !== null && typeof v === "object" && !visited.has(v)) {
        visited.add(v);
        walk(v, name, depth + 1);
      }
    }
  };
  walk(mod, "", 0);
  return out;
}

/** Training flags of a module and its submodules ("train,eval,..."), which change what forward does. */
export function moduleState(mod: object): string {
  const m = mod as { training?: unknown; namedModules?: () => Iterable<[string, { training?: unknown }]> };
  const flag = (x: { training?: unknown }): string => (x.training === true ? "train" : x.training === false ? "eval" : "-");
  if (typeof m.namedModules === "function") return [...m.namedModules()].map(([, sub]) => flag(sub)).join(",");
  return flag(m);
}

/** get_attr target of a module parameter: conv.weight -> L__self___conv_weight. */
const paramTarget = (name: string): string => `L__self___${name.replace(/[^A-Za-z0-9_]/g, "_")}`;

function leafNames(args: readonly unknown[], params: ReturnType<typeof parseParams>): PathKey[][] {
  const named = params.names;
  return args.map((_, i) => {
    if (i < named.length && named[i]) return [named[i]!];
    if (i >= named.length && params.rest) return [params.rest, i - named.length];
    return ["args", i];
  });
}

/**
 * Compile a function (or a module-like object's `call`/`forward`) like torch.compile. The first call
 * captures the function with fake tensors into an fx Graph, hands a GraphModule to the backend and
 * caches the result behind guards; later calls whose inputs pass the guards reuse it, others recompile.
 *
 * Graph breaks (data-dependent code such as `x.item()` on a traced tensor, or an op without a meta
 * rule): with `fullgraph: true` an error naming the operation and the source line; otherwise coil runs
 * the **whole call eagerly** (no graph splitting yet), counts `counters.graph_break[reason]` and runs
 * later calls with the same guards eagerly without re-tracing.
 *
 * Shapes are specialised (see CompileOptions.dynamic).
 */
export function compile<F extends AnyFn>(fn: F, opts?: CompileOptions): CompiledFn<F>;
export function compile<M extends ModuleLike>(mod: M, opts?: CompileOptions): CompiledFn<(...args: Parameters<M["forward"]>) => ReturnType<M["forward"]>>;
export function compile(fnOrModule: unknown, opts?: CompileOptions): AnyFn {
  const isModule = isModuleLike(fnOrModule);
  if (typeof fnOrModule !== "function" && !isModule) {
    throw new TypeError(`compile: expected a function or a module with a forward method (got ${fnOrModule === null ? "null" : typeof fnOrModule})`);
  }
  const options = validateOptions(opts);
  const mod = isModule ? (fnOrModule as ModuleLike & { call?: unknown }) : null;
  const target: AnyFn = mod
    ? (typeof mod.call === "function" ? (mod.call as AnyFn).bind(mod) : mod.forward.bind(mod))
    : (fnOrModule as AnyFn);
  const paramInfo = parseParams(mod ? mod.forward : (fnOrModule as AnyFn));
  const fnName = mod ? `${mod.constructor?.name ?? "module"}.forward` : ((fnOrModule as AnyFn).name || "<anonymous>");

  let entries: Entry[] = [];
  let myEpoch = epoch;
  let warnedLimit = false;

  const runEager = (args: unknown[]): unknown => target(...args);

  const runEntry = (e: Entry, args: unknown[], leaves: Tensor[]): unknown => {
    if (e.kind === "eager") return runEager(args);
    let outs = e.run(...e.placeholderLeaves.map((i) => leaves[i]!));
    if (!Array.isArray(outs)) outs = [outs];
    return unflattenOut(e.out, outs as unknown[]);
  };

  const compiled = function (this: unknown, ...args: unknown[]): unknown {
    // Called while another compile() is tracing: inline (trace through) like Dynamo does.
    if (activeTorchFunctionMode() instanceof Tracer) return target(...args);
    if (myEpoch !== epoch) { entries = []; myEpoch = epoch; warnedLimit = false; }
    const params = mod ? moduleParams(mod) : [];
    const state = mod ? moduleState(mod) : "";
    let lastReason = "";
    for (const e of entries) {
      const leaves: Tensor[] = [];
      const reason = e.guards.check(args, params, leaves, state);
      if (reason === null) return runEntry(e, args, leaves);
      lastReason ||= reason;
    }
    if (entries.length > 0) log("recompiles", () => `Recompiling function ${fnName}: triggered by the following guard failure(s):\n    - ${lastReason}`);
    if (entries.length >= dynamoConfig.cacheSizeLimit) {
      if (!warnedLimit) {
        warnedLimit = true;
        console.warn(`coil.compile: ${fnName} hit config.cacheSizeLimit (${dynamoConfig.cacheSizeLimit}); running it eagerly for inputs that match no compiled entry. Last guard failure: ${lastReason}. Most likely shapes or dtypes keep changing (coil specialises on shapes).`);
      }
      return runEager(args);
    }
    return captureAndRun(args, params, state);
  };

  /** Capture, compile and (unless run is false: warmup) run. */
  const captureAndRun = (args: unknown[], params: ParamEntry[], state: string, run = true): unknown => {
    bump("frames", "total");
    const argPaths = leafNames(args, paramInfo);
    const leafList: TensorLeaf[] = [];
    const specs: TreeSpec[] = args.map((a, i) => flatten(a, argPaths[i]!, leafList));
    const leaves = leafList.map((l) => l.tensor);
    const guards = new Guards(argPaths, specs, leaves, leafList.map((l) => l.path), params, dynamoConfig.guardParameterVersions, state);
    const { inputs, fakes } = fakeInputs(leaves, leafList.map((l) => sourceName(l.path)));
    const fakeOf = new Map<Tensor, Tensor>(leaves.map((t, i) => [t, fakes[i]!]));
    const fakeArgs = args.map((a) => mapTensors(a, (t) => fakeOf.get(t)!));
    const tracer = new Tracer(inputs, new Map(params.map((p) => [p.tensor, paramTarget(p.name)])));

    let capture;
    const prevStage = stage.current;
    stage.current = "capture";
    try {
      const result = tracer.trace(() => target(...fakeArgs));
      capture = tracer.finish(result);
    } catch (e) {
      stage.current = prevStage;
      const brk = e instanceof GraphBreak ? e
        : isDataAccessError(e) ? new GraphBreak(`data-dependent operation ${dataOpName(e as Error)}`, userFrame((e as Error).stack), e)
        : null;
      if (!brk) throw e;
      if (options.fullgraph || dynamoConfig.errorOnGraphBreak) {
        const err = new Error(`compile(fullgraph=true): ${brk.reason} ${describeFrame(brk.frame)} in ${fnName}; coil cannot capture it into one graph. Move data-dependent code out of the compiled function or compile without fullgraph.`, { cause: brk.cause ?? brk });
        throw err;
      }
      bump("graph_break", brk.reason);
      log("graph_breaks", () => `Graph break in ${fnName}: ${brk.reason} ${describeFrame(brk.frame)}; running the whole call eagerly`);
      entries.push({ guards, kind: "eager", reason: brk.reason });
      return run ? runEager(args) : undefined;
    }

    stage.current = prevStage;
    bump("frames", "ok");
    if (capture.callCount === 0) {
      // Nothing to compile (e.g. the function returns its input): run it as is, like Dynamo.
      entries.push({ guards, kind: "eager", reason: "no calls captured" });
      return run ? runEager(args) : undefined;
    }
    bump("stats", "calls_captured", capture.callCount);
    bump("stats", "unique_graphs");
    const gm = new GraphModule(capture.root, capture.graph);
    log("graph_code", () => `TRACED GRAPH ${fnName}\n${gm.code}\n${capture.graph.toString()}`);
    const backendName = typeof options.backend === "string" ? options.backend : (options.backend.name || "<custom backend>");
    const backendFn = typeof options.backend === "string" ? lookupBackend(options.backend) : options.backend;
    let graphFn: CompiledGraphFn;
    try {
      graphFn = withBackendContext({ decompositions: options.decompositions }, () => backendFn(gm, capture.exampleInputs));
    } catch (e) {
      throw new Error(`compile: backend '${backendName}' raised ${(e as Error)?.name ?? "an error"}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
    if (typeof graphFn !== "function") throw new TypeError(`compile: backend '${backendName}' must return a callable (got ${typeof graphFn})`);
    const entry: GraphEntry = { guards, kind: "graph", run: graphFn, placeholderLeaves: capture.placeholderLeaves, out: capture.out };
    entries.push(entry);
    return run ? runEntry(entry, args, leaves) : undefined;
  };

  const warmup = async (...args: unknown[]): Promise<void> => {
    if (myEpoch !== epoch) { entries = []; myEpoch = epoch; warnedLimit = false; }
    const params = mod ? moduleParams(mod) : [];
    const state = mod ? moduleState(mod) : "";
    const hit = entries.some((e) => e.guards.check(args, params, [], state) === null);
    if (!hit && entries.length < dynamoConfig.cacheSizeLimit) captureAndRun(args, params, state, false);
    if (wasmFeatures().simd) await wasmReady();
  };

  Object.defineProperty(compiled, "name", { value: `compiled_${fnName.replace(/\W/g, "_")}` });
  Object.defineProperty(compiled, "warmup", { value: warmup });
  return compiled as AnyFn;
}

/** "Tensor.data()" from "data access: cannot access the data of a fake tensor ..." style messages. */
function dataOpName(e: Error): string {
  const m = /^([\w.]+)\s*:/.exec(e.message);
  return m ? `${m[1]}` : "data access";
}
