// test/opinfo/op_db_more: OpInfo samples for the non-pointwise families (reductions, scans, creation,
// shape/movement, linalg, norms, conv, pooling, losses, indexing, random). Hand-written where the op
// has constraints (indices in range, valid conv shapes, saved tensors of backward ops).
// In: a seeded Maker. Out: `moreOps` (qualname -> OpInfo), merged into opDb by op_db.ts.

import assert from "node:assert/strict";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { float64, float32, int64, bool as boolDtype, bfloat16 } from "../../src/tensor/dtype.js";
import { aten } from "../../src/ops/aten.js";
import { lookupOp } from "../../src/ops/registry.js";
import type { Maker } from "./make.js";
import type { OpDb, OpInfo, Sample } from "./op_db.js";

const L = (f: (m: Maker) => Sample[], extra: Partial<OpInfo> = {}): OpInfo => ({ samples: f, ...extra });
const t1 = (x: unknown): Tensor => (Array.isArray(x) ? x[0] : x) as Tensor;

// ---------------------------------------------------------------------------------------------
// Reductions and scans
// ---------------------------------------------------------------------------------------------

/** Full reduction op(self, ...tail). */
const fullReduce = (o: { ints?: boolean; bool?: boolean; low?: number; high?: number; kwargs?: Record<string, unknown> } = {}): OpInfo => L((m) => {
  const r = { low: o.low, high: o.high };
  const out: Sample[] = [
    { name: "float32", args: [m.t([3, 4], "float32", r)] },
    { name: "float64 3-d", args: [m.t([2, 3, 2], "float64", r)] },
    { name: "bfloat16", args: [m.t([6], "bfloat16", r)] },
    { name: "float32 0-d", args: [m.t([], "float32", r)] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { ...r, layout: "t" })] },
    { name: "float64 sliced", args: [m.t([2, 3], "float64", { ...r, layout: "slice" })] },
  ];
  if (o.ints) out.push({ name: "int64", args: [m.t([5], "int64", { low: -3, high: 3 })] });
  if (o.bool) out.push({ name: "bool", args: [m.t([5], "bool")] });
  return out;
}, { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } });

/** op(self, dim(s), keepdim) reductions. */
const dimReduce = (dimArg: (d: number) => unknown, o: { ints?: boolean; bool?: boolean; empty?: boolean; kwargs?: Record<string, unknown> } = {}): OpInfo => L((m) => {
  const out: Sample[] = [
    { name: "float32 dim=1", args: [m.t([3, 4]), dimArg(1)] },
    { name: "float64 dim=0 keepdim", args: [m.t([2, 3, 2], "float64"), dimArg(0), true] },
    { name: "float32 dim=-1", args: [m.t([2, 3, 4]), dimArg(-1)] },
    { name: "bfloat16 dim=0", args: [m.t([4, 3], "bfloat16"), dimArg(0)] },
    { name: "float32 transposed dim=0", args: [m.t([3, 4], "float32", { layout: "t" }), dimArg(0)] },
    { name: "float64 size-1 dim", args: [m.t([3, 1], "float64"), dimArg(1), true] },
    { name: "float32 0-d dim=0", args: [m.t([]), dimArg(0)] },
  ];
  if (o.empty) out.push({ name: "float32 empty reduced over size-3 dim", args: [m.t([0, 3]), dimArg(1)] });
  if (o.ints) out.push({ name: "int64 dim=1", args: [m.t([2, 3], "int64", { low: -3, high: 3 }), dimArg(1)] });
  if (o.bool) out.push({ name: "bool dim=1", args: [m.t([2, 3], "bool"), dimArg(1)] });
  if (o.kwargs) for (const s of out) s.kwargs = o.kwargs;
  return out;
}, { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } });

const reductions: OpDb = {
  "aten.sum.default": L((m) => [...fullReduce({ ints: true, bool: true }).samples(m),
    { name: "float32 empty", args: [m.t([0, 3])] },
    { name: "float32 dtype=float64 kwarg", args: [m.t([3, 4])], kwargs: { dtype: float64 } }], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.sum.dim_IntList": L((m) => [...dimReduce((d) => [d], { ints: true, bool: true, empty: true }).samples(m),
    { name: "float32 dims=[0,2]", args: [m.t([2, 3, 4]), [0, 2]] },
    { name: "float32 dim=null (all)", args: [m.t([2, 3]), null] },
    { name: "float32 dtype=float64 kwarg", args: [m.t([3, 4]), [1]], kwargs: { dtype: float64 } }], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.mean.default": L((m) => [...fullReduce().samples(m),
    { name: "float32 dtype=float64 kwarg", args: [m.t([3, 4])], kwargs: { dtype: float64 } }], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.mean.dim": L((m) => [...dimReduce((d) => [d]).samples(m),
    { name: "float64 dims=[-1,0] keepdim", args: [m.t([2, 3, 4], "float64"), [-1, 0], true] }], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.prod.default": fullReduce({ ints: true, bool: true, low: 0.5, high: 1.5 }),
  "aten.prod.dim_int": dimReduce((d) => d, { ints: true, empty: true }),
  "aten.amax.default": L((m) => [...dimReduce((d) => [d], { ints: true, bool: true }).samples(m),
    { name: "float32 dims=[] (all)", args: [m.t([3, 4])] },
    { name: "float32 ties", args: [m.t([2, 3], "float32", { values: [1, 1, 0, 2, 2, 2] }), [1]], grad: false }]),
  "aten.amin.default": L((m) => [...dimReduce((d) => [d], { ints: true, bool: true }).samples(m),
    { name: "float32 dims=[] (all)", args: [m.t([3, 4])] }]),
  "aten.max.default": fullReduce({ ints: true, bool: true }),
  "aten.min.default": fullReduce({ ints: true, bool: true }),
  "aten.max.dim": dimReduce((d) => d, { ints: true, bool: true }),
  "aten.min.dim": dimReduce((d) => d, { ints: true, bool: true }),
  "aten.argmax.default": L((m) => [...fullReduce({ ints: true }).samples(m), ...dimReduce((d) => d, { ints: true }).samples(m).map((s) => ({ ...s, name: `${s.name} (dim)` })),
    { name: "float32 ties (first index)", args: [m.t([5], "float32", { values: [1, 3, 3, 0, 3] })] }]),
  "aten.argmin.default": L((m) => [...fullReduce({ ints: true }).samples(m), ...dimReduce((d) => d, { ints: true }).samples(m).map((s) => ({ ...s, name: `${s.name} (dim)` }))]),
  "aten.var.correction": L((m) => [
    { name: "float32 all", args: [m.t([3, 4])] },
    { name: "float64 dim=[1]", args: [m.t([3, 4], "float64"), [1]] },
    { name: "float64 dim=[0] keepdim correction=0", args: [m.t([3, 4], "float64"), [0]], kwargs: { keepdim: true, correction: 0 } },
    { name: "bfloat16 dim=[0]", args: [m.t([4, 3], "bfloat16"), [0]] },
    { name: "float32 transposed dims=[0,1]", args: [m.t([3, 4], "float32", { layout: "t" }), [0, 1]] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.std.correction": L((m) => [
    { name: "float32 all", args: [m.t([3, 4])] },
    { name: "float64 dim=[1]", args: [m.t([3, 4], "float64"), [1]] },
    { name: "float64 dim=[-1] correction=2 keepdim", args: [m.t([2, 5], "float64"), [-1]], kwargs: { correction: 2, keepdim: true } },
    { name: "bfloat16 dim=[0]", args: [m.t([4, 3], "bfloat16"), [0]] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.logsumexp.default": L((m) => [...dimReduce((d) => [d]).samples(m),
    { name: "float32 large values", args: [m.t([2, 3], "float32", { low: 80, high: 100 }), [1]] },
    { name: "float64 -inf row", args: [m.t([2, 2], "float64", { values: [-Infinity, -Infinity, 0, 1] }), [1]], grad: false }], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.any.default": fullReduce({ ints: true, bool: true }),
  "aten.all.default": fullReduce({ ints: true, bool: true }),
  "aten.any.dim": dimReduce((d) => d, { ints: true, bool: true }),
  "aten.all.dim": dimReduce((d) => d, { ints: true, bool: true }),
  "aten.linalg_vector_norm.default": L((m) => [
    { name: "float32 ord=2", args: [m.t([3, 4])] },
    { name: "float64 ord=1 dim=[1]", args: [m.t([3, 4], "float64"), 1, [1]] },
    { name: "float64 ord=inf dim=[0] keepdim", args: [m.t([3, 4], "float64"), Infinity, [0], true], grad: false },
    { name: "float32 ord=3 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 3] },
    { name: "bfloat16 ord=2", args: [m.t([6], "bfloat16")] },
    { name: "float32 ord=0", args: [m.t([6], "float32", { values: [0, 1, 0, 2, 3, 0] }), 0], grad: false },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.value_selecting_reduction_backward.default": L((m) => {
    const x = m.t([3, 4], "float64");
    const [, idx] = aten.max.dim(x, 1) as Tensor[];
    const xk = m.t([2, 3], "float32");
    const [, idxk] = aten.max.dim(xk, 0, true) as Tensor[];
    return [
      { name: "float64 dim=1", args: [m.t([3], "float64"), 1, idx, [3, 4], false] },
      { name: "float32 dim=0 keepdim", args: [m.t([1, 3], "float32"), 0, idxk, [2, 3], true] },
    ];
  }),
  "aten.cumsum.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), 1] }, { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0] },
    { name: "bfloat16 dim=-1", args: [m.t([2, 5], "bfloat16"), -1] }, { name: "int64 dim=0", args: [m.t([5], "int64"), 0] },
    { name: "float32 transposed dim=1", args: [m.t([3, 4], "float32", { layout: "t" }), 1] },
    { name: "float32 0-d", args: [m.t([]), 0] }, { name: "float32 empty", args: [m.t([0, 3]), 1] },
    { name: "int64 dtype=float64 kwarg", args: [m.t([4], "int64"), 0], kwargs: { dtype: float64 } },
    { name: "bool dim=0 (-> int64)", args: [m.t([5], "bool"), 0] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.cumprod.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4], "float32", { low: 0.5, high: 1.5 }), 1] }, { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0] },
    { name: "bfloat16 dim=-1", args: [m.t([2, 4], "bfloat16", { low: 0.5, high: 1.5 }), -1] }, { name: "int64 dim=0", args: [m.t([5], "int64", { low: -2, high: 2 }), 0] },
    { name: "float64 with zero", args: [m.t([4], "float64", { values: [2, 0, 3, 4] }), 0] },
    { name: "float32 transposed dim=0", args: [m.t([3, 4], "float32", { layout: "t" }), 0] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten._softmax.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), 1, false] }, { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0, false] },
    { name: "bfloat16 dim=-1", args: [m.t([2, 5], "bfloat16"), -1, false] }, { name: "float32 0-d", args: [m.t([]), 0, false] },
    { name: "float32 transposed dim=-1", args: [m.t([3, 4], "float32", { layout: "t" }), -1, false] },
    { name: "float32 large logits", args: [m.t([2, 3], "float32", { low: 50, high: 90 }), 1, false] },
    { name: "float64 3-d dim=1", args: [m.t([2, 3, 2], "float64"), 1, false] },
  ]),
  "aten._log_softmax.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), 1, false] }, { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0, false] },
    { name: "bfloat16 dim=-1", args: [m.t([2, 5], "bfloat16"), -1, false] },
    { name: "float32 transposed dim=-1", args: [m.t([3, 4], "float32", { layout: "t" }), -1, false] },
    { name: "float32 large logits", args: [m.t([2, 3], "float32", { low: 50, high: 90 }), 1, false] },
  ]),
  "aten._softmax_backward_data.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), aten._softmax.default(m.t([3, 4]), 1, false), 1, float32] },
    { name: "float64 dim=0", args: [m.t([3, 2], "float64"), aten._softmax.default(m.t([3, 2], "float64"), 0, false), 0, float64] },
  ]),
  "aten._log_softmax_backward_data.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), aten._log_softmax.default(m.t([3, 4]), 1, false), 1, float32] },
    { name: "float64 dim=-1", args: [m.t([2, 3], "float64"), aten._log_softmax.default(m.t([2, 3], "float64"), -1, false), -1, float64] },
  ]),
  "aten.sort.default": L((m) => [
    { name: "float32 dim=-1", args: [m.t([3, 4])] }, { name: "float64 dim=0 descending", args: [m.t([4, 2], "float64"), 0, true] },
    { name: "int64 ties", args: [m.t([6], "int64", { low: 0, high: 2 })] }, { name: "bfloat16", args: [m.t([5], "bfloat16")] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 1] },
    { name: "float32 nan", args: [m.t([4], "float32", { values: [1, NaN, -1, 0] })], grad: false },
  ]),
  "aten.sort.stable": L((m) => [
    { name: "int64 ties stable", args: [m.t([8], "int64", { low: 0, high: 2 })], kwargs: { stable: true } },
    { name: "float32 descending stable", args: [m.t([3, 4])], kwargs: { stable: true, descending: true, dim: 0 } },
    { name: "float64", args: [m.t([5], "float64")], kwargs: { stable: true } },
  ]),
  "aten.topk.default": L((m) => [
    { name: "float32 k=2", args: [m.t([3, 5]), 2] }, { name: "float64 k=1 dim=0", args: [m.t([4, 3], "float64"), 1, 0] },
    { name: "float32 k=3 smallest", args: [m.t([6]), 3, -1, false] }, { name: "int64 k=2", args: [m.t([6], "int64", { low: -20, high: 20 }), 2] },
    { name: "float32 k=0", args: [m.t([4]), 0] }, { name: "bfloat16 k=2", args: [m.t([5], "bfloat16"), 2] },
  ]),
};

// ---------------------------------------------------------------------------------------------
// Creation ops (no tensor inputs, or only the metadata of one)
// ---------------------------------------------------------------------------------------------

const creation: OpDb = {
  "aten.full.default": L(() => [
    { name: "float32", args: [[2, 3], 1.5] }, { name: "float64 kwarg", args: [[4], -2], kwargs: { dtype: float64 } },
    { name: "int64 inferred", args: [[3], 7] }, { name: "bool", args: [[2], true] }, { name: "0-d", args: [[], 3.25] },
    { name: "empty", args: [[0, 2], 1] }, { name: "bfloat16 kwarg", args: [[3], 0.3], kwargs: { dtype: bfloat16 } },
  ]),
  "aten.zeros.default": L(() => [{ name: "float32", args: [[2, 3]] }, { name: "int64 kwarg", args: [[4]], kwargs: { dtype: int64 } }, { name: "0-d", args: [[]] }, { name: "empty", args: [[0]] }]),
  "aten.ones.default": L(() => [{ name: "float32", args: [[2, 3]] }, { name: "bool kwarg", args: [[4]], kwargs: { dtype: boolDtype } }, { name: "bfloat16 kwarg", args: [[2]], kwargs: { dtype: bfloat16 } }, { name: "0-d", args: [[]] }]),
  // empty*: uninitialised memory, so only shape and dtype are compared.
  "aten.empty.memory_format": L(() => [{ name: "float32", args: [[2, 3]] }, { name: "int64 kwarg", args: [[4]], kwargs: { dtype: int64 } }], { compare: "meta" }),
  "aten.ones_like.default": L((m) => [{ name: "float32", args: [m.t([2, 3])] }, { name: "int64", args: [m.t([4], "int64")] }, { name: "float32 -> float64 kwarg", args: [m.t([2])], kwargs: { dtype: float64 } }, { name: "transposed", args: [m.t([3, 4], "float32", { layout: "t" })] }]),
  "aten.zeros_like.default": L((m) => [{ name: "float32", args: [m.t([2, 3])] }, { name: "bool", args: [m.t([4], "bool")] }, { name: "0-d", args: [m.t([])] }]),
  "aten.empty_like.default": L((m) => [{ name: "float32", args: [m.t([2, 3])] }, { name: "float64 sliced", args: [m.t([2, 3], "float64", { layout: "slice" })] }], { compare: "meta" }),
  "aten.full_like.default": L((m) => [{ name: "float32", args: [m.t([2, 3]), 2.5] }, { name: "int64", args: [m.t([4], "int64"), 3] }, { name: "float32 -> int64 kwarg", args: [m.t([2]), 4], kwargs: { dtype: int64 } }]),
  "aten.new_zeros.default": L((m) => [{ name: "float32", args: [m.t([2]), [3, 2]] }, { name: "int64 kwarg", args: [m.t([2]), [4]], kwargs: { dtype: int64 } }]),
  "aten.new_ones.default": L((m) => [{ name: "float64", args: [m.t([2], "float64"), [3, 2]] }, { name: "0-d", args: [m.t([2]), []] }]),
  "aten.new_empty.default": L((m) => [{ name: "float32", args: [m.t([2]), [3, 2]] }], { compare: "meta" }),
  "aten.new_full.default": L((m) => [{ name: "float32", args: [m.t([2]), [3, 2], 1.25] }, { name: "int64", args: [m.t([2], "int64"), [3], 9] }]),
  "aten.scalar_tensor.default": L(() => [{ name: "float32", args: [2.5] }, { name: "float64 kwarg", args: [-1], kwargs: { dtype: float64 } }, { name: "int64 kwarg", args: [3], kwargs: { dtype: int64 } }]),
  "aten.arange.default": L(() => [{ name: "int64", args: [5] }, { name: "float32 fractional end", args: [2.5] }, { name: "float64 kwarg", args: [4], kwargs: { dtype: float64 } }, { name: "empty", args: [0] }]),
  "aten.arange.start": L(() => [{ name: "int64", args: [-2, 3] }, { name: "float32", args: [0.5, 3] }, { name: "bfloat16 kwarg", args: [0, 4], kwargs: { dtype: bfloat16 } }]),
  "aten.arange.start_step": L(() => [{ name: "int64 step=2", args: [0, 9, 2] }, { name: "float32 step=0.25", args: [0, 1, 0.25] }, { name: "int64 negative step", args: [5, -3, -2] }, { name: "float64 kwarg", args: [1, 2, 0.3], kwargs: { dtype: float64 } }]),
  "aten.linspace.default": L(() => [{ name: "float32", args: [0, 1, 5] }, { name: "float64 kwarg", args: [-1, 1, 7], kwargs: { dtype: float64 } }, { name: "steps=1", args: [2, 3, 1] }, { name: "steps=0", args: [0, 1, 0] }, { name: "int64 kwarg", args: [0, 10, 4], kwargs: { dtype: int64 } }]),
  "aten.eye.default": L(() => [{ name: "float32", args: [3] }, { name: "int64 kwarg", args: [2], kwargs: { dtype: int64 } }, { name: "n=0", args: [0] }]),
  "aten.eye.m": L(() => [{ name: "float32 2x4", args: [2, 4] }, { name: "bool 3x2 kwarg", args: [3, 2], kwargs: { dtype: boolDtype } }]),
};

// ---------------------------------------------------------------------------------------------
// Shape, view and movement ops
// ---------------------------------------------------------------------------------------------

const shape: OpDb = {
  "aten.t.default": L((m) => [{ name: "float32 2-d", args: [m.t([2, 3])] }, { name: "float64 1-d", args: [m.t([3], "float64")] }, { name: "int64 0-d", args: [m.t([], "int64")] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" })] }]),
  "aten.view.default": L((m) => [
    { name: "float32 [3,4]->[4,3]", args: [m.t([3, 4]), [4, 3]] }, { name: "float64 -1", args: [m.t([2, 3, 2], "float64"), [-1, 2]] },
    { name: "int64 to 0-d", args: [m.t([1], "int64"), []] }, { name: "bfloat16 flatten", args: [m.t([2, 2], "bfloat16"), [4]] },
    { name: "float32 empty", args: [m.t([0, 3]), [3, 0]] }, { name: "float32 sliced last dim split", args: [m.t([2, 4], "float32", { layout: "slice" }), [2, 2, 2]] },
  ]),
  "aten._unsafe_view.default": L((m) => [{ name: "float32", args: [m.t([3, 4]), [2, 6]] }, { name: "float64 -1", args: [m.t([2, 3], "float64"), [-1]] }]),
  "aten.expand.default": L((m) => [
    { name: "float32 [3,1]->[3,4]", args: [m.t([3, 1]), [3, 4]] }, { name: "float64 new leading dim", args: [m.t([3], "float64"), [2, 3]] },
    { name: "int64 -1 keeps", args: [m.t([1, 2], "int64"), [3, -1]] }, { name: "float32 0-d", args: [m.t([]), [2, 2]] },
    { name: "bool", args: [m.t([1], "bool"), [4]] }, { name: "float32 implicit kwarg", args: [m.t([2, 1]), [2, 3]], kwargs: { implicit: true } },
  ]),
  "aten.permute.default": L((m) => [{ name: "float32", args: [m.t([2, 3, 4]), [2, 0, 1]] }, { name: "float64 negative dims", args: [m.t([2, 3], "float64"), [-1, -2]] }, { name: "int64", args: [m.t([2, 2], "int64"), [1, 0]] }, { name: "0-d", args: [m.t([]), []] }]),
  "aten.transpose.int": L((m) => [{ name: "float32", args: [m.t([2, 3]), 0, 1] }, { name: "float64 3-d", args: [m.t([2, 3, 4], "float64"), -1, 0] }, { name: "bfloat16 same dim", args: [m.t([2, 2], "bfloat16"), 1, 1] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 0, 1] }]),
  "aten.squeeze.default": L((m) => [{ name: "float32", args: [m.t([1, 3, 1])] }, { name: "float64 none", args: [m.t([2, 3], "float64")] }, { name: "int64 all ones", args: [m.t([1, 1], "int64")] }]),
  "aten.squeeze.dim": L((m) => [{ name: "float32 dim=0", args: [m.t([1, 3]), 0] }, { name: "float64 non-1 dim", args: [m.t([2, 3], "float64"), 1] }, { name: "float32 dim=-1", args: [m.t([3, 1]), -1] }]),
  "aten.squeeze.dims": L((m) => [{ name: "float32 dims=[0,2]", args: [m.t([1, 3, 1]), [0, 2]] }, { name: "float64 dims=[-1]", args: [m.t([2, 1], "float64"), [-1]] }]),
  "aten.unsqueeze.default": L((m) => [{ name: "float32 dim=0", args: [m.t([3]), 0] }, { name: "float64 dim=-1", args: [m.t([2, 3], "float64"), -1] }, { name: "int64 0-d", args: [m.t([], "int64"), 0] }, { name: "float32 transposed dim=1", args: [m.t([3, 4], "float32", { layout: "t" }), 1] }]),
  "aten.slice.Tensor": L((m) => [
    { name: "float32 dim=0 1:3", args: [m.t([4, 3]), 0, 1, 3] }, { name: "float64 dim=1 step=2", args: [m.t([2, 5], "float64"), 1, 0, 5, 2] },
    { name: "float32 negative start", args: [m.t([5]), 0, -3] }, { name: "int64 end clamps", args: [m.t([4], "int64"), 0, 1, 100] },
    { name: "float32 empty result", args: [m.t([4]), 0, 3, 1] }, { name: "bfloat16 defaults", args: [m.t([3], "bfloat16")] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 1, 1, 4, 2] },
  ]),
  "aten.select.int": L((m) => [{ name: "float32 dim=0", args: [m.t([3, 4]), 0, 1] }, { name: "float64 negative index", args: [m.t([3, 4], "float64"), 1, -1] }, { name: "int64 1-d", args: [m.t([4], "int64"), 0, 2] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 1, 0] }]),
  "aten.as_strided.default": L((m) => [
    { name: "float32 transpose-like", args: [m.t([2, 3]), [3, 2], [1, 3]] }, { name: "float64 offset", args: [m.t([6], "float64"), [2, 2], [2, 1], 1] },
    { name: "float32 overlapping windows", args: [m.t([6]), [3, 3], [1, 1]], grad: false }, { name: "int64", args: [m.t([4], "int64"), [2], [2]] },
  ]),
  "aten.alias.default": L((m) => [{ name: "float32", args: [m.t([2, 3])] }, { name: "int64 0-d", args: [m.t([], "int64")] }]),
  "aten.clone.default": L((m) => [{ name: "float32", args: [m.t([2, 3])] }, { name: "float64 transposed", args: [m.t([3, 4], "float64", { layout: "t" })] }, { name: "bool", args: [m.t([3], "bool")] }, { name: "bfloat16 sliced", args: [m.t([2, 3], "bfloat16", { layout: "slice" })] }, { name: "float32 empty", args: [m.t([0])] }]),
  "aten.contiguous.default": L((m) => [{ name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" })] }, { name: "float64 contiguous", args: [m.t([2, 3], "float64")] }, { name: "int64 sliced", args: [m.t([2, 3], "int64", { layout: "slice" })] }]),
  "aten.slice_scatter.default": L((m) => [
    { name: "float32 dim=0", args: [m.t([4, 3]), m.t([2, 3]), 0, 1, 3] }, { name: "float64 dim=1 step=2", args: [m.t([2, 5], "float64"), m.t([2, 3], "float64"), 1, 0, 5, 2] },
    { name: "int64 defaults", args: [m.t([3], "int64"), m.t([3], "int64")] },
  ]),
  "aten.select_scatter.default": L((m) => [{ name: "float32 dim=0", args: [m.t([3, 4]), m.t([4]), 0, 1] }, { name: "float64 dim=1 negative", args: [m.t([3, 4], "float64"), m.t([3], "float64"), 1, -1] }]),
  "aten.slice_backward.default": L((m) => [{ name: "float32", args: [m.t([2, 3]), [4, 3], 0, 1, 3, 1] }, { name: "float64 step=2", args: [m.t([2, 3], "float64"), [2, 5], 1, 0, 5, 2] }]),
  "aten.select_backward.default": L((m) => [{ name: "float32", args: [m.t([4]), [3, 4], 0, 1] }, { name: "float64 dim=1", args: [m.t([3], "float64"), [3, 4], 1, -1] }]),
  "aten.cat.default": L((m) => [
    { name: "float32 dim=0", args: [[m.t([2, 3]), m.t([1, 3])]] }, { name: "float64 dim=1 three", args: [[m.t([2, 1], "float64"), m.t([2, 2], "float64"), m.t([2, 3], "float64")], 1] },
    { name: "int64 dim=-1", args: [[m.t([2], "int64"), m.t([3], "int64")], -1] }, { name: "float32 with empty", args: [[m.t([0, 3]), m.t([2, 3])]] },
    { name: "float32+float64 promotion", args: [[m.t([2]), m.t([2], "float64")]] }, { name: "float32 transposed", args: [[m.t([3, 4], "float32", { layout: "t" }), m.t([3, 4])], 1] },
    { name: "bool", args: [[m.t([2], "bool"), m.t([1], "bool")]] }, { name: "bfloat16", args: [[m.t([2], "bfloat16"), m.t([2], "bfloat16")]] },
  ]),
  "aten.split.Tensor": L((m) => [{ name: "float32 size=2", args: [m.t([5, 3]), 2] }, { name: "float64 dim=1", args: [m.t([2, 4], "float64"), 3, 1] }, { name: "int64 exact", args: [m.t([4], "int64"), 2] }]),
  "aten.split_with_sizes.default": L((m) => [{ name: "float32", args: [m.t([5, 3]), [2, 3]] }, { name: "float64 dim=1 with 0", args: [m.t([2, 4], "float64"), [1, 0, 3], 1] }, { name: "int64", args: [m.t([4], "int64"), [1, 3]] }]),
  "aten._to_copy.default": L((m) => [
    { name: "float32 -> float64", args: [m.t([2, 3])], kwargs: { dtype: float64 } }, { name: "float64 -> float32", args: [m.t([3], "float64")], kwargs: { dtype: float32 } },
    { name: "float32 -> int64 (trunc)", args: [m.t([4], "float32", { low: -5, high: 5 })], kwargs: { dtype: int64 } }, { name: "float32 -> bool", args: [m.t([4], "float32", { values: [0, 1, -0.5, 0] })], kwargs: { dtype: boolDtype } },
    { name: "float32 -> bfloat16", args: [m.t([4])], kwargs: { dtype: bfloat16 } }, { name: "int64 -> float32", args: [m.t([4], "int64")], kwargs: { dtype: float32 } },
    { name: "float32 copy (no dtype)", args: [m.t([3, 4], "float32", { layout: "t" })] },
  ]),
  "aten.flip.default": L((m) => [{ name: "float32 dims=[0]", args: [m.t([3, 4]), [0]] }, { name: "float64 dims=[0,1]", args: [m.t([2, 3], "float64"), [0, -1]] }, { name: "int64", args: [m.t([4], "int64"), [0]] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), [1]] }]),
  "aten.roll.default": L((m) => [{ name: "float32 flat", args: [m.t([2, 3]), [1]] }, { name: "float64 dims", args: [m.t([3, 4], "float64"), [1, -2], [0, 1]] }, { name: "int64 big shift", args: [m.t([4], "int64"), [7], [0]] }]),
  "aten.repeat.default": L((m) => [{ name: "float32", args: [m.t([2, 3]), [2, 1]] }, { name: "float64 new dims", args: [m.t([3], "float64"), [2, 1, 2]] }, { name: "int64 0-d", args: [m.t([], "int64"), [3]] }, { name: "float32 zero repeat", args: [m.t([2]), [0]] }]),
  "aten.triu.default": L((m) => [{ name: "float32", args: [m.t([3, 4])] }, { name: "float64 diag=1", args: [m.t([4, 3], "float64"), 1] }, { name: "int64 diag=-1 batched", args: [m.t([2, 3, 3], "int64"), -1] }, { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" })] }]),
  "aten.tril.default": L((m) => [{ name: "float32", args: [m.t([3, 4])] }, { name: "float64 diag=-1", args: [m.t([4, 3], "float64"), -1] }, { name: "bool", args: [m.t([3, 3], "bool")] }]),
  "aten.constant_pad_nd.default": L((m) => [
    { name: "float32 last dim", args: [m.t([2, 3]), [1, 2]] }, { name: "float64 two dims value", args: [m.t([2, 3], "float64"), [1, 0, 0, 2], 1.5] },
    { name: "float32 negative (crop)", args: [m.t([2, 5]), [-1, -2]] }, { name: "int64", args: [m.t([3], "int64"), [2, 2], 7] },
  ]),
};

/** Padding op pairs: forward (x, pad) and backward (grad_output, self, pad). */
function padOps(name: string, nd: 1 | 2): OpDb {
  const pad = nd === 1 ? [2, 1] : [1, 2, 2, 1];
  const inShape = nd === 1 ? [2, 3, 5] : [1, 2, 4, 5];
  const outShape = inShape.slice();
  for (let i = 0; i < nd; i++) outShape[outShape.length - 1 - i] = outShape[outShape.length - 1 - i]! + pad[2 * i]! + pad[2 * i + 1]!;
  const noBatch = inShape.slice(1), noBatchOut = outShape.slice(1);
  return {
    [`aten.${name}.default`]: L((m) => [
      { name: "float32", args: [m.t(inShape), pad] }, { name: "float64 no batch", args: [m.t(noBatch, "float64"), pad] },
      { name: "float32 zero pad", args: [m.t(inShape), pad.map(() => 0)] },
    ]),
    [`aten.${name}_backward.default`]: L((m) => [
      { name: "float32", args: [m.t(outShape), m.t(inShape), pad] }, { name: "float64 no batch", args: [m.t(noBatchOut, "float64"), m.t(noBatch, "float64"), pad] },
    ]),
  };
}

// ---------------------------------------------------------------------------------------------
// Linalg, norms, conv, pooling, losses
// ---------------------------------------------------------------------------------------------

const nn: OpDb = {
  "aten.mm.default": L((m) => [
    { name: "float32", args: [m.t([3, 4]), m.t([4, 2])] }, { name: "float64", args: [m.t([2, 3], "float64"), m.t([3, 5], "float64")] },
    { name: "bfloat16", args: [m.t([2, 4], "bfloat16"), m.t([4, 3], "bfloat16")] }, { name: "float32 transposed operands", args: [m.t([3, 4], "float32", { layout: "t" }), m.t([4, 2], "float32", { layout: "t" })] },
    { name: "float32 k=0", args: [m.t([2, 0]), m.t([0, 3])] }, { name: "int64", args: [m.t([2, 3], "int64"), m.t([3, 2], "int64")] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.bmm.default": L((m) => [
    { name: "float32", args: [m.t([2, 3, 4]), m.t([2, 4, 2])] }, { name: "float64", args: [m.t([1, 2, 3], "float64"), m.t([1, 3, 2], "float64")] },
    { name: "float32 transposed", args: [m.t([2, 4, 3], "float32", { layout: "t" }), m.t([2, 3, 2])] },
  ]),
  "aten.addmm.default": L((m) => [
    { name: "float32 bias row", args: [m.t([2]), m.t([3, 4]), m.t([4, 2])] }, { name: "float64 beta alpha kwargs", args: [m.t([3, 2], "float64"), m.t([3, 4], "float64"), m.t([4, 2], "float64")], kwargs: { beta: 0.5, alpha: 2 } },
    { name: "float32 0-d bias transposed mat", args: [m.t([]), m.t([3, 4], "float32", { layout: "t" }), m.t([4, 2])] },
  ]),
  "aten.baddbmm.default": L((m) => [
    { name: "float32", args: [m.t([2, 3, 2]), m.t([2, 3, 4]), m.t([2, 4, 2])] }, { name: "float64 kwargs broadcast", args: [m.t([2], "float64"), m.t([2, 3, 4], "float64"), m.t([2, 4, 2], "float64")], kwargs: { beta: 2, alpha: -1 } },
  ]),
  "aten.dot.default": L((m) => [{ name: "float32", args: [m.t([5]), m.t([5])] }, { name: "float64", args: [m.t([3], "float64"), m.t([3], "float64")] }, { name: "int64", args: [m.t([4], "int64"), m.t([4], "int64")] }, { name: "float32 sliced", args: [m.t([4], "float32", { layout: "slice" }), m.t([4])] }, { name: "float32 empty", args: [m.t([0]), m.t([0])] }]),
  "aten.native_layer_norm.default": L((m) => [
    { name: "float32 affine", args: [m.t([2, 3, 4]), [4], m.t([4]), m.t([4]), 1e-5] },
    { name: "float64 no affine 2 dims", args: [m.t([2, 3, 4], "float64"), [3, 4], null, null, 1e-5] },
    { name: "bfloat16", args: [m.t([2, 4], "bfloat16"), [4], m.t([4], "bfloat16"), m.t([4], "bfloat16"), 1e-5] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), [4], m.t([4]), null, 1e-3] },
  ], { tol: { bfloat16: { atol: 2e-2, rtol: 2e-2 } } }),
  "aten.native_layer_norm_backward.default": L((m) => {
    const x = m.t([2, 3, 4], "float64"), w = m.t([4], "float64"), b = m.t([4], "float64");
    const [, mean, rstd] = aten.native_layer_norm.default(x, [4], w, b, 1e-5) as Tensor[];
    const x2 = m.t([3, 4]);
    const [, mean2, rstd2] = aten.native_layer_norm.default(x2, [4], null, null, 1e-5) as Tensor[];
    return [
      { name: "float64 affine", args: [m.t([2, 3, 4], "float64"), x, [4], mean, rstd, w, b, [true, true, true]] },
      { name: "float32 no affine", args: [m.t([3, 4]), x2, [4], mean2, rstd2, null, null, [true, false, false]] },
    ];
  }),
  "aten.native_batch_norm.default": L((m) => [
    { name: "float32 training", args: [m.t([3, 2, 4]), m.t([2]), m.t([2]), m.t([2]), m.t([2], "float32", { low: 0.5, high: 2 }), true, 0.1, 1e-5] },
    { name: "float64 eval", args: [m.t([2, 3], "float64"), m.t([3], "float64"), m.t([3], "float64"), m.t([3], "float64"), m.t([3], "float64", { low: 0.5, high: 2 }), false, 0.1, 1e-5] },
    { name: "float64 training no stats 4-d", args: [m.t([2, 2, 2, 2], "float64"), null, null, null, null, true, 0.1, 1e-5] },
  ]),
  "aten.native_batch_norm_backward.default": L((m) => {
    const x = m.t([3, 2, 4], "float64"), w = m.t([2], "float64");
    const [, sm, si] = aten.native_batch_norm.default(x, w, null, null, null, true, 0.1, 1e-5) as Tensor[];
    return [{ name: "float64 train", args: [m.t([3, 2, 4], "float64"), x, w, null, null, sm, si, true, 1e-5, [true, true, true]] }];
  }),
  "aten.native_group_norm.default": L((m) => [
    { name: "float32 2 groups", args: [m.t([2, 4, 3]), m.t([4]), m.t([4]), 2, 4, 3, 2, 1e-5] },
    { name: "float64 no affine", args: [m.t([1, 6, 2, 2], "float64"), null, null, 1, 6, 4, 3, 1e-5] },
  ]),
  "aten.native_group_norm_backward.default": L((m) => {
    const x = m.t([2, 4, 3], "float64"), w = m.t([4], "float64");
    const [, mean, rstd] = aten.native_group_norm.default(x, w, null, 2, 4, 3, 2, 1e-5) as Tensor[];
    return [{ name: "float64", args: [m.t([2, 4, 3], "float64"), x, mean, rstd, w, 2, 4, 3, 2, [true, true, true]] }];
  }),
  "aten.convolution.default": L((m) => [
    { name: "float32 2-d bias", args: [m.t([1, 2, 5, 5]), m.t([3, 2, 3, 3]), m.t([3]), [1, 1], [0, 0], [1, 1], false, [0, 0], 1] },
    { name: "float64 2-d stride/pad/dilation", args: [m.t([2, 2, 6, 5], "float64"), m.t([2, 2, 2, 2], "float64"), null, [2, 1], [1, 2], [2, 1], false, [0, 0], 1] },
    { name: "float64 1-d groups=2", args: [m.t([1, 4, 7], "float64"), m.t([4, 2, 3], "float64"), m.t([4], "float64"), [1], [1], [1], false, [0], 2] },
    { name: "float32 transposed conv", args: [m.t([1, 2, 3, 3]), m.t([2, 3, 2, 2]), m.t([3]), [2, 2], [0, 0], [1, 1], true, [1, 0], 1] },
    { name: "float32 non-contiguous input", args: [m.t([1, 1, 4, 5], "float32", { layout: "t" }), m.t([2, 1, 2, 2]), null, [1, 1], [0, 0], [1, 1], false, [0, 0], 1] },
  ], { tol: { float32: { atol: 1e-5, rtol: 1e-5 } } }),
  "aten.convolution_backward.default": L((m) => [
    { name: "float64 2-d", args: [m.t([1, 3, 3, 3], "float64"), m.t([1, 2, 5, 5], "float64"), m.t([3, 2, 3, 3], "float64"), [3], [1, 1], [0, 0], [1, 1], false, [0, 0], 1, [true, true, true]] },
    { name: "float32 1-d stride 2 mask", args: [m.t([2, 2, 3]), m.t([2, 2, 7]), m.t([2, 2, 3]), null, [2], [0], [1], false, [0], 1, [true, true, false]] },
  ]),
  "aten.max_pool2d_with_indices.default": L((m) => [
    { name: "float32 k=2", args: [m.t([1, 2, 4, 4]), [2, 2]] }, { name: "float64 k=3 s=2 p=1", args: [m.t([2, 1, 5, 5], "float64"), [3, 3], [2, 2], [1, 1]] },
    { name: "float32 dilation ceil no batch", args: [m.t([2, 6, 5]), [2, 2], [2, 2], [0, 0], [2, 1], true] },
    { name: "bfloat16 k=2", args: [m.t([1, 1, 4, 4], "bfloat16"), [2, 2]] },
  ]),
  "aten.max_pool2d_with_indices_backward.default": L((m) => {
    const x = m.t([1, 2, 4, 4], "float64");
    const [, idx] = aten.max_pool2d_with_indices.default(x, [2, 2], [2, 2]) as Tensor[];
    return [{ name: "float64 k=2", args: [m.t([1, 2, 2, 2], "float64"), x, [2, 2], [2, 2], [0, 0], [1, 1], false, idx] }];
  }),
  "aten.avg_pool2d.default": L((m) => [
    { name: "float32 k=2", args: [m.t([1, 2, 4, 4]), [2, 2]] }, { name: "float64 k=3 s=2 p=1 exclude pad", args: [m.t([1, 1, 5, 5], "float64"), [3, 3], [2, 2], [1, 1], false, false] },
    { name: "float64 ceil divisor", args: [m.t([2, 5, 5], "float64"), [2, 2], [2, 2], [0, 0], true, true, 3] },
    { name: "bfloat16", args: [m.t([1, 1, 4, 4], "bfloat16"), [2, 2]] },
  ], { tol: { bfloat16: { atol: 1e-2, rtol: 2e-2 } } }),
  "aten.avg_pool2d_backward.default": L((m) => [
    { name: "float64 k=2", args: [m.t([1, 2, 2, 2], "float64"), m.t([1, 2, 4, 4], "float64"), [2, 2], [2, 2], [0, 0], false, true, null] },
    { name: "float32 k=3 p=1", args: [m.t([1, 1, 3, 3]), m.t([1, 1, 5, 5]), [3, 3], [2, 2], [1, 1], false, false, null] },
  ]),
  "aten._adaptive_avg_pool2d.default": L((m) => [
    { name: "float32 4->2", args: [m.t([1, 2, 4, 4]), [2, 2]] }, { name: "float64 5x7->3x2", args: [m.t([2, 5, 7], "float64"), [3, 2]] },
    { name: "float32 global", args: [m.t([2, 3, 3, 3]), [1, 1]] },
  ]),
  "aten._adaptive_avg_pool2d_backward.default": L((m) => [
    { name: "float64 5x7->3x2", args: [m.t([1, 2, 3, 2], "float64"), m.t([1, 2, 5, 7], "float64")] },
    { name: "float32 global", args: [m.t([1, 2, 1, 1]), m.t([1, 2, 3, 3])] },
  ]),
  "aten.embedding.default": L((m) => [
    { name: "float32", args: [m.t([5, 3]), m.t([4], "int64", { low: 0, high: 4 })] }, { name: "float64 2-d indices", args: [m.t([6, 2], "float64"), m.t([2, 3], "int64", { low: 0, high: 5 })] },
    { name: "float64 padding_idx", args: [m.t([4, 2], "float64"), m.t([5], "int64", { values: [0, 1, 1, 3, 0] }), 1] },
    { name: "float32 0-d index", args: [m.t([4, 3]), m.t([], "int64", { values: [2] })] },
  ]),
  "aten.embedding_dense_backward.default": L((m) => [
    { name: "float64", args: [m.t([4, 3], "float64"), m.t([4], "int64", { values: [0, 2, 2, 4] }), 5, -1, false] },
    { name: "float32 padding_idx scale_grad_by_freq", args: [m.t([2, 3, 2]), m.t([2, 3], "int64", { values: [0, 1, 1, 3, 0, 1] }), 4, 0, true] },
  ]),
  "aten.nll_loss_forward.default": L((m) => [
    { name: "float32 mean", args: [m.t([4, 3]), m.t([4], "int64", { low: 0, high: 2 }), null, 1, -100] },
    { name: "float64 sum weight", args: [m.t([5, 4], "float64"), m.t([5], "int64", { low: 0, high: 3 }), m.t([4], "float64", { low: 0.1, high: 2 }), 2, -100] },
    { name: "float64 none ignore_index", args: [m.t([4, 3], "float64"), m.t([4], "int64", { values: [0, 2, 1, 2] }), null, 0, 2] },
    { name: "float32 1-d input", args: [m.t([3]), m.t([], "int64", { values: [1] }), null, 1, -100] },
  ]),
  "aten.nll_loss_backward.default": L((m) => {
    const x = m.t([4, 3], "float64"), tg = m.t([4], "int64", { low: 0, high: 2 });
    const [, tw] = aten.nll_loss_forward.default(x, tg, null, 1, -100) as Tensor[];
    return [{ name: "float64 mean", args: [m.t([], "float64"), x, tg, null, 1, -100, tw] }];
  }),
  "aten.mse_loss.default": L((m) => [
    { name: "float32 mean", args: [m.t([3, 4]), m.t([3, 4])] }, { name: "float64 none", args: [m.t([2, 3], "float64"), m.t([2, 3], "float64"), 0] },
    { name: "float64 sum broadcast-free transposed", args: [m.t([3, 4], "float64", { layout: "t" }), m.t([3, 4], "float64"), 2] },
  ]),
  "aten.mse_loss_backward.default": L((m) => [
    { name: "float64 mean", args: [m.t([], "float64"), m.t([2, 3], "float64"), m.t([2, 3], "float64"), 1] },
    { name: "float32 none", args: [m.t([2, 3]), m.t([2, 3]), m.t([2, 3]), 0] },
  ]),
  "aten.binary_cross_entropy_with_logits.default": L((m) => [
    { name: "float32 mean", args: [m.t([3, 4]), m.t([3, 4], "float32", { low: 0, high: 1 })] },
    { name: "float64 weight pos_weight none", args: [m.t([2, 3], "float64"), m.t([2, 3], "float64", { low: 0, high: 1 }), m.t([3], "float64", { low: 0.5, high: 1 }), m.t([3], "float64", { low: 0.5, high: 2 }), 0] },
    { name: "float64 sum large logits", args: [m.t([4], "float64", { low: -40, high: 40 }), m.t([4], "float64", { low: 0, high: 1 })], kwargs: { reduction: 2 } },
  ]),
  "aten.binary_cross_entropy_with_logits_backward.default": L((m) => [
    { name: "float64 mean", args: [m.t([], "float64"), m.t([2, 3], "float64"), m.t([2, 3], "float64", { low: 0, high: 1 })] },
    { name: "float32 none pos_weight", args: [m.t([2, 3]), m.t([2, 3]), m.t([2, 3], "float32", { low: 0, high: 1 }), null, m.t([3], "float32", { low: 0.5, high: 2 }), 0] },
  ]),
  // ---- indexing ----
  "aten.index_select.default": L((m) => [
    { name: "float32 dim=0", args: [m.t([4, 3]), 0, m.t([3], "int64", { values: [3, 0, 3] })] },
    { name: "float64 dim=1", args: [m.t([2, 5], "float64"), 1, m.t([2], "int64", { values: [4, 1] })] },
    { name: "int64 empty index", args: [m.t([4], "int64"), 0, m.t([0], "int64")] },
    { name: "float32 transposed 0-d index", args: [m.t([3, 4], "float32", { layout: "t" }), 1, m.t([], "int64", { values: [2] })] },
  ]),
  "aten.index_add.default": L((m) => [
    { name: "float32 dim=0 dup indices", args: [m.t([4, 3]), 0, m.t([3], "int64", { values: [1, 1, 3] }), m.t([3, 3])] },
    { name: "float64 dim=1 alpha", args: [m.t([2, 4], "float64"), 1, m.t([2], "int64", { values: [0, 2] }), m.t([2, 2], "float64")], kwargs: { alpha: 2 } },
    { name: "int64", args: [m.t([5], "int64"), 0, m.t([2], "int64", { values: [4, 0] }), m.t([2], "int64")] },
  ]),
  "aten.gather.default": L((m) => [
    { name: "float32 dim=1", args: [m.t([3, 4]), 1, m.t([3, 2], "int64", { low: 0, high: 3 })] },
    { name: "float64 dim=0 smaller index", args: [m.t([4, 3], "float64"), 0, m.t([2, 2], "int64", { low: 0, high: 3 })] },
    { name: "int64 dim=-1", args: [m.t([2, 3], "int64"), -1, m.t([2, 3], "int64", { low: 0, high: 2 })] },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), 0, m.t([3, 4], "int64", { low: 0, high: 2 })] },
  ]),
  "aten.scatter.src": L((m) => [
    { name: "float32 dim=1 unique", args: [m.t([2, 4]), 1, m.t([2, 2], "int64", { values: [0, 3, 2, 1] }), m.t([2, 2])] },
    { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0, m.t([1, 2], "int64", { values: [2, 0] }), m.t([2, 2], "float64")] },
    { name: "int64", args: [m.t([4], "int64"), 0, m.t([2], "int64", { values: [3, 1] }), m.t([2], "int64")] },
  ]),
  "aten.scatter.value": L((m) => [
    { name: "float32 dim=1", args: [m.t([2, 4]), 1, m.t([2, 2], "int64", { values: [0, 3, 2, 1] }), 1.5] },
    { name: "int64 dim=0", args: [m.t([4], "int64"), 0, m.t([2], "int64", { values: [3, 1] }), -7] },
  ]),
  "aten.scatter_add.default": L((m) => [
    { name: "float32 dim=1 dup", args: [m.t([2, 4]), 1, m.t([2, 3], "int64", { values: [0, 0, 3, 2, 1, 2] }), m.t([2, 3])] },
    { name: "float64 dim=0", args: [m.t([3, 2], "float64"), 0, m.t([2, 2], "int64", { values: [2, 0, 2, 2] }), m.t([2, 2], "float64")] },
    { name: "int64", args: [m.t([4], "int64"), 0, m.t([3], "int64", { values: [3, 3, 1] }), m.t([3], "int64")] },
  ]),
  "aten.index.Tensor": L((m) => [
    { name: "float32 one index", args: [m.t([4, 3]), [m.t([3], "int64", { values: [3, 0, -1] })]] },
    { name: "float64 two indices broadcast", args: [m.t([3, 4], "float64"), [m.t([2, 1], "int64", { values: [0, 2] }), m.t([3], "int64", { values: [1, 3, 0] })]] },
    { name: "float32 null then index", args: [m.t([2, 4]), [null, m.t([2], "int64", { values: [3, 1] })]] },
    { name: "int64 bool mask", args: [m.t([4], "int64"), [m.t([4], "bool", { values: [1, 0, 1, 1] })]] },
  ]),
  "aten.index_put.default": L((m) => [
    { name: "float32 one index", args: [m.t([4, 3]), [m.t([2], "int64", { values: [3, 0] })], m.t([2, 3])] },
    { name: "float64 accumulate dup", args: [m.t([5], "float64"), [m.t([3], "int64", { values: [1, 1, 4] })], m.t([3], "float64"), true] },
    { name: "float32 broadcast value", args: [m.t([3, 4]), [m.t([2], "int64", { values: [0, 2] }), m.t([2], "int64", { values: [1, 3] })], m.t([])] },
    { name: "int64 bool mask", args: [m.t([4], "int64"), [m.t([4], "bool", { values: [1, 0, 0, 1] })], m.t([2], "int64")] },
  ]),
  "aten.masked_fill.Scalar": L((m) => [
    { name: "float32", args: [m.t([3, 4]), m.t([3, 4], "bool"), -1.5] }, { name: "float64 broadcast mask", args: [m.t([3, 4], "float64"), m.t([4], "bool"), 2] },
    { name: "int64", args: [m.t([5], "int64"), m.t([5], "bool"), 9] }, { name: "bfloat16 -inf", args: [m.t([4], "bfloat16"), m.t([4], "bool"), -Infinity], grad: false },
    { name: "float32 transposed", args: [m.t([3, 4], "float32", { layout: "t" }), m.t([3, 4], "bool", { layout: "slice" }), 0] },
  ]),
  "aten.masked_fill.Tensor": L((m) => [
    { name: "float32 0-d value", args: [m.t([3, 4]), m.t([3, 4], "bool"), m.t([])] }, { name: "float64", args: [m.t([5], "float64"), m.t([5], "bool"), m.t([], "float64")] },
  ]),
};

// ---------------------------------------------------------------------------------------------
// Random ops: compared under the same manualSeed (see compile_ops.test.ts), plus statistics.
// ---------------------------------------------------------------------------------------------

function within(lo: number, hi: number) {
  return (outs: Tensor[]): void => {
    for (const v of toFloat64Array(outs[0]!)) assert.ok(v >= lo && v <= hi, `value ${v} outside [${lo}, ${hi}]`);
  };
}
function meanNear(mu: number, tol: number) {
  return (outs: Tensor[]): void => {
    const v = toFloat64Array(outs[0]!);
    if (v.length < 100) return;
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(Math.abs(mean - mu) <= tol, `mean ${mean} not within ${tol} of ${mu}`);
  };
}
const both = (...fs: ((o: Tensor[], s: Sample) => void)[]) => (o: Tensor[], s: Sample): void => fs.forEach((f) => f(o, s));

const random: OpDb = {
  "aten.rand.default": L(() => [{ name: "float32", args: [[20, 20]] }, { name: "float64 kwarg", args: [[300]], kwargs: { dtype: float64 } }, { name: "bfloat16 kwarg", args: [[4]], kwargs: { dtype: bfloat16 } }], { compare: "seeded", stats: both(within(0, 1), meanNear(0.5, 0.06)) }),
  "aten.randn.default": L(() => [{ name: "float32", args: [[20, 20]] }, { name: "float64 kwarg", args: [[300]], kwargs: { dtype: float64 } }, { name: "0-d", args: [[]] }], { compare: "seeded", stats: meanNear(0, 0.2) }),
  "aten.rand_like.default": L((m) => [{ name: "float32", args: [m.t([20, 20])] }, { name: "float64 transposed", args: [m.t([3, 4], "float64", { layout: "t" })] }], { compare: "seeded", stats: both(within(0, 1), meanNear(0.5, 0.06)) }),
  "aten.randn_like.default": L((m) => [{ name: "float32", args: [m.t([20, 20])] }, { name: "float64", args: [m.t([5], "float64")] }], { compare: "seeded", stats: meanNear(0, 0.2) }),
  "aten.randint.default": L(() => [{ name: "int64", args: [5, [20, 20]] }, { name: "float32 kwarg", args: [3, [6]], kwargs: { dtype: float32 } }], { compare: "seeded", stats: within(0, 4) }),
  "aten.randint.low": L(() => [{ name: "int64", args: [-3, 3, [20, 20]] }], { compare: "seeded", stats: within(-3, 2) }),
  "aten.randint_like.default": L((m) => [{ name: "int64", args: [m.t([20, 20], "int64"), 4] }, { name: "float32", args: [m.t([6]), 10] }], { compare: "seeded", stats: within(0, 9) }),
  "aten.bernoulli.default": L((m) => [{ name: "float32 probs", args: [m.t([20, 20], "float32", { low: 0, high: 1 })] }, { name: "float64 0/1 probs", args: [m.t([4], "float64", { values: [0, 1, 1, 0] })] }], { compare: "seeded", stats: within(0, 1) }),
  "aten.bernoulli.p": L((m) => [{ name: "float32 p=0.3", args: [m.t([20, 20]), 0.3] }, { name: "float64 default p", args: [m.t([5], "float64")] }], { compare: "seeded", stats: both(within(0, 1)) }),
  "aten.normal_.default": L((m) => [{ name: "float32 mean=2 std=0.5", args: [m.t([20, 20]), 2, 0.5] }, { name: "float64 default", args: [m.t([6], "float64")] }], { compare: "seeded", stats: (o, s) => meanNear(s.args.length > 1 ? 2 : 0, 0.2)(o) }),
  "aten.uniform_.default": L((m) => [{ name: "float32 [-1,3)", args: [m.t([20, 20]), -1, 3] }, { name: "float64 default", args: [m.t([6], "float64")] }], { compare: "seeded", stats: (o, s) => (s.args.length > 1 ? both(within(-1, 3), meanNear(1, 0.2)) : within(0, 1))(o, s) }),
  "aten.native_dropout.default": L((m) => [{ name: "float32 p=0.5 train", args: [m.t([20, 20]), 0.5, true] }, { name: "float64 p=0.2 eval", args: [m.t([6], "float64"), 0.2, false] }, { name: "float32 p=0 train", args: [m.t([5]), 0, true] }], {
    compare: "seeded",
    stats: (outs, s) => {
      // Each output element is either 0 or input / (1 - p), and the mask says which.
      const x = toFloat64Array(t1(s.args[0])), y = toFloat64Array(outs[0]!), mask = toFloat64Array(outs[1]!);
      const p = s.args[1] as number, train = s.args[2] as boolean;
      for (let i = 0; i < x.length; i++) {
        const want = mask[i] ? (train ? x[i]! / (1 - p) : x[i]!) : 0;
        assert.ok(Math.abs(y[i]! - want) <= 1e-5 * (1 + Math.abs(want)), `dropout element ${i}: ${y[i]} vs ${want}`);
      }
    },
  }),
  "aten.native_dropout_backward.default": L((m) => [
    { name: "float32", args: [m.t([3, 4]), m.t([3, 4], "bool"), 2] }, { name: "float64", args: [m.t([5], "float64"), m.t([5], "bool"), 1.25] },
  ]),
};

// ---------------------------------------------------------------------------------------------
// cpu namespace: fused inference ops created by freezing (looked up by name: the namespace is optional)
// ---------------------------------------------------------------------------------------------

const cpuOp = (name: string) => {
  const op = lookupOp(name);
  if (!op) throw new Error(`opinfo: ${name} is not registered`);
  return op;
};

const cpu: OpDb = {
  "cpu._convolution_pointwise.default": L((m) => [
    { name: "float32 relu", args: [m.t([1, 2, 5, 5]), m.t([3, 2, 3, 3]), m.t([3]), [1, 1], [1, 1], [1, 1], 1, "relu", [], null] },
    { name: "float64 none no bias stride 2", args: [m.t([2, 2, 6, 6], "float64"), m.t([4, 2, 2, 2], "float64"), null, [0, 0], [2, 2], [1, 1], 1, "none", [], null] },
    { name: "float32 hardtanh groups=2 1-d", args: [m.t([1, 4, 7]), m.t([4, 2, 3]), m.t([4]), [1], [1], [1], 2, "hardtanh", [-0.5, 0.5], null] },
    { name: "float32 gelu tanh dilation", args: [m.t([1, 2, 6, 6]), m.t([2, 2, 2, 2]), m.t([2]), [0, 0], [1, 1], [2, 2], 1, "gelu", [], "tanh"] },
    { name: "float32 packed weight sigmoid", args: [m.t([1, 2, 5, 5]), cpuOp("cpu._reorder_convolution_weight.default")(m.t([3, 2, 3, 3]), [1, 1], [1, 1], [1, 1], 1), m.t([3]), [1, 1], [1, 1], [1, 1], 1, "sigmoid", [], null] },
  ], { tol: { float32: { atol: 1e-5, rtol: 1e-5 } } }),
  "cpu._addmm_pointwise.default": L((m) => [
    { name: "float32 relu bias [N]", args: [m.t([4]), m.t([3, 5]), m.t([5, 4]), "relu", [], null] },
    { name: "float64 gelu tanh no bias", args: [null, m.t([2, 3], "float64"), m.t([3, 2], "float64"), "gelu", [], "tanh"] },
    { name: "float32 clamp bias [M, N]", args: [m.t([3, 4]), m.t([3, 5]), m.t([5, 4]), "clamp", [0, null], null] },
  ], { tol: { float32: { atol: 1e-5, rtol: 1e-5 } } }),
  "cpu._reorder_convolution_weight.default": L((m) => [
    { name: "float32 2-d", args: [m.t([3, 2, 3, 3]), [1, 1], [1, 1], [1, 1], 1] },
    { name: "float64 groups=2 1-d", args: [m.t([4, 2, 3], "float64"), [1], [1], [1], 2] },
    { name: "float32 input_size", args: [m.t([8, 1, 2, 2]), [0, 0], [1, 1], [1, 1], 1, [1, 1, 5, 5]] },
  ]),
};

export const moreOps: OpDb = {
  ...cpu,
  ...reductions, ...creation, ...shape, ...padOps("reflection_pad1d", 1), ...padOps("reflection_pad2d", 2),
  ...padOps("replication_pad1d", 1), ...padOps("replication_pad2d", 2), ...nn, ...random,
};
