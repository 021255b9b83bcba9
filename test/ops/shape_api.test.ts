// Frontend tests for shape/indexing/creation/random APIs: reshape copies only when it must, x.get(...)
// indexing, stack/chunk/pad/casts, fake-tensor aliasing of views, random determinism and dropout,
// plus float64 finite-difference gradient checks of the differentiable movement/index ops.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { aten } from "../../src/ops/aten.js";
import { fakeFromMeta } from "../../src/ops/dispatch.js";
import { grad } from "../../src/autograd/index.js";

const arr = (t: Tensor) => Array.from(toFloat64Array(t));
const f64 = (shape: number[], seed = 1) => { coil.manualSeed(seed); return coil.randn(shape, { dtype: "float64" }); };

test("reshape: view when possible, copy otherwise", () => {
  const x = coil.arange(12).view(3, 4);
  const r = x.reshape(4, 3);
  assert.equal(r.storage, x.storage);
  const xt = x.t();
  const r2 = xt.reshape(-1);
  assert.notEqual(r2.storage, x.storage);
  assert.deepEqual(arr(r2), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual(x.flatten().shape, [12]);
  assert.deepEqual(coil.arange(24).view(2, 3, 4).flatten(1).shape, [2, 12]);
  assert.deepEqual(coil.arange(6).unflatten(0, [2, -1]).shape, [2, 3]);
});

test("get: Python-style indexing", () => {
  const x = coil.arange(24).view(2, 3, 4);
  assert.deepEqual(arr(x.get(1, coil.slice(1, 3), -1)), [19, 23]);
  assert.deepEqual(x.get(null, "...", 0).shape, [1, 2, 3]);
  assert.deepEqual(x.get("...", coil.slice(null, null, 2)).shape, [2, 3, 2]);
  const idx = coil.tensor([0, 2]);
  assert.deepEqual(arr(x.get(0, idx, coil.slice(0, 1))), [0, 8]);
  const mask = coil.tensor([true, false, true]);
  assert.deepEqual(x.get(coil.slice(), mask).shape, [2, 2, 4]);
  assert.deepEqual(arr(x.index([null, null, coil.tensor([3])])), [3, 7, 11, 15, 19, 23]);
  assert.equal(x.get(0).storage, x.storage, "basic indexing is a view");
  assert.throws(() => x.get(0, 0, 0, 0), /too many indices/);
  assert.throws(() => x.get(5), /select.*index 5 out of range/);
});

test("indexPut / maskedFill / scatter frontends", () => {
  const x = coil.zeros(4);
  const y = x.indexPut([coil.tensor([1, 1, 3])], coil.tensor([1, 2, 5], { dtype: "float32" }), true);
  assert.deepEqual(arr(y), [0, 3, 0, 5]);
  assert.deepEqual(arr(x), [0, 0, 0, 0], "functional: input unchanged");
  assert.deepEqual(arr(coil.arange(4).maskedFill(coil.tensor([true, false, false, true]), -1)), [-1, 1, 2, -1]);
  assert.deepEqual(arr(coil.zeros(3).scatter(0, coil.tensor([2]), 7)), [0, 0, 7]);
});

test("stack, chunk, split, cat", () => {
  const a = coil.arange(3), b = coil.arange(3, 6);
  assert.deepEqual(coil.stack([a, b], 1).shape, [3, 2]);
  assert.deepEqual(arr(coil.stack([a, b], -1)), [0, 3, 1, 4, 2, 5]);
  assert.throws(() => coil.stack([a, coil.arange(2)]), /stack expects each tensor to be equal size/);
  assert.deepEqual(coil.arange(10).chunk(3).map((t) => t.shape[0]), [4, 4, 2]);
  assert.deepEqual(coil.arange(5).chunk(5).length, 5);
  assert.deepEqual(coil.arange(6).split([1, 5]).map((t) => t.shape[0]), [1, 5]);
  assert.deepEqual(coil.cat([a, b]).shape, [6]);
});

test("casts and pad", () => {
  const x = coil.tensor([1.7, -2.2]);
  assert.equal(x.long().dtype.name, "int64");
  assert.deepEqual(arr(x.int()), [1, -2]);
  assert.equal(x.to("float32"), x, "to(same dtype) returns self");
  assert.equal(x.bfloat16().dtype.name, "bfloat16");
  assert.equal(x.half().dtype.name, "float16");
  assert.deepEqual(arr(x.bool()), [1, 1]);
  assert.equal(x.double().dtype.name, "float64");
  const p = coil.pad(coil.arange(3).float().view(1, 3), [2, 1], "reflect");
  assert.deepEqual(arr(p), [2, 1, 0, 1, 2, 1]);
  assert.deepEqual(arr(coil.pad(coil.arange(2).float().view(1, 2), [1, 2], "replicate")), [0, 0, 1, 1, 1]);
  assert.deepEqual(arr(coil.pad(coil.ones(2), [1, 0], "constant", 9)), [9, 1, 1]);
  // bfloat16 padding (PyTorch 1.13 lacks a CPU kernel; coil copies the bit patterns).
  assert.deepEqual(arr(coil.pad(coil.tensor([[0.5, 1.5]]).bfloat16(), [1, 1], "reflect")), [1.5, 0.5, 1.5, 0.5]);
});

test("creation: factories, arange dtype inference, tensor() inputs", () => {
  assert.equal(coil.arange(5).dtype.name, "int64");
  assert.equal(coil.arange(0, 1, 0.25).dtype.name, "float32");
  assert.deepEqual(arr(coil.arange(0, 1, 0.25)), [0, 0.25, 0.5, 0.75]);
  assert.equal(coil.arange(3, { dtype: "float64" }).dtype.name, "float64");
  assert.deepEqual(arr(coil.linspace(0, 1, 3)), [0, 0.5, 1]);
  assert.deepEqual(arr(coil.eye(2, 3)), [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(arr(coil.full([2], 3)), [3, 3]);
  assert.equal(coil.full([2], 3).dtype.name, "int64");
  assert.equal(coil.empty(2, 3).numel(), 6);
  const like = coil.zerosLike(coil.ones(2, { dtype: "int32" }));
  assert.equal(like.dtype.name, "int32");
  assert.deepEqual(arr(coil.fullLike(coil.ones(2), 4)), [4, 4]);
  const x = coil.ones(2, { dtype: "float64" });
  assert.equal(x.newZeros([3]).dtype.name, "float64");
  assert.deepEqual(arr(x.newFull([2], 7)), [7, 7]);
  assert.equal(coil.tensor(new BigInt64Array([1n, 2n])).dtype.name, "int64");
  assert.equal(coil.tensor(new Float64Array([1, 2])).dtype.name, "float64");
  assert.deepEqual(coil.tensor(3.5).shape, []);
  assert.deepEqual(coil.tensor([[1, 2], [3, 4]]).shape, [2, 2]);
  assert.equal(coil.tensor([1, 2], { requiresGrad: true, dtype: "float64" }).requiresGrad, true);
  assert.throws(() => coil.tensor([[1, 2], [3]]), /ragged/);
  assert.throws(() => coil.arange(0, 5, 0), /step must be nonzero/);
});

test("views alias fake tensors (meta viewOf)", () => {
  const f = Tensor.fake([3, 4], "float32");
  for (const [op, args] of [
    [aten.permute.default, { self: f, dims: [1, 0] }], [aten.slice.Tensor, { self: f, dim: 1, start: 1, end: 3, step: 1 }],
    [aten.select.int, { self: f, dim: 0, index: 2 }], [aten.unsqueeze.default, { self: f, dim: 0 }],
    [aten.transpose.int, { self: f, dim0: 0, dim1: 1 }], [aten.squeeze.default, { self: f }],
  ] as const) {
    const out = fakeFromMeta(op, args as never) as Tensor;
    assert.equal(out.storage, f.storage, `${op.qualname} aliases`);
  }
  const s = fakeFromMeta(aten.select.int, { self: f, dim: 0, index: 2 } as never) as Tensor;
  assert.equal(s.offset, 8);
  const parts = fakeFromMeta(aten.split.Tensor, { self: f, split_size: 2, dim: 1 } as never) as Tensor[];
  assert.equal(parts[1]!.offset, 2);
  assert.equal(aten.view.default.isView, true);
  assert.equal(aten.cat.default.isView, false);
});

test("errors leave inputs unchanged and name the op", () => {
  const x = coil.arange(6).view(2, 3).float();
  const before = arr(x);
  assert.throws(() => x.indexPut([coil.tensor([5])], coil.tensor(1.0)), /index_put.*index 5 is out of bounds for dimension 0 with size 2/);
  assert.throws(() => x.gather(1, coil.tensor([[0], [3]])), /gather.*out of bounds/);
  assert.throws(() => x.scatter(1, coil.tensor([[0], [3]]), 1), /scatter.*out of bounds/);
  assert.deepEqual(arr(x), before);
  assert.throws(() => x.view(4, 2), /view.*shape '\[4, 2\]' is invalid for input of size 6/);
  assert.throws(() => coil.cat([x, coil.zeros(2, 2, 2)]), /cat.*same number of dimensions/);
});

test("random: manualSeed determinism, ranges, in-place fills, generators", () => {
  coil.manualSeed(42);
  const a = coil.rand(5), b = coil.randn(3);
  coil.manualSeed(42);
  assert.deepEqual(arr(coil.rand(5)), arr(a));
  assert.deepEqual(arr(coil.randn(3)), arr(b));
  assert.ok(arr(a).every((v) => v >= 0 && v < 1));
  const r = coil.randint(3, 7, [200]);
  assert.equal(r.dtype.name, "int64");
  assert.ok(arr(r).every((v) => v >= 3 && v < 7 && Number.isInteger(v)));
  assert.equal(new Set(arr(r)).size, 4);
  const z = coil.zeros(4, 5);
  const v0 = z.version;
  const zt = z.t();
  zt.uniform_(2, 3);
  assert.ok(arr(z).every((v) => v >= 2 && v < 3));
  assert.ok(z.version > v0, "in-place bumps the version counter");
  const n = coil.zeros(20000).normal_(1, 2);
  const m = arr(n).reduce((p, v) => p + v, 0) / 20000;
  assert.ok(Math.abs(m - 1) < 0.1, `normal mean ${m}`);
  const g1 = new coil.Generator(7), g2 = new coil.Generator(7);
  assert.deepEqual(arr(coil.zeros(4).uniform_(0, 1, { generator: g1 })), arr(coil.zeros(4).uniform_(0, 1, { generator: g2 })));
  const bern = coil.full([1000], 0.3, { dtype: "float32" }).bernoulli();
  const frac = arr(bern).reduce((p, v) => p + v, 0) / 1000;
  assert.ok(frac > 0.2 && frac < 0.4, `bernoulli fraction ${frac}`);
  assert.throws(() => coil.full([2], 1.5, { dtype: "float32" }).bernoulli(), /bernoulli.*0 <= p|p_in >= 0/);
  assert.equal(coil.randLike(coil.ones(2, { dtype: "float64" })).dtype.name, "float64");
});

test("dropout: training mask and scale, eval identity, gradient", () => {
  coil.manualSeed(3);
  const x = coil.ones(1000, { dtype: "float64", requiresGrad: true });
  const [out, mask] = aten.native_dropout.default(x, 0.25, true) as Tensor[];
  const o = arr(out!), mk = arr(mask!);
  assert.equal(mask!.dtype.name, "bool");
  o.forEach((v, i) => assert.ok(mk[i] ? Math.abs(v - 4 / 3) < 1e-12 : v === 0));
  const kept = mk.reduce((p, v) => p + v, 0) / 1000;
  assert.ok(kept > 0.68 && kept < 0.82, `kept ${kept}`);
  const [g] = grad([out!], [x], [coil.onesLike(out!)]);
  assert.deepEqual(arr(g!), o);
  assert.equal(coil.dropout(x, 0.5, false), x);
  assert.deepEqual(arr(coil.dropout(coil.ones(10), 1.0)), new Array(10).fill(0));
  assert.throws(() => coil.dropout(x, 1.5), /dropout probability/);
});

// ---- float64 finite-difference gradient checks ----
function gradcheck(name: string, f: (x: Tensor) => Tensor, x0: Tensor): void {
  const x = x0.detach(); x.requiresGrad = true;
  const y = f(x);
  coil.manualSeed(99);
  const go = coil.randn([...y.shape], { dtype: "float64" });
  const [g] = grad([y], [x], [go]);
  const analytic = arr(g!);
  const base = arr(x0);
  const dot = (t: Tensor) => { const a = arr(t), b = arr(go); return a.reduce((p, v, i) => p + v * b[i]!, 0); };
  const eps = 1e-6;
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice(), minus = base.slice();
    plus[i]! += eps; minus[i]! -= eps;
    const num = (dot(f(Tensor.fromValues(plus, x0.shape, "float64"))) - dot(f(Tensor.fromValues(minus, x0.shape, "float64")))) / (2 * eps);
    assert.ok(Math.abs(num - analytic[i]!) < 1e-5 * (1 + Math.abs(num)), `${name}: d/dx[${i}] numeric ${num} vs analytic ${analytic[i]}`);
  }
}

const I = (v: number[] | number[][]) => coil.tensor(v);
const checks: [string, (x: Tensor) => Tensor, number[]][] = [
  ["permute", (x) => x.permute(2, 0, 1), [2, 3, 2]],
  ["transpose+reshape", (x) => x.transpose(0, 1).reshape(-1), [2, 3]],
  ["squeeze/unsqueeze", (x) => x.unsqueeze(1).squeeze(0), [1, 3]],
  ["slice step", (x) => aten.slice.Tensor(x, 1, 1, 10, 2), [2, 5]],
  ["select", (x) => x.select(0, -1), [3, 2]],
  ["narrow", (x) => x.narrow(1, 1, 2), [2, 4]],
  ["as_strided overlapping", (x) => x.asStrided([3, 2], [1, 1], 0), [6]],
  ["expand", (x) => x.expand(3, 2, 4), [2, 1]],
  ["cat", (x) => coil.cat([x, x.mul(2)], 1), [2, 3]],
  ["split", (x) => x.split(2, 1)[1]!, [2, 5]],
  ["stack", (x) => coil.stack([x, x], 1), [3]],
  ["flip", (x) => x.flip(0, 1), [2, 3]],
  ["roll", (x) => x.roll([1, -1], [0, 1]), [2, 3]],
  ["repeat", (x) => x.repeat(2, 1, 3), [2, 2]],
  ["triu", (x) => x.triu(1), [3, 3]],
  ["tril", (x) => x.tril(-1), [3, 4]],
  ["constant_pad_nd", (x) => coil.pad(x, [1, -1, 2, 0]), [2, 3]],
  ["reflection_pad2d", (x) => coil.pad(x, [2, 1, 1, 2], "reflect"), [1, 3, 4]],
  ["replication_pad1d", (x) => coil.pad(x, [2, 3], "replicate"), [2, 3]],
  ["index_select", (x) => x.indexSelect(0, I([2, 0, 2])), [3, 2]],
  ["gather", (x) => x.gather(1, I([[0, 0], [2, 1]])), [2, 3]],
  ["scatter src", (x) => coil.zeros(3, 3, { dtype: "float64" }).scatter(0, I([[1, 2, 0]]), x), [1, 3]],
  ["scatter_add", (x) => x.scatterAdd(0, I([[1, 1], [0, 1]]), x.mul(3)), [2, 2]],
  ["index_add", (x) => x.indexAdd(0, I([1, 1]), x, 2), [2, 2]],
  ["index advanced", (x) => x.get(I([[0, 2], [2, 2]]), coil.slice(), I([1, 0])), [3, 2, 2]],
  ["index bool", (x) => x.get(coil.tensor([true, false, true])), [3, 2]],
  ["index_put accumulate", (x) => x.indexPut([I([0, 0])], x.get(coil.slice(0, 2)).mul(2), true), [3, 2]],
  ["index_put values", (x) => coil.zeros(4, { dtype: "float64" }).indexPut([I([3, 1])], x), [2]],
  ["masked_fill", (x) => x.maskedFill(coil.tensor([true, false, true]), 0), [2, 3]],
  ["_to_copy", (x) => aten._to_copy.default(x, { dtype: "float64" }), [3]],
  ["slice_scatter", (x) => aten.slice_scatter.default(x, x.get(coil.slice(), coil.slice(0, 2)).mul(3), 1, 1, 3), [2, 3]],
  ["select_scatter", (x) => aten.select_scatter.default(x, x.select(0, 0), 0, 1), [2, 3]],
];
for (const [name, f, shape] of checks) test(`gradcheck float64: ${name}`, () => gradcheck(name, f, f64(shape, name.length)));

test("_to_copy: gradient is cast back to the input dtype", () => {
  const x = coil.tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const [g] = grad([x.float()], [x], [coil.tensor([0.5, 0.25])]);
  assert.equal(g!.dtype.name, "float64");
  assert.deepEqual(arr(g!), [0.5, 0.25]);
});

test("gradcheck float64: masked_fill.Tensor value grad", () => {
  const v = coil.tensor(2.0, { dtype: "float64", requiresGrad: true });
  const x = f64([4]);
  const y = aten.masked_fill.Tensor(x, coil.tensor([true, false, true, true]), v) as Tensor;
  const [g] = grad([y], [v], [coil.tensor([1, 2, 3, 4], { dtype: "float64" })]);
  assert.deepEqual(arr(g!), [8]);
});
