// Lowerings: each lowered op compiled as a one-op program equals eager over dtypes (pointwise ops bit for
// bit; on the Wasm codegen the vectorised math within its documented ulps), with broadcasting and
// non-contiguous inputs, and without an eager fallback; ops without a lowering fall back visibly (counter +
// log) and still compute the right values. Every test runs on both CPU backends (cpu_backends.ts).
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import { counters } from "../../src/utils/counters.js";
import { toFloat64Array } from "../../src/tensor/tensor.js";
import { setLogSink } from "../../src/utils/logging.js";
import { lowerings } from "../../src/inductor/lowering_table.js";
import { config } from "../../src/inductor/config.js";
import { WASM_ABS, WASM_ULPS, testOnCpuBackends as test, wasmClose } from "./cpu_backends.js";

type T = coil.Tensor;
type D = "float32" | "float64" | "bfloat16" | "int64" | "bool";
const F = coil.nn.functional;

function input(d: D, shape: number[], seed = 0): T {
  coil.manualSeed(seed);
  const x = coil.randn(shape).mul(3);
  if (d === "bool") return x.gt(0);
  if (d === "int64") return x.round().to("int64");
  return x.to(d);
}

/** Allowance of the Wasm codegen's vectorised math (cpu_backends.ts); EXACT where none is involved. */
interface Approx { ulps: number; abs?: number }
const EXACT: Approx = { ulps: 0 };
const approx = (fn: keyof typeof WASM_ULPS): Approx => ({ ulps: WASM_ULPS[fn], abs: fn === "sin" || fn === "cos" ? WASM_ABS : 0 });

/**
 * Compile f, run it on xs, and compare with eager: exact when tol is 0, except that on the Wasm codegen a
 * float result may differ by `wasm`'s allowance (the functions the program evaluates).
 */
function check(name: string, f: (...xs: T[]) => unknown, xs: T[], tol: number, allowFallback = false, wasm = EXACT): void {
  const onWasm = config.cpuBackend === "wasm";
  counters.clear();
  const { result } = runAndGetArtifacts(() => coil.compile(f)(...xs));
  const expect = f(...xs);
  const outs = (Array.isArray(result) ? result : [result]) as T[];
  const refs = (Array.isArray(expect) ? expect : [expect]) as T[];
  assert.equal(counters.inductor.codegen_fallback, 0, `${name}: graph fell back to eager fx`);
  if (!allowFallback) assert.equal(counters.inductor.fallback, 0, `${name}: an op fell back to its eager kernel`);
  outs.forEach((o, i) => {
    const r = refs[i]!;
    assert.deepEqual(o.shape, r.shape, `${name}: shape`);
    assert.equal(o.dtype, r.dtype, `${name}: dtype`);
    const fa = toFloat64Array(o), fb = toFloat64Array(r);
    fa.forEach((v, k) => {
      const w = fb[k]!;
      if (Number.isNaN(w)) assert.ok(Number.isNaN(v), `${name}[${k}]: ${v} vs NaN`);
      else if (tol === 0 && !o.dtype.isFloatingPoint) assert.ok(v === w, `${name}[${k}] (${o.dtype.name}): ${v} vs ${w}`); // int64 -0 is 0
      else if (tol === 0 && onWasm && wasm.ulps > 0) assert.ok(wasmClose(v, w, o.dtype.name, wasm.ulps, wasm.abs), `${name}[${k}] (${o.dtype.name}, wasm within ${wasm.ulps} ulp): ${v} vs ${w}`);
      else if (tol === 0) assert.equal(v, w, `${name}[${k}] (${o.dtype.name})`);
      else assert.ok(v === w || Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${name}[${k}] (${o.dtype.name}): ${v} vs ${w}`);
    });
  });
}

const FLOATS: D[] = ["float32", "float64", "bfloat16"];
const ALL: D[] = ["float32", "float64", "bfloat16", "int64"];

const UNARY: [string, (x: T) => T, D[], Approx?][] = [
  ["exp", (x) => coil.exp(x), FLOATS, approx("exp")], ["log", (x) => coil.log(x.abs()), FLOATS, approx("log")],
  ["sin", (x) => coil.sin(x), FLOATS, approx("sin")], ["cos", (x) => coil.cos(x), FLOATS, approx("cos")],
  ["tanh", (x) => coil.tanh(x), FLOATS, approx("tanh")], ["sigmoid", (x) => coil.sigmoid(x), FLOATS, approx("sigmoid")],
  ["sqrt", (x) => coil.sqrt(x.abs()), FLOATS], ["rsqrt", (x) => coil.rsqrt(x.abs().add(1)), FLOATS, approx("rsqrt")],
  ["erf", (x) => coil.erf(x), FLOATS, approx("erf")],
  ["relu", (x) => coil.relu(x), ALL], ["neg", (x) => coil.neg(x), ALL], ["abs", (x) => coil.abs(x), ALL],
  ["gelu", (x) => F.gelu(x), FLOATS, approx("gelu")], ["gelu tanh", (x) => F.gelu(x, { approximate: "tanh" }), FLOATS, approx("gelu_tanh")],
  ["silu", (x) => coil.silu(x), FLOATS, approx("silu")], ["floor", (x) => coil.floor(x), FLOATS], ["round", (x) => coil.round(x), FLOATS],
  ["sign", (x) => coil.sign(x), ALL], ["clamp", (x) => coil.clamp(x, -1, 2), ALL], ["hardtanh", (x) => coil.hardtanh(x), FLOATS],
  ["isnan", (x) => coil.isnan(x), FLOATS], ["logical_not", (x) => coil.logicalNot(x), [...ALL, "bool"]],
  ["exp of int (promotes to float)", (x) => coil.exp(x), ["int64", "bool"], approx("exp")],
];

for (const [name, f, dts, wasm] of UNARY) {
  test(`unary ${name} equals eager over ${dts.join(", ")}`, () => {
    for (const d of dts) check(`${name}/${d}`, f, [input(d, [5, 7])], 0, false, wasm);
  });
}

const BINARY: [string, (x: T, y: T) => T, D[], Approx?][] = [
  ["add", (x, y) => x.add(y), ALL], ["add alpha", (x, y) => coil.add(x, y, 2), ALL], ["sub", (x, y) => x.sub(y), ALL],
  ["mul", (x, y) => x.mul(y), [...ALL, "bool"]], ["div", (x, y) => x.div(y.abs().add(1)), ALL],
  ["maximum", (x, y) => coil.maximum(x, y), ALL], ["minimum", (x, y) => coil.minimum(x, y), ALL],
  ["pow", (x, y) => coil.pow(x.abs().add(0.5), y.abs()), FLOATS, approx("pow")], ["eq", (x, y) => x.eq(y), ALL], ["lt", (x, y) => x.lt(y), ALL],
  ["where", (x, y) => coil.where(x.gt(y), x, y), ALL], ["logical_and", (x, y) => coil.logicalAnd(x, y), ["bool", "float32"]],
  ["remainder", (x, y) => coil.remainder(x, y.abs().add(1)), ["float32", "int64"]],
];

for (const [name, f, dts, wasm] of BINARY) {
  test(`binary ${name} equals eager, with broadcasting`, () => {
    for (const d of dts) {
      check(`${name}/${d}`, f, [input(d, [4, 6], 1), input(d, [4, 6], 2)], 0, false, wasm);
      check(`${name}/${d} broadcast`, f, [input(d, [4, 1], 3), input(d, [6], 4)], 0, false, wasm);
    }
  });
}

test("type promotion: float32 with float64, int64 with float32, scalars", () => {
  check("f32+f64", (x, y) => x.add(y), [input("float32", [3, 4]), input("float64", [3, 4], 5)], 0);
  check("i64*f32", (x, y) => x.mul(y), [input("int64", [3, 4]), input("float32", [3, 4], 6)], 0);
  check("bf16+f32", (x, y) => x.add(y), [input("bfloat16", [3, 4]), input("float32", [3, 4], 7)], 0);
  check("x*2.5+1", (x) => x.mul(2.5).add(1), [input("bfloat16", [3, 4])], 0);
  check("int x/2", (x) => x.div(2), [input("int64", [3, 4])], 0);
  check("casts", (x) => [x.to("bfloat16"), x.to("int64"), x.to("bool"), x.to("float64")], [input("float32", [3, 4])], 0);
});

test("non-contiguous inputs and view chains", () => {
  const x = input("float32", [6, 8]);
  check("transposed input", (x) => x.cos().mul(2), [x.t()], 0, false, approx("cos")); // * 2 is exact
  check("sliced input", (x) => x.exp(), [x.narrow(1, 2, 4)], 0, false, approx("exp"));
  check("view chain", (x) => x.t().reshape(4, 12).permute(1, 0).unsqueeze(0).sin(), [x], 0, false, approx("sin"));
  check("expand + select", (x) => x.select(0, 2).unsqueeze(0).expand(3, 8).add(1), [x], 0);
  check("split", (x) => coil.split(x, [3, 5], 1).map((t) => t.mul(2)), [x], 0);
  check("clone/contiguous of a transpose", (x) => x.t().contiguous(), [x], 0);
});

test("reductions equal eager over dims and dtypes", () => {
  for (const d of ["float32", "float64", "int64"] as D[]) {
    const x = input(d, [4, 5, 6]);
    check(`sum/${d}`, (x) => [x.sum(), x.sum(1), x.sum([0, 2], true)], [x], 1e-6);
    check(`amax/${d}`, (x) => [x.amax(2), x.amin(0), coil.argmax(x, 1), coil.argmin(x, 2, true)], [x], 0);
  }
  const x = input("float32", [4, 5, 6]);
  check("mean", (x) => [x.mean(), x.mean(1), x.mean([0, 2], true)], [x], 1e-6);
  check("max.dim", (x) => { const r = x.max(1) as unknown as [T, T]; return [r[0], r[1]]; }, [x], 0);
  check("var/std", (x) => [x.var(1), x.std(2, { correction: 0 })], [x], 1e-5);
  check("sum of bf16", (x) => x.sum(1), [input("bfloat16", [4, 6])], 1e-2);
  check("prod", (x) => x.prod(1), [input("float32", [3, 4])], 1e-6);
});

test("softmax, log_softmax (any dim) and layer norm equal eager", () => {
  const x = input("float32", [4, 5, 6]);
  check("softmax last", (x) => x.softmax(-1), [x], 1e-6);
  check("softmax dim 1", (x) => x.softmax(1), [x], 1e-6);
  check("log_softmax", (x) => x.logSoftmax(-1), [x], 1e-6);
  check("layer_norm", (x) => F.layerNorm(x, [6]), [x], 1e-5);
  const w = input("float32", [6], 9), b = input("float32", [6], 10);
  check("layer_norm affine", (x, w, b) => F.layerNorm(x, [6], w, b), [x, w, b], 1e-5);
  check("layer_norm 2 dims", (x) => F.layerNorm(x, [5, 6]), [x], 1e-5);
});

test("cat, slice_scatter and select_scatter are one pointwise each", () => {
  const x = input("float32", [4, 5]), y = input("float32", [4, 3], 1), z = input("int64", [2, 5], 2);
  check("cat dim 1", (x, y) => coil.cat([x, y.exp(), x], 1), [x, y], 0, false, approx("exp"));
  check("cat dim 0 with promotion", (x, z) => coil.cat([x, z], 0), [x, z], 0);
  check("slice_scatter", (x, y) => coil.aten.slice_scatter.default(x, y, 1, 1, 4) as T, [x, y], 0);
  check("slice_scatter step", (x) => coil.aten.slice_scatter.default(x, x.narrow(1, 0, 2).mul(10), 1, 0, 4, 2) as T, [x], 0);
  check("constant_pad_nd", (x) => [coil.pad(x, [1, 2]), coil.pad(x, [0, 1, 2, 0], "constant", 1.5), coil.pad(x, [-1, 1])], [x], 0);
  check("select_scatter", (x) => coil.aten.select_scatter.default(x, x.select(0, 1).neg(), 0, 2) as T, [x], 0);
});

test("pooling: max_pool2d (values and indices, padding) and adaptive avg pool as window reductions", () => {
  const x = input("float32", [2, 3, 8, 8]);
  check("max_pool2d", (x) => { const r = coil.aten.max_pool2d_with_indices.default(x, [3, 3], [2, 2], [1, 1]) as unknown as T[]; return [r[0]!, r[1]!]; }, [x], 0);
  check("max_pool2d 2x2", (x) => coil.nn.functional.maxPool2d(x, 2), [x], 0);
  check("adaptive avg 1x1", (x) => coil.aten._adaptive_avg_pool2d.default(x, [1, 1]) as T, [x], 1e-6);
  check("adaptive avg 2x4", (x) => coil.aten._adaptive_avg_pool2d.default(x, [2, 4]) as T, [x], 1e-6);
});

test("contiguous, bitwise, clamp.Tensor, any/all, triu/tril, flip, dot", () => {
  const x = input("float32", [4, 5]), i = input("int64", [4, 5], 1), j = input("int64", [4, 5], 2);
  check("contiguous", (x) => x.t().contiguous().exp(), [x], 0, false, approx("exp"));
  check("bitwise", (i, j) => [coil.bitwiseAnd(i, j), coil.bitwiseOr(i, 3), coil.bitwiseXor(i, j)], [i, j], 0);
  check("clamp tensor", (x, i) => coil.clamp(x, i.to("float32").neg(), i.to("float32").abs()), [x, i], 0);
  check("any/all", (x) => [x.gt(1).any(), x.gt(-3).all(1), x.gt(0).any(0, true)], [x], 0);
  check("triu/tril", (x) => [x.triu(1), x.tril(-1), x.triu()], [x], 0);
  check("flip", (x) => x.flip([0, 1]).mul(2), [x], 0);
  check("dot", (x) => coil.dot(x.select(0, 1), x.select(0, 2)), [x], 1e-6);
});

test("layer norm backward is lowered: gradients of input, weight and bias equal eager", () => {
  const mk = (seed: number, shape: number[]) => input("float32", shape, seed).requiresGrad_();
  const run = (compiled: boolean) => {
    const x = mk(1, [4, 5, 6]), w = mk(2, [6]), b = mk(3, [6]);
    const f = (x: T, w: T, b: T) => F.layerNorm(x, [6], w, b).mul(x.sin()).sum();
    counters.clear();
    const { result } = runAndGetArtifacts(() => (compiled ? coil.compile(f) : f)(x, w, b));
    (result as T).backward();
    return { grads: [x.grad!, w.grad!, b.grad!], fallback: counters.inductor.fallback, codegen: counters.inductor.codegen_fallback };
  };
  const c = run(true), e = run(false);
  assert.equal(c.fallback, 0);
  assert.equal(c.codegen, 0);
  c.grads.forEach((g, i) => {
    const d = (g.sub(e.grads[i]!).abs().max() as T).item() as number;
    assert.ok(d < 1e-5, `grad ${i}: ${d}`);
  });
});

test("0-d and empty tensors", () => {
  check("0-d", (x) => x.exp().add(1), [input("float32", [])], 0, false, { ulps: WASM_ULPS.exp + 1 }); // + 1 rounds once more
  check("empty", (x) => x.exp().sum(1), [input("float32", [0, 3])], 0);
  check("full reduce to 0-d", (x) => x.sum(), [input("float32", [5])], 1e-6);
});

test("ops without a lowering fall back to their eager kernel, counted and logged", () => {
  const logs: string[] = [];
  const restore = setLogSink((artifact, text) => { if (artifact === "inductor") logs.push(text); });
  coil.setLogs("inductor");
  // sort and cumsum have lowerings: take them out of the table (and bypass the FX graph cache) for this test
  const removed = [coil.aten.sort.default, coil.aten.cumsum.default].map((o) => [o, lowerings.get(o)] as const);
  for (const [o] of removed) lowerings.delete(o);
  const cache = config.fxGraphCache;
  config.fxGraphCache = false;
  try {
    check("sort fallback", (x) => (x.sort(-1) as unknown as [T, T])[0].mul(2), [input("float32", [3, 5])], 0, true);
    assert.ok(counters.inductor.fallback >= 1);
    assert.ok(logs.some((l) => l.includes("aten.sort")), logs.join("\n"));
    check("cumsum fallback", (x) => x.cumsum(1).exp(), [input("float32", [3, 5])], 1e-6, true);
  } finally {
    for (const [o, fn] of removed) if (fn) lowerings.set(o, fn);
    config.fxGraphCache = cache;
    coil.setLogs([]);
    setLogSink(restore);
  }
});
