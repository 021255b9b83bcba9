// Lowerings of the indexing family (embedding, index_select, gather, index.Tensor, masked_fill), scans
// (cumsum/cumprod), logsumexp, sort/topk, the scatter family and random ops: compiled one-op programs equal
// eager over dtypes, shapes and non-contiguous inputs, with no eager fallback; gathers fuse with pointwise
// neighbours into one kernel; out-of-range indices throw naming the op; random ops keep the seeded stream.
// Every test runs on both CPU backends (cpu_backends.ts).
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import { compileOneOp } from "./one_op_graph.js";
import { counters } from "../../src/utils/counters.js";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import type { OpOverload } from "../../src/ops/registry.js";
import { SCAN_MAX_LEN } from "../../src/inductor/lowering/scans.js";
import { config } from "../../src/inductor/config.js";
import { testOnCpuBackends as test, wasmProgramTol } from "./cpu_backends.js";

type T = coil.Tensor;
type D = "float32" | "float64" | "bfloat16" | "int64" | "int32" | "bool";
const { aten } = coil;

function input(d: D, shape: number[], seed = 0): T {
  coil.manualSeed(seed);
  const x = coil.randn(shape).mul(3);
  if (d === "bool") return x.gt(0);
  if (d === "int64" || d === "int32") return x.round().to(d);
  return x.to(d);
}

function ints(values: number[], shape: number[], d: "int64" | "int32" = "int64"): T {
  return coil.tensor(values).to(d).reshape(shape);
}

interface Run { meta: { kernels: number; externCalls: string[]; fallbacks: string[] } }

/** Compile f (wrapped as one traced function), run on xs, compare with eager (exact when tol is 0). */
function check(name: string, f: (...xs: T[]) => unknown, xs: T[], tol = 0, seed: number | null = null): Run {
  const g = coil.defineFunction(`test.${name.replace(/\W+/g, "_")}`, f);
  counters.clear();
  if (seed !== null) coil.manualSeed(seed);
  const { result, artifacts } = runAndGetArtifacts(() => coil.compile((...ys: T[]) => g(...ys))(...xs));
  if (seed !== null) coil.manualSeed(seed);
  const expect = f(...xs);
  assert.equal(counters.inductor.codegen_fallback, 0, `${name}: graph fell back to eager fx`);
  assert.equal(counters.inductor.fallback, 0, `${name}: an op fell back to its eager kernel`);
  const outs = (Array.isArray(result) ? result : [result]) as T[];
  const refs = (Array.isArray(expect) ? expect : [expect]) as T[];
  compare(name, outs, refs, tol);
  return summarize(artifacts);
}

/** Exact when tol is 0 (on the Wasm codegen: float outputs within wasmProgramTol, see cpu_backends.ts). */
function compare(name: string, outs: T[], refs: T[], tol0: number): void {
  assert.equal(outs.length, refs.length);
  outs.forEach((o, i) => {
    const r = refs[i]!;
    const tol = tol0 === 0 && config.cpuBackend === "wasm" ? wasmProgramTol(o.dtype.name) : tol0;
    assert.deepEqual(o.shape, r.shape, `${name}: shape`);
    assert.equal(o.dtype, r.dtype, `${name}: dtype`);
    const fa = toFloat64Array(o), fb = toFloat64Array(r);
    fb.forEach((w, k) => {
      const v = fa[k]!;
      if (Number.isNaN(w)) assert.ok(Number.isNaN(v), `${name}[${k}]: ${v} vs NaN`);
      else if (tol === 0) assert.ok(v === w, `${name}[${k}] (${o.dtype.name}): ${v} vs ${w}`);
      else assert.ok(v === w || Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${name}[${k}] (${o.dtype.name}): ${v} vs ${w}`);
    });
  });
}

function summarize(artifacts: readonly { meta: unknown }[]): Run {
  const metas = artifacts.map((a) => a.meta as Run["meta"]);
  return { meta: { kernels: metas.reduce((s, m) => s + m.kernels, 0), externCalls: metas.flatMap((m) => m.externCalls), fallbacks: metas.flatMap((m) => m.fallbacks) } };
}

/**
 * One aten call as a hand-built inference graph compiled by the inductor backend directly (no AOT
 * decompositions: masked_fill, logsumexp and native_dropout_backward are decomposed before lowering
 * when going through compile(), so this is how their lowerings are reached).
 */
function checkGraph(name: string, op: OpOverload, args: unknown[], tol = 0): Run {
  counters.clear();
  const { result, artifacts } = runAndGetArtifacts(() => compileOneOp(op, args));
  assert.equal(counters.inductor.codegen_fallback, 0, `${name}: graph fell back to eager fx`);
  assert.equal(counters.inductor.fallback, 0, `${name}: an op fell back to its eager kernel`);
  compare(name, result as T[], [op(...args) as T], tol);
  return summarize(artifacts);
}

const VALUE_DTYPES: D[] = ["float32", "float64", "bfloat16", "int64", "int32", "bool"];

test("embedding equals eager over dtypes and index shapes; embedding + pointwise is one kernel", () => {
  for (const d of VALUE_DTYPES) {
    const w = input(d, [7, 5], 1);
    check(`embedding ${d} 2-d`, (a, i) => aten.embedding.default(a, i), [w, ints([0, 6, 3, 3, 1, 0], [2, 3])]);
    check(`embedding ${d} int32 0-d`, (a, i) => aten.embedding.default(a, i), [w, ints([4], [], "int32")]);
  }
  const w = input("float32", [10, 4], 2), i = ints([9, 0, 2, 2], [4]);
  const r = check("embedding*2+1", (a, b) => aten.embedding.default(a, b).mul(2).add(1), [w, i]);
  assert.equal(r.meta.kernels, 1, "embedding and its pointwise epilogue fuse");
  // a transposed (non-contiguous) weight and a computed index
  const wt = input("float32", [4, 10], 3).t();
  check("embedding of a transposed weight", (a, b) => aten.embedding.default(a, b.add(1)), [wt, ints([8, 0, 3], [3])]);
});

test("index_select equals eager: dims, negative indices, non-contiguous inputs, 0-d self", () => {
  for (const d of VALUE_DTYPES) {
    const x = input(d, [4, 5, 3], 4);
    check(`index_select ${d} dim1`, (a, i) => aten.index_select.default(a, 1, i), [x, ints([4, -1, 0, 2], [4])]);
  }
  const x = input("float32", [6, 5], 5);
  check("index_select dim0 of a permuted input", (a, i) => aten.index_select.default(a.t(), 0, i), [x, ints([0, 4, 4], [3])]);
  check("index_select dim -1", (a, i) => aten.index_select.default(a, -1, i), [x, ints([3], [1])]);
  check("index_select 0-d index", (a, i) => aten.index_select.default(a, 0, i), [x, ints([-2], [])]);
  check("index_select of a 0-d self", (a, i) => aten.index_select.default(a, 0, i), [input("float64", [], 6), ints([0], [1])]);
  const r = check("index_select then exp", (a, i) => aten.index_select.default(a, 1, i).exp(), [x, ints([1, 2], [2])]);
  assert.equal(r.meta.kernels, 1);
});

test("gather equals eager over dtypes, dims, index smaller than self, 0-d/1-d", () => {
  for (const d of VALUE_DTYPES) {
    const x = input(d, [3, 4], 7);
    check(`gather ${d} dim1`, (a, i) => aten.gather.default(a, 1, i), [x, ints([0, 3, -1, 1, 1, 2], [3, 2])]);
    check(`gather ${d} dim0`, (a, i) => aten.gather.default(a, 0, i), [x, ints([2, 0, 1, 1, 0, 2, 2, 2], [2, 4])]);
  }
  const x = input("float32", [5, 3], 8);
  check("gather of a transposed self", (a, i) => aten.gather.default(a.t(), 1, i), [x, ints([4, 0, 1, 2, 3, 3], [3, 2])]);
  check("gather 1-d", (a, i) => aten.gather.default(a, 0, i), [input("float32", [6], 9), ints([5, 0, 0], [3])]);
  check("gather 0-d self", (a, i) => aten.gather.default(a, 0, i), [input("float32", [], 9), ints([0], [])]);
  check("gather + sum (pointwise into a reduction)", (a, i) => aten.gather.default(a, 1, i).sum(), [input("float64", [3, 4], 10), ints([0, 3, 1, 1, 2, 2], [3, 2])]);
});

test("index.Tensor with integer indices equals eager: one/several/broadcast/separated/None entries", () => {
  const x = input("float32", [4, 5, 6], 11);
  const i2 = ints([3, -1, 0], [3]), j2 = ints([4, 0, 2], [3]);
  for (const d of VALUE_DTYPES) check(`index ${d} first dim`, (a, i) => aten.index.Tensor(a, [i]), [input(d, [4, 5, 6], 12), i2]);
  check("index two adjacent dims", (a, i, j) => aten.index.Tensor(a, [i, j]), [x, i2, j2]);
  check("index broadcast indices", (a, i, j) => aten.index.Tensor(a, [i.reshape([3, 1]), j.reshape([1, 3])]), [x, i2, j2]);
  check("index None then index (middle dim)", (a, j) => aten.index.Tensor(a, [null, j]), [x, j2]);
  check("index separated dims go first", (a, i, k) => aten.index.Tensor(a, [i, null, k]), [x, i2, ints([5, 0, -6], [3])]);
  check("index 2-d index tensor of a permuted input", (a, i) => aten.index.Tensor(a.permute([2, 0, 1]), [i]), [x, ints([5, 0, 1, 1], [2, 2], "int32")]);
  const r = check("x[i] * 3", (a, i) => aten.index.Tensor(a, [i]).mul(3), [x, i2]);
  assert.equal(r.meta.kernels, 1);
});

test("an out-of-range index throws naming the op (compiled like eager)", () => {
  const cases: [string, (a: T, i: T) => T, T, RegExp][] = [
    ["embedding", (a, i) => aten.embedding.default(a, i), ints([1, 7], [2]), /embedding/],
    ["embedding negative", (a, i) => aten.embedding.default(a, i), ints([-1], [1]), /embedding/],
    ["index_select", (a, i) => aten.index_select.default(a, 0, i), ints([0, 7], [2]), /index_select.*out of bounds/],
    ["gather", (a, i) => aten.gather.default(a, 1, i), ints([0, 5, 1, -9], [2, 2]), /gather.*out of bounds/],
    ["index", (a, i) => aten.index.Tensor(a, [i]), ints([-8], [1]), /index.*out of bounds/],
  ];
  for (const [name, f, idx, re] of cases) {
    const w = input("float32", [7, 5], 13);
    assert.throws(() => f(w, idx), re, `${name} eager`);
    const g = coil.defineFunction(`test.oob_${name.replace(/\W+/g, "_")}`, f);
    assert.throws(() => coil.compile((a: T, b: T) => g(a, b))(w, idx), re, `${name} compiled`);
  }
});

test("gathers inside pad/cat/slice_scatter read only in range (masked loads)", () => {
  const x = input("float32", [3, 4], 33), i = ints([0, 3, 1, 1, 2, 2], [3, 2]);
  check("constant_pad_nd of a gather", (a, b) => aten.constant_pad_nd.default(aten.gather.default(a, 1, b), [1, 2, 2, 0], -1), [x, i]);
  check("cat of gathers", (a, b) => aten.cat.default([aten.gather.default(a, 1, b), a, aten.gather.default(a, 1, b.flip([0]))], 1), [x, i]);
  check("slice_scatter of a gather", (a, b) => aten.slice_scatter.default(a, aten.gather.default(a, 1, b), 1, 1, 3), [x, i]);
  check("select_scatter of an index_select", (a, b) => aten.select_scatter.default(a, aten.index_select.default(a, 1, b).sum(1), 1, 2), [x, ints([3, 0], [2])]);
});

test("masked_fill (Scalar and Tensor value) equals eager with a broadcast mask", () => {
  for (const d of VALUE_DTYPES) {
    const x = input(d, [3, 4], 14), m = input("bool", [4], 15);
    checkGraph(`masked_fill.Scalar ${d}`, aten.masked_fill.Scalar, [x, m, 2]);
    checkGraph(`masked_fill.Tensor ${d}`, aten.masked_fill.Tensor, [x, m, input(d, [], 16)]);
  }
  checkGraph("masked_fill of a transposed input", aten.masked_fill.Scalar, [input("float32", [4, 3], 17).t(), input("bool", [3, 4], 18), -1.5]);
});

test("scatter family (extern kernels) equals eager, duplicates included", () => {
  const idx = ints([0, 2, 2, 1, 0, 0], [2, 3]);
  for (const d of ["float32", "float64", "bfloat16", "int64"] as D[]) {
    const x = input(d, [3, 3], 19), src = input(d, [2, 3], 20);
    check(`scatter.src ${d}`, (a, i, s) => aten.scatter.src(a, 0, i, s), [x, idx, src]);
    check(`scatter.value ${d}`, (a, i) => aten.scatter.value(a, 0, i, 3), [x, idx]);
    const r = check(`scatter_add ${d}`, (a, i, s) => aten.scatter_add.default(a, 0, i, s), [x, idx, src]);
    assert.deepEqual(r.meta.externCalls, ["aten.scatter_add.default"]);
    check(`index_add ${d}`, (a, i, s) => aten.index_add.default(a, 0, i, s, { alpha: 2 }), [x, ints([2, 2], [2]), src.reshape([2, 3])]);
    check(`index_put accumulate ${d}`, (a, i, v) => aten.index_put.default(a, [i], v, true), [x, ints([1, 1, 0], [3]), input(d, [3, 3], 21)]);
    check(`index_put ${d}`, (a, i, v) => aten.index_put.default(a, [i], v), [x, ints([1, 1, 0], [3]), input(d, [3, 3], 21)]);
  }
});

test("cumsum/cumprod equal eager bit for bit over dtypes, dims, dtype=, non-contiguous; long lines use the extern", () => {
  for (const d of VALUE_DTYPES) {
    const x = input(d, [3, 4, 5], 22);
    for (const dim of [0, 1, -1]) {
      check(`cumsum ${d} dim ${dim}`, (a) => aten.cumsum.default(a, dim), [x]);
      check(`cumprod ${d} dim ${dim}`, (a) => aten.cumprod.default(a, dim), [x]);
    }
  }
  const x = input("float32", [6, 7], 23);
  check("cumsum dtype=float64", (a) => aten.cumsum.default(a, 1, { dtype: coil.float64 }), [x]);
  check("cumsum of a transposed input", (a) => aten.cumsum.default(a.t(), 1), [x]);
  check("cumsum 0-d", (a) => aten.cumsum.default(a, 0), [input("int32", [], 24)]);
  const fused = check("cumsum of exp", (a) => aten.cumsum.default(a.exp(), 1).neg(), [x]);
  assert.equal(fused.meta.kernels, 1);
  const nan = coil.tensor([1, Number.NaN, 2, Infinity, -Infinity, 3]);
  check("cumsum with NaN/inf", (a) => aten.cumsum.default(a, 0), [nan]);
  check("cumprod with NaN/inf", (a) => aten.cumprod.default(a, 0), [nan]);
  const long = check("cumsum of a long line", (a) => aten.cumsum.default(a, 0), [input("float32", [200], 25)]);
  assert.deepEqual(long.meta.externCalls, ["aten.cumsum.default"]);
  const at = check("cumprod of a line of SCAN_MAX_LEN", (a) => aten.cumprod.default(a.div(8).exp(), 1), [input("float64", [3, SCAN_MAX_LEN], 25)]);
  assert.deepEqual(at.meta.externCalls, []);
});

test("logsumexp equals eager: dims, keepdim, int input, +-inf and NaN rows, one kernel", () => {
  for (const d of ["float32", "float64", "bfloat16", "int64", "bool"] as D[]) {
    const x = input(d, [3, 4, 5], 26);
    checkGraph(`logsumexp ${d} dim 1`, aten.logsumexp.default, [x, [1]]);
    checkGraph(`logsumexp ${d} dims 0,2 keepdim`, aten.logsumexp.default, [x, [0, 2], true]);
    checkGraph(`logsumexp ${d} all dims`, aten.logsumexp.default, [x, []]);
  }
  const special = coil.tensor([[1, 2, 3], [-Infinity, -Infinity, -Infinity], [Infinity, 1, 2], [Number.NaN, 1, Infinity]]);
  checkGraph("logsumexp special rows", aten.logsumexp.default, [special, [1]]);
  // through compile() the AOT decomposition (float32 ops) is used: equal within float32's tolerance
  check("logsumexp through compile", (a) => aten.logsumexp.default(a, [1]), [input("float32", [3, 4], 26)], 1e-6);
  const r = checkGraph("logsumexp of a transposed input", aten.logsumexp.default, [input("float32", [5, 6], 27).t(), [1]]);
  assert.equal(r.meta.kernels, 1, "max, sum of exp and the epilogue in one kernel");
});

test("sort/topk are extern kernels equal to eager", () => {
  const x = coil.tensor([[3, 1, Number.NaN, 2], [0, 0, -1, 5]]);
  const s = check("sort", (a) => aten.sort.default(a, 1, true), [x]);
  assert.deepEqual(s.meta.externCalls, ["aten.sort.default"]);
  check("sort.stable dim 0", (a) => aten.sort.stable(a, { stable: true, dim: 0 }), [x]);
  check("topk", (a) => aten.topk.default(a.t(), 1, 1), [x]);
  check("topk smallest then exp", (a) => { const [v, i] = aten.topk.default(a, 2, -1, false) as T[]; return [v!.exp(), i!]; }, [input("float32", [3, 5], 28)]);
});

test("random ops keep eager's seeded stream", () => {
  const x = input("float32", [4, 5], 29);
  check("rand", () => aten.rand.default([3, 4]), [], 0, 7);
  check("randn_like + x", (a) => aten.randn_like.default(a).add(a), [x], 0, 8);
  check("randint.low", () => aten.randint.low(-3, 9, [5]), [], 0, 9);
  check("bernoulli.p", (a) => aten.bernoulli.p(a, 0.3), [x], 0, 10);
  check("bernoulli of probs", (a) => aten.bernoulli.default(a.sigmoid()), [x], 0, 11);
  for (const d of ["float32", "float64", "bfloat16"] as D[]) {
    const r = check(`native_dropout ${d}`, (a) => aten.native_dropout.default(a, 0.25, true), [input(d, [6, 7], 30)], 0, 12);
    assert.deepEqual(r.meta.externCalls, ["aten.rand.default"]);
  }
  check("native_dropout p=1", (a) => aten.native_dropout.default(a, 1, true), [x], 0, 13);
  check("native_dropout eval", (a) => aten.native_dropout.default(a, 0.5, false), [x], 0, 13);
  const r = check("two draws in order, fused epilogue", (a) => {
    const [y] = aten.native_dropout.default(a.relu(), 0.5, true) as T[];
    return y!.add(aten.rand_like.default(a));
  }, [x], 0, 14);
  assert.ok(r.meta.kernels <= 2);
  assert.deepEqual(r.meta.externCalls, ["aten.rand.default", "aten.rand_like.default"]);
  for (const d of ["float32", "float64", "bfloat16"] as D[]) {
    checkGraph(`native_dropout_backward ${d}`, aten.native_dropout_backward.default, [input(d, [4, 5], 32), input("bool", [4, 5], 31), 1 / 0.7]);
  }
});

test("roll and repeat are views (index arithmetic) equal to eager; they fuse with their consumer", () => {
  for (const d of VALUE_DTYPES) {
    const x = input(d, [3, 4, 5], 40);
    check(`roll ${d} one dim`, (a) => aten.roll.default(a, [2], [1]), [x]);
    check(`roll ${d} two dims, negative and large shifts`, (a) => aten.roll.default(a, [-7, 11], [0, -1]), [x]);
    check(`roll ${d} flat`, (a) => aten.roll.default(a, [5]), [x]);
    check(`repeat ${d}`, (a) => aten.repeat.default(a, [2, 1, 1, 3]), [x]);
  }
  const x = input("float32", [4, 6], 41);
  check("roll of a transposed input", (a) => aten.roll.default(a.t(), [1, -2], [0, 1]), [x]);
  check("repeat of a transposed input", (a) => aten.repeat.default(a.t(), [2, 2]), [x]);
  check("repeat with a zero", (a) => aten.repeat.default(a, [0, 2]), [x]);
  check("roll 0-d", (a) => aten.roll.default(a, [3]), [input("float32", [], 42)]);
  assert.equal(check("roll then exp", (a) => aten.roll.default(a, [1], [0]).exp(), [x]).meta.kernels, 1);
  assert.equal(check("repeat then add", (a) => aten.repeat.default(a, [1, 2]).add(1), [x]).meta.kernels, 1);
});

test("eye, linspace and bitwise_not equal eager", () => {
  for (const d of VALUE_DTYPES) {
    check(`eye ${d}`, () => aten.eye.default(4, { dtype: coil.dtypes[d] }), []);
    check(`eye.m ${d}`, () => aten.eye.m(3, 5, { dtype: coil.dtypes[d] }), []);
  }
  for (const d of ["float32", "float64", "bfloat16", "int64", "int32"] as D[]) {
    for (const [s, e, n] of [[0, 1, 7], [-3.5, 10.25, 10], [2, -2, 2], [5, 9, 1], [1, 2, 0]] as const) {
      check(`linspace ${d} ${s} ${e} ${n}`, () => aten.linspace.default(s, e, n, { dtype: coil.dtypes[d] }), []);
    }
  }
  for (const d of ["int64", "int32", "bool"] as D[]) check(`bitwise_not ${d}`, (a) => aten.bitwise_not.default(a), [input(d, [3, 4], 43)]);
  check("bitwise_not uint8", (a) => aten.bitwise_not.default(a.abs().to(coil.uint8)), [input("int64", [3, 4], 44)]);
  check("bitwise_not int32 extremes", (a) => aten.bitwise_not.default(a), [coil.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -1]).to("int32")]);
});
