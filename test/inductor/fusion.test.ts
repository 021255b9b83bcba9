// Kernel counts on the fusion-table programs (shared/reference/anchors.md, from PyTorch 2.11's generated
// code): coil must generate no more kernels than Inductor, with the same extern calls, and equal eager.
// Counts come from the artifacts' meta (runAndGetArtifacts), not from the source text. Every test runs on both
// CPU backends (cpu_backends.ts): the JS codegen equals eager bit for bit where stated, the Wasm one within its
// documented errors.
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import type { CompiledArtifact } from "../../src/inductor/codegen/artifact.js";
import { counters } from "../../src/utils/counters.js";
import { WASM_ABS, WASM_ULPS, assertMatchesEager, testOnCpuBackends as test } from "./cpu_backends.js";

type T = coil.Tensor;
const nn = coil.nn;
const F = coil.nn.functional;

interface Meta { kernels: number; kernelCalls: number; externCalls: string[]; fallbacks: string[]; kind: string }
const metaOf = (a: CompiledArtifact) => a.meta as unknown as Meta;

function compileAndCount(fn: () => unknown): { result: unknown; metas: Meta[] } {
  counters.clear();
  const { result, artifacts } = runAndGetArtifacts(fn);
  assert.equal(counters.inductor.codegen_fallback, 0, "no graph may fall back to eager fx");
  return { result, metas: artifacts.map(metaOf) };
}

function close(a: T, b: T, tol = 1e-5): void {
  const d = (a.sub(b).abs().max() as T).item() as number;
  assert.ok(d <= tol, `max abs diff ${d} > ${tol}`);
}

test("cos(cos(cos(x))): one kernel, equal to eager (JS: bit for bit)", (backend) => {
  const x = coil.randn([1000]);
  const { result, metas } = compileAndCount(() => coil.compile((x: T) => x.cos().cos().cos())(x));
  assert.equal(metas.length, 1);
  assert.equal(metas[0]!.kernels, 1);
  assert.deepEqual(metas[0]!.externCalls, []);
  // Wasm: each cos adds at most its own error and |cos'| <= 1 does not grow the earlier ones
  assertMatchesEager(result as T, x.cos().cos().cos(), backend, 3 * WASM_ULPS.cos, 3 * WASM_ABS);
});

test("softmax over rows: one kernel (max, exp-sum and normalise fused)", (backend) => {
  const x = coil.randn([64, 128]);
  const { result, metas } = compileAndCount(() => coil.compile((x: T) => x.softmax(-1))(x));
  assert.equal(metas[0]!.kernels, 1);
  assert.equal(metas[0]!.kernelCalls, 1);
  const want = x.softmax(-1);
  if (backend === "js") assert.deepEqual((result as T).toArray(), want.toArray());
  else {
    // Wasm, relative to each value: exp (WASM_ULPS.exp ulp) and the division (1 ulp) of the value, plus the float32
    // row sum of 128 positive terms in 8 partial sums (16 sequential adds + 3 combining, 2^-24 each): 1.5e-6
    const rtol = (WASM_ULPS.exp + 1) * 2 ** -23 + (128 / 8 + 3) * 2 ** -24;
    const a = (result as T).toArray() as ArrayLike<number>, e = Array.from(want.toArray() as ArrayLike<number>);
    e.forEach((w, k) => assert.ok(Math.abs(a[k]! - w) <= rtol * w, `softmax[${k}]: ${a[k]} vs ${w} (rtol ${rtol})`));
  }
});

test("layer_norm then gelu: one kernel", () => {
  const x = coil.randn([32, 64]);
  const ln = new nn.LayerNorm(64);
  const f = (x: T) => F.gelu(ln.call(x) as T);
  const { result, metas } = coil.noGrad(() => compileAndCount(() => coil.compile(f)(x)));
  assert.equal(metas[0]!.kernels, 1);
  close(result as T, coil.noGrad(() => f(x)), 1e-6);
});

test("MLP 784-512-512-10 inference: 3 addmm extern calls and one kernel (both relus)", () => {
  const mlp = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const x = coil.randn([64, 784]);
  const { result, metas } = coil.noGrad(() => compileAndCount(() => coil.compile(mlp)(x)));
  assert.equal(metas.length, 1);
  assert.deepEqual(metas[0]!.externCalls, ["aten.addmm.default", "aten.addmm.default", "aten.addmm.default"]);
  assert.ok(metas[0]!.kernels <= 1, `kernels: ${metas[0]!.kernels}`);
  assert.deepEqual(metas[0]!.fallbacks, []);
  close(result as T, coil.noGrad(() => mlp.call(x) as T), 1e-5);
});

test("MLP forward + backward: no more kernels than Inductor (4), 3 addmm + 5 mm", () => {
  const mlp = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
  const x = coil.randn([64, 784]);
  const { metas } = compileAndCount(() => { (coil.compile(mlp)(x) as T).sum().backward(); });
  const kernels = metas.reduce((s, m) => s + m.kernels, 0);
  const externs = metas.flatMap((m) => m.externCalls).sort();
  assert.ok(kernels <= 4, `kernels: ${kernels}`);
  assert.deepEqual(externs, [...Array(3).fill("aten.addmm.default"), ...Array(5).fill("aten.mm.default")]);
  assert.deepEqual(metas.flatMap((m) => m.fallbacks), []);
  // gradients equal eager
  const params = [...mlp.parameters()] as T[];
  const grads = params.map((p) => p.grad!.clone());
  for (const p of params) p.grad = null;
  (mlp.call(x) as T).sum().backward();
  params.forEach((p, i) => close(grads[i]!, p.grad!, 1e-4));
});

test("conv3x3 + relu: one convolution extern call and no more than 2 kernels", () => {
  const conv = new nn.Sequential(new nn.Conv2d(16, 16, 3, { padding: 1 }), new nn.ReLU());
  const x = coil.randn([1, 16, 20, 20]);
  const { result, metas } = coil.noGrad(() => compileAndCount(() => coil.compile(conv)(x)));
  assert.deepEqual(metas[0]!.externCalls, ["aten.convolution.default"]);
  assert.ok(metas[0]!.kernels <= 2);
  close(result as T, coil.noGrad(() => conv.call(x) as T), 1e-5);
});

test("small CNN inference (conv, batchnorm, relu, maxpool, conv, relu, avgpool, linear): no more than Inductor's 3 kernels, no fallbacks", () => {
  const cnn = new nn.Sequential(new nn.Conv2d(3, 8, 3, { padding: 1 }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(8, 10));
  cnn.eval();
  const x = coil.randn([2, 3, 16, 16]);
  const { result, metas } = coil.noGrad(() => compileAndCount(() => coil.compile(cnn)(x)));
  assert.ok(metas[0]!.kernels <= 3, `kernels: ${metas[0]!.kernels}`);
  assert.deepEqual(metas[0]!.externCalls, ["aten.convolution.default", "aten.convolution.default", "aten.addmm.default"]);
  assert.deepEqual(metas[0]!.fallbacks, []);
  close(result as T, coil.noGrad(() => cnn.call(x) as T), 1e-5);
});

test("horizontal fusion: two independent reductions over the same rows share one kernel", () => {
  const x = coil.randn([16, 32]);
  const f = (x: T) => [x.sum(1), x.amax(1)];
  const { result, metas } = compileAndCount(() => coil.compile(f)(x));
  assert.equal(metas[0]!.kernels, 1);
  const [s, m] = result as T[];
  close(s!, x.sum(1));
  assert.deepEqual(m!.toArray(), x.amax(1).toArray());
});

test("a consumer reading a producer at another index is not fused into its loop", () => {
  const x = coil.randn([8, 8]);
  // y is read transposed by the second op: fusing would read values not yet written
  const f = (x: T) => { const y = x.exp(); return [y, y.t().add(y)]; };
  const { result, metas } = compileAndCount(() => coil.compile(f)(x));
  const [y, z] = result as T[];
  close(y!, x.exp());
  close(z!, x.exp().t().add(x.exp()));
  assert.ok(metas[0]!.kernels >= 1);
});

test("a reduction over no elements (sum of a 0-d tensor) never joins another reduction's loops (fuzzer regression)", () => {
  const f = (a: T, b: T) => { const v2 = b.sum(); const v3 = a.sum([0, 1], false); return [v3, v2]; };
  const a = coil.tensor([[-1.078, -1.476]]);
  const b = coil.tensor(3, { dtype: "int64" });
  const { result } = compileAndCount(() => coil.compile(f)(a, b));
  const [s, t] = result as T[];
  assert.deepEqual(t!.toArray(), b.sum().toArray(), "sum of the 0-d tensor");
  close(s!, a.sum([0, 1], false));
});
