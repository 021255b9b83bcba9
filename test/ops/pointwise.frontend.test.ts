// Frontend tests for the pointwise family: coil.<fn> functions and Tensor methods with scalar
// arguments, dtype rules (int division -> float) and error messages naming op, shapes and dtypes.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/frontend/index.js";

test("methods accept numbers for scalars", () => {
  const x = coil.tensor([[1.5, -2, 3], [0.25, 4, -0.5]]);
  assert.deepEqual(x.add(2).tolist(), [[3.5, 0, 5], [2.25, 6, 1.5]]);
  assert.deepEqual(x.sub(1, 2).tolist(), [[-0.5, -4, 1], [-1.75, 2, -2.5]]);
  assert.deepEqual(x.mul(0.5).tolist(), [[0.75, -1, 1.5], [0.125, 2, -0.25]]);
  assert.deepEqual(x.pow(2).tolist(), [[2.25, 4, 9], [0.0625, 16, 0.25]]);
  assert.deepEqual(x.gt(0).tolist(), [[true, false, true], [true, true, false]]);
  assert.deepEqual(coil.where(x.gt(0), x, 0).tolist(), [[1.5, 0, 3], [0.25, 4, 0]]);
  assert.deepEqual(x.clamp(-1, 1).tolist(), [[1, -1, 1], [0.25, 1, -0.5]]);
  assert.deepEqual(coil.clamp(x, null, 0).tolist(), [[0, -2, 0], [0, 0, -0.5]]);
  assert.deepEqual(coil.pow(2, coil.tensor([1, 2, 3])).tolist(), [2, 4, 8]);
  assert.deepEqual(x.eq(3).tolist(), [[false, false, true], [false, false, false]]);
});

test("integer division rules", () => {
  const i = coil.tensor([7, -7, 5]);
  const q = i.div(2);
  assert.equal(q.dtype.name, "float32");
  assert.deepEqual(q.tolist(), [3.5, -3.5, 2.5]);
  assert.deepEqual(i.div(2, { roundingMode: "floor" }).tolist(), [3, -4, 2]);
  assert.equal(i.div(2, { roundingMode: "trunc" }).dtype.name, "int64");
  assert.deepEqual(i.div(2, { roundingMode: "trunc" }).tolist(), [3, -3, 2]);
  assert.deepEqual(i.remainder(3).tolist(), [1, 2, 2]);
  assert.deepEqual(i.fmod(3).tolist(), [1, -1, 2]);
  assert.equal(i.add(0.5).dtype.name, "float32");
  assert.equal(i.mul(2).dtype.name, "int64");
  assert.throws(() => i.div(coil.tensor([1, 0, 1]), { roundingMode: "floor" }), /div.*ZeroDivisionError/);
});

test("in-place methods and functions", () => {
  const x = coil.zeros(2, 2);
  x.add_(coil.tensor([1, 2])).mul_(3).sub_(1).div_(2);
  assert.deepEqual(x.tolist(), [[1, 2.5], [1, 2.5]]);
  x.clamp_(1.5, 2); assert.deepEqual(x.tolist(), [[1.5, 2], [1.5, 2]]);
  x.fill_(-1).relu_(); assert.deepEqual(x.tolist(), [[0, 0], [0, 0]]);
  x.copy_(coil.tensor([[1, 2], [3, 4]], { dtype: "int64" })); assert.deepEqual(x.tolist(), [[1, 2], [3, 4]]);
  x.zero_(); assert.deepEqual(x.tolist(), [[0, 0], [0, 0]]);
});

test("logical, bitwise and unary functions", () => {
  const a = coil.tensor([true, false, true]), b = coil.tensor([true, true, false]);
  assert.deepEqual(coil.logicalAnd(a, b).tolist(), [true, false, false]);
  assert.deepEqual(a.logicalXor(b).tolist(), [false, true, true]);
  assert.deepEqual(coil.tensor([12, 10]).bitwiseAnd(6).tolist(), [4, 2]);
  assert.deepEqual(coil.bitwiseNot(coil.tensor([0, 5, -1])).tolist(), [-1, -6, 0]);
  assert.deepEqual(coil.tensor([2 ** 40 + 3]).bitwiseAnd(coil.tensor([2 ** 40 + 1])).tolist(), [2 ** 40 + 1]);
  assert.deepEqual(coil.isnan(coil.tensor([NaN, 1])).tolist(), [true, false]);
  assert.deepEqual(coil.round(coil.tensor([0.5, 1.5, 2.5, -0.5])).tolist(), [0, 2, 2, -0]);
  const e = coil.erf(coil.tensor([0.5], { dtype: "float64" })).item();
  assert.ok(Math.abs(e - 0.5204998778130465) < 1e-15);
  const g = coil.gelu(coil.tensor([1], { dtype: "float64" }), { approximate: "tanh" }).item();
  assert.ok(Math.abs(g - 0.8411919906082768) < 1e-12);
  const bf = coil.tensor([1, 2, 3], { dtype: "bfloat16" }).exp();
  assert.equal(bf.dtype.name, "bfloat16");
  assert.deepEqual(bf.tolist(), [2.71875, 7.375, 20.125]);
});

test("errors name the op, the shapes and the dtypes", () => {
  assert.throws(() => coil.tensor([[1, 2, 3], [4, 5, 6]]).add(coil.tensor([1, 2])), /add.*size of tensor a \(3\) must match the size of tensor b \(2\).*\[2, 3\], \[2\]/);
  assert.throws(() => coil.tensor([1.5]).bitwiseAnd(coil.tensor([1.5])), /bitwise_and.*not implemented for 'Float'/);
  assert.throws(() => coil.where(coil.tensor([1, 0]), coil.zeros(2), coil.ones(2)), /where.*boolean tensor.*int64/);
  assert.throws(() => coil.tensor([true]).neg(), /neg.*bool tensor/);
  assert.throws(() => coil.gelu(coil.tensor([1, 2])), /gelu.*not implemented for 'Long'/);
});
