// The decomposition table: every default decomposition computes what the op's own kernel computes
// (float64, random inputs), decomposed ops disappear from traced graphs, ops Inductor keeps whole
// stay, and the user `decompositions` option (compile / aotAutograd) extends or overrides the table.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import type { Node } from "../../src/fx/index.js";
import { defaultDecompositions, traceInference, traceJoint, aotAutograd, DECOMPOSED_OPS, type DecompositionTable } from "../../src/aot/index.js";
import type { GraphModule } from "../../src/fx/index.js";

const f64 = { dtype: "float64" as const };
const r = (...s: number[]) => coil.randn(...s, f64);
const mask = (...s: number[]) => coil.rand(...s).gt(0.5);

/** Sample calls (positional args) for each default decomposition. */
const samples: Record<string, () => unknown[][]> = {
  "aten.contiguous.default": () => [[r(3, 4).t()], [r(3, 4)]],
  "aten._unsafe_view.default": () => [[r(3, 4), [2, 6]]],
  "aten.t.default": () => [[r(3, 4)], [r(5)]],
  "aten.transpose.int": () => [[r(2, 3, 4), 0, 2], [r(2, 3, 4), -1, 1]],
  "aten.rsub.Tensor": () => [[r(3), r(3), { alpha: 2 }]],
  "aten.rsub.Scalar": () => [[r(3), 1.5, 3]],
  "aten.threshold_backward.default": () => [[r(4, 3), r(4, 3), 0.1]],
  "aten.hardtanh.default": () => [[r(8), -0.5, 0.5]],
  "aten.hardtanh_backward.default": () => [[r(8), r(8), -0.5, 0.5]],
  "aten.masked_fill.Scalar": () => [[r(3, 4), mask(3, 4), -2.5]],
  "aten.masked_fill.Tensor": () => [[r(3, 4), mask(4), coil.tensor(7, f64)]],
  "aten.native_dropout_backward.default": () => [[r(3, 4), mask(3, 4), 2]],
  "aten.std.correction": () => [[r(3, 5), [1], { correction: 1, keepdim: true }], [r(3, 5), null]],
  "aten.logsumexp.default": () => [[r(3, 5), [1]], [r(3, 5), [0, 1], true], [coil.tensor([[Number.NEGATIVE_INFINITY, 1], [2, 3]], f64), [1]]],
  "aten.slice_backward.default": () => [[r(2, 3), [6, 3], 0, 1, 5, 2]],
  "aten.select_backward.default": () => [[r(3), [4, 3], 0, 2]],
  "aten.mse_loss.default": () => [[r(3, 4), r(3, 4)], [r(3, 4), r(3, 4), 0], [r(3, 4), r(3, 4), 2]],
  "aten.binary_cross_entropy_with_logits.default": () => [[r(3, 4), coil.rand(3, 4, f64)], [r(3, 4), coil.rand(3, 4, f64), r(4), r(4).abs(), 2], [r(3, 4), coil.rand(3, 4, f64), null, null, 0]],
};

test("every default decomposition equals the op's kernel", () => {
  const table = defaultDecompositions();
  assert.deepEqual([...table.keys()].map((o) => o.qualname).sort(), [...DECOMPOSED_OPS].sort());
  for (const op of table.keys()) {
    const mk = samples[op.qualname];
    assert.ok(mk, `no sample for ${op.qualname}`);
    for (const args of mk()) {
      const expected = op(...args) as coil.Tensor;
      // trace the decomposition (so it runs through the aten tracer) and run the traced graph
      const tensors = args.filter((a): a is coil.Tensor => a instanceof coil.Tensor);
      const call = (...ts: coil.Tensor[]) => { let k = 0; return op(...args.map((a) => (a instanceof coil.Tensor ? ts[k++] : a))); };
      const { gm } = traceInference(call as never, tensors);
      const targets = [...gm.graph.nodes].filter((n: Node) => n.op === "call_function").map((n: Node) => n.target);
      assert.ok(!targets.includes(op), `${op.qualname} is still in its traced graph`);
      const got = (gm.forward(...tensors) as coil.Tensor[])[0]!;
      assert.deepEqual(got.shape, expected.shape, op.qualname);
      assert.equal(got.dtype, expected.dtype, op.qualname);
      const e = expected.toArray(), g = got.toArray();
      e.forEach((v, i) => assert.ok(Object.is(v, g[i]) || Math.abs(Number(v) - Number(g[i])) < 1e-12, `${op.qualname}: [${i}] ${g[i]} vs ${v}`));
    }
  }
});

const targetsOf = (gm: GraphModule) => [...gm.graph.nodes].filter((n: Node) => n.op === "call_function").map((n: Node) => String(n.target));

test("decomposed ops disappear from joint graphs; mm, convolution, softmax and layer norm stay whole", () => {
  const j = traceJoint(((x: coil.Tensor, w: coil.Tensor) => coil.nn.functional.softmax(coil.mm(x, w.t()).relu(), 1).sum()) as never, [r(3, 4), r(5, 4).requiresGrad_(true)]);
  const ts = targetsOf(j.gm);
  for (const gone of ["aten.t.default", "aten.transpose.int", "aten.threshold_backward.default"]) assert.ok(!ts.includes(gone), `${gone} in ${ts}`);
  for (const kept of ["aten.mm.default", "aten._softmax.default", "aten._softmax_backward_data.default", "aten.permute.default", "aten.le.Scalar", "aten.where.self"]) assert.ok(ts.includes(kept), `${kept} missing from ${ts}`);
  const ln = traceJoint(((x: coil.Tensor, w: coil.Tensor) => coil.nn.functional.layerNorm(x, [4], w).sum()) as never, [r(3, 4), r(4).requiresGrad_(true)]);
  assert.ok(targetsOf(ln.gm).includes("aten.native_layer_norm.default"));
});

test("compile's decompositions option: a user decomposition is applied (by name or by OpOverload) and results equal eager", () => {
  let calls = 0;
  const geluTanh = (self: coil.Tensor, approximate: string) => {
    calls++;
    assert.equal(approximate, "none");
    // 0.5 x (1 + erf(x / sqrt 2)) written with aten ops
    return aten.mul.Tensor(aten.mul.Scalar(self, 0.5), aten.add.Scalar(aten.erf.default(aten.mul.Scalar(self, Math.SQRT1_2)), 1));
  };
  const f = (x: coil.Tensor) => coil.nn.functional.gelu(x).mul(2);
  for (const backend of ["aot_eager", "inductor"]) {
    for (const decompositions of [{ "aten.gelu.default": geluTanh }, new Map([[aten.gelu.default, geluTanh]])]) {
      const c = coil.compile(f, { backend, decompositions: decompositions as never });
      const x = r(5);
      const got = c(x) as coil.Tensor;
      got.toArray().forEach((v, i) => assert.ok(Math.abs(v - (f(x) as coil.Tensor).toArray()[i]!) < 1e-12));
    }
  }
  assert.equal(calls, 4);
  // the graph the aot stage builds has erf instead of gelu
  let inner = "";
  const backend = aotAutograd({ fwCompiler: (gm) => { inner = targetsOf(gm).join(","); return (a) => { const o = gm.forward(...a); return Array.isArray(o) ? o : [o]; }; } });
  coil.compile(f, { backend: backend as never, decompositions: { "aten.gelu.default": geluTanh } })(r(3));
  assert.ok(inner.includes("aten.erf.default") && !inner.includes("aten.gelu.default"), inner);
});

test("a user decomposition overrides a default one, and aotAutograd takes a table too", () => {
  const table: DecompositionTable = new Map([[aten.t.default, (self: coil.Tensor) => aten.transpose.int(self, 1, 0)]]);
  let inner = "";
  const backend = aotAutograd({ decompositions: table, fwCompiler: (gm) => { inner = targetsOf(gm).join(","); return (a) => { const o = gm.forward(...a); return Array.isArray(o) ? o : [o]; }; } });
  const x = r(2, 3);
  const out = coil.compile((x: coil.Tensor) => x.t().cos(), { backend: backend as never })(x) as coil.Tensor;
  assert.deepEqual(out.toArray(), x.t().cos().toArray());
  // transpose itself decomposes to permute (default table): the user entry for t ran first
  assert.equal(inner, "aten.permute.default,aten.cos.default");
});

test("bad decompositions options fail at compile() time, naming the key", () => {
  assert.throws(() => coil.compile((x: coil.Tensor) => x, { decompositions: { "aten.nope.default": () => null } as never }), /decompositions: unknown op 'aten\.nope\.default'/);
  assert.throws(() => coil.compile((x: coil.Tensor) => x, { decompositions: { "aten.gelu.default": 3 } as never }), /decomposition of aten\.gelu\.default must be a function/);
  assert.throws(() => coil.compile((x: coil.Tensor) => x, { decompositions: 5 as never }), /decompositions must be an object or a Map/);
});
