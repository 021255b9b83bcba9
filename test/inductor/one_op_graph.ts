// test/inductor/one_op_graph: compiles one aten call as a hand-built inference graph through the inductor
// backend directly (compileFxInner, no AOT): how lowering tests reach ops that compile() decomposes before
// lowering. In: an op and its arguments (real tensors become placeholders). Out: the compiled outputs.

import { Tensor } from "../../src/tensor/tensor.js";
import type { OpOverload } from "../../src/ops/registry.js";
import { Graph, GraphModule } from "../../src/fx/index.js";
import { compileFxInner } from "../../src/inductor/compile_fx.js";

/** Run `op(...args)` compiled as a one-node graph; tensors in args are the graph's inputs. */
export function compileOneOp(op: OpOverload, args: unknown[]): Tensor[] {
  const g = new Graph();
  const real: Tensor[] = [];
  const fake = (a: Tensor) => Tensor.fake(a.shape, a.dtype, a.device, a.strides);
  const fakeArgs = args.map((a, i) => {
    if (!(a instanceof Tensor)) return a;
    const p = g.placeholder(`arg${i}`);
    p.meta.val = fake(a);
    real.push(a);
    return p;
  });
  const n = g.callFunction(op, fakeArgs as never[]);
  n.meta.val = op(...args.map((a) => (a instanceof Tensor ? fake(a) : a)));
  g.output([n]);
  return compileFxInner(new GraphModule({}, g), real, { kind: "inference", numParams: 0, paramNames: [], params: [], mutatedInputIndices: [] })(real) as Tensor[];
}
