// tools/fuzz/shrink: delta-debugging shrinker. Repeatedly tries smaller variants of a failing program
// (fewer outputs, ops dropped with their uses rerouted to the op's first argument, unused inputs removed,
// smaller dims, simpler layouts/dtypes, no training) and keeps any variant that fails the same way.
// In: a failing Program and a predicate. Out: a locally minimal Program.

import type { Program, InputSpec } from "./program.js";
import { FUZZ_OPS } from "./ops.js";

const clone = (p: Program): Program => JSON.parse(JSON.stringify(p)) as Program;

/** Drop op k; its value's uses are rerouted to its first argument. */
export function removeOp(p: Program, k: number): Program {
  const n = p.inputs.length, id = n + k, repl = p.ops[k]!.args[0]!;
  const map = (v: number) => (v === id ? repl : v > id ? v - 1 : v);
  const q = clone(p);
  q.ops.splice(k, 1);
  for (const o of q.ops) o.args = o.args.map(map);
  q.outputs = [...new Set(q.outputs.map(map))];
  return q;
}

/** Drop input i (only when nothing uses it). */
function removeInput(p: Program, i: number): Program | null {
  if (p.ops.some((o) => o.args.includes(i)) || p.outputs.includes(i)) return null;
  const q = clone(p);
  q.inputs.splice(i, 1);
  const map = (v: number) => (v > i ? v - 1 : v);
  for (const o of q.ops) o.args = o.args.map(map);
  q.outputs = q.outputs.map(map);
  return q;
}

/** Drop ops whose results nobody uses (in-place ops stay: they act through their argument). */
function dce(p: Program): Program {
  let q = p;
  for (let changed = true; changed;) {
    changed = false;
    for (let k = q.ops.length - 1; k >= 0; k--) {
      const id = q.inputs.length + k;
      const used = q.outputs.includes(id) || q.ops.some((o) => o.args.includes(id));
      if (!used && !FUZZ_OPS[q.ops[k]!.op]!.inplace && q.ops.length > 1) { q = removeOp(q, k); changed = true; break; }
    }
  }
  return q;
}

function* candidates(p: Program): Generator<Program> {
  if (p.outputs.length > 1) for (const o of p.outputs) yield dce({ ...clone(p), outputs: [o] });
  for (let k = p.ops.length - 1; k >= 0; k--) if (p.ops.length > 1) { const q = removeOp(p, k); yield dce(q); yield q; }
  for (let i = p.inputs.length - 1; i >= 0; i--) { const q = removeInput(p, i); if (q) yield q; }
  if (p.train) yield { ...clone(p), train: false };
  for (let i = 0; i < p.inputs.length; i++) {
    const s = p.inputs[i]!;
    const variants: Partial<InputSpec>[] = [];
    if (s.layout !== "contiguous") variants.push({ layout: "contiguous", expandDims: undefined });
    if (s.requiresGrad) variants.push({ requiresGrad: false });
    if (s.dtype === "bfloat16" || s.dtype === "float64") variants.push({ dtype: "float32" });
    for (const v of variants) { const q = clone(p); Object.assign(q.inputs[i]!, v); yield q; }
    for (let d = 0; d < s.shape.length; d++) {
      for (const size of [1, Math.ceil(s.shape[d]! / 2), s.shape[d]! - 1]) {
        if (size >= s.shape[d]! || size < 1) continue;
        const q = clone(p);
        q.inputs[i]!.shape[d] = size;
        q.inputs[i]!.expandDims = q.inputs[i]!.expandDims?.filter((e) => q.inputs[i]!.shape[e]! > 1);
        yield q;
      }
    }
  }
}

/** Shrink p while `fails(candidate)` holds; at most `budget` predicate calls. */
export function shrink(p: Program, fails: (q: Program) => boolean, budget = 300): { program: Program; steps: number; calls: number } {
  let cur = p, steps = 0, calls = 0;
  for (let progress = true; progress && calls < budget;) {
    progress = false;
    for (const q of candidates(cur)) {
      if (calls >= budget) break;
      calls++;
      let ok = false;
      try { ok = fails(q); } catch { ok = false; }
      if (ok) { cur = q; steps++; progress = true; break; }
    }
  }
  return { program: cur, steps, calls };
}
