// Lowerings for training: losses, norms in training mode, pooling/padding and backward ops compiled as
// one-op programs equal eager over dtypes and layouts without an eager fallback; graph outputs keep
// their meta's strides (saved tensors reach the backward with the layout it was compiled for); the MLP,
// CNN and TransformerEncoderLayer training steps (loss included) compile without fallbacks. Every test runs on
// both CPU backends (cpu_backends.ts).
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { compileOneOp } from "./one_op_graph.js";
import { counters } from "../../src/utils/counters.js";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import type { OpOverload } from "../../src/ops/registry.js";
import { config } from "../../src/inductor/config.js";
import { testOnCpuBackends as test, wasmProgramTol } from "./cpu_backends.js";

type T = coil.Tensor;

test("a saved view whose strides collapsed (flip of an expanded input) is stored with its meta's strides", () => {
  const fn = (a: T) => [a.flip([0]).pow(0.5)];
  const run = (compiled: boolean) => {
    const leaf = coil.tensor([1.668]).requiresGrad_(true);
    const x = leaf.expand([2]);
    const out = (compiled ? coil.compile(fn, { backend: "inductor" }) : fn)(x) as T[];
    coil.sum(out[0]!).backward();
    return { out: out[0]!.toArray(), grad: leaf.grad!.toArray() };
  };
  counters.clear();
  const c = run(true), e = run(false);
  assert.deepEqual(c.out, e.out);
  assert.deepEqual(c.grad, e.grad);
  assert.equal(counters.inductor.codegen_fallback ?? 0, 0);
});

// ---------------------------------------------------------------------------------------------
// One-op programs: compiled (forward and, with grads, backward) equals eager, with no eager fallback

const { aten } = coil;
const F = coil.nn.functional;
type AnyOp = (...a: unknown[]) => unknown;
const A = aten as unknown as Record<string, Record<string, AnyOp>>;
let uid = 0;
/** An aten overload as a recorded function (dynamo records defineFunction calls, AOT traces into the op). */
const viaOp = (name: string, overload = "default") => (...args: unknown[]) => coil.defineFunction(`training_test.${name}.${uid++}`, (...a: unknown[]) => A[name]![overload]!(...a))(...args);

function randn(shape: number[], dtype: string, seed: number): T {
  coil.manualSeed(seed);
  return coil.randn(shape).mul(2).to(dtype as "float32");
}

/** Exact when tol is 0 (on the Wasm codegen: float outputs within wasmProgramTol, see cpu_backends.ts). */
function same(name: string, got: T, want: T, tol0: number): void {
  assert.deepEqual(got.shape, want.shape, `${name}: shape`);
  assert.equal(got.dtype, want.dtype, `${name}: dtype`);
  const tol = tol0 === 0 && config.cpuBackend === "wasm" ? wasmProgramTol(got.dtype.name) : tol0;
  const a = toFloat64Array(got), b = toFloat64Array(want);
  a.forEach((v, k) => {
    const w = b[k]!;
    if (Number.isNaN(w)) assert.ok(Number.isNaN(v), `${name}[${k}]: ${v} vs NaN`);
    else if (tol === 0) assert.equal(v, w, `${name}[${k}]`);
    else assert.ok(v === w || Math.abs(v - w) <= tol * (1 + Math.abs(w)), `${name}[${k}]: ${v} vs ${w}`);
  });
}

/**
 * f compiled vs eager on the same inputs: outputs, and (for `grads`) the gradients of sum(out * cotangent)
 * w.r.t. the float inputs flagged in `grads`; no fallback in either graph.
 */
function check(name: string, f: (...xs: T[]) => T | T[], mk: () => T[], opts: { grads?: boolean[]; tol?: number } = {}): void {
  const tol = opts.tol ?? 0;
  const run = (compiled: boolean) => {
    const xs = mk().map((x, i) => (opts.grads?.[i] ? x.detach().requiresGrad_(true) : x));
    const out = (compiled ? coil.compile(f, { backend: "inductor" }) : f)(...xs);
    const outs = Array.isArray(out) ? out : [out];
    let grads: T[] = [];
    if (opts.grads) {
      coil.manualSeed(77);
      const loss = outs.filter((o) => o.dtype.isFloatingPoint && o.requiresGrad)
        .map((o) => coil.sum(o.mul(coil.randn([...o.shape]).to(o.dtype.name as "float32")))).reduce((p, q) => p.add(q));
      loss.backward();
      grads = xs.filter((_, i) => opts.grads![i]).map((x) => x.grad!);
    }
    return { outs: outs.map((o) => o.detach()), grads, xs };
  };
  counters.clear();
  const c = run(true);
  assert.equal(counters.inductor.codegen_fallback ?? 0, 0, `${name}: graph fell back to eager fx`);
  assert.equal(counters.inductor.fallback ?? 0, 0, `${name}: an op fell back to its eager kernel`);
  const e = run(false);
  c.outs.forEach((o, i) => same(`${name} out ${i}`, o, e.outs[i]!, tol));
  c.grads.forEach((g, i) => same(`${name} grad ${i}`, g, e.grads[i]!, tol));
}

const FL = ["float32", "float64"] as const;

test("nll_loss forward/backward: reductions, weights, ignore_index, 1-d input", () => {
  for (const d of FL) {
    for (const reduction of ["mean", "sum", "none"] as const) {
      const mk = () => [randn([6, 5], d, 1).logSoftmax(1), coil.tensor([0, 4, 2, 2, -100, 1]).to("int64"), randn([5], d, 2).abs()];
      check(`nll ${d} ${reduction}`, (x, t) => F.nllLoss(x, t, { reduction }), () => mk().slice(0, 2), { grads: [true, false] });
      check(`nll weighted ${d} ${reduction}`, (x, t, w) => F.nllLoss(x, t, { reduction, weight: w }), mk, { grads: [true, false, false] });
    }
    check(`nll 1-d ${d}`, (x, t) => F.nllLoss(x, t), () => [randn([5], d, 3), coil.tensor(3).to("int64")], { grads: [true, false] });
  }
  // a transposed (non-contiguous) input; cross entropy = log_softmax + nll, both lowered
  check("cross entropy transposed", (x, t) => F.crossEntropy(x.t(), t), () => [randn([5, 7], "float32", 4), coil.tensor([0, 1, 2, 3, 4, 0, 1]).to("int64")], { grads: [true, false] });
});

/**
 * One aten call as a hand-built inference graph compiled by the inductor backend directly: mse_loss and
 * binary_cross_entropy_with_logits are decomposed by AOT before lowering when going through compile(),
 * and their backwards only appear in such graphs.
 */
function checkGraph(name: string, op: OpOverload, args: unknown[]): void {
  counters.clear();
  const result = compileOneOp(op, args);
  assert.equal(counters.inductor.codegen_fallback ?? 0, 0, `${name}: graph fell back to eager fx`);
  assert.equal(counters.inductor.fallback ?? 0, 0, `${name}: an op fell back to its eager kernel`);
  same(name, result[0]!, op(...args) as T, 0);
}

test("mse_loss and binary_cross_entropy_with_logits (+ backwards) over reductions, dtypes and layouts", () => {
  const A2 = aten as unknown as Record<string, { default: OpOverload }>;
  for (const d of [...FL, "bfloat16"] as const) {
    const x = randn([4, 6], d, 5), y = randn([6, 4], d, 6).t(), p = randn([4, 6], d, 7).sigmoid();
    for (const red of [0, 1, 2]) {
      const go = red === 0 ? randn([4, 6], d, 8) : randn([], d, 9);
      checkGraph(`mse ${d} ${red}`, A2.mse_loss!.default, [x, y, red]);
      checkGraph(`mse backward ${d} ${red}`, A2.mse_loss_backward!.default, [go, x, y, red]);
      checkGraph(`bce ${d} ${red}`, A2.binary_cross_entropy_with_logits!.default, [x.mul(3), p, null, null, red]);
      checkGraph(`bce backward ${d} ${red}`, A2.binary_cross_entropy_with_logits_backward!.default, [go, x.mul(3), p, null, null, red]);
      const w = randn([6], d, 10).abs(), pw = randn([4, 1], d, 11).abs();
      checkGraph(`bce weighted ${d} ${red}`, A2.binary_cross_entropy_with_logits!.default, [x, p, w, pw, red]);
      checkGraph(`bce weighted backward ${d} ${red}`, A2.binary_cross_entropy_with_logits_backward!.default, [go, x, p, w, pw, red]);
    }
  }
  // through compile (decomposed forward, so within float32 rounding of each step)
  check("mse via compile", (x, y) => F.mseLoss(x, y), () => [randn([3, 4], "float64", 12), randn([3, 4], "float64", 13)], { grads: [true, true], tol: 1e-12 });
});

test("batch norm in training mode: outputs, batch statistics and the running-stat update equal eager", () => {
  for (const d of FL) {
    for (const shape of [[4, 3, 5, 5], [6, 3], [2, 3, 7]]) {
      const C = shape[1]!;
      const stats = (compiled: boolean) => {
        const rm = randn([C], d, 20), rv = randn([C], d, 21).abs();
        const x = randn(shape, d, 22).detach().requiresGrad_(true), w = randn([C], d, 23).requiresGrad_(true), b = randn([C], d, 24).requiresGrad_(true);
        counters.clear();
        const f = (x: T, w: T, b: T, rm: T, rv: T) => F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: 0.2 });
        const y = (compiled ? coil.compile(f, { backend: "inductor" }) : f)(x, w, b, rm, rv);
        coil.sum(y.mul(y)).backward();
        if (compiled) assert.equal(counters.inductor.fallback ?? 0, 0, "batch norm fell back");
        return [y.detach(), rm, rv, x.grad!, w.grad!, b.grad!];
      };
      const c = stats(true), e = stats(false);
      c.forEach((t, i) => same(`batch norm ${d} [${shape}] #${i}`, t, e[i]!, 0));
    }
  }
  // without running stats, and in evaluation mode (backward with the running stats)
  check("batch norm no stats", (x) => F.batchNorm(x, null, null, { training: true }), () => [randn([3, 4, 2, 2], "float32", 25)], { grads: [true] });
  check("batch norm eval", (x, rm, rv, w) => F.batchNorm(x, rm, rv, { weight: w }),
    () => [randn([3, 4, 2, 2], "float64", 26), randn([4], "float64", 27), randn([4], "float64", 28).abs(), randn([4], "float64", 29)], { grads: [true, false, false, true] });
});

test("group norm forward/backward with and without affine parameters, non-contiguous input", () => {
  for (const d of FL) {
    check(`group norm ${d}`, (x, w, b) => F.groupNorm(x, 2, w, b), () => [randn([3, 4, 3, 2], d, 30), randn([4], d, 31), randn([4], d, 32)], { grads: [true, true, true] });
    check(`group norm no affine ${d}`, (x) => F.groupNorm(x.transpose(2, 3), 3), () => [randn([2, 6, 5, 4], d, 33)], { grads: [true] });
  }
});

test("pooling: avg_pool2d (padding, ceil_mode, count_include_pad, divisor) and the pooling backwards", () => {
  for (const d of FL) {
    check(`avg k2 ${d}`, (x) => F.avgPool2d(x, 2), () => [randn([2, 3, 6, 6], d, 40)], { grads: [true] });
    check(`avg k3 s2 p1 ${d}`, (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }), () => [randn([2, 3, 7, 5], d, 41)], { grads: [true] });
    check(`avg exclude pad ceil ${d}`, (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }), () => [randn([1, 2, 6, 7], d, 42)], { grads: [true] });
    check(`avg divisor ${d}`, (x) => F.avgPool2d(x, [2, 3], { stride: [1, 2], divisorOverride: 5 }), () => [randn([2, 5, 6], d, 43)], { grads: [true] });
    check(`max pool backward ${d}`, (x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), () => [randn([2, 3, 7, 6], d, 44)], { grads: [true] });
    check(`max pool backward overlapping ${d}`, (x) => F.maxPool2d(x.transpose(2, 3), 3, { stride: 1 }), () => [randn([1, 2, 5, 6], d, 45)], { grads: [true] });
    check(`adaptive avg backward ${d}`, (x) => F.adaptiveAvgPool2d(x, [2, 3]), () => [randn([2, 3, 4, 6], d, 46)], { grads: [true] });
  }
  check("avg bfloat16", (x) => F.avgPool2d(x, 2), () => [randn([1, 2, 4, 4], "bfloat16", 47)], { grads: [true] });
});

test("reflection and replication padding (1d, 2d) and their backwards", () => {
  for (const d of FL) {
    for (const [name, pads] of [["reflection_pad1d", [2, 1]], ["replication_pad1d", [3, 1]], ["reflection_pad2d", [1, 2, 2, 0]], ["replication_pad2d", [2, 1, 0, 3]]] as const) {
      const op = viaOp(name);
      const shape = name.endsWith("1d") ? [2, 3, 4] : [2, 3, 4, 3];
      check(`${name} ${d}`, (x) => op(x, pads) as T, () => [randn(shape, d, 50)], { grads: [true] });
      check(`${name} transposed ${d}`, (x) => op(x.transpose(0, 1), pads) as T, () => [randn(shape, d, 51)], { grads: [true] });
    }
    const rep = viaOp("replication_pad2d");
    check(`replication size-1 dims ${d}`, (x) => rep(x, [2, 3, 1, 2]) as T, () => [randn([1, 1, 1, 1], d, 52)], { grads: [true] });
  }
});

test("convolution_backward is an extern kernel, not a fallback", () => {
  check("conv2d grads", (x, w, b) => F.conv2d(x, w, b, 1, 1), () => [randn([2, 3, 5, 5], "float64", 60), randn([4, 3, 3, 3], "float64", 61), randn([4], "float64", 62)], { grads: [true, true, true] });
});

test("slice/select/value-selecting-reduction backwards and linalg_vector_norm equal eager", () => {
  const A2 = aten as unknown as Record<string, Record<string, OpOverload>>;
  for (const d of [...FL, "bfloat16"] as const) {
    const g = randn([4, 2, 5], d, 70);
    checkGraph(`slice_backward ${d}`, A2.slice_backward!.default!, [g, [4, 7, 5], 1, 1, 6, 3]);
    checkGraph(`slice_backward transposed ${d}`, A2.slice_backward!.default!, [g.transpose(0, 2), [5, 2, 9], 2, 2, 6, 1]);
    checkGraph(`select_backward ${d}`, A2.select_backward!.default!, [randn([4, 5], d, 71), [4, 3, 5], 1, -1]);
    const idx = coil.tensor([0, 2, 1, 2, 0, 1, 1, 0]).to("int64");
    checkGraph(`value_selecting keepdim ${d}`, A2.value_selecting_reduction_backward!.default!, [randn([2, 1, 4], d, 72), 1, idx.reshape([2, 1, 4]), [2, 3, 4], true]);
    checkGraph(`value_selecting ${d}`, A2.value_selecting_reduction_backward!.default!, [randn([2, 4], d, 73).t(), -1, idx.reshape([2, 4]).t(), [4, 2, 3], false]);
    const perm = coil.tensor([2, 0, 1, 1, 2, 0, 0, 1, 2, 2, 1, 0]).to("int64").reshape([4, 3]).t();
    checkGraph(`value_selecting sort ${d}`, A2.value_selecting_reduction_backward!.default!, [randn([3, 4], d, 76), 0, perm, [3, 4], true]);
    checkGraph(`value_selecting topk ${d}`, A2.value_selecting_reduction_backward!.default!, [randn([4, 2], d, 77), 1, coil.tensor([4, 0, 2, 3, 1, 0, 0, 4]).to("int64").reshape([4, 2]), [4, 5], true]);
    const x = randn([3, 4, 5], d, 74);
    for (const ord of [2, 1, Infinity, -Infinity, 0, 3, 0.5]) {
      checkGraph(`vector_norm ord ${ord} ${d}`, A2.linalg_vector_norm!.default!, [x, ord, [1, 2], false]);
      checkGraph(`vector_norm ord ${ord} all keepdim ${d}`, A2.linalg_vector_norm!.default!, [x.transpose(0, 2), ord, null, true]);
    }
    checkGraph(`vector_norm dtype ${d}`, A2.linalg_vector_norm!.default!, [x, 2, [0], false, { dtype: "float64" }]);
  }
  // the gradients of max(dim) and sort through compile
  check("sort backward", (x) => (x.sort(1) as unknown as [T, T])[0], () => [randn([3, 6], "float64", 78)], { grads: [true] });
  check("max.dim backward", (x) => (x.max(1) as unknown as [T, T])[0], () => [randn([3, 6, 2], "float32", 75)], { grads: [true] });
});

test("fusion: a loss is one kernel, batch/group norm two (statistics, then normalise + epilogue), avg_pool2d fuses its producer", () => {
  const kernels = (f: (...xs: T[]) => T, xs: T[]) => {
    counters.clear();
    const { artifacts } = runAndGetArtifacts(() => coil.compile(f, { backend: "inductor" })(...xs));
    assert.equal(counters.inductor.fallback ?? 0, 0);
    const metas = artifacts.map((a) => a.meta as { kernels: number; externCalls: string[] });
    return { kernels: metas.reduce((s, m) => s + m.kernels, 0), externs: metas.flatMap((m) => m.externCalls) };
  };
  assert.deepEqual(kernels((x, t) => F.nllLoss(x, t), [randn([8, 5], "float32", 80), coil.tensor([0, 1, 2, 3, 4, 0, 1, 2]).to("int64")]), { kernels: 1, externs: [] });
  assert.deepEqual(kernels((x, rm, rv) => F.batchNorm(x, rm, rv, { training: true }).relu(), [randn([4, 3, 5, 5], "float32", 81), coil.zeros(3), coil.ones(3)]),
    { kernels: 2, externs: ["aten.copy_.default", "aten.copy_.default"] });
  assert.deepEqual(kernels((x) => F.groupNorm(x, 2).relu(), [randn([4, 4, 5, 5], "float32", 82)]), { kernels: 2, externs: [] });
  assert.deepEqual(kernels((x) => F.avgPool2d(x.relu(), 2), [randn([2, 3, 6, 6], "float32", 83)]), { kernels: 1, externs: [] });
});

test("the MLP, CNN and TransformerEncoderLayer training steps (loss included) compile without fallbacks and match eager", () => {
  const nn = coil.nn;
  class Head extends nn.Module {
    fc: InstanceType<typeof nn.Linear>;
    constructor(i: number, o: number) { super(); this.fc = new nn.Linear(i, o); }
    override forward(x: T): T { return this.fc.call(x.reshape(x.shape[0]!, -1)) as T; }
  }
  class WithLoss extends nn.Module {
    constructor(readonly m: InstanceType<typeof nn.Module>, readonly kind: "ce" | "mse") { super(); }
    override forward(x: T, y: T): T { const o = this.m.call(x) as T; return this.kind === "ce" ? F.crossEntropy(o, y) : F.mseLoss(o, y); }
  }
  const models: [string, () => InstanceType<typeof nn.Module>, () => T[], "ce" | "mse"][] = [
    ["mlp", () => new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 3)), () => [coil.randn(8, 6), coil.randint(0, 3, [8])], "ce"],
    ["cnn", () => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2), new Head(36, 5)), () => [coil.randn(4, 2, 6, 6), coil.randint(0, 5, [4])], "ce"],
    ["tel", () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }), () => [coil.randn(2, 5, 8), coil.randn(2, 5, 8)], "mse"],
  ];
  for (const [name, mk, data, kind] of models) {
    coil.manualSeed(5);
    const eager = new WithLoss(mk(), kind), comp = new WithLoss(mk(), kind);
    comp.loadStateDict(eager.stateDict());
    const compiled = coil.compile(comp, { backend: "inductor" });
    counters.clear();
    for (let step = 0; step < 2; step++) {
      const [x, y] = data();
      const l1 = eager.call(x!, y!) as T, l2 = compiled(x!, y!) as T;
      l1.backward(); l2.backward();
      same(`${name} loss ${step}`, l2.detach(), l1.detach(), 1e-5);
      const p1 = [...eager.parameters()] as T[];
      ([...comp.parameters()] as T[]).forEach((p, i) => same(`${name} grad ${i}`, p.grad!, p1[i]!.grad!, 1e-4));
      const b1 = new Map(eager.namedBuffers() as Iterable<[string, T]>);
      for (const [k, b] of comp.namedBuffers() as Iterable<[string, T]>) if (!k.endsWith("numBatchesTracked")) same(`${name} ${k}`, b, b1.get(k)!, 1e-6);
    }
    assert.equal(counters.inductor.codegen_fallback ?? 0, 0, `${name}: graph fell back to eager fx`);
    assert.equal(counters.inductor.fallback ?? 0, 0, `${name}: ops fell back to their eager kernels`);
    assert.equal(Object.keys(counters.graph_break ?? {}).length, 0, `${name}: graph breaks`);
    assert.ok((counters.aot_autograd?.ok ?? 0) >= 1, `${name}: nothing reached the aot stage ${JSON.stringify(counters)}`);
  }
});

test("bfloat16 norms and pools, dilated and ceil-mode max_pool2d backward", () => {
  const A2 = aten as unknown as Record<string, Record<string, OpOverload>>;
  check("batch norm bf16", (x, w) => F.batchNorm(x, null, null, { weight: w, training: true }), () => [randn([3, 4, 3, 2], "bfloat16", 90), randn([4], "bfloat16", 91)], { grads: [true, true] });
  check("group norm bf16", (x) => F.groupNorm(x, 2), () => [randn([2, 4, 3, 3], "bfloat16", 92)], { grads: [true] });
  check("max pool bf16", (x) => F.maxPool2d(x, 2), () => [randn([2, 3, 4, 4], "bfloat16", 93)], { grads: [true] });
  for (const d of [...FL, "bfloat16"] as const) {
    for (const [k, s, p, dil, ceil] of [[3, 2, 1, 2, false], [2, 2, 0, 1, true], [3, 1, 1, 3, false]] as const) {
      const x = randn([2, 2, 9, 8], d, 94);
      const [out, ind] = A2.max_pool2d_with_indices!.default!(x, [k, k], [s, s], [p, p], [dil, dil], ceil) as T[];
      const g = randn([...out!.shape], d, 95);
      checkGraph(`max pool backward k${k} s${s} p${p} d${dil} ceil ${ceil} ${d}`, A2.max_pool2d_with_indices_backward!.default!, [g, x, [k, k], [s, s], [p, p], [dil, dil], ceil, ind]);
    }
  }
});
