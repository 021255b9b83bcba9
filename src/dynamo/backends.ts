// dynamo/backends: the backend registry (torch._dynamo.register_backend). A backend receives the
// captured GraphModule before anything else touches it, plus the fake example inputs in placeholder
// order, and returns the callable that runs the graph on real tensors. In: registrations. Out: lookups.

import type { Tensor } from "../tensor/tensor.js";
import type { GraphModule } from "../fx/index.js";

/** The callable a backend returns: takes real tensors in placeholder order, returns the graph's outputs. */
export type CompiledGraphFn = (...args: Tensor[]) => unknown;
export type Backend = (gm: GraphModule, exampleInputs: Tensor[]) => CompiledGraphFn;

const registry = new Map<string, Backend>();

/** Register (or replace) a named backend, e.g. "aot_eager" or "inductor" from the later stages. */
export function registerBackend(name: string, fn: Backend): void {
  if (typeof name !== "string" || !name) throw new TypeError(`registerBackend: name must be a non-empty string (got ${String(name)})`);
  if (typeof fn !== "function") throw new TypeError(`registerBackend: backend '${name}' must be a function (gm, exampleInputs) => callable`);
  registry.set(name, fn);
}

export function listBackends(): string[] {
  return [...registry.keys()].sort();
}

/** Names compile() accepts even before their stage registered them (they fall back to "eager"). */
const FALLS_BACK_TO_EAGER = new Set(["inductor"]);

export function isKnownBackend(name: string): boolean {
  return registry.has(name) || FALLS_BACK_TO_EAGER.has(name);
}

/** The backend function for a name; "inductor" resolves to "eager" until the inductor stage registers it. */
export function lookupBackend(name: string): Backend {
  const b = registry.get(name) ?? (FALLS_BACK_TO_EAGER.has(name) ? registry.get("eager") : undefined);
  if (!b) throw new Error(`compile: unknown backend '${name}'; registered backends: ${listBackends().join(", ")}`);
  return b;
}

/** Options of the compile() call whose backend is running now (read by later stages, e.g. aot's decompositions). */
export interface BackendContext {
  /** compile()'s `decompositions` option: op (or "aten.x.overload") -> decomposition, or a Map of them. */
  decompositions?: unknown;
}
let backendContext: BackendContext = {};
export function currentBackendContext(): BackendContext {
  return backendContext;
}
export function withBackendContext<R>(ctx: BackendContext, fn: () => R): R {
  const prev = backendContext;
  backendContext = ctx;
  try { return fn(); } finally { backendContext = prev; }
}

/** "eager": run the captured GraphModule as is, on real tensors. */
registerBackend("eager", (gm) => (...args: Tensor[]) => gm.forward(...args));
