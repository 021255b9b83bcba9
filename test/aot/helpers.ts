// Test helpers for the aot tests: hand a module to a backend as one call in a torch-level graph
// (bypassing dynamo's capture), and compare tensors. In: modules/tensors. Out: callables/diffs.

import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { nn } from "../../src/index.js";
import { Graph, GraphModule } from "../../src/fx/index.js";
import { lookupBackend } from "../../src/dynamo/backends.js";

export type Module = InstanceType<typeof nn.Module>;

/**
 * The model as one call_function node (parameters and buffers as get_attr nodes) handed to the
 * backend without dynamo: the aot stage traces through the module at the aten level. Compiles on
 * the first call (its inputs are the example inputs).
 */
export function viaBackend(mod: Module, backend: string): (...xs: coil.Tensor[]) => unknown {
  const entries = [...mod.namedParameters(), ...mod.namedBuffers()] as [string, coil.Tensor][];
  const attr = (n: string) => `L__self___${n.replace(/\W/g, "_")}`;
  const slots = entries.map(([n]) => {
    const path = n.split(".");
    const leaf = path.pop()!;
    return { owner: (path.length ? mod.getSubmodule(path.join(".")) : mod) as unknown as Record<string, unknown>, leaf };
  });
  // runs the module with its parameters/buffers replaced by the given tensors (functional call)
  const runWith = (nx: number, ...rest: coil.Tensor[]): unknown => {
    const xs = rest.slice(0, nx), ts = rest.slice(nx);
    const saved = slots.map((s) => s.owner[s.leaf]);
    slots.forEach((s, i) => { s.owner[s.leaf] = ts[i]; });
    try { return mod.call(...(xs as [])); } finally { slots.forEach((s, i) => { s.owner[s.leaf] = saved[i]; }); }
  };
  const root = Object.fromEntries(entries.map(([n, t]) => [attr(n), t]));
  let run: ((...a: coil.Tensor[]) => unknown) | null = null;
  return (...inputs) => {
    if (!run) {
      const g = new Graph();
      const xs = inputs.map((_, i) => g.placeholder(`l_x${i}_`));
      const attrs = entries.map(([n]) => g.getAttr(attr(n)));
      g.output([g.callFunction(runWith, [xs.length, ...xs, ...attrs])]);
      run = lookupBackend(backend)(new GraphModule(root, g), inputs);
    }
    const r = run(...inputs);
    return Array.isArray(r) ? r[0] : r;
  };
}

/** Largest relative difference between two tensors (asserts equal sizes). */
export function maxDiff(a: coil.Tensor, b: coil.Tensor): number {
  const x = a.toArray(), y = b.toArray();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(Number(x[i]) - Number(y[i])) / (1 + Math.abs(Number(y[i]))));
  return m;
}
