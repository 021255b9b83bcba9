// test/ops/conv_wasm: eager float32 2-d convolution on the WebAssembly conv2d fast path (ops/kernels/
// conv_wasm.ts) equals the float64 computation within float32 accumulation error, for padding, stride,
// dilation, groups, depthwise, 1x1 and non-contiguous inputs. In: coil eager ops. Out: node:test cases.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";

const cases: { x: number[]; w: number[]; stride?: number[]; padding?: number[]; dilation?: number[]; groups?: number }[] = [
  { x: [1, 16, 56, 56], w: [16, 16, 3, 3], padding: [1, 1] },
  { x: [2, 8, 20, 17], w: [12, 4, 3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 },
  { x: [1, 8, 30, 30], w: [8, 1, 3, 3], padding: [1, 1], groups: 8 },
  { x: [3, 16, 9, 9], w: [32, 16, 1, 1] },
];

test("eager float32 conv2d on the Wasm fast path equals float64 within float32 accumulation error", () => {
  coil.manualSeed(3);
  for (const c of cases) {
    const x = coil.randn(c.x), w = coil.randn(c.w), b = coil.randn([c.w[0]!]);
    const xt = x.transpose(2, 3).contiguous().transpose(2, 3); // same values, non-contiguous strides
    const args = (t: coil.Tensor, ww: coil.Tensor, bb: coil.Tensor) =>
      coil.aten.convolution.default(t, ww, bb, c.stride ?? [1, 1], c.padding ?? [0, 0], c.dilation ?? [1, 1], false, [0, 0], c.groups ?? 1) as coil.Tensor;
    const y = args(xt, w, b);
    const ref = args(x.to("float64"), w.to("float64"), b.to("float64"));
    assert.equal(y.dtype.name, "float32");
    assert.deepEqual(y.shape, ref.shape);
    const scale = ref.abs().max().item();
    const err = y.to("float64").sub(ref).abs().max().item();
    assert.ok(err <= 1e-6 * scale * Math.sqrt(c.w[1]! * c.w[2]! * c.w[3]!) + 1e-6, `${JSON.stringify(c)}: max error ${err} (scale ${scale})`);
  }
});

test("cpu._addmm_pointwise float32 runs on the Wasm GEMM with mat2 packed once: equals float64, follows mat2 updates", async () => {
  const { cpu } = await import("../../src/ops/cpu.js");
  coil.manualSeed(4);
  const M = 37, K = 300, N = 45;
  const m1 = coil.randn([M, K]), m2t = coil.randn([N, K]);
  const m2 = m2t.t(); // transposed view, as freezing leaves a Linear weight
  const attrs: [string, number[]][] = [["none", []], ["relu", []], ["hardtanh", [-0.5, 0.75]], ["gelu", []], ["tanh", []]];
  for (const bias of [coil.randn([N]), coil.randn([1, N]), coil.randn([M, N]), null]) {
    for (const [attr, scalars] of attrs) {
      const got = cpu._addmm_pointwise.default(bias, m1, m2, attr, scalars, "") as coil.Tensor;
      const ref = cpu._addmm_pointwise.default(bias?.to("float64") ?? null, m1.to("float64"), m2.to("float64"), attr, scalars, "") as coil.Tensor;
      assert.equal(got.dtype.name, "float32");
      const err = got.to("float64").sub(ref).abs().max().item();
      assert.ok(err <= 2e-5 * Math.sqrt(K), `bias=${bias?.shape} ${attr}: max error ${err}`);
    }
  }
  // an in-place update of mat2 (version bump) is seen by the next call
  const before = cpu._addmm_pointwise.default(null, m1, m2, "none", [], "") as coil.Tensor;
  coil.noGrad(() => m2t.mul_(2));
  const after = cpu._addmm_pointwise.default(null, m1, m2, "none", [], "") as coil.Tensor;
  const err = after.sub(before.mul(2)).abs().max().item();
  assert.ok(err <= 1e-4, `after mat2 update: ${err}`);
});
