// The generated module and its runtime: readable output code (COIL_LOGS=output_code), input size/stride
// checks, aliasing (outputs that are inputs or views of them, the same output twice), kernels built once
// per source, artifacts that reload from their plain data, the pre/post-fusion hooks, buffer reuse. The output
// code test reads the JavaScript codegen's source (pinned to cpuBackend "js"); every other test runs on both
// CPU backends (cpu_backends.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";
import { loadArtifact } from "../../src/inductor/codecache/index.js";
import { runtimeStats } from "../../src/inductor/runtime/index.js";
import { FusedGroup, SchedulerNode, ExternSchedulerNode } from "../../src/inductor/scheduler/index.js";
import type { CompiledArtifact } from "../../src/inductor/codegen/artifact.js";
import { counters } from "../../src/utils/counters.js";
import { setLogSink } from "../../src/utils/logging.js";
import { WASM_ULPS, assertMatchesEager, testOnCpuBackends } from "./cpu_backends.js";

type T = coil.Tensor;

function only(fn: () => unknown): { result: unknown; artifact: CompiledArtifact } {
  const { result, artifacts } = runAndGetArtifacts(fn);
  assert.equal(artifacts.length, 1);
  return { result, artifact: artifacts[0]! };
}

test("COIL_LOGS=output_code prints the module (JS codegen): named kernels, a comment with their nodes, call(args)", () => {
  const logs: string[] = [];
  const restore = setLogSink((a, t) => { if (a === "output_code") logs.push(t); });
  coil.setLogs("output_code");
  try {
    config.patch({ cpuBackend: "js" }, () => only(() => coil.compile((x: T) => x.cos().cos().cos())(coil.randn([64]))));
  } finally {
    coil.setLogs([]);
    setLogSink(restore);
  }
  const src = logs.join("\n");
  assert.match(src, /\/\/ Source nodes: \[cos, cos_1, cos_2\], Original ATen: \[aten\.cos\.default\]/);
  assert.match(src, /const js_fused_cos_0 = rt\.kernel\("js_fused_cos_0"/);
  assert.match(src, /for \(let x0 = 0; x0 < 64; x0\+\+\)/);
  assert.match(src, /Math\.fround\(Math\.cos\(/);
  assert.match(src, /rt\.assertSizeStride\(arg0_1, \[64\], \[1\], "arg0_1"\)/);
  assert.match(src, /function call\(args\)/);
});

testOnCpuBackends("inputs are checked against the sizes and strides the module was compiled for", () => {
  const { artifact } = only(() => coil.compile((x: T) => x.exp())(coil.randn([3, 4])));
  const run = loadArtifact(artifact);
  assert.throws(() => run([coil.randn([4, 3])]), /input arg0_1 has size \[4, 3\].*compiled for size \[3, 4\]/);
  assert.throws(() => run([coil.randn([4, 3]).t()]), /stride \[1, 3\].*stride \[4, 1\]/);
});

testOnCpuBackends("an artifact is plain data: it reloads from a JSON round trip and computes the same", (backend) => {
  const x = coil.randn([5, 6]);
  const { result, artifact } = only(() => coil.compile((x: T) => x.softmax(-1).mul(2))(x));
  const copy: CompiledArtifact = { ...JSON.parse(JSON.stringify({ ...artifact, constants: {} })), constants: artifact.constants };
  const again = loadArtifact(copy)([x]) as T[];
  assert.deepEqual(again[0]!.toArray(), (result as T).toArray());
  assert.equal(artifact.format, `cpu-${backend}/1`);
  // (comment lines hold a Wasm kernel's listing, whose "(import "env" "memory")" is not a JS import)
  const code = artifact.source.split("\n").filter((l) => !l.trimStart().startsWith("//")).join("\n");
  assert.ok(!/\bimport\b|require\(/.test(code), "the module refers to the runtime only through rt");
});

testOnCpuBackends("kernels and modules are built once per source hash", () => {
  const x = coil.randn([7]);
  const f = () => coil.compile((x: T) => x.sin().mul(3))(x);
  only(f);
  const before = { ...runtimeStats };
  coil.reset();
  only(f);
  assert.equal(runtimeStats.kernelsBuilt, before.kernelsBuilt);
  assert.equal(runtimeStats.modulesBuilt, before.modulesBuilt);
});

testOnCpuBackends("aliasing: an input returned as is, a view of an input, the same buffer twice", (backend) => {
  const x = coil.randn([4, 6]);
  const f = (x: T) => { const y = x.exp(); return [x, x.t(), y, y, x.view(24)]; };
  const { result } = only(() => coil.compile(f)(x));
  const [a, b, c, d, e] = result as T[];
  assert.equal(a, x, "an input returned as is stays the same tensor");
  assert.deepEqual(b!.toArray(), x.t().toArray());
  assert.deepEqual(b!.strides, [1, 6]);
  assert.equal(b!.storage, x.storage, "a view of an input aliases it");
  assert.equal(e!.storage, x.storage);
  assert.equal(c!.storage, d!.storage, "one buffer returned twice");
  assertMatchesEager(c!, x.exp(), backend, WASM_ULPS.exp);
});

testOnCpuBackends("non-contiguous and offset inputs, outputs with eager's strides", () => {
  const base = coil.randn([6, 8]);
  const x = base.narrow(0, 1, 4).t(); // offset 8, strides [1, 8]
  const { result } = only(() => coil.compile((x: T) => x.mul(2).add(1))(x));
  assert.deepEqual((result as T).toArray(), x.mul(2).add(1).toArray());
  const { result: r2 } = only(() => coil.compile((x: T) => x.cos().t())(coil.randn([3, 5])));
  assert.deepEqual((r2 as T).shape, [5, 3]);
});

testOnCpuBackends("dead buffers are reused (same dtype and size)", () => {
  const x = coil.randn([32, 32]);
  const f = (x: T) => { const a = x.softmax(-1); const b = a.t().softmax(-1); return b.t().softmax(-1); };
  const { result, artifact } = only(() => coil.compile(f)(x));
  assert.ok((artifact.meta.buffersReused as number) >= 1, JSON.stringify(artifact.meta));
  const d = ((result as T).sub(f(x)).abs().max() as T).item() as number;
  assert.ok(d < 1e-6);
});

testOnCpuBackends("pre- and post-fusion hooks receive and may reorder the scheduler's lists", (backend) => {
  const seen: { pre: string[]; post: string[] } = { pre: [], post: [] };
  const x = coil.randn([8, 8]);
  const p = config.patch({
    preFusionCustomPass: (nodes) => { seen.pre = nodes.map((n) => (n as SchedulerNode | ExternSchedulerNode).name); return nodes; },
    postFusionCustomPass: (items) => { seen.post = items.map((g) => (g instanceof FusedGroup ? `kernel(${g.nodes.map((n) => n.name).join(",")})` : (g as ExternSchedulerNode).name)); return items; },
  });
  try {
    counters.clear();
    const { result } = only(() => coil.compile((x: T) => x.softmax(-1).mm(x).relu())(x));
    const want = x.softmax(-1).mm(x).relu();
    if (backend === "js") assert.deepEqual((result as T).toArray(), want.toArray());
    else {
      // softmax within 1.5e-6 relative (fusion.test.ts); a row of it sums to 1, so the mm is within 1.5e-6 * max|x|
      const d = ((result as T).sub(want).abs().max() as T).item() as number, bound = 1.5e-6 * ((x.abs().max() as T).item() as number);
      assert.ok(d <= bound, `wasm: max abs diff ${d} > ${bound}`);
    }
  } finally {
    p.restore();
  }
  assert.deepEqual(seen.pre.length >= 3, true, seen.pre.join(" "));
  assert.ok(seen.post.some((s) => s.startsWith("kernel(")), seen.post.join(" "));
  assert.ok(seen.post.length < seen.pre.length, "fusion merged nodes");
});

testOnCpuBackends("fusion hook must return a list", () => {
  const p = config.patch({ preFusionCustomPass: () => 3 as unknown as unknown[] });
  try {
    counters.clear();
    const x = coil.randn([4]);
    const { result } = runAndGetArtifacts(() => coil.compile((x: T) => x.exp())(x));
    // the error is reported and the graph runs eagerly instead
    assert.equal(counters.inductor.codegen_fallback, 1);
    assert.deepEqual((result as T).toArray(), x.exp().toArray());
  } finally {
    p.restore();
  }
});
