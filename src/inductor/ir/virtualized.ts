// inductor/ir/virtualized: the graph being lowered (Inductor's V.graph), so lowerings and realize()
// can register buffers and extern calls without threading the graph through every call.
// In: a graph context set for the duration of lowering. Out: V.graph.

import type { Buffer, ComputedBuffer, ExternKernel } from "./nodes.js";

export interface GraphContext {
  /** Name a new computed buffer (buf0, buf1, ...) and schedule it in program order. */
  registerBuffer(buf: ComputedBuffer): string;
  /** Name an extern/fallback call and its outputs, in program order. */
  registerExtern(k: ExternKernel): string;
  /** fx node currently being lowered (for origins and error messages). */
  readonly currentNode: string;
  /** That node's result meta (meta.val: a fake Tensor or an array of them). */
  readonly currentVal: unknown;
  /** Buffers by name (inputs, constants, computed, extern outputs). */
  getBuffer(name: string): Buffer | undefined;
}

let current: GraphContext | null = null;

export const V = {
  get graph(): GraphContext {
    if (!current) throw new Error("lowering: no graph is being lowered (V.graph is unset)");
    return current;
  },
  /** Run fn with `g` as V.graph. */
  withGraph<T>(g: GraphContext, fn: () => T): T {
    const saved = current;
    current = g;
    try { return fn(); } finally { current = saved; }
  },
};
