// inductor/pattern_matcher/trace: the default replacement tracer, a small make_fx: runs a function on
// fake tensors under a recording dispatch mode and records every aten op into an fx Graph.
// In: a function and example inputs (tensors or constants). Out: an aten-level Graph with meta.val.

import { Graph, Node, getitem, parseParams, type Argument } from "../../fx/index.js";
import { Tensor } from "../../tensor/tensor.js";
import { withDispatchMode } from "../../ops/dispatch.js";
import { unbindArgs } from "../../ops/schema.js";
import type { Args, KernelResult, OpOverload } from "../../ops/registry.js";

/**
 * Parameter names for KeywordArgs: the positional names plus a rest parameter's name; null when they
 * cannot be read (native or bound functions, destructured parameters).
 */
export function parameterNames(fn: (...a: never[]) => unknown): string[] | null {
  if (/\[native code\]/.test(Function.prototype.toString.call(fn))) return null;
  const info = parseParams(fn);
  if (info.names.some((n) => n === null)) return null;
  return [...(info.names as string[]), ...(info.rest ? [info.rest] : [])];
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
