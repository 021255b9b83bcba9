// Epilogue fusion into extern kernels and the direct extern path: relu/clamp after addmm/mm/bmm/convolution
// runs inside the extern call (no pointwise kernel left), results equal eager (also when the fused relu's
// input is read elsewhere, which keeps the kernel), intermediates live in scratch slots that never alias an
// output across calls, and the eager fallback of rt.externFast (COIL_WASM_GEMM=0 sizes) applies the clamp.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import type { CompiledArtifact } from "../../src/inductor/codegen/artifact.js";

type T = coil.Tensor;

function only(fn: () => unknown): { result: unknown; artifact: CompiledArtifact } {
  const { result, artifacts } = runAndGetArtifacts(fn);
  assert.equal(artifacts.length, 1);
  return { result, artifact: artifacts[0]! };
}
const maxDiff = (a: T, b: T) => (a.sub(b).abs().max() as T).item() as number;

test("MLP inference: relu fused into both addmm calls, no kernel left, equals eager", () => {
  const m = new coil.nn.Sequential(new coil.nn.Linear(96, 128), new coil.nn.ReLU(), new coil.nn.Linear(128, 64), new coil.nn.ReLU(), new coil.nn.Linear(64, 10));
  const x = coil.randn([32, 96]);
  coil.noGrad(() => {
    const c = coil.compile(m);
    const { result, artifact } = only(() => c(x));
    assert.equal(artifact.meta.kernels, 0, artifact.source);
    assert.match(artifact.source, /epilogue relu fused/);
    assert.match(artifact.source, /rt\.externFast\("aten\.addmm\.default", .*\[0, Infinity\]/);
    assert.ok(maxDiff(result as T, m.forward(x)) < 1e-5);
  });
});

test("conv2d + relu and mm + clamp fuse; small products take the eager kernel + clamp", () => {
  const conv = (x: T, w: T, b: T) => coil.conv2d(x, w, b, 1, 1).relu();
  const cx = coil.randn([2, 8, 20, 20]), cw = coil.randn([8, 8, 3, 3]), cb = coil.randn([8]);
  const r = only(() => coil.compile(conv)(cx, cw, cb));
  assert.equal(r.artifact.meta.kernels, 0, r.artifact.source);
  assert.ok(maxDiff(r.result as T, conv(cx, cw, cb)) < 1e-4);
  // an in-place weight update is seen (the resident Wasm weight follows the storage version)
  const c = coil.compile(conv);
  c(cx, cw, cb);
  cw.mul_(0.5);
  assert.ok(maxDiff(c(cx, cw, cb), conv(cx, cw, cb)) < 1e-4);

  for (const n of [64, 4]) { // 64: Wasm GEMM with the clamp in its epilogue; 4: eager kernel, then the clamp
    const f = (a: T, b: T) => coil.mm(a, b).clamp(-0.5, 0.75);
    const a = coil.randn([n, n]), b = coil.randn([n, n]);
    const { result, artifact } = only(() => coil.compile(f)(a, b));
    assert.equal(artifact.meta.kernels, 0, artifact.source);
    assert.equal(maxDiff(result as T, f(a, b)), 0);
  }
});

test("no fusion when the extern result has another reader or is an output", () => {
  const f = (a: T, b: T) => { const y = coil.mm(a, b); return [y.relu(), y.mul(2)] as const; };
  const a = coil.randn([16, 16]), b = coil.randn([16, 16]);
  const { result, artifact } = only(() => coil.compile(f)(a, b));
  assert.ok((artifact.meta.kernels as number) >= 1);
  assert.doesNotMatch(artifact.source, /epilogue .* fused/);
  const [r0, r1] = result as T[];
  const [e0, e1] = f(a, b);
  assert.equal(maxDiff(r0!, e0), 0);
  assert.equal(maxDiff(r1!, e1), 0);
});

test("scratch slots hold intermediates across calls; outputs of earlier calls stay intact", () => {
  const w = coil.randn([64, 64]);
  const f = (x: T) => { const a = x.softmax(-1); const h = coil.mm(a, w).relu(); return h.softmax(-1).add(a); };
  const c = coil.compile(f);
  const x1 = coil.randn([64, 64]), x2 = coil.randn([64, 64]);
  const { result, artifact } = only(() => c(x1));
  assert.match(artifact.source, /rt\.scratch\(0,/);
  const snap = (result as T).toArray();
  const y2 = c(x2);
  assert.deepEqual((result as T).toArray(), snap, "a later call must not write into an earlier output");
  assert.ok(maxDiff(y2, f(x2)) < 1e-6);
  assert.ok(maxDiff(c(x1), f(x1)) < 1e-6);
});
