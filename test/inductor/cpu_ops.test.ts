// cpu._convolution_pointwise and cpu._reorder_convolution_weight against aten.convolution followed by
// the activation, over shapes, groups, stride, padding, dilation, float32 and bfloat16; packed and
// plain weights; meta errors; the inference-only derivative.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { cpu } from "../../src/ops/cpu.js";
import { lookupOp } from "../../src/ops/registry.js";
import { wasmConvAvailable } from "../../src/ops/kernels/conv_pointwise_wasm.js";

const { aten } = coil;
type T = coil.Tensor;

function reference(x: T, w: T, b: T | null, padding: number[], stride: number[], dilation: number[], groups: number, attr: string, scalars: (number | null)[], alg: string): T {
  return activation(aten.convolution.default(x, w, b, stride, padding, dilation, false, [0], groups) as T, attr, scalars, alg);
}

function activation(y: T, attr: string, scalars: (number | null)[], alg: string): T {
  switch (attr) {
    case "none": return y;
    case "relu": return aten.relu.default(y);
    case "gelu": return aten.gelu.default(y, { approximate: alg === "tanh" ? "tanh" : "none" });
    case "silu": return aten.silu.default(y);
    case "sigmoid": return aten.sigmoid.default(y);
    case "tanh": return aten.tanh.default(y);
    case "hardtanh": return aten.hardtanh.default(y, scalars[0], scalars[1]);
    case "clamp": return aten.clamp.default(y, scalars[0], scalars[1]);
    default: throw new Error(attr);
  }
}

function assertClose(a: T, b: T, atol: number, rtol: number, what: string): void {
  assert.deepEqual(a.shape, b.shape, what);
  assert.equal(a.dtype, b.dtype, what);
  const x = Array.from(a.toArray() as ArrayLike<number>), y = Array.from(b.toArray() as ArrayLike<number>);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= atol + rtol * Math.abs(y[i]!), `${what}: element ${i}: ${v} vs ${y[i]}`));
}

const attrs: [string, (number | null)[], string][] = [
  ["none", [], ""], ["relu", [], ""], ["gelu", [], "none"], ["gelu", [], "tanh"], ["silu", [], ""],
  ["sigmoid", [], ""], ["tanh", [], ""], ["hardtanh", [-0.5, 0.5], ""], ["clamp", [0, null], ""],
];

const geoms = [
  { x: [2, 4, 7, 6], w: [8, 4, 3, 3], groups: 1, stride: [1, 1], padding: [1, 1], dilation: [1, 1] },
  { x: [1, 6, 9, 8], w: [6, 2, 3, 2], groups: 3, stride: [2, 1], padding: [0, 1], dilation: [1, 2] },
  { x: [1, 3, 5, 5], w: [5, 3, 1, 1], groups: 1, stride: [1, 1], padding: [0, 0], dilation: [1, 1] },
  { x: [2, 8, 6, 6], w: [12, 8, 2, 2], groups: 1, stride: [2, 2], padding: [1, 0], dilation: [2, 1] },
  { x: [2, 4, 11], w: [8, 2, 3], groups: 2, stride: [2], padding: [1], dilation: [1] },
  { x: [1, 2, 4, 5, 4], w: [4, 2, 2, 3, 2], groups: 1, stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 1] },
];

for (const dtype of ["float32", "float64", "bfloat16"] as const) {
  test(`_convolution_pointwise matches convolution + activation (${dtype})`, () => {
    coil.manualSeed(0);
    const [atol, rtol] = dtype === "float32" ? [1e-5, 1.3e-6] : dtype === "float64" ? [1e-10, 1e-10] : [1.6e-2, 1.6e-2];
    for (const gm of geoms) {
      const x = coil.randn(gm.x, { dtype }), w = coil.randn(gm.w, { dtype }), b = coil.randn([gm.w[0]!], { dtype });
      const packed = cpu._reorder_convolution_weight.default(w, gm.padding, gm.stride, gm.dilation, gm.groups) as T;
      for (const [attr, scalars, alg] of attrs) {
        for (const bias of [b, null]) {
          const ref = reference(x, w, bias, gm.padding, gm.stride, gm.dilation, gm.groups, attr, scalars, alg);
          const what = `${dtype} x=${gm.x} w=${gm.w} groups=${gm.groups} attr=${attr}/${alg} bias=${bias !== null}`;
          const got = cpu._convolution_pointwise.default(x, packed, bias, gm.padding, gm.stride, gm.dilation, gm.groups, attr, scalars, alg) as T;
          assertClose(got, ref, atol, rtol, `${what} packed`);
          const plain = cpu._convolution_pointwise.default(x, w, bias, gm.padding, gm.stride, gm.dilation, gm.groups, attr, scalars, alg) as T;
          assertClose(plain, ref, atol, rtol, `${what} plain`);
        }
      }
    }
  });
}

test("float32 2-d runs on the wasm convolution when available; the resident weight follows in-place updates", () => {
  assert.equal(typeof wasmConvAvailable(), "boolean");
  const x = coil.randn(1, 4, 6, 6), w = coil.randn(8, 4, 3, 3);
  const packed = cpu._reorder_convolution_weight.default(w, [1, 1], [1, 1], [1, 1], 1) as T;
  const call = () => cpu._convolution_pointwise.default(x, packed, null, [1, 1], [1, 1], [1, 1], 1, "relu", [], "") as T;
  assertClose(call(), reference(x, w, null, [1, 1], [1, 1], [1, 1], 1, "relu", [], ""), 1e-5, 1.3e-6, "first call");
  coil.noGrad(() => { packed.mul_(2); w.mul_(2); });
  assertClose(call(), reference(x, w, null, [1, 1], [1, 1], [1, 1], 1, "relu", [], ""), 1e-5, 1.3e-6, "after packed.mul_(2)");
});

test("_reorder_convolution_weight: panel layout and shape", () => {
  const w = coil.arange(8 * 2 * 1 * 1, { dtype: "float32" }).view(8, 2, 1, 1);
  const p = cpu._reorder_convolution_weight.default(w, [0, 0], [1, 1], [1, 1], 1) as T;
  assert.deepEqual(p.shape, [1, 2, 2, 1, 1, 4]);
  // panel 0 = rows 0..3, k-major inside: (c=0: w[0..3,0]), (c=1: w[0..3,1])
  assert.deepEqual(Array.from(p.toArray() as ArrayLike<number>).slice(0, 8), [0, 2, 4, 6, 1, 3, 5, 7]);
  const odd = cpu._reorder_convolution_weight.default(coil.randn(6, 3, 3, 3), [1, 1], [1, 1], [1, 1], 2) as T;
  assert.deepEqual(odd.shape, [2, 3, 3, 3, 3, 1], "Cout/groups = 3 is not a multiple of 4: panel width 1");
});

test("_convolution_pointwise: a qualified, lookup-able op", () => {
  assert.equal(String(cpu._convolution_pointwise.default), "cpu._convolution_pointwise.default");
  assert.equal(lookupOp("cpu._convolution_pointwise.default"), cpu._convolution_pointwise.default);
  assert.equal(lookupOp("cpu._reorder_convolution_weight.default"), cpu._reorder_convolution_weight.default);
});

test("_convolution_pointwise: errors name the op, shapes and dtypes", () => {
  const x = coil.randn(1, 4, 5, 5), w = coil.randn(8, 4, 3, 3);
  const call = (...a: unknown[]) => () => cpu._convolution_pointwise.default(...a);
  assert.throws(call(x, w, null, [1, 1], [1, 1], [1, 1], 1, "swish", [], ""), /cpu\._convolution_pointwise: unknown attr 'swish'/);
  assert.throws(call(x, coil.randn(8, 3, 3, 3), null, [1, 1], [1, 1], [1, 1], 1, "relu", [], ""), /cpu\._convolution_pointwise: .*weight of size \[8, 3, 3, 3\], expected input\[1, 4, 5, 5\] to have 3 channels, but got 4/);
  assert.throws(call(x, w.to("float64"), null, [1, 1], [1, 1], [1, 1], 1, "relu", [], ""), /Input type \(float32\) and weight type \(float64\)/);
  assert.throws(call(x, w, coil.randn(7), [1, 1], [1, 1], [1, 1], 1, "none", [], ""), /bias to be 1-dimensional with 8 elements, but got bias of size \[7\]/);
  assert.throws(call(x, w, null, [1, 1], [1, 1], [1, 1], 1, "hardtanh", [1], ""), /attr 'hardtanh' takes 2 scalars, got 1/);
  assert.throws(call(x, w, null, [1, 1], [1, 1], [1, 1], 1, "relu", [], "tanh"), /algorithm 'tanh' is not valid for attr 'relu'/);
  const packed = cpu._reorder_convolution_weight.default(w, [1, 1], [1, 1], [1, 1], 1);
  assert.throws(call(x, packed, null, [1, 1], [1, 1], [1, 1], 2, "none", [], ""), /packed for groups=1, but groups=2/);
  assert.throws(call(coil.randn(1, 4, 2, 2), w, null, [0, 0], [1, 1], [1, 1], 1, "none", [], ""), /output size \[0, 0\] is too small for input \[1, 4, 2, 2\]/);
});

test("_convolution_pointwise is inference-only: backward says so", () => {
  const x = coil.randn(1, 2, 4, 4, { requiresGrad: true }), w = coil.randn(4, 2, 3, 3);
  const y = cpu._convolution_pointwise.default(x, w, null, [1, 1], [1, 1], [1, 1], 1, "relu", [], "") as T;
  assert.throws(() => y.sum().backward(), /cpu\._convolution_pointwise\.default has no derivative: it is an inference-only fused op/);
});

test("_addmm_pointwise matches addmm/mm + activation (float32, float64, bfloat16), bias broadcast and none", () => {
  for (const dtype of ["float32", "float64", "bfloat16"] as const) {
    const [atol, rtol] = dtype === "bfloat16" ? [1.6e-2, 1.6e-2] : [1e-5, 1.3e-6];
    const m1 = coil.randn([5, 7], { dtype }), m2 = coil.randn([7, 6], { dtype }).t().contiguous().t();
    for (const bias of [coil.randn([6], { dtype }), coil.randn([1, 6], { dtype }), coil.randn([5, 6], { dtype }), null]) {
      for (const [attr, scalars, alg] of attrs) {
        const lin = (bias ? aten.addmm.default(bias, m1, m2) : aten.mm.default(m1, m2)) as T;
        const ref = activation(lin, attr, scalars, alg);
        const got = cpu._addmm_pointwise.default(bias, m1, m2, attr, scalars, alg) as T;
        assertClose(got, ref, atol, rtol, `${dtype} bias=${bias?.shape} attr=${attr}/${alg}`);
      }
    }
  }
  assert.throws(() => cpu._addmm_pointwise.default(null, coil.randn(2, 3), coil.randn(4, 5), "relu", [], ""), /cpu\._addmm_pointwise: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
  assert.throws(() => cpu._addmm_pointwise.default(coil.randn(3), coil.randn(2, 3), coil.randn(3, 5), "relu", [], ""), /cpu\._addmm_pointwise: the size of tensor a \(3\) must match the size of tensor b \(5\).*shapes \[3\], \[2, 5\]/);
});
