// test/wasm/conv: wasm conv2d (GEMM with im2col packing, 1x1 direct path, groups/depthwise, stride/padding/dilation, bias,
// fused relu, prepacked weights) against a float64 direct convolution and against coil's eager conv2d.
import { test } from "node:test";
import assert from "node:assert/strict";
import { conv2d, Conv2dWeight, type Conv2dOptions } from "../../src/wasm/conv.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { tensor, conv2d as coilConv2d } from "../../src/index.js";
import { toFloat64Array } from "../../src/tensor/tensor.js";

let seed = 5;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
const randArr = (n: number) => Float32Array.from({ length: n }, rnd);
type S4 = [number, number, number, number];

function reference(x: Float32Array, xs: S4, w: Float32Array, ws: S4, o: Conv2dOptions) {
  const [N, C, H, W] = xs, [CO, CIg, KH, KW] = ws;
  const g = o.groups ?? 1;
  const p2 = (v: unknown, d: number) => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : (v as number[]));
  const [sh, sw] = p2(o.stride, 1), [ph, pw] = p2(o.padding, 0), [dh, dw] = p2(o.dilation, 1);
  const OH = Math.floor((H + 2 * ph! - dh! * (KH - 1) - 1) / sh!) + 1, OW = Math.floor((W + 2 * pw! - dw! * (KW - 1) - 1) / sw!) + 1;
  const out = new Float64Array(N * CO * OH * OW), mag = new Float64Array(out.length);
  const COg = CO / g;
  for (let n = 0; n < N; n++) for (let co = 0; co < CO; co++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
    let s = o.bias ? o.bias[co]! : 0, m = Math.abs(s);
    const gi = Math.floor(co / COg);
    for (let ci = 0; ci < CIg; ci++) for (let ki = 0; ki < KH; ki++) for (let kj = 0; kj < KW; kj++) {
      const iy = oy * sh! - ph! + ki * dh!, ix = ox * sw! - pw! + kj * dw!;
      if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
      const p = x[((n * C + gi * CIg + ci) * H + iy) * W + ix]! * w[((co * CIg + ci) * KH + ki) * KW + kj]!;
      s += p; m += Math.abs(p);
    }
    const idx = ((n * CO + co) * OH + oy) * OW + ox;
    out[idx] = o.activation === "relu" ? Math.max(0, s) : s;
    mag[idx] = m + 1e-30;
  }
  return { out, mag, shape: [N, CO, OH, OW] };
}

const CASES: [S4, S4, Conv2dOptions][] = [
  [[1, 3, 8, 8], [4, 3, 3, 3], {}],
  [[2, 3, 9, 7], [5, 3, 3, 3], { padding: 1 }],
  [[1, 4, 11, 10], [6, 4, 3, 2], { stride: [2, 1], padding: [1, 2], bias: randArr(6) }],
  [[1, 2, 12, 12], [3, 2, 3, 3], { dilation: 2, padding: 2, activation: "relu" }],
  [[2, 8, 6, 6], [8, 1, 3, 3], { groups: 8, padding: 1 }],            // depthwise (direct kernel, vector tail)
  [[1, 5, 9, 11], [5, 1, 3, 3], { groups: 5, stride: 2, padding: 1, bias: randArr(5), activation: "relu" }], // depthwise, strided (scalar)
  [[2, 4, 10, 7], [4, 1, 3, 2], { groups: 4, dilation: [2, 1], padding: [2, 0], bias: randArr(4) }],         // depthwise, dilated
  [[1, 3, 13, 17], [3, 1, 5, 5], { groups: 3, padding: 2 }],          // depthwise 5x5
  [[1, 4, 6, 6], [8, 1, 3, 3], { groups: 4, padding: 1 }],            // channel multiplier 2: grouped GEMM
  [[1, 6, 5, 5], [4, 3, 1, 1], { groups: 2 }],                        // grouped 1x1 (direct path)
  [[2, 16, 7, 9], [24, 16, 1, 1], { bias: randArr(24) }],             // 1x1 direct
  [[1, 3, 5, 5], [2, 3, 1, 1], { stride: 2 }],                        // 1x1 strided goes through im2col
  [[1, 16, 56, 56], [16, 16, 3, 3], { padding: 1, bias: randArr(16), activation: "relu" }],
  // the packing that gathers im2col panels from the padded image: panels across output rows (OW % 8 != 0), rows
  // shorter than a panel, strided (element path), threaded N split landing mid-row, groups, 2 images
  [[1, 16, 28, 28], [32, 16, 3, 3], { padding: 1, bias: randArr(32) }],
  [[2, 3, 6, 5], [7, 3, 3, 3], { padding: [0, 1] }],
  [[1, 8, 23, 19], [12, 8, 3, 3], { stride: 2, padding: 1, activation: "relu" }],
  [[2, 8, 15, 13], [10, 4, 5, 3], { groups: 2, dilation: [1, 2], padding: [2, 3], bias: randArr(10) }],
  [[1, 4, 9, 40], [9, 4, 2, 7], { stride: [1, 3], padding: [0, 3] }],
];

test("conv2d matches a float64 direct convolution over strides, padding, dilation, groups, bias, relu", () => {
  for (const [xs, ws, o] of CASES) {
    const x = randArr(xs.reduce((a, b) => a * b)), w = randArr(ws.reduce((a, b) => a * b));
    const got = conv2d(x, xs, w, ws, o);
    const ref = reference(x, xs, w, ws, o);
    assert.deepEqual(got.shape, ref.shape);
    for (let i = 0; i < ref.out.length; i++) {
      if (!(Math.abs(got.data[i]! - ref.out[i]!) <= 2e-6 * ref.mag[i]!)) assert.fail(`${xs} ${ws} ${JSON.stringify(o)}: [${i}] got ${got.data[i]} want ${ref.out[i]}`);
    }
  }
});

test("prepacked weights give the same result and can be reused; blocks are freed", () => {
  const mem = wasmMemory();
  const xs: S4 = [2, 4, 10, 10], ws: S4 = [6, 4, 3, 3];
  const x = randArr(800), w = randArr(216), bias = randArr(6);
  const plain = conv2d(x, xs, w, ws, { padding: 1, bias });
  const live = mem.stats().liveBlocks;
  const pw = new Conv2dWeight(w, ws, bias);
  for (let i = 0; i < 3; i++) assert.deepEqual(conv2d(x, xs, pw, ws, { padding: 1 }).data, plain.data);
  const out = new Float32Array(plain.data.length + 3).fill(7);
  assert.equal(conv2d(x, xs, pw, ws, { padding: 1, out }).data.buffer, out.buffer);
  assert.deepEqual(out.subarray(0, plain.data.length), plain.data);
  assert.equal(out[plain.data.length], 7);
  assert.throws(() => conv2d(x, xs, pw, ws, { padding: 1, out: new Float32Array(5) }), /out has 5 elements/);
  pw.free();
  assert.equal(mem.stats().liveBlocks, live);
  assert.throws(() => conv2d(x, xs, w, [6, 3, 3, 3], {}), /do not match groups=1/);
  assert.throws(() => conv2d(x, xs, w, ws, { padding: -1 }), /bad stride\/padding/);
  assert.throws(() => new Conv2dWeight(w, [6, 4, 3, 2]), /weight has 216 elements/);
});

test("agrees with coil's eager conv2d", () => {
  const xs: S4 = [2, 6, 9, 8], ws: S4 = [4, 3, 3, 3];
  const x = randArr(864), w = randArr(108), b = randArr(4);
  const opts = { stride: [2, 1] as [number, number], padding: [1, 1] as [number, number], groups: 2 };
  const got = conv2d(x, xs, w, ws, { ...opts, bias: b });
  const eager = coilConv2d(tensor(Array.from(x)).view(xs), tensor(Array.from(w)).view(ws), tensor(Array.from(b)), opts.stride, opts.padding, [1, 1], opts.groups);
  assert.deepEqual(eager.shape, got.shape);
  const e = toFloat64Array(eager);
  for (let i = 0; i < e.length; i++) assert.ok(Math.abs(e[i]! - got.data[i]!) <= 1e-5 * (1 + Math.abs(e[i]!)), `[${i}] ${e[i]} vs ${got.data[i]}`);
});

test("conv2d gives bitwise the same result on 1 and 2 threads (the N split lands mid output row)", () => {
  const xs: S4 = [1, 16, 30, 30], ws: S4 = [24, 16, 3, 3];
  const x = randArr(xs.reduce((a, b) => a * b)), w = randArr(ws.reduce((a, b) => a * b));
  const one = conv2d(x, xs, w, ws, { padding: 1, threads: 1 }).data;
  const two = conv2d(x, xs, w, ws, { padding: 1, threads: 2 }).data;
  assert.deepEqual(two, one);
});
