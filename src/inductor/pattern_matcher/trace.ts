// inductor/pattern_matcher/trace: the default replacement tracer, a small make_fx: runs a function on
// fake tensors under a recording dispatch mode and records every aten op into an fx Graph.
// In: a function and example inputs (tensors or constants). Out: an aten-level Graph with meta.val.

import { Graph, Node, getitem, type Argument } from "../../fx/index.js";
import { Tensor } from "../../tensor/tensor.js";
import { withDispatchMode } from "../../ops/dispatch.js";
import { unbindArgs } from "../../ops/schema.js";
import type { Args, KernelResult, OpOverload } from "../../ops/registry.js";

/** Parameter names of a JS function, from its source text (null when they cannot be read, e.g. bound functions). */
export function parameterNames(fn: (...a: never[]) => unknown): string[] | null {
  let src = Function.prototype.toString.call(fn);
  if (/\[native code\]/.test(src)) return null;
  src = src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "").trim();
  const arrow1 = /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (arrow1) return [arrow1[1]!];
  const open = src.indexOf("(");
  if (open < 0) return null;
  let depth = 0;
  let end = -1;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) { end = i; break; }
    }
  }
  if (end < 0) return null;
  const inner = src.slice(open + 1, end);
  const parts: string[] = [];
  let cur = "";
  depth = 0;
  for (const c of inner) {
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    if (c === "," && depth === 0) { parts.push(cur); cur = ""; } else cur += c;
  }
  if (cur.trim()) parts.push(cur);
  const names: string[] = [];
  for (const p of parts) {
    const name = p.split("=")[0]!.replace(/^\s*\.\.\./, "").replace(/:.*$/, "").trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) return null; // destructuring: no usable name
    names.push(name);
  }
  return names;
}

function toFake(t: Tensor): Tensor {
  return t.isFake ? t : Tensor.fake(t.shape, t.dtype, t.device, t.strides);
}

/**
 * Trace `fn(...exampleArgs)` into an aten graph. Tensor inputs become placeholders (run as fake
 * tensors, so nothing is computed); other inputs become placeholders too, while fn sees their
 * literal value (baked into the graph as constants, as make_fx does).
 */
export function traceAten(fn: (...args: unknown[]) => unknown, exampleArgs: readonly unknown[]): Graph {
  const g = new Graph();
  const env = new Map<Tensor, Node>();
  const names = parameterNames(fn) ?? [];
  const used = new Set<string>();
  const inputs = exampleArgs.map((v, i) => {
    let name = names[i] ?? `arg${i}`;
    while (used.has(name)) name = `${name}_`;
    used.add(name);
    const ph = g.placeholder(name);
    if (v instanceof Tensor) {
      const f = toFake(v);
      ph.meta.val = f;
      env.set(f, ph);
      return f;
    }
    if (v instanceof Node) throw new TypeError(`traceAten: input ${i} ('${name}') is an fx Node without meta.val; run fake-tensor propagation first or install a tracer with setReplacementTracer`);
    ph.meta.val = v;
    return v;
  });
  const toArg = (x: unknown): Argument => {
    if (x instanceof Tensor) {
      const n = env.get(x);
      if (!n) throw new Error(`traceAten: ${fn.name || "function"} uses a tensor that is neither an input nor computed inside it (constant tensors are not supported in replacement graphs)`);
      return n;
    }
    if (Array.isArray(x)) return x.map(toArg);
    return x as Argument;
  };
  const mode = {
    dispatch(op: OpOverload, bound: Args, next: (op: OpOverload, args: Args) => KernelResult): KernelResult {
      const out = next(op, bound);
      const { args, kwargs } = unbindArgs(op.schema, bound);
      const node = g.callFunction(op, args.map(toArg), Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, toArg(v)])));
      node.meta.val = out;
      if (Array.isArray(out)) {
        out.forEach((t, i) => {
          const gi = g.callFunction(getitem, [node, i]);
          gi.meta.val = t;
          env.set(t, gi);
        });
      } else env.set(out, node);
      return out;
    },
  };
  const result = withDispatchMode(mode, () => fn(...inputs));
  g.output(toArg(result));
  return g;
}
