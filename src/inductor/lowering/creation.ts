// inductor/lowering/creation: factory ops (full, zeros, ones, empty, *_like, new_*, scalar_tensor,
// arange) as Pointwise nodes of constants or index expressions; sizes and dtypes come from the node's
// meta (V.graph.currentVal), values are cast like eager (castScalar). In: args. Out: Pointwise TensorBoxes.

import { Tensor } from "../../tensor/tensor.js";
import { castScalar, float64 } from "../../tensor/dtype.js";
import { aten } from "../../ops/aten.js";
import type { OpOverload } from "../../ops/registry.js";
import { Pointwise } from "../ir/nodes.js";
import { box, lower } from "./common.js";
import { V } from "../ir/virtualized.js";

function metaTensor(op: string): Tensor {
  const v = V.graph.currentVal;
  if (!(v instanceof Tensor)) throw new Error(`lowering: ${op} (node ${V.graph.currentNode}) needs a tensor meta value`);
  return v;
}

function filled(op: OpOverload, value: number) {
  const t = metaTensor(op.qualname);
  const v = castScalar(value, t.dtype);
  return box(new Pointwise(t.device, t.dtype, t.shape, (ops) => ops.constant(v, t.dtype)));
}

const A = aten as unknown as Record<string, Record<string, OpOverload>>;
const FILLS: [string, string, number | null][] = [
  ["full", "default", null], ["zeros", "default", 0], ["ones", "default", 1], ["empty", "memory_format", 0],
  ["ones_like", "default", 1], ["zeros_like", "default", 0], ["empty_like", "default", 0], ["full_like", "default", null],
  ["new_zeros", "default", 0], ["new_ones", "default", 1], ["new_empty", "default", 0], ["new_full", "default", null],
];
for (const [name, ov, value] of FILLS) lower(A[name]![ov]!, (a, op) => filled(op, value ?? Number(a.fill_value)));
lower(aten.scalar_tensor.default, (a, op) => filled(op, Number(a.s)));

lower([aten.arange.default, aten.arange.start, aten.arange.start_step], (a, op) => {
  const t = metaTensor(op.qualname);
  const start = Number(a.start ?? 0), step = Number(a.step ?? 1);
  return box(new Pointwise(t.device, t.dtype, t.shape, (ops, [i]) => {
    const k = ops.indexExpr(i!, float64);
    const v = ops.op("add", [ops.constant(start, float64), ops.op("mul", [k, ops.constant(step, float64)], float64)], float64);
    return ops.toDtype(v, t.dtype);
  }));
});
