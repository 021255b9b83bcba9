// float64 finite-difference gradient checks for linalg, conv, pool, embedding and loss ops, plus
// frontend behaviour (matmul broadcasting, linear, conv/pool wrappers) and GEMM edge cases.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { gradcheck } from "../../src/autograd/index.js";
import { gemm } from "../../src/ops/kernels/gemm.js";

const { aten } = coil;
type T = Tensor;

function rnd(shape: number[], opts: { grad?: boolean; dtype?: "float64" | "float32" } = {}): T {
  const t = coil.randn(shape, { dtype: opts.dtype ?? "float64" });
  if (opts.grad ?? true) t.requiresGrad = true;
  return t;
}
const idx = (vals: number[], shape = [vals.length]) => Tensor.fromValues(vals, shape, "int64");
const gc = (fn: (...xs: T[]) => T | T[], inputs: T[]) => assert.ok(gradcheck(fn, inputs, { atol: 1e-6, rtol: 1e-4 }));

coil.manualSeed(0);

test("gradcheck mm / bmm / addmm / baddbmm / dot", () => {
  gc((a, b) => aten.mm.default(a, b), [rnd([3, 4]), rnd([4, 2])]);
  gc((a, b) => aten.bmm.default(a, b), [rnd([2, 3, 4]), rnd([2, 4, 2])]);
  gc((s, a, b) => aten.addmm.default(s, a, b, { beta: 0.5, alpha: -2 }), [rnd([2]), rnd([3, 4]), rnd([4, 2])]);
  gc((s, a, b) => aten.baddbmm.default(s, a, b, { beta: 2, alpha: 0.5 }), [rnd([1, 3, 2]), rnd([2, 3, 4]), rnd([2, 4, 2])]);
  gc((a, b) => aten.dot.default(a, b), [rnd([5]), rnd([5])]);
});

test("gradcheck convolution: 2-d groups/stride/dilation, transposed, 1-d, 3-d", () => {
  gc((x, w, b) => aten.convolution.default(x, w, b, [2, 1], [1, 0], [1, 2], false, [0, 0], 2), [rnd([2, 4, 5, 6]), rnd([4, 2, 3, 2]), rnd([4])]);
  gc((x, w, b) => aten.convolution.default(x, w, b, [2, 2], [1, 0], [1, 1], true, [1, 0], 2), [rnd([1, 4, 3, 3]), rnd([4, 1, 3, 2]), rnd([2])]);
  gc((x, w) => aten.convolution.default(x, w, null, [1], [1], [1], false, [0], 1), [rnd([2, 2, 5]), rnd([3, 2, 3])]);
  gc((x, w) => aten.convolution.default(x, w, null, [1, 1, 1], [0, 1, 0], [1, 1, 1], false, [0, 0, 0], 1), [rnd([1, 2, 3, 3, 3]), rnd([2, 2, 2, 2, 2])]);
});

test("gradcheck pooling and their backward ops", () => {
  const x = coil.tensor(Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => Math.sin(i * 1.7) * 3 + i * 0.01), { dtype: "float64" }).view(2, 2, 5, 6);
  x.requiresGrad = true; // distinct values: max pooling is differentiable here
  gc((t) => (aten.max_pool2d_with_indices.default(t, [3, 2], [2, 2], [1, 1], [1, 2], true) as T[])[0]!, [x]);
  gc((t) => aten.avg_pool2d.default(t, [3, 3], [2, 1], [1, 1], true, false, null), [rnd([1, 2, 5, 6])]);
  gc((t) => aten._adaptive_avg_pool2d.default(t, [3, 4]), [rnd([2, 7, 5])]);
  const self = rnd([1, 2, 6, 6], { grad: false });
  gc((g) => aten.avg_pool2d_backward.default(g, self, [2, 2], [2, 2], [0, 0], false, true, null), [rnd([1, 2, 3, 3])]);
  gc((g) => aten._adaptive_avg_pool2d_backward.default(g, self), [rnd([1, 2, 4, 5])]);
});

test("gradcheck embedding and losses", () => {
  // padding_idx / scale_grad_by_freq deliberately alter the gradient (covered by the goldens)
  gc((w) => aten.embedding.default(w, idx([0, 2, 2, 3], [2, 2])), [rnd([4, 3])]);
  const tgt = idx([1, 0, 3, 1, 2]);
  for (const red of [0, 1, 2]) {
    gc((x, w) => (aten.nll_loss_forward.default(x, tgt, w, red, 3) as T[])[0]!, [rnd([5, 4]), Tensor.fromValues([0.5, 1, 2, 3], [4], "float64")]);
    gc((x, t) => aten.mse_loss.default(x, t, red), [rnd([3, 1]), rnd([4])]);
    gc((x, t, w) => aten.binary_cross_entropy_with_logits.default(x, t, w, null, red), [rnd([3, 4]), rnd([3, 4]), rnd([4])]);
    gc((x, t) => aten.binary_cross_entropy_with_logits.default(x, t, null, coil.tensor([0.5, 2, 1, 3], { dtype: "float64" }), red), [rnd([3, 4]), rnd([3, 4])]);
  }
  // nll_loss_backward is linear in grad_output
  const x = rnd([5, 4], { grad: false });
  const [, tw] = aten.nll_loss_forward.default(x, tgt, null, 0, -100) as T[];
  gc((g) => aten.nll_loss_backward.default(g, x, tgt, null, 0, -100, tw!), [rnd([5])]);
});

test("matmul follows torch.matmul shapes and values", () => {
  const a = rnd([2, 1, 3, 4], { grad: false }), b = rnd([5, 4, 2], { grad: false });
  const y = coil.matmul(a, b);
  assert.deepEqual(y.shape, [2, 5, 3, 2]);
  const av = toFloat64Array(a), bv = toFloat64Array(b), yv = toFloat64Array(y);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) for (let r = 0; r < 3; r++) for (let c = 0; c < 2; c++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += av[i * 12 + r * 4 + k]! * bv[j * 8 + k * 2 + c]!;
    assert.ok(Math.abs(s - yv[((i * 5 + j) * 3 + r) * 2 + c]!) < 1e-12);
  }
  assert.deepEqual(coil.matmul(rnd([4], { grad: false }), rnd([4], { grad: false })).shape, []);
  assert.deepEqual(coil.matmul(rnd([3, 4], { grad: false }), rnd([4], { grad: false })).shape, [3]);
  assert.deepEqual(coil.matmul(rnd([4], { grad: false }), rnd([2, 4, 3], { grad: false })).shape, [2, 3]);
  assert.deepEqual(coil.matmul(rnd([2, 3, 4], { grad: false }), rnd([4], { grad: false })).shape, [2, 3]);
  assert.deepEqual(coil.matmul(rnd([2, 3, 4], { grad: false }), rnd([4, 6], { grad: false })).shape, [2, 3, 6]);
  assert.throws(() => coil.matmul(rnd([2, 3], { grad: false }), rnd([4, 2], { grad: false })), /mm.*2x3 and 4x2/);
  gc((p, q) => coil.matmul(p, q), [rnd([2, 1, 3, 2]), rnd([3, 2, 2])]);
  gc((x, w, bias) => coil.linear(x, w, bias), [rnd([2, 3, 4]), rnd([5, 4]), rnd([5])]);
  gc((x, w, bias) => coil.linear(x, w, bias), [rnd([3, 4]), rnd([5, 4]), rnd([5])]);
});

test("conv/pool frontends: unbatched input, padding modes, errors name the op", () => {
  const x = rnd([3, 6, 6], { grad: false }), w = rnd([4, 3, 3, 3], { grad: false });
  const yb = coil.conv2d(x.view(1, 3, 6, 6), w, null, 1, "same");
  const yu = coil.conv2d(x, w, null, 1, 1);
  assert.deepEqual(yu.shape, [4, 6, 6]);
  assert.deepEqual(Array.from(toFloat64Array(yu)), Array.from(toFloat64Array(yb)));
  assert.deepEqual(coil.conv1d(rnd([2, 3, 9], { grad: false }), rnd([4, 3, 3], { grad: false }), null, 2, "valid").shape, [2, 4, 4]);
  assert.deepEqual(coil.convTranspose2d(rnd([1, 4, 3, 3], { grad: false }), rnd([4, 2, 3, 3], { grad: false }), null, 2, 1, 1).shape, [1, 2, 6, 6]);
  assert.deepEqual(coil.maxPool2d(rnd([1, 2, 7, 7], { grad: false }), 2, { ceilMode: true }).shape, [1, 2, 4, 4]);
  assert.deepEqual(coil.avgPool2d(rnd([2, 7, 7], { grad: false }), 3, { stride: 2, padding: 1 }).shape, [2, 4, 4]);
  assert.deepEqual(coil.adaptiveAvgPool2d(rnd([1, 2, 7, 7], { grad: false }), [1, null]).shape, [1, 2, 1, 7]);
  assert.throws(() => coil.conv2d(rnd([6, 6], { grad: false }), w), /conv2d.*\[6, 6\]/);
  assert.throws(() => coil.conv2d(rnd([1, 2, 6, 6], { grad: false }), w), (e: Error) => /convolution/.test(e.message) && /3 channels, but got 2/.test(e.message));
});

test("conv2d float32 matches float64 and backward produces grads for all inputs", () => {
  const x = rnd([2, 3, 8, 8]), w = rnd([4, 3, 3, 3]), b = rnd([4]);
  const y = coil.conv2d(x, w, b, 1, 1);
  const y32 = coil.conv2d(aten._to_copy.default(x, { dtype: coil.float32 }), aten._to_copy.default(w, { dtype: coil.float32 }), aten._to_copy.default(b, { dtype: coil.float32 }), 1, 1);
  const a = toFloat64Array(y), c = toFloat64Array(y32);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - c[i]!) < 1e-4);
  coil.autograd.backward(coil.sum(y));
  assert.deepEqual(x.grad!.shape, x.shape);
  assert.deepEqual(w.grad!.shape, w.shape);
  assert.deepEqual(Array.from(toFloat64Array(b.grad!)), [128, 128, 128, 128]);
});

test("gemm: strided/transposed operands, beta scaling, K = 0, edge tiles", () => {
  for (const [M, N, K] of [[1, 1, 1], [5, 7, 3], [13, 9, 300], [4, 4, 0], [97, 3, 5]] as const) {
    const A = new Float64Array(M * K).map(() => Math.random() - 0.5), B = new Float64Array(K * N).map(() => Math.random() - 0.5);
    const C = new Float64Array(M * N).fill(2);
    // A given transposed (column-major), C written column-major
    const At = new Float64Array(M * K);
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k]!;
    gemm(M, N, K, 1.5, { arr: At, off: 0, rs: 1, cs: M }, { arr: B, off: 0, rs: N, cs: 1 }, 0.5, { arr: C, off: 0, rs: 1, cs: M });
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A[i * K + k]! * B[k * N + j]!;
      assert.ok(Math.abs(C[j * M + i]! - (1.5 * s + 1)) < 1e-12, `gemm ${M}x${N}x${K} at (${i},${j})`);
    }
  }
});
