// Eager Wasm dispatch (src/inductor/eager): eager float32 ops run as compiled one-op Wasm programs. Checks a
// table of ops (broadcasting, scalars, non-contiguous and offset inputs, 0-d, empty) against the JS kernels
// (values within the Wasm math's tolerance, identical shape/strides/dtype), autograd through accelerated ops,
// no acceleration of fake tensors or under capture, compile-once per key, the LRU bound, the fallback on a
// failing compile and on exhausted Wasm memory, the memory budget, and tensor.dispose().
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { aten } from "../../src/ops/aten.js";
import { lowerings } from "../../src/inductor/lowering_table.js";
import { wasmRuntimeStats } from "../../src/inductor/runtime/index.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import {
  eagerWasmConfig, eagerWasmStats, eagerWasmCacheInfo, clearEagerWasmCache,
} from "../../src/inductor/eager/index.js";

type T = coil.Tensor;
const skip = !wasmFeatures().simd || !wasmMemory().shared ? "needs WebAssembly SIMD and shared memory" : false;

afterEach(() => { eagerWasmConfig.reset(); });

const inWasm = (t: T): boolean => t.storage.data?.buffer instanceof SharedArrayBuffer;
// earlier tests leave outputs to the collector: a budget above the 2 GiB cap keeps outputs in Wasm memory
const always = <R>(fn: () => R): R => eagerWasmConfig.patch({ mode: "always", memoryBudgetBytes: 2 ** 32 }, fn);
const never = <R>(fn: () => R): R => eagerWasmConfig.patch({ mode: "never" }, fn);

function values(t: T): Float64Array {
  const c = t.to("float32").contiguous();
  return Float64Array.from(c.data() as Float32Array).subarray(c.offset, c.offset + c.numel());
}

/** acc within atol + rtol·|js| of js elementwise (NaN where js is NaN), same shape, strides and dtype. */
function assertClose(acc: T, js: T, rtol: number, atol: number, what: string): void {
  assert.deepEqual(acc.shape, js.shape, `${what}: shape`);
  assert.equal(acc.dtype, js.dtype, `${what}: dtype`);
  if (acc.numel() > 1) assert.deepEqual(acc.strides, js.strides, `${what}: strides`);
  const a = values(acc), b = values(js);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i]!)) { assert.ok(Number.isNaN(a[i]!), `${what}[${i}]: ${a[i]} vs NaN`); continue; }
    if (!Number.isFinite(b[i]!)) { assert.equal(a[i], b[i], `${what}[${i}]`); continue; }
    assert.ok(Math.abs(a[i]! - b[i]!) <= atol + rtol * Math.abs(b[i]!), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

coil.manualSeed(7);
const x = coil.randn([64, 300]);
const y = coil.randn([64, 300]);
const pos = coil.rand([64, 300]).add(0.1);
const col = coil.randn([64, 1]);
const row = coil.randn([300]);
const wide = coil.randn([65, 301]);
const zeroD = coil.full([], 1.5);

// [name, fn, rtol, atol]: rtol 2.5e-7 ≈ 2 float32 ulps (the Wasm sin/cos/exp are within 1.5 ulp)
const TABLE: [string, () => T, number, number][] = [
  ["cos", () => x.cos(), 0, 3e-7],
  ["exp", () => x.exp(), 2.5e-7, 0],
  ["neg", () => x.neg(), 0, 0],
  ["abs", () => x.abs(), 0, 0],
  ["sigmoid", () => x.sigmoid(), 3e-7, 1e-9],
  ["tanh", () => x.tanh(), 3e-7, 1e-9],
  ["relu", () => x.relu(), 0, 0],
  ["sqrt", () => pos.sqrt(), 1.2e-7, 0],
  ["log", () => pos.log(), 2.5e-7, 1e-9],
  ["add", () => x.add(y), 0, 0],
  ["add alpha", () => aten.add.Tensor(x, y, { alpha: 2.5 }) as T, 1.2e-7, 5e-7], // alpha·y rounds to float32 first
  ["mul", () => x.mul(y), 0, 0],
  ["div", () => x.div(pos), 1.2e-7, 0],
  ["maximum", () => x.maximum(y), 0, 0],
  ["broadcast column", () => x.add(col), 0, 0],
  ["broadcast row", () => x.mul(row), 0, 0],
  ["outer broadcast", () => col.add(row), 0, 0],
  ["scalar add", () => x.add(2.5), 0, 0],
  ["scalar mul -0", () => x.mul(-0), 0, 0],
  ["0-d tensor operand", () => x.mul(zeroD), 0, 0],
  ["pow scalar", () => pos.pow(2.5), 3e-7, 0],
  ["transposed input", () => x.t().cos(), 0, 3e-7],
  ["offset view input", () => wide.narrow(0, 1, 64).narrow(1, 1, 300).exp(), 2.5e-7, 0],
  ["transposed + row", () => x.t().add(col.t()), 0, 0],
  ["sum all", () => x.sum(), 1e-5, 1e-4],
  ["sum dim", () => x.sum(1), 1e-5, 1e-5],
  ["mean dim 0", () => x.mean(0), 1e-5, 1e-6],
  ["amax", () => x.amax(-1), 0, 0],
  ["softmax", () => x.softmax(-1), 1e-6, 1e-8],
  ["log_softmax", () => x.logSoftmax(-1), 1e-6, 1e-6],
  ["cos chain", () => x.cos().cos().cos(), 0, 1e-6],
];

for (const [name, fn, rtol, atol] of TABLE) {
  test(`accelerated vs JS kernel: ${name}`, { skip }, () => {
    const c0 = eagerWasmStats.calls;
    const acc = always(fn);
    assert.ok(eagerWasmStats.calls > c0, `${name} was not accelerated`);
    assert.ok(inWasm(acc), `${name}: the output lives in Wasm memory`);
    const js = never(fn);
    assert.ok(!inWasm(js));
    assertClose(acc, js, rtol, atol, name);
    assert.equal(acc.base, null, `${name}: the output is a base tensor, as the JS kernel's`);
  });
}

test("layer_norm is declined (its mean/rstd kernels use a float64 buffer: JS kernels) and stays exact", { skip }, () => {
  const u0 = eagerWasmStats.unaccelerated;
  const acc = always(() => coil.layerNorm(x, [300]));
  assert.equal(eagerWasmStats.unaccelerated, u0 + 1);
  assertClose(acc, never(() => coil.layerNorm(x, [300])), 0, 0, "layer_norm");
  clearEagerWasmCache();
  always(() => { for (let n = 1; n <= 12; n++) coil.layerNorm(coil.randn([n, 8]), [8]); });
  assert.equal(eagerWasmStats.compiles, 8, "an op declined for 8 keys and never accelerated is not compiled again");
});

test("bfloat16 and float16: accelerated, exact where eager rounds the same, softmax within one 16-bit ulp", { skip }, () => {
  // one ulp: relative 2^-7 / 2^-10, and 2^-24 absolute in float16's subnormal range
  for (const [dt, ulp, sub] of [["bfloat16", 2 ** -7, 0], ["float16", 2 ** -10, 2 ** -24]] as const) {
    const a = x.to(dt), b = row.to(dt);
    for (const [name, fn, rtol] of [
      ["exp", () => a.exp(), 0], ["add broadcast", () => a.add(b), 0], ["mul scalar", () => a.mul(0.3), 0],
      ["sigmoid", () => a.sigmoid(), 0], ["sum dim", () => a.sum(1), 0], ["softmax", () => a.softmax(-1), ulp],
    ] as [string, () => T, number][]) {
      const c0 = eagerWasmStats.calls;
      const acc = always(fn);
      assert.ok(eagerWasmStats.calls > c0, `${dt} ${name} was not accelerated`);
      assert.ok(inWasm(acc));
      assertClose(acc, never(fn), rtol, rtol ? sub : 0, `${dt} ${name}`);
    }
  }
});

test("0-d and empty inputs: accelerated with the eager layout", { skip }, () => {
  for (const [name, fn] of [
    ["0-d cos", () => zeroD.cos()], ["0-d + 0-d", () => zeroD.add(zeroD)],
    ["empty exp", () => coil.randn([0, 5]).exp()], ["empty sum dim", () => coil.randn([0, 5]).sum(0)],
    ["sum of 0-d", () => zeroD.sum()],
  ] as [string, () => T][]) {
    const acc = always(fn), js = never(fn);
    assertClose(acc, js, 2.5e-7, 0, name);
  }
});

test("threshold: auto mode accelerates only tensors of at least minNumel elements", { skip }, () => {
  const small = coil.randn([100]);
  const c0 = eagerWasmStats.calls;
  eagerWasmConfig.patch({ mode: "auto", minNumel: 16384 }, () => { small.cos(); });
  assert.equal(eagerWasmStats.calls, c0);
  eagerWasmConfig.patch({ mode: "auto", minNumel: 16384 }, () => { coil.randn([16384]).cos(); });
  assert.equal(eagerWasmStats.calls, c0 + 1);
  assert.throws(() => { eagerWasmConfig.mode = "sometimes" as never; }, /'mode' must be "auto", "always" or "never"/);
  assert.throws(() => eagerWasmConfig.patch({ minNumel: -1 }, () => 0), /'minNumel' must be a non-negative integer/);
  assert.equal(eagerWasmConfig.minNumel, 16384, "a failed patch restores");
  // plain arithmetic on JS inputs is accelerated too (two copies in still beat the JS loop on an idle machine)
  const big = coil.randn([16384]), big2 = coil.randn([16384]);
  eagerWasmConfig.patch({ mode: "auto", minNumel: 16384, memoryBudgetBytes: 2 ** 32 }, () => {
    const c1 = eagerWasmStats.calls;
    assert.ok(inWasm(big.add(big2)));
    assert.equal(eagerWasmStats.calls, c1 + 1);
  });
});

test("autograd through accelerated ops: equal gradients", { skip }, () => {
  const run = () => {
    const a = x.clone().requiresGrad_(), w = row.clone().requiresGrad_();
    const loss = a.mul(w).cos().softmax(-1).mul(a.sigmoid()).sum();
    loss.backward();
    return [loss, a.grad!, w.grad!];
  };
  const c0 = eagerWasmStats.calls;
  const acc = always(run);
  assert.ok(eagerWasmStats.calls - c0 >= 8, "forward and backward ops were accelerated");
  const js = never(run);
  assertClose(acc[0]!, js[0]!, 1e-5, 1e-4, "loss");
  assertClose(acc[1]!, js[1]!, 1e-5, 1e-6, "grad a");
  assertClose(acc[2]!, js[2]!, 1e-5, 1e-5, "grad w");
});

test("no acceleration of fake tensors or while capturing; the captured graph still has the op", { skip }, () => {
  const c0 = eagerWasmStats.calls, k0 = eagerWasmStats.compiles;
  const f = coil.Tensor.fake([64, 300]);
  const out = always(() => aten.cos.default(f) as T);
  assert.ok(out.isFake);
  const fn = (a: T) => a.cos().exp();
  const compiled = coil.compile(fn);
  const r = always(() => coil.noGrad(() => compiled(x) as T));
  assert.equal(eagerWasmStats.compiles, k0, "capture compiled no one-op program");
  assert.equal(eagerWasmStats.calls, c0, "the compiled graph ran its own kernels, not the eager accelerator");
  assertClose(r, never(() => fn(x)), 2.5e-7, 3e-7, "compiled");
});

test("compile once per key: same layout and arguments reuse the program", { skip }, () => {
  clearEagerWasmCache();
  const a = coil.randn([32, 33]);
  always(() => { a.exp(); a.exp(); a.exp(); });
  assert.equal(eagerWasmStats.compiles, 1);
  assert.equal(eagerWasmStats.calls, 3);
  always(() => { coil.randn([32, 33]).exp(); });
  assert.equal(eagerWasmStats.compiles, 1, "another tensor of the same layout hits");
  always(() => { a.t().exp(); });
  assert.equal(eagerWasmStats.compiles, 2, "other strides compile");
  always(() => { a.add(1); a.add(2); a.add(1); });
  assert.equal(eagerWasmStats.compiles, 4, "each scalar value is part of the key");
  always(() => { a.mul(0); a.mul(-0); });
  assert.equal(eagerWasmStats.compiles, 6, "0 and -0 are different keys");
  assert.ok(eagerWasmStats.compileMs > 0);
});

test("a scalar that changes on every call compiles at most 4 variants; later values run the JS kernel", { skip }, () => {
  clearEagerWasmCache();
  const a = coil.randn([40, 41]);
  always(() => {
    for (let i = 1; i <= 10; i++) {
      const r = a.mul(i * 0.5), js = never(() => a.mul(i * 0.5));
      assertClose(r, js, 0, 0, `mul(${i * 0.5})`);
    }
  });
  assert.equal(eagerWasmStats.compiles, 4, "4 scalar variants of mul on this layout compiled");
  assert.equal(eagerWasmStats.scalarVariantsDeclined, 6);
  always(() => { a.mul(0.5); a.mul(2); });
  assert.equal(eagerWasmStats.compiles, 4, "the compiled variants keep running");
  always(() => { a.add(3); coil.randn([7, 9]).mul(9); });
  assert.equal(eagerWasmStats.compiles, 6, "another op, or another layout, is another family");
});

test("LRU bound: at most maxEntries programs; evicted keys compile again", { skip }, () => {
  clearEagerWasmCache();
  eagerWasmConfig.patch({ mode: "always", maxEntries: 3 }, () => {
    for (let n = 10; n < 15; n++) coil.randn([n]).exp();
    assert.equal(eagerWasmCacheInfo().entries, 3);
    assert.equal(eagerWasmStats.evictions, 2);
    coil.randn([14]).exp();
    assert.equal(eagerWasmStats.compiles, 5, "the newest key is still cached");
    coil.randn([10]).exp();
    assert.equal(eagerWasmStats.compiles, 6, "the oldest key was evicted");
  });
});

test("a failing compile falls back to the JS kernel, is counted and not retried", { skip }, () => {
  clearEagerWasmCache();
  const saved = lowerings.get(aten.cos.default)!;
  lowerings.set(aten.cos.default, () => { throw new Error("broken lowering (test)"); });
  try {
    const a = coil.randn([40, 41]);
    const r1 = always(() => a.cos());
    const r2 = always(() => a.cos());
    assert.equal(eagerWasmStats.compileFailures, 1);
    assert.equal(eagerWasmStats.compiles, 1, "the failed key is not compiled again");
    assert.equal(eagerWasmStats.calls, 0);
    assert.equal(coil.counters.eager_wasm.compile_failed, 1);
    assertClose(r1, never(() => a.cos()), 0, 0, "fallback");
    assertClose(r2, never(() => a.cos()), 0, 0, "fallback");
  } finally {
    lowerings.set(aten.cos.default, saved);
    clearEagerWasmCache();
  }
});

test("ops without a pure-Wasm lowering run their JS kernel", { skip }, () => {
  clearEagerWasmCache();
  const a = coil.randn([40, 41]);
  const r = always(() => a.argmax(1)); // an int64 output: declined from the meta rule, no compile
  assert.deepEqual(r.shape, [40]);
  assert.equal(eagerWasmStats.calls, 0);
  assert.equal(eagerWasmStats.unaccelerated, 1);
  always(() => a.argmax(1));
  assert.equal(eagerWasmStats.compiles, 1, "not retried for that key");
  const m = always(() => a.mm(a.t())); // mm keeps its own eager Wasm GEMM
  assert.deepEqual(m.shape, [40, 40]);
  assert.equal(eagerWasmStats.compiles, 1, "mm is not offered to the compiler");
});

test("outputs stay in Wasm memory: a chain copies nothing in", { skip }, () => {
  const a = always(() => x.cos());
  const before = wasmRuntimeStats.copiedIn;
  const b = always(() => a.exp().sigmoid().mul(a));
  assert.equal(wasmRuntimeStats.copiedIn, before, "Wasm-resident inputs are passed by pointer");
  assert.ok(inWasm(b));
});

test("over the memory budget, outputs are copied out to JS arrays (values unchanged)", { skip }, () => {
  const acc = eagerWasmConfig.patch({ mode: "always", memoryBudgetBytes: 0 }, () => x.cos());
  assert.ok(!inWasm(acc));
  assert.ok(eagerWasmStats.copiedOut > 0);
  assertClose(acc, never(() => x.cos()), 0, 3e-7, "copied out");
});

test("until an accelerated output is disposed, an eighth of the memory budget applies", { skip }, () => {
  clearEagerWasmCache();
  const budget = wasmMemory().stats().inUse * 4 + (1 << 20); // over an eighth of it, under all of it
  eagerWasmConfig.patch({ mode: "always", memoryBudgetBytes: budget }, () => {
    const a = x.exp();
    assert.ok(!inWasm(a), "no dispose seen yet: copied out");
    a.dispose(); // a copied-out output counts too
    assert.equal(eagerWasmStats.disposedOutputs, 1);
    const b = x.exp();
    assert.ok(inWasm(b), "after a dispose the full budget applies");
    b.dispose();
    assert.equal(eagerWasmStats.disposedOutputs, 2);
  });
});

test("an exhausted Wasm memory falls back to the JS kernel instead of failing", { skip }, () => {
  const mem = wasmMemory();
  const malloc = mem.malloc;
  const f0 = eagerWasmStats.memoryFallbacks;
  mem.malloc = (bytes: number) => { if (bytes >= 4 * 64 * 300) throw new RangeError(`wasm malloc: out of memory (${bytes} bytes requested, test)`); return malloc.call(mem, bytes); };
  let r: T;
  try { r = always(() => x.exp()); } finally { mem.malloc = malloc; }
  assert.equal(eagerWasmStats.memoryFallbacks, f0 + 1);
  assertClose(r, never(() => x.exp()), 0, 0, "fallback");
  assert.ok(inWasm(always(() => x.exp())), "the key is not disabled by a memory fallback");
});

test("dispose(): frees the Wasm block now; using a disposed tensor throws; harmless for JS tensors", { skip }, () => {
  const a = always(() => x.exp());
  const inUse = wasmMemory().stats().inUse;
  a.dispose();
  assert.ok(wasmMemory().stats().inUse < inUse, "the block went back to the allocator");
  assert.ok(a.isDisposed);
  a.dispose(); // idempotent
  assert.throws(() => a.cos(), /aten\.cos\.default: a tensor argument \(shape \[64, 300\], dtype float32\) was disposed/);
  assert.throws(() => a.tolist(), /was disposed/);
  const j = coil.randn([3]);
  j.dispose();
  assert.throws(() => j.add(1), /was disposed/);
  coil.Tensor.fake([2]).dispose(); // no-op
  const [p, q] = always(() => [x.exp(), x.sigmoid()]);
  coil.dispose(p, [q, null]);
  assert.ok(p!.isDisposed && q!.isDisposed);
  assert.throws(() => coil.dispose(3), /coil\.dispose: expected tensors/);
});

test("memory does not grow over 2,000 eager calls of x.cos().exp().sum() (explicit dispose)", { skip }, () => {
  const v = coil.randn([32768]);
  const step = () => {
    const a = v.cos(), b = a.exp(), s = b.sum();
    a.dispose(); b.dispose(); s.dispose();
  };
  eagerWasmConfig.patch({ mode: "auto" }, () => {
    for (let i = 0; i < 10; i++) step();
    const s0 = wasmMemory().stats();
    const c0 = eagerWasmStats.calls;
    for (let i = 0; i < 2000; i++) step();
    const s1 = wasmMemory().stats();
    assert.equal(eagerWasmStats.calls - c0, 6000, "every op was accelerated");
    assert.equal(s1.inUse, s0.inUse, "bytes in use are flat");
    assert.equal(s1.heapTop, s0.heapTop, "the heap did not grow");
  });
});

test("memory stays bounded when outputs are dropped and the garbage collector frees them", { skip }, async () => {
  const gc = (globalThis as { gc?: () => void }).gc ?? await exposeGc();
  const v = coil.randn([32768]);
  const settle = async () => { gc(); await new Promise((r) => setImmediate(r)); gc(); await new Promise((r) => setImmediate(r)); };
  await eagerWasmConfig.patch({ mode: "auto", minNumel: 1000 }, async () => {
    for (let i = 0; i < 100; i++) v.cos().exp().sum();
    await settle();
    const s0 = wasmMemory().stats();
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 200; i++) v.cos().exp().sum();
      await settle();
    }
    const s1 = wasmMemory().stats();
    assert.ok(s1.inUse <= s0.inUse + 4 * 32768 * 8, `in use ${s0.inUse} -> ${s1.inUse}`);
    assert.ok(s1.heapTop <= s0.heapTop + 200 * 3 * 131072, `heap top ${s0.heapTop} -> ${s1.heapTop}`);
    assert.equal(eagerWasmConfig.minNumel, 1000, "the patch holds until the promise settles");
  });
});

/** Without --expose-gc: expose it at run time (Node only). */
async function exposeGc(): Promise<() => void> {
  const v8 = await import("node:v8");
  const vm = await import("node:vm");
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

test("COIL_EAGER_WASM and COIL_EAGER_WASM_MIN_NUMEL set the defaults; bad values are clear errors", async () => {
  const { execFileSync } = await import("node:child_process");
  const script = `import("./src/index.js").then(async (coil) => { const e = await import("./src/inductor/eager/index.js");
    const x = coil.randn([20000]); x.cos(); console.log(JSON.stringify([e.eagerWasmConfig.mode, e.eagerWasmConfig.minNumel, e.eagerWasmStats.calls])); })`;
  const run = (env: Record<string, string>) => execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
    env: { ...process.env, ...env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
  }).trim().split("\n").pop();
  assert.equal(run({ COIL_EAGER_WASM: "0" }), JSON.stringify(["never", 16384, 0]));
  assert.equal(run({ COIL_EAGER_WASM: "always", COIL_EAGER_WASM_MIN_NUMEL: "100" }), JSON.stringify(["always", 100, skip ? 0 : 1]));
  assert.throws(() => run({ COIL_EAGER_WASM: "maybe" }), /COIL_EAGER_WASM must be 0, 1, auto, always or never/);
});
