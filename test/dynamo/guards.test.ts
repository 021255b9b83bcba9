// test/dynamo/guards: recompiles on guard failures (dtype, shape, strides, requiresGrad, grad mode,
// aliasing), the cache size limit's eager fallback, graph breaks (fullgraph errors naming the op and
// the source line, eager fallback with counters.graph_break), and compile()'s argument errors.

import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import type { GraphModule } from "../../src/fx/index.js";

const { counters } = coil;

beforeEach(() => {
  counters.clear();
  coil.reset();
});

function countingBackend() {
  const state = { compiles: 0 };
  const backend = (gm: GraphModule) => { state.compiles++; return (...a: Tensor[]) => gm.forward(...a); };
  return { state, backend };
}
const vals = (t: Tensor): number[] => Array.from(t.toArray());

test("dtype, shape, strides and requiresGrad changes recompile; matching inputs reuse", () => {
  const { state, backend } = countingBackend();
  const cf = coil.compile((x: Tensor) => x.sin().mul(2), { backend });
  cf(coil.randn(3, 4));
  cf(coil.randn(3, 4));
  assert.equal(counters.stats.unique_graphs, 1);
  const y = cf(coil.randn(3, 4, { dtype: "float64" }));
  assert.equal(y.dtype.name, "float64");
  assert.equal(counters.stats.unique_graphs, 2);
  cf(coil.randn(5, 4));
  assert.equal(counters.stats.unique_graphs, 3);
  cf(coil.randn(4, 3).t()); // same shape as (3, 4), transposed strides
  assert.equal(counters.stats.unique_graphs, 4);
  const r = cf(coil.randn(3, 4, { requiresGrad: true }));
  assert.equal(r.requiresGrad, true);
  assert.equal(counters.stats.unique_graphs, 5);
  // every earlier entry is still reused
  cf(coil.randn(3, 4));
  cf(coil.randn(5, 4));
  cf(coil.randn(3, 4, { dtype: "float64" }));
  assert.equal(counters.stats.unique_graphs, 5);
  assert.equal(state.compiles, 5);
  assert.equal(counters.frames.total, 5);
});

test("grad mode and input aliasing are guarded", () => {
  const { state, backend } = countingBackend();
  const cf = coil.compile((a: Tensor, b: Tensor) => a.add(b), { backend });
  const x = coil.randn(3);
  const y = coil.randn(3);
  cf(x, y);
  coil.noGrad(() => cf(x, y));
  assert.equal(state.compiles, 2);
  const r = cf(x, x);
  assert.deepEqual(vals(r), vals(x).map((v) => Math.fround(v + v)));
  assert.equal(state.compiles, 3, "passing the same tensor twice is a different graph");
});

test("recompiles are logged with the failing guard", () => {
  const msgs: string[] = [];
  const prev = coil.setLogSink((a, t) => { if (a === "recompiles") msgs.push(t); });
  coil.setLogs("recompiles");
  try {
    const cf = coil.compile((x: Tensor) => x.cos(), { backend: "eager" });
    cf(coil.randn(2));
    cf(coil.randn(2, { dtype: "float64" }));
  } finally {
    coil.setLogs("");
    coil.setLogSink(prev);
  }
  assert.equal(msgs.length, 1);
  assert.match(msgs[0]!, /L\['x'\]\.dtype == float32 \(now float64\)/);
});

test("cacheSizeLimit: past the limit, warn once and run eagerly", () => {
  const { state, backend } = countingBackend();
  const saved = coil.dynamoConfig.cacheSizeLimit;
  const warnings: string[] = [];
  const origWarn = console.warn;
  console.warn = (...a: unknown[]) => { warnings.push(a.join(" ")); };
  coil.dynamoConfig.cacheSizeLimit = 2;
  try {
    const cf = coil.compile((x: Tensor) => x.neg(), { backend });
    for (const n of [1, 2, 3, 4, 5]) {
      const x = coil.randn(n);
      assert.deepEqual(vals(cf(x)), vals(x).map((v) => -v));
    }
    assert.equal(state.compiles, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /cacheSizeLimit \(2\)/);
    cf(coil.randn(1)); // cached entries still work
    assert.equal(state.compiles, 2);
  } finally {
    coil.dynamoConfig.cacheSizeLimit = saved;
    console.warn = origWarn;
  }
});

test("dynamic: true is accepted and still specialises on shapes", () => {
  const { state, backend } = countingBackend();
  const cf = coil.compile((x: Tensor) => x.relu(), { backend, dynamic: true });
  cf(coil.randn(2));
  cf(coil.randn(3));
  assert.equal(state.compiles, 2);
});

test("graph break on .item() with fullgraph: error names item and the source line", () => {
  const f = (x: Tensor) => {
    const s = x.sum();
    return x.mul(s.item()); // GRAPH-BREAK-LINE
  };
  const cf = coil.compile(f, { fullgraph: true, backend: "eager" });
  assert.throws(() => cf(coil.randn(3)), (e: Error) => {
    assert.match(e.message, /Tensor\.item\(\)/);
    assert.match(e.message, /guards\.test\.ts:\d+:\d+/);
    assert.match(e.message, /GRAPH-BREAK-LINE/);
    return true;
  });
});

test("graph break without fullgraph: whole call runs eagerly, counted, not re-traced", () => {
  const { state, backend } = countingBackend();
  const f = (x: Tensor) => x.mul(x.sum().item());
  const cf = coil.compile(f, { backend });
  const x = coil.randn(4);
  assert.deepEqual(vals(cf(x)), vals(f(x)));
  const keys = Object.keys(counters.snapshot().graph_break ?? {});
  assert.equal(keys.length, 1);
  assert.match(keys[0]!, /Tensor\.item\(\)/);
  assert.equal(counters.graph_break[keys[0]!], 1);
  const x2 = coil.randn(4);
  assert.deepEqual(vals(cf(x2)), vals(f(x2)));
  assert.equal(counters.frames.total, 1, "same guards: straight to eager, no re-trace");
  assert.equal(counters.graph_break[keys[0]!], 1);
  assert.equal(state.compiles, 0);
});

test("raw data access and tolist on traced tensors are graph breaks too", () => {
  const f = (x: Tensor) => x.cos().mul((x.tolist() as number[])[0]!);
  assert.throws(() => coil.compile(f, { fullgraph: true })(coil.randn(2)), /Tensor\.tolist\(\)/);
  const g = (x: Tensor) => x.mul(x.data()[0]!);
  assert.throws(() => coil.compile(g, { fullgraph: true })(coil.randn(2)), /data-dependent operation data access .*guards\.test\.ts/);
  const x = coil.randn(2);
  assert.deepEqual(vals(coil.compile(g)(x)), vals(g(x)));
});

test("user errors inside the function propagate unchanged", () => {
  const cf = coil.compile((a: Tensor, b: Tensor) => coil.mm(a, b));
  assert.throws(() => cf(coil.randn(2, 3), coil.randn(4, 5)), /mm.*\(2x3 and 4x5\)[\s\S]*stage: capture/);
  assert.throws(() => coil.randn(2).cos().mm(coil.randn(3, 3)), /stage: eager/, "the stage label is restored");
});

test("compile() argument errors", () => {
  assert.throws(() => coil.compile(42 as never), { name: "TypeError", message: /expected a function or a module with a forward method \(got number\)/ });
  assert.throws(() => coil.compile(null as never), TypeError);
  assert.throws(() => coil.compile({ notForward: 1 } as never), TypeError);
  const f = (x: Tensor) => x.cos();
  assert.throws(() => coil.compile(f, { backend: "nope" }), /unknown backend 'nope'.*eager/);
  assert.throws(() => coil.compile(f, { backend: 3 as never }), TypeError);
  assert.throws(() => coil.compile(f, { fullgraph: "yes" as never }), /fullgraph must be a boolean/);
  assert.throws(() => coil.compile(f, { dynamic: 1 as never }), /dynamic must be a boolean/);
  assert.throws(() => coil.compile(f, { mode: "max-autotune" } as never), /unknown option 'mode'/);
  assert.throws(() => coil.compile(f, "eager" as never), /options must be an object/);
  assert.throws(() => coil.registerBackend("", (() => () => 0) as never), TypeError);
  const bad = coil.compile(f, { backend: (() => 5) as never });
  assert.throws(() => bad(coil.randn(2)), /must return a callable/);
});

test("a compiled function called inside another compiled function is inlined", () => {
  const { state, backend } = countingBackend();
  const inner = coil.compile((x: Tensor) => x.sin(), { backend });
  const outer = coil.compile((x: Tensor) => inner(x).cos(), { backend });
  const x = coil.randn(3);
  assert.deepEqual(vals(outer(x)), vals(x.sin().cos()));
  assert.equal(state.compiles, 1);
  assert.equal(counters.stats.calls_captured, 2);
});

test("ops whose output shape depends on data (bool-mask indexing) are graph breaks", () => {
  const f = (x: Tensor, mask: Tensor) => coil.index(x, [mask]).cos();
  const x = coil.randn(4);
  const mask = coil.tensor([true, false, true, true]);
  assert.throws(() => coil.compile(f, { fullgraph: true })(x, mask), /coil\.index\(\).*guards\.test\.ts/);
  const r = coil.compile(f)(x, mask);
  assert.deepEqual(vals(r), vals(f(x, mask)));
  assert.equal(counters.graph_break["data-dependent operation coil.index()"], 1);
});
