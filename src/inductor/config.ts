// inductor/config: the compiler's settings (PyTorch's torch._inductor.config in TS form): custom-pass
// hooks, pattern matcher, freezing, dce, caching, the CPU code generator. Every value is validated on
// assignment; patch() scopes overrides. In: user assignments and patches, COIL_CACHE_DIR and COIL_CPU_BACKEND.
// Out: the current values, snapshots and cache-key parts.

import { readEnv } from "../utils/logging.js";
import { wasmFeatures } from "../wasm/features.js";
import {
  hookUuid, isGraphHook, isPartitionerHook, type GraphHook, type PartitionerHook,
} from "./custom_graph_pass.js";

export interface ConfigValues {
  /** Runs on the captured torch-level graph before autograd (changes forward and backward). */
  preGradCustomPass: GraphHook;
  /** Runs on the joint (training) or forward (inference) aten graph before the built-in joint patterns. */
  jointCustomPrePass: GraphHook;
  /** Runs on the same graph after the built-in joint patterns. */
  jointCustomPostPass: GraphHook;
  /** Runs on each forward/backward/inference aten graph before the built-in post-grad patterns. */
  postGradCustomPrePass: GraphHook;
  /** Runs on each forward/backward/inference aten graph after the built-in post-grad patterns. */
  postGradCustomPostPass: GraphHook;
  /** Replaces the min-cut partitioner (training only). */
  customPartitionerFn: PartitionerHook;
  /** Built-in pattern passes (pre-grad, joint, post-grad). Custom hooks run either way. */
  patternMatcher: boolean;
  /** Inference: turn unmutated parameters into constants and fold them. */
  freezing: boolean;
  dce: boolean;
  fxGraphCache: boolean;
  /** Also keep compiled artifacts on disk (in cacheDir) so later processes reuse them. */
  fxGraphCacheDisk: boolean;
  /** Where compiled artifacts are cached; null = the platform default. */
  cacheDir: string | null;
  /** In-memory FX graph cache limits (least recently used entries are evicted beyond either). */
  fxGraphCacheMemoryMaxEntries: number;
  fxGraphCacheMemoryMaxBytes: number;
  /** On-disk FX graph cache limit: after a write, the oldest entries are pruned beyond it (best effort). */
  fxGraphCacheDiskMaxBytes: number;
  /** Name of a node whose failed pattern matches are explained in the log (and kept in explanations). */
  debugPatternMatcher: string | null;
  /**
   * Code generator for device "cpu": "wasm" (f32x4 WebAssembly kernels, JS per-kernel fallback; the default
   * where WebAssembly SIMD is available) or "js" (JavaScript kernels: the fallback, and for debugging).
   * COIL_CPU_BACKEND=js|wasm overrides the default. "wasm" without SIMD is an error.
   */
  cpuBackend: "js" | "wasm";
  /**
   * Inductor's _pre_fusion_custom_pass: receives the scheduler nodes (SchedulerNode / ExternSchedulerNode)
   * in program order before fusion and returns the list to fuse. Plain functions bypass the FX graph cache.
   */
  preFusionCustomPass: ((nodes: unknown[]) => unknown[]) | null;
  /** Inductor's _post_fusion_custom_pass: receives the fused kernels and extern calls, returns the list to generate. */
  postFusionCustomPass: ((items: unknown[]) => unknown[]) | null;
}

export type ConfigKey = keyof ConfigValues;

interface KeySpec {
  type: string; check: (v: unknown) => boolean; default: () => unknown; affectsOutput: boolean; hook?: boolean;
  /** A well-typed value this engine cannot honour: the reason (thrown as an Error), else null. */
  unavailable?: (v: unknown) => string | null;
}

const hook = (): KeySpec => ({
  type: "null, a function (graph, ctx) => void, a CustomGraphPass, or an array of those",
  check: isGraphHook, default: () => null, affectsOutput: true, hook: true,
});
/** A scheduler hook: null or a function (the cache cannot hash a function's behaviour: it bypasses). */
const fusionHook = (): KeySpec => ({
  type: "null or a function (nodes) => nodes", check: (v) => v === null || typeof v === "function", default: () => null, affectsOutput: true, hook: true,
});
const bool = (d: boolean, affectsOutput = true): KeySpec => ({ type: "boolean", check: (v) => typeof v === "boolean", default: () => d, affectsOutput });
const count = (d: number): KeySpec => ({
  type: "a non-negative integer", check: (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= 0, default: () => d, affectsOutput: false,
});
const strOrNull = (d: () => string | null, affectsOutput: boolean): KeySpec => ({
  type: "string or null", check: (v) => v === null || typeof v === "string", default: d, affectsOutput,
});

const NO_SIMD = "but this engine's WebAssembly has no SIMD (wasmFeatures().simd is false)";

/** "wasm" where WebAssembly SIMD is available, else "js"; COIL_CPU_BACKEND=js|wasm overrides (bad values throw). */
function defaultCpuBackend(): "js" | "wasm" {
  const env = readEnv("COIL_CPU_BACKEND");
  if (env === undefined || env === "") return wasmFeatures().simd ? "wasm" : "js";
  if (env !== "js" && env !== "wasm") throw new Error(`inductor config: COIL_CPU_BACKEND must be "js" or "wasm" (or unset), got ${JSON.stringify(env)}`);
  if (env === "wasm" && !wasmFeatures().simd) throw new Error(`inductor config: COIL_CPU_BACKEND=wasm asks for the WebAssembly codegen, ${NO_SIMD}; set COIL_CPU_BACKEND=js or unset it`);
  return env;
}

const SPECS: Record<ConfigKey, KeySpec> = {
  preGradCustomPass: { ...hook(), affectsOutput: false }, // its effect is part of the graph the cache hashes
  jointCustomPrePass: hook(),
  jointCustomPostPass: hook(),
  postGradCustomPrePass: hook(),
  postGradCustomPostPass: hook(),
  customPartitionerFn: {
    type: "null, a function (joint, opts) => {forward, backward}, or a CustomPartitionerFn",
    check: isPartitionerHook, default: () => null, affectsOutput: true, hook: true,
  },
  patternMatcher: bool(true),
  freezing: bool(false),
  dce: bool(true),
  fxGraphCache: bool(true, false),
  fxGraphCacheDisk: bool(true, false),
  cacheDir: strOrNull(() => readEnv("COIL_CACHE_DIR") || null, false), // unset or empty: the platform default
  fxGraphCacheMemoryMaxEntries: count(1024),
  fxGraphCacheMemoryMaxBytes: count(256 * 2 ** 20),
  fxGraphCacheDiskMaxBytes: count(2 ** 30),
  debugPatternMatcher: strOrNull(() => null, false),
  cpuBackend: {
    type: '"js" or "wasm"', check: (v) => v === "js" || v === "wasm", affectsOutput: true,
    default: defaultCpuBackend,
    unavailable: (v) => (v === "wasm" && !wasmFeatures().simd ? `'cpuBackend' = "wasm" asks for the WebAssembly codegen, ${NO_SIMD}; use "js" (the JavaScript codegen)` : null),
  },
  preFusionCustomPass: fusionHook(),
  postFusionCustomPass: fusionHook(),
};

const KEYS = Object.keys(SPECS) as ConfigKey[];

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "function") return "a function";
  if (typeof v === "object") return `an object (${v.constructor?.name ?? "Object"})`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function validate(key: string, value: unknown): void {
  const spec = (SPECS as Record<string, KeySpec | undefined>)[key];
  if (!spec || !Object.prototype.hasOwnProperty.call(SPECS, key)) {
    throw new TypeError(`inductor config: unknown key '${key}'; known keys: ${KEYS.join(", ")}`);
  }
  if (!spec.check(value)) {
    throw new TypeError(`inductor config: '${key}' must be ${spec.type}, got ${describe(value)}`);
  }
  const why = spec.unavailable?.(value);
  if (why) throw new Error(`inductor config: ${why}`);
}

/** Scoped overrides returned by `config.patch(overrides)` (already applied). */
export interface ConfigPatch extends Disposable {
  /** Undo this patch now (idempotent). */
  restore(): void;
  /**
   * Use the patch as a decorator: undoes the immediate application, then returns a function that
   * applies the overrides around each call (restored on return, throw or promise settlement).
   */
  wrap<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

export interface Config extends ConfigValues {
  patch<R>(overrides: Partial<ConfigValues>, fn: () => R): R;
  patch(overrides: Partial<ConfigValues>): ConfigPatch;
  snapshot(): ConfigValues;
  /** Values that change compiled output, passes replaced by their uuid(); null = bypass the cache. */
  cacheKeyParts(): Record<string, unknown> | null;
  /** Restore every key to its default. */
  reset(): void;
  keys(): ConfigKey[];
}

const values = {} as Record<ConfigKey, unknown>;
for (const k of KEYS) values[k] = SPECS[k].default();

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as PromiseLike<unknown>).then === "function";
}

/** Apply overrides after validating all of them; returns the function that restores the old values. */
function apply(overrides: Partial<ConfigValues>): () => void {
  if (typeof overrides !== "object" || overrides === null) throw new TypeError("inductor config.patch: overrides must be an object");
  const entries = Object.entries(overrides);
  for (const [k, v] of entries) validate(k, v);
  const saved = entries.map(([k]) => [k, values[k as ConfigKey]] as const);
  for (const [k, v] of entries) values[k as ConfigKey] = v;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const [k, v] of saved.reverse()) values[k as ConfigKey] = v;
  };
}

function runPatched<R>(overrides: Partial<ConfigValues>, fn: () => R): R {
  const restore = apply(overrides);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).finally(restore) as unknown as R;
  }
  restore();
  return result;
}

function patch<R>(overrides: Partial<ConfigValues>, fn?: () => R): R | ConfigPatch {
  if (fn !== undefined) {
    if (typeof fn !== "function") throw new TypeError("inductor config.patch: second argument must be a function");
    return runPatched(overrides, fn);
  }
  const restore = apply(overrides);
  const frozen = { ...overrides };
  return {
    restore,
    [Symbol.dispose]: restore,
    wrap<A extends unknown[], R2>(f: (...args: A) => R2): (...args: A) => R2 {
      restore();
      const wrapped = function (this: unknown, ...args: A): R2 { return runPatched(frozen, () => f.apply(this, args)); };
      Object.defineProperty(wrapped, "name", { value: f.name });
      return wrapped;
    },
  };
}

const methods = {
  patch,
  snapshot: (): ConfigValues => ({ ...values }) as ConfigValues,
  cacheKeyParts(): Record<string, unknown> | null {
    const out: Record<string, unknown> = {};
    for (const k of KEYS) {
      const spec = SPECS[k];
      if (!spec.affectsOutput) continue;
      if (spec.hook) {
        const u = hookUuid(values[k] as GraphHook | PartitionerHook);
        if (u === null) return null;
        out[k] = u;
      } else out[k] = values[k];
    }
    return out;
  },
  reset(): void { for (const k of KEYS) values[k] = SPECS[k].default(); },
  keys: (): ConfigKey[] => [...KEYS],
};

/** The global inductor configuration. Assigning an unknown key or a wrong-typed value throws TypeError. */
export const config: Config = new Proxy(methods as unknown as Config, {
  get(target, k) {
    if (typeof k === "string" && Object.prototype.hasOwnProperty.call(SPECS, k)) return values[k as ConfigKey];
    return (target as unknown as Record<string | symbol, unknown>)[k];
  },
  set(_t, k, v) {
    if (typeof k !== "string") throw new TypeError("inductor config: keys are strings");
    validate(k, v);
    values[k as ConfigKey] = v;
    return true;
  },
  has(_t, k) { return typeof k === "string" && Object.prototype.hasOwnProperty.call(SPECS, k); },
  ownKeys() { return [...KEYS]; },
  getOwnPropertyDescriptor(_t, k) {
    if (typeof k === "string" && Object.prototype.hasOwnProperty.call(SPECS, k)) {
      return { value: values[k as ConfigKey], writable: true, enumerable: true, configurable: true };
    }
    return undefined;
  },
  deleteProperty(_t, k) { throw new TypeError(`inductor config: cannot delete '${String(k)}'`); },
  defineProperty(_t, k) { throw new TypeError(`inductor config: unknown key '${String(k)}'; known keys: ${KEYS.join(", ")}`); },
});
