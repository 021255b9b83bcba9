// aot/view_replay: the view bookkeeping of functionalisation. Every view a traced function takes is
// remembered as a chain of view steps from its root tensor; when an in-place op mutates a view, the
// new value is scattered back into the root through the inverse of each step (slice -> slice_scatter,
// select -> select_scatter, permute -> inverse permute, view-like -> view back), and every other view of
// that root is regenerated from the root's new value on its next use.
// In: view ops seen while tracing. Out: replay/scatter functions that call (and so record) aten ops.

import type { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { callBound } from "../ops/dispatch.js";
import type { Args, OpOverload } from "../ops/registry.js";

/** One view step: recompute the view from its source, or write a new view value back into its source. */
export interface ViewStep {
  op: string;
  replay(src: Tensor): Tensor;
  scatter(src: Tensor, newView: Tensor): Tensor;
}

export interface ViewInfo {
  root: Tensor;
  chain: ViewStep[];
  /** The root's generation when this view's node was made (stale when the root was mutated since). */
  generation: number;
}

const T = (x: unknown) => x as Tensor;
const shapeOf = (t: Tensor) => [...t.shape];
/** A contiguous copy, so the result can be viewed with any shape. */
const dense = (t: Tensor): Tensor => (t.isContiguous() ? t : T(aten.clone.default(t, { memory_format: "contiguous_format" })));

/** The view step for one output of a view op, or an error naming the op when it cannot be inverted. */
export function viewStep(op: OpOverload, args: Args, outputIndex: number, out: Tensor): ViewStep {
  const replayWith = (src: Tensor) => callBound(op, { ...args, self: src });
  const reshapeBack = (src: Tensor, nv: Tensor) => T(aten.view.default(dense(nv), shapeOf(src)));
  switch (op.opName) {
    case "slice":
      return { op: op.qualname, replay: (s) => T(replayWith(s)),
        scatter: (s, nv) => T(aten.slice_scatter.default(s, nv, args.dim, args.start, args.end, args.step)) };
    case "select":
      return { op: op.qualname, replay: (s) => T(replayWith(s)), scatter: (s, nv) => T(aten.select_scatter.default(s, nv, args.dim, args.index)) };
    case "permute": {
      const dims = (args.dims as number[]).map((d) => (d < 0 ? d + out.ndim : d));
      const inv = dims.map((_, i) => dims.indexOf(i));
      return { op: op.qualname, replay: (s) => T(replayWith(s)), scatter: (_s, nv) => T(aten.permute.default(nv, inv)) };
    }
    case "split": case "split_with_sizes": {
      const dim = (args.dim as number) < 0 ? (args.dim as number) + out.ndim : (args.dim as number);
      const sizes: number[] = op.opName === "split_with_sizes" ? args.split_sizes
        : splitSizes((args.self as Tensor).shape[dim]!, args.split_size as number);
      const start = sizes.slice(0, outputIndex).reduce((a, b) => a + b, 0);
      const end = start + sizes[outputIndex]!;
      return { op: op.qualname, replay: (s) => T(aten.slice.Tensor(s, dim, start, end, 1)),
        scatter: (s, nv) => T(aten.slice_scatter.default(s, nv, dim, start, end, 1)) };
    }
    case "view": case "_unsafe_view": case "unsqueeze": case "squeeze": case "alias": case "contiguous": case "t": case "transpose":
      if (op.opName === "t" || op.opName === "transpose") break; // decomposed to permute before we get here
      return { op: op.qualname, replay: (s) => T(replayWith(s)), scatter: reshapeBack };
    case "expand":
      // expanding to the same shape is an alias; a real broadcast cannot be written through (as eager)
      if ((args.self as Tensor).shape.length === out.shape.length && (args.self as Tensor).shape.every((d, i) => d === out.shape[i])) {
        return { op: op.qualname, replay: (s) => T(replayWith(s)), scatter: reshapeBack };
      }
      break;
    default:
      break;
  }
  return {
    op: op.qualname,
    replay: (s) => T(replayWith(s)),
    scatter: () => {
      throw new Error(`aot functionalisation: cannot write an in-place result back through ${op.qualname} (output [${out.shape.join(", ")}] ${out.dtype.name} is a view coil cannot invert); apply the op out of place [stage: aot functionalise]`);
    },
  };
}

function splitSizes(n: number, size: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < n; s += size) out.push(Math.min(size, n - s));
  return out;
}

/** New value of the root after `newView` replaced the view at the end of `chain` (records scatter ops). */
export function scatterIntoRoot(root: Tensor, chain: ViewStep[], newView: Tensor): Tensor {
  const intermediates: Tensor[] = [root];
  for (let i = 0; i < chain.length - 1; i++) intermediates.push(chain[i]!.replay(intermediates[i]!));
  let v = newView;
  for (let i = chain.length - 1; i >= 0; i--) v = chain[i]!.scatter(intermediates[i]!, v);
  return v;
}

/** Recompute a view from the root's current value (records the view ops). */
export function replayChain(root: Tensor, chain: ViewStep[]): Tensor {
  let v = root;
  for (const s of chain) v = s.replay(v);
  return v;
}
