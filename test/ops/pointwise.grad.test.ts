// Gradient checks (float64 central finite differences vs autograd) for every differentiable pointwise
// op, plus in-place version-counter semantics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { aten } from "../../src/ops/aten.js";
import * as coil from "../../src/frontend/index.js";
import { grad } from "../../src/autograd/index.js";
import { noGrad } from "../../src/autograd/grad_mode.js";

type Spec = { shape: number[]; lo?: number; hi?: number; values?: number[] };
let seed = 12345;
function rnd(): number { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; }

function make(s: Spec): number[] {
  if (s.values) return s.values.slice();
  const n = s.shape.reduce((a, b) => a * b, 1);
  const lo = s.lo ?? -2, hi = s.hi ?? 2;
  return Array.from({ length: n }, () => lo + (hi - lo) * rnd());
}

/** Compare autograd's vector-Jacobian product with central differences in float64. */
function gradcheck(name: string, f: (...xs: Tensor[]) => Tensor, specs: Spec[], opts: { eps?: number; tol?: number } = {}): void {
  const eps = opts.eps ?? 1e-6, tol = opts.tol ?? 1e-5;
  const vals = specs.map(make);
  const leaves = specs.map((s, i) => { const t = Tensor.fromValues(vals[i]!, s.shape, "float64"); t.requiresGrad = true; return t; });
  const out = f(...leaves);
  assert.equal(out.dtype.name, "float64", `${name}: output dtype`);
  const v = Tensor.fromValues(make({ shape: out.shape.slice(), lo: -1, hi: 1 }), out.shape, "float64");
  const analytic = grad(out, leaves, v, { allowUnused: true });
  const vArr = toFloat64Array(v);
  const evalAt = (k: number, i: number, delta: number): number => noGrad(() => {
    const ins = specs.map((s, j) => {
      const arr = vals[j]!.slice();
      if (j === k) arr[i]! += delta;
      return Tensor.fromValues(arr, s.shape, "float64");
    });
    const o = toFloat64Array(f(...ins));
    let acc = 0;
    for (let q = 0; q < o.length; q++) acc += o[q]! * vArr[q]!;
    return acc;
  });
  specs.forEach((_, k) => {
    const a = analytic[k] ? toFloat64Array(analytic[k]!) : new Float64Array(vals[k]!.length);
    assert.deepEqual(analytic[k] ? [...analytic[k]!.shape] : specs[k]!.shape, specs[k]!.shape, `${name}: grad ${k} shape`);
    for (let i = 0; i < vals[k]!.length; i++) {
      const num = (evalAt(k, i, eps) - evalAt(k, i, -eps)) / (2 * eps);
      assert.ok(Math.abs(num - a[i]!) <= tol * (1 + Math.abs(num)), `${name}: d/dx${k}[${i}] analytic ${a[i]} vs numeric ${num}`);
    }
  });
}

const S = [3, 4];
const P = { shape: S, lo: 0.2, hi: 3 };
const unaryCases: [string, (x: Tensor) => Tensor, Spec][] = [
  ["neg", (x) => x.neg(), { shape: S }],
  ["abs", (x) => x.abs(), { shape: S, lo: 0.1, hi: 2 }],
  ["abs-neg", (x) => x.abs(), { shape: S, lo: -2, hi: -0.1 }],
  ["exp", (x) => x.exp(), { shape: S }],
  ["exp2", (x) => x.exp2(), { shape: S }],
  ["log", (x) => x.log(), P],
  ["log2", (x) => x.log2(), P],
  ["log1p", (x) => x.log1p(), P],
  ["expm1", (x) => x.expm1(), { shape: S }],
  ["sin", (x) => x.sin(), { shape: S }],
  ["cos", (x) => x.cos(), { shape: S }],
  ["tan", (x) => x.tan(), { shape: S, lo: -1, hi: 1 }],
  ["tanh", (x) => x.tanh(), { shape: S }],
  ["sigmoid", (x) => x.sigmoid(), { shape: S }],
  ["relu", (x) => x.relu(), { shape: S, values: [-1.5, -0.5, 0.5, 1.5, -1, 2, -3, 3, 0.1, -0.1, 0.7, -0.7] }],
  ["gelu", (x) => coil.gelu(x), { shape: S, lo: -3, hi: 3 }],
  ["gelu-tanh", (x) => coil.gelu(x, { approximate: "tanh" }), { shape: S, lo: -3, hi: 3 }],
  ["silu", (x) => coil.silu(x), { shape: S }],
  ["hardtanh", (x) => coil.hardtanh(x, -0.5, 0.5), { shape: S, values: [-1.5, -0.25, 0.25, 1.5, -1, 0.3, -3, 3, 0.1, -0.1, 0.45, -0.45] }],
  ["sqrt", (x) => x.sqrt(), P],
  ["rsqrt", (x) => x.rsqrt(), P],
  ["reciprocal", (x) => x.reciprocal(), P],
  ["erf", (x) => x.erf(), { shape: S }],
  ["floor", (x) => x.floor(), { shape: S, values: [0.5, 1.5, -0.5, 2.25, 0.3, 0.6, -1.4, 1.2, 0.9, -0.9, 0.1, 3.5] }],
  ["round", (x) => x.round(), { shape: S, values: [0.2, 1.3, -0.3, 2.25, 0.3, 0.6, -1.4, 1.2, 0.9, -0.9, 0.1, 3.3] }],
  ["sign", (x) => x.sign(), { shape: S, lo: 0.1, hi: 1 }],
  ["clamp", (x) => x.clamp(-0.5, 0.5), { shape: S, values: [-1.5, -0.25, 0.25, 1.5, -1, 0.3, -3, 3, 0.1, -0.1, 0.45, -0.45] }],
  ["clamp-min", (x) => x.clamp(0.2), { shape: S, values: [-1.5, -0.25, 0.25, 1.5, -1, 0.3, -3, 3, 0.1, -0.1, 0.45, -0.45] }],
  ["pow-scalar", (x) => x.pow(3), { shape: S }],
  ["pow-scalar-frac", (x) => x.pow(1.5), P],
  ["pow-scalar-0", (x) => x.pow(0), { shape: S }],
  ["pow-Scalar-base", (x) => coil.pow(2.5, x), { shape: S }],
  ["add-scalar", (x) => x.add(2.5, 3), { shape: S }],
  ["sub-scalar", (x) => x.sub(2.5), { shape: S }],
  ["rsub-scalar", (x) => aten.rsub.Scalar(x, 2.5, 2) as Tensor, { shape: S }],
  ["mul-scalar", (x) => x.mul(-0.75), { shape: S }],
  ["div-scalar", (x) => x.div(0.3), { shape: S }],
  ["remainder-scalar", (x) => x.remainder(0.7), { shape: S, values: [0.5, 1.5, -0.5, 2.25, 0.3, 0.6, -1.3, 1.2, 0.9, -0.9, 0.1, 3.4] }],
  ["fmod-scalar", (x) => x.fmod(0.7), { shape: S, values: [0.5, 1.5, -0.5, 2.25, 0.3, 0.6, -1.3, 1.2, 0.9, -0.9, 0.1, 3.4] }],
];
for (const [name, f, spec] of unaryCases) test(`gradcheck ${name}`, () => gradcheck(name, f, [spec]));

const binaryCases: [string, (x: Tensor, y: Tensor) => Tensor, Spec, Spec][] = [
  ["add-broadcast-alpha", (x, y) => x.add(y, 2), { shape: [3, 1] }, { shape: [4] }],
  ["sub-broadcast-alpha", (x, y) => x.sub(y, 0.5), { shape: [3, 4] }, { shape: [1, 4] }],
  ["rsub", (x, y) => aten.rsub.Tensor(x, y, { alpha: 2 }) as Tensor, { shape: S }, { shape: [4] }],
  ["mul-broadcast", (x, y) => x.mul(y), { shape: [2, 3, 1] }, { shape: [1, 4] }],
  ["div", (x, y) => x.div(y), { shape: S }, { shape: [4], lo: 0.5, hi: 2 }],
  ["pow-tensor", (x, y) => x.pow(y), P, { shape: [4] }],
  ["remainder", (x, y) => x.remainder(y), { shape: S, lo: 0, hi: 0.9 }, { shape: [4], lo: 1, hi: 2 }],
  ["fmod", (x, y) => x.fmod(y), { shape: S, lo: -0.9, hi: -0.1 }, { shape: [4], lo: 1, hi: 2 }],
  ["maximum", (x, y) => x.maximum(y), { shape: S }, { shape: [4] }],
  ["minimum", (x, y) => x.minimum(y), { shape: S }, { shape: [3, 1] }],
  ["atan2", (x, y) => x.atan2(y), { shape: S }, { shape: [4], lo: 0.5, hi: 2 }],
  ["clamp-tensor", (x, y) => coil.clamp(x, y), { shape: S }, { shape: [4], lo: -0.5, hi: 0.5 }],
  ["where", (x, y) => coil.where(coil.tensor([true, false, true, false]), x, y), { shape: S }, { shape: [3, 1] }],
  ["sigmoid_backward", (g, y) => aten.sigmoid_backward.default(g, y) as Tensor, { shape: S }, { shape: S, lo: 0.1, hi: 0.9 }],
  ["tanh_backward", (g, y) => aten.tanh_backward.default(g, y) as Tensor, { shape: S }, { shape: S, lo: -0.9, hi: 0.9 }],
  ["hardtanh_backward", (g, x) => aten.hardtanh_backward.default(g, x, -0.5, 0.5) as Tensor, { shape: S }, { shape: S, lo: 0.6, hi: 0.9 }],
  ["threshold_backward", (g, x) => aten.threshold_backward.default(g, x, 0) as Tensor, { shape: S }, { shape: S, lo: 0.1, hi: 1 }],
  ["add_-nonleaf", (x, y) => x.mul(1).add_(y, 2), { shape: S }, { shape: [4] }],
  ["sub_-nonleaf", (x, y) => x.mul(1).sub_(y), { shape: S }, { shape: [4] }],
  ["div_-nonleaf", (x, y) => x.mul(1).div_(y), { shape: S }, { shape: [4], lo: 0.5, hi: 2 }],
  ["copy_-nonleaf", (x, y) => x.mul(1).copy_(y), { shape: S }, { shape: [4] }],
];
for (const [name, f, s1, s2] of binaryCases) test(`gradcheck ${name}`, () => gradcheck(name, f, [s1, s2]));

test("gradcheck clamp with tensor min and max", () =>
  gradcheck("clamp3", (x, lo, hi) => coil.clamp(x, lo, hi), [{ shape: S }, { shape: [4], lo: -1, hi: -0.2 }, { shape: [3, 1], lo: 0.2, hi: 1 }]));
test("gradcheck in-place unary ops on non-leaf tensors", () => {
  gradcheck("mul_.Scalar", (x) => x.mul(1).mul_(2.5), [{ shape: S }]);
  gradcheck("mul_.Tensor self", (x) => x.mul(1).mul_(Tensor.fromValues([1, 2, 3, 4], [4], "float64")), [{ shape: S }]);
  gradcheck("relu_", (x) => x.mul(1).relu_(), [{ shape: S, values: [-1.5, -0.5, 0.5, 1.5, -1, 2, -3, 3, 0.1, -0.1, 0.7, -0.7] }]);
  gradcheck("clamp_", (x) => x.mul(1).clamp_(-0.5, 0.5), [{ shape: S, values: [-1.5, -0.25, 0.25, 1.5, -1, 0.3, -3, 3, 0.1, -0.1, 0.45, -0.45] }]);
  gradcheck("fill_", (x) => x.mul(2).fill_(3).add(x), [{ shape: S }]);
  gradcheck("zero_", (x) => x.mul(2).zero_().add(x.mul(x)), [{ shape: S }]);
});
test("double backward through sigmoid and tanh", () => {
  const x = Tensor.fromValues([0.3, -0.7, 1.2], [3], "float64");
  x.requiresGrad = true;
  for (const f of [(t: Tensor) => t.sigmoid(), (t: Tensor) => t.tanh()]) {
    const [g1] = grad(f(x).sum(), x, null, { createGraph: true });
    const [g2] = grad(g1!.sum(), x);
    const h = 1e-6;
    const d1 = (v: number) => { const t = Tensor.fromValues([v], [1], "float64"); t.requiresGrad = true; return toFloat64Array(grad(f(t).sum(), t)[0]!)[0]!; };
    toFloat64Array(x).forEach((v, i) => {
      const num = (d1(v + h) - d1(v - h)) / (2 * h);
      assert.ok(Math.abs(num - toFloat64Array(g2!)[i]!) < 1e-5, `second derivative at ${v}`);
    });
  }
});

// ---- in-place semantics ----
test("in-place ops bump the version counter of self (not of other)", () => {
  const x = coil.zeros(2, 3), y = coil.ones(3);
  assert.equal(x.version, 0);
  x.add_(y); assert.equal(x.version, 1);
  x.mul_(2); assert.equal(x.version, 2);
  x.clamp_(0, 1); x.relu_(); x.fill_(3); x.zero_(); x.copy_(y); x.sub_(1); x.div_(2);
  assert.equal(x.version, 9);
  assert.equal(y.version, 0);
  const v = x.view(6); v.fill_(1);
  assert.equal(x.version, 10, "views share the version counter");
});

test("in-place change to a tensor saved for backward makes backward throw", () => {
  const w = coil.tensor([0.5, 1, 2], { requiresGrad: true });
  const a = w.mul(2);
  const b = a.sin(); // saves a
  a.add_(1);
  assert.throws(() => b.sum().backward(), /modified by an inplace operation/);
  const c = w.exp(); // saves its output
  c.mul_(2);
  assert.throws(() => c.sum().backward(), /modified by an inplace operation/);
});

test("in-place on a leaf that requires grad throws; on a non-leaf it records the op", () => {
  const w = coil.tensor([0.5, 1, 2], { requiresGrad: true });
  assert.throws(() => w.add_(1), /leaf Variable that requires grad/);
  const y = w.mul(3);
  y.add_(1);
  assert.equal(y.gradFn?.name, "AddBackward0");
  y.sum().backward();
  assert.deepEqual(Array.from(w.grad!.toArray()), [3, 3, 3]);
});

test("mul_ refuses to differentiate w.r.t. other (self was overwritten)", () => {
  const w = coil.tensor([0.5, 1, 2], { requiresGrad: true });
  const y = coil.tensor([1.5, 2, 3]).mul_(w);
  assert.throws(() => y.sum().backward(), /mul_.*original value of self/);
});

test("in-place writes respect strides and broadcasting, and validate before writing", () => {
  const x = coil.tensor([[1, 2, 3], [4, 5, 6]]).t();
  x.add_(coil.tensor([10, 20]));
  assert.deepEqual(x.tolist(), [[11, 24], [12, 25], [13, 26]]);
  const i = coil.tensor([1, 2, 3]);
  assert.throws(() => i.add_(coil.tensor([0.5, 0.5, 0.5])), /add_.*can't be cast to the desired output type Long/);
  assert.deepEqual(i.tolist(), [1, 2, 3]);
  assert.equal(i.version, 0);
  assert.throws(() => coil.zeros(3).add_(coil.zeros(2, 3)), /add_.*output with shape \[3\] doesn't match the broadcast shape \[2, 3\]/);
  const s = coil.tensor([1, 2, 3, 4]);
  s.copy_(s.view(2, 2).t().contiguous().view(4));
  assert.deepEqual(s.tolist(), [1, 3, 2, 4]);
});
