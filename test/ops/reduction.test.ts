// Unit tests for reductions, scans, softmax, sort/topk: float64 finite-difference gradchecks for every
// differentiable op, frontend API (methods, ValuesIndices), errors that name op and shapes, speed.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { aten } from "../../src/ops/aten.js";

/** Finite-difference gradcheck: compares autograd grads of sum(f(xs) * w) with central differences. */
export function gradcheck(name: string, f: (...xs: Tensor[]) => Tensor | Tensor[], shapes: number[][], opts: { eps?: number; tol?: number; values?: (number[] | undefined)[] } = {}): void {
  const eps = opts.eps ?? 1e-6, tol = opts.tol ?? 1e-5;
  const xs = shapes.map((s, k) => {
    const v = opts.values?.[k];
    const t = v ? coil.tensor(v, { dtype: "float64" }).view(s) : coil.randn(s, { dtype: "float64" });
    return t.detach().requiresGrad_();
  });
  const outsOf = (): Tensor[] => { const o = f(...xs); return (Array.isArray(o) ? o : [o]).filter((t) => t.dtype.isFloatingPoint); };
  const outs = outsOf();
  const ws = outs.map((o) => coil.randn([...o.shape], { dtype: "float64" }));
  const scalar = (os: Tensor[]) => os.reduce((acc, o, i) => { const a = o.toArray(), w = ws[i]!.toArray(); for (let k = 0; k < a.length; k++) acc += a[k]! * w[k]!; return acc; }, 0);
  const diffOuts = outs.filter((o) => o.requiresGrad);
  const grads = coil.autograd.grad(diffOuts, xs, diffOuts.map((o) => ws[outs.indexOf(o)]!), { allowUnused: true });
  xs.forEach((x, k) => {
    const data = x.data() as Float64Array;
    const ana = grads[k] ? grads[k]!.toArray() : new Float64Array(x.numel());
    for (let i = 0; i < x.numel(); i++) {
      const orig = data[i]!;
      data[i] = orig + eps; const fp = coil.noGrad(() => scalar(outsOf()));
      data[i] = orig - eps; const fm = coil.noGrad(() => scalar(outsOf()));
      data[i] = orig;
      const num = (fp - fm) / (2 * eps);
      assert.ok(Math.abs(num - ana[i]!) <= tol * (1 + Math.abs(num)), `${name}: d/dinput${k}[${i}] analytic ${ana[i]} vs numeric ${num}`);
    }
  });
}

test("gradcheck: sum / mean / prod", () => {
  gradcheck("sum.dim", (x) => aten.sum.dim_IntList(x, [0, 2], true), [[2, 3, 2]]);
  gradcheck("sum", (x) => aten.sum.default(x), [[3, 2]]);
  gradcheck("mean", (x) => aten.mean.default(x), [[3, 2]]);
  gradcheck("mean.dim", (x) => aten.mean.dim(x, [-1]), [[3, 4]]);
  gradcheck("prod", (x) => aten.prod.default(x), [[2, 3]]);
  gradcheck("prod.dim_int", (x) => aten.prod.dim_int(x, 1), [[3, 3]]);
  gradcheck("prod.dim_int zeros", (x) => aten.prod.dim_int(x, 1, true), [[3, 3]], { values: [[0, 2, 3, 0, 0, 1, 4, 5, 6]] });
});

test("gradcheck: amax / max / min / var / std / logsumexp / norm", () => {
  gradcheck("amax", (x) => aten.amax.default(x, [1]), [[3, 4]]);
  gradcheck("amin", (x) => aten.amin.default(x, [0, 1], true), [[3, 4]]);
  gradcheck("max", (x) => aten.max.default(x), [[3, 4]]);
  gradcheck("max.dim", (x) => aten.max.dim(x, 1), [[3, 4]]);
  gradcheck("min.dim", (x) => aten.min.dim(x, 0, true), [[3, 4]]);
  gradcheck("var", (x) => aten.var.correction(x, [1], { correction: 1 }), [[3, 4]]);
  gradcheck("var all c0", (x) => aten.var.correction(x, null, { correction: 0, keepdim: true }), [[3, 4]]);
  gradcheck("std", (x) => aten.std.correction(x, [0, 2]), [[3, 2, 4]]);
  gradcheck("logsumexp", (x) => aten.logsumexp.default(x, [1]), [[3, 4]]);
  for (const p of [2, 1, 3, 0.5, Infinity, -Infinity]) gradcheck(`norm ord ${p}`, (x) => aten.linalg_vector_norm.default(x, p, [1], true), [[3, 4]]);
});

test("gradcheck: cumsum / cumprod / softmax / log_softmax / sort / topk", () => {
  gradcheck("cumsum", (x) => aten.cumsum.default(x, 1), [[3, 4]]);
  gradcheck("cumsum dim0", (x) => aten.cumsum.default(x, -2), [[3, 4]]);
  gradcheck("cumprod", (x) => aten.cumprod.default(x, 1), [[3, 4]]);
  gradcheck("softmax", (x) => aten._softmax.default(x, 1, false), [[3, 5]]);
  gradcheck("softmax dim0", (x) => coil.softmax(x, 0), [[4, 3]]);
  gradcheck("log_softmax", (x) => aten._log_softmax.default(x, -1, false), [[3, 5]]);
  gradcheck("sort", (x) => aten.sort.default(x, 1, true), [[3, 5]]);
  gradcheck("topk", (x) => aten.topk.default(x, 2, 0), [[4, 3]]);
  gradcheck("transposed input", (x) => coil.softmax(x.t(), 1), [[4, 3]]);
});

test("frontend: methods, keepdim, ValuesIndices", () => {
  const x = coil.tensor([[1, 5, 3], [4, 2, 6]]);
  assert.deepEqual(x.sum().tolist(), 21);
  assert.equal(x.sum().dtype.name, "int64");
  assert.deepEqual(x.sum(1, true).tolist(), [[9], [12]]);
  const xf = x.mul(1.0).add(coil.zeros(2, 3));
  assert.deepEqual(xf.mean(0).tolist(), [2.5, 3.5, 4.5]);
  const mx = x.max(1);
  assert.deepEqual(mx.values.tolist(), [5, 6]);
  assert.deepEqual(mx.indices.tolist(), [1, 2]);
  const [v, i] = x.min(1, true);
  assert.deepEqual(v.tolist(), [[1], [2]]);
  assert.deepEqual(i.tolist(), [[0], [1]]);
  assert.equal(x.max().item(), 6);
  assert.deepEqual(x.argmax().tolist(), 5);
  assert.deepEqual(coil.amax(x, [0, 1]).tolist(), 6);
  assert.deepEqual(x.cumsum(1).tolist(), [[1, 6, 9], [4, 6, 12]]);
  assert.deepEqual(x.prod(1).tolist(), [15, 48]);
  assert.deepEqual(x.any(1).tolist(), [true, true]);
  assert.deepEqual(coil.all(x).tolist(), true);
  const s = coil.sort(x, 1, true);
  assert.deepEqual(s.values.tolist(), [[5, 3, 1], [6, 4, 2]]);
  assert.deepEqual(s.indices.tolist(), [[1, 2, 0], [2, 0, 1]]);
  const tk = x.topk(1, 0);
  assert.deepEqual(tk.values.tolist(), [[4, 5, 6]]);
  assert.deepEqual(tk.indices.tolist(), [[1, 0, 1]]);
  assert.ok(Math.abs((xf.var(1).tolist() as number[])[0]! - 4) < 1e-6);
  assert.ok(Math.abs((xf.var(1, { unbiased: false }).tolist() as number[])[0]! - 8 / 3) < 1e-6);
  assert.ok(Math.abs(xf.norm().item() - Math.sqrt(91)) < 1e-5);
  const sm = xf.softmax(1).sum(1).tolist() as number[];
  sm.forEach((q) => assert.ok(Math.abs(q - 1) < 1e-6));
  assert.ok(Math.abs((xf.logSoftmax(1).tolist() as number[][])[0]![1]! - (5 - Math.log(Math.exp(1) + Math.exp(5) + Math.exp(3)))) < 1e-5);
  assert.equal(coil.var(xf).dtype.name, "float32");
});

test("strided kernels agree with contiguous copies (transposed, sliced-like views)", () => {
  const x = coil.randn(7, 5, 3, { dtype: "float64" });
  const xt = aten.permute.default(x, [2, 0, 1]) as Tensor;
  assert.ok(!xt.isContiguous());
  const xc = aten.clone.default(xt, { memory_format: null }) as Tensor;
  for (const dims of [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]) {
    const a = aten.sum.dim_IntList(xt, dims).toArray(), b = aten.sum.dim_IntList(xc, dims).toArray();
    a.forEach((q: number, k: number) => assert.ok(Math.abs(q - b[k]!) < 1e-12, `sum dims ${dims}`));
    const c: Float64Array = (aten.amax.default(xt, dims) as Tensor).toArray(), d: Float64Array = (aten.amax.default(xc, dims) as Tensor).toArray();
    assert.deepEqual(Array.from(c), Array.from(d));
  }
  for (const dim of [0, 1, 2]) {
    const a = aten._softmax.default(xt, dim, false).toArray(), b = aten._softmax.default(xc, dim, false).toArray();
    a.forEach((q: number, k: number) => assert.ok(Math.abs(q - b[k]!) < 1e-12));
    assert.deepEqual(Array.from(aten.cumsum.default(xt, dim).toArray()), Array.from(aten.cumsum.default(xc, dim).toArray()));
  }
});

test("errors name the op and the shapes", () => {
  const x = coil.randn(3, 4);
  assert.throws(() => x.sum(2), (e: Error) => e instanceof RangeError && /sum/.test(e.message) && /\[-2, 1\]/.test(e.message));
  assert.throws(() => coil.mean(coil.tensor([1, 2])), (e: Error) => e instanceof TypeError && /mean/.test(e.message) && /Long/.test(e.message));
  assert.throws(() => coil.amax(coil.zeros(0, 3), 0), (e: Error) => /amax/.test(e.message) && /\[0, 3\]/.test(e.message));
  assert.throws(() => x.topk(5, 1), (e: Error) => /topk/.test(e.message) && /\[3, 4\]/.test(e.message));
  assert.throws(() => coil.max(coil.zeros(0)), (e: Error) => /max/.test(e.message));
  assert.throws(() => aten.var.correction(coil.tensor([1, 2]), [0]), (e: Error) => /var/.test(e.message));
  assert.throws(() => aten._softmax.default(x, 2, false), (e: Error) => /_softmax/.test(e.message));
  assert.throws(() => aten.sum.dim_IntList(x, [1, -1]), (e: Error) => /multiple times/.test(e.message));
  // fake tensors go through the meta rules only
  const f = Tensor.fake([3, 4], "float32");
  const m = aten.max.dim(f, 1, true) as Tensor[];
  assert.deepEqual([...m[0]!.shape], [3, 1]);
  assert.equal(m[1]!.dtype.name, "int64");
  assert.deepEqual([...(aten.topk.default(f, 2, 0) as Tensor[])[0]!.shape], [2, 4]);
  assert.deepEqual([...(aten.var.correction(f, [0, 1], { keepdim: true }) as Tensor).shape], [1, 1]);
});

test("bfloat16 inputs compute in float and round on store", () => {
  const x = coil.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "bfloat16" });
  assert.equal(x.sum(1).dtype.name, "bfloat16");
  assert.deepEqual(x.sum(1).tolist(), [6, 15]);
  assert.deepEqual(x.max(0).values.tolist(), [4, 5, 6]);
  const sm = x.softmax(1);
  assert.equal(sm.dtype.name, "bfloat16");
  assert.ok(Math.abs((sm.tolist() as number[][])[0]![2]! - 0.665) < 0.01);
});

test("softmax, sum and amax on 4096x1024 float32 run well under a second", () => {
  const x = coil.randn(4096, 1024);
  // best of 3 (the test machine may be shared)
  let dt = Infinity, s = x;
  for (let k = 0; k < 3; k++) { const t0 = performance.now(); s = x.softmax(1); dt = Math.min(dt, performance.now() - t0); }
  assert.ok(dt < 1000, `softmax took ${dt} ms`);
  assert.ok(Math.abs(s.sum(1).toArray()[7]! - 1) < 1e-4);
  const t0 = performance.now();
  x.sum(0); x.sum(1); x.amax(1);
  assert.ok(performance.now() - t0 < 1000);
});
