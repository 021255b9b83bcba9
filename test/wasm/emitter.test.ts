// test/wasm/emitter: LEB128 encoding, building + instantiating small modules (core, control flow, SIMD, relaxed
// SIMD when available), label-based branches, listings, and errors for malformed builders.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ModuleBuilder, uleb, sleb } from "../../src/wasm/emitter.js";
import { wasmFeatures } from "../../src/wasm/features.js";
import { WasmMemory } from "../../src/wasm/memory.js";

test("LEB128 encodings match the spec examples", () => {
  const u = (v: number) => { const o: number[] = []; uleb(o, v); return o; };
  const s = (v: number) => { const o: number[] = []; sleb(o, v); return o; };
  assert.deepEqual(u(0), [0]);
  assert.deepEqual(u(127), [0x7f]);
  assert.deepEqual(u(128), [0x80, 0x01]);
  assert.deepEqual(u(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(u(0xffffffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.deepEqual(s(0), [0]);
  assert.deepEqual(s(-1), [0x7f]);
  assert.deepEqual(s(63), [0x3f]);
  assert.deepEqual(s(64), [0xc0, 0x00]);
  assert.deepEqual(s(-64), [0x40]);
  assert.deepEqual(s(-65), [0xbf, 0x7f]);
  assert.deepEqual(s(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(s(-2147483648), [0x80, 0x80, 0x80, 0x80, 0x78]);
});

function instantiate(m: ModuleBuilder, mem: WasmMemory) {
  return new WebAssembly.Instance(m.compile(), { env: { memory: mem.memory } }).exports as Record<string, (...a: number[]) => number>;
}

test("core: loops, branches, calls, locals, float constants", () => {
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  const m = new ModuleBuilder({ shared: false, maxPages: 32768 }, "t");
  const sq = m.func("sq", ["f64"], ["f64"]);
  sq.get(0).get(0).op("f64.mul");
  // sum of squares 0..n-1 via for_ and a call; early exit when the sum passes a limit
  const f = m.func("sumsq", ["i32", "f64"], ["f64"], { export: true });
  const i = f.local("i32", "i"), acc = f.local("f64", "acc");
  f.f64(0).set(acc);
  f.for_(i, () => f.i32(0), () => f.get(0), 1, (exit) => {
    f.get(acc).get(i).op("f64.convert_i32_s").call(sq).op("f64.add").set(acc);
    f.get(acc).get(1).op("f64.gt").brIf(exit);
  });
  f.get(acc);
  const g = m.func("neg_const", [], ["i32"], { export: true });
  g.i32(-123456).i32(-2147483648).op("i32.add");
  const h = m.func("f32c", [], ["f32"], { export: true });
  h.f32(0.1).f32(-2.5).op("f32.mul");
  const ex = instantiate(m, mem);
  assert.equal(ex.sumsq!(10, 1e9), 285);
  assert.equal(ex.sumsq!(100, 100), 0 + 1 + 4 + 9 + 16 + 25 + 36 + 49); // stops once acc > 100
  assert.equal(ex.neg_const!(), (-123456 + -2147483648) | 0);
  assert.equal(ex.f32c!(), Math.fround(Math.fround(0.1) * -2.5));
  assert.match(m.listing(), /\(func \$sumsq \(param \$p0 i32\) \(param \$p1 f64\) \(result f64\)/);
  assert.match(m.listing(), /call \$sq/);
});

test("SIMD: loads, arithmetic, splat, lanes, shuffles, comparisons, bitselect, i32x4 bit tricks", () => {
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  const m = new ModuleBuilder({ shared: false, maxPages: 32768 });
  const f = m.func("k", ["i32"], [], { export: true });
  const p = 0;
  const x = f.local("v128"), y = f.local("v128");
  f.get(p).mem("v128.load").set(x);
  f.get(p).mem("v128.load", 16).set(y);
  // out0 = x*y + splat(2)
  f.get(p).get(x).get(y).op("f32x4.mul").f32(2).op("f32x4.splat").op("f32x4.add").mem("v128.store", 32);
  // out1 = reversed x
  f.get(p).get(x).get(x).shuffle32(3, 2, 1, 0).mem("v128.store", 48);
  // out2 = x < y ? x : y (bitselect)
  f.get(p).get(x).get(y).get(x).get(y).op("f32x4.lt").op("v128.bitselect").mem("v128.store", 64);
  // out3 = exponent field of x via i32x4 shifts: (bits >> 23) & 255
  f.get(p).get(x).i32(23).op("i32x4.shr_u").i32x4(255).op("v128.and").mem("v128.store", 80);
  // out4 = x with lane 2 replaced by lane 0 of y; then the sum of lane 1 of x and lane 3 of y in lane 0 via extract
  f.get(p).get(x).get(y).lane("f32x4.extract_lane", 0).lane("f32x4.replace_lane", 2).mem("v128.store", 96);
  f.get(p).get(x).lane("f32x4.extract_lane", 1).get(y).lane("f32x4.extract_lane", 3).op("f32.add").mem("f32.store", 112);
  const ex = instantiate(m, mem);
  const v = mem.f32;
  v.set([1, -2, 3.5, 8, 0.5, 4, -1, 16], 0);
  ex.k!(0);
  assert.deepEqual([...v.subarray(8, 12)], [2.5, -6, -1.5, 130]);
  assert.deepEqual([...v.subarray(12, 16)], [8, 3.5, -2, 1]);
  assert.deepEqual([...v.subarray(16, 20)], [0.5, -2, -1, 8]);
  assert.deepEqual([...mem.i32.subarray(20, 24)], [127, 128, 128, 130]);
  assert.deepEqual([...v.subarray(24, 28)], [1, -2, 0.5, 8]);
  assert.equal(v[28], 14);
});

test("relaxed SIMD madd when available (Node 20: enabled at run time through the V8 flag)", (t) => {
  const feats = wasmFeatures();
  if (!feats.relaxedSimd) return t.skip("no relaxed SIMD on this engine");
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  const m = new ModuleBuilder({ shared: false, maxPages: 32768 });
  const f = m.func("madd", ["i32"], [], { export: true });
  f.get(0).get(0).mem("v128.load").get(0).mem("v128.load", 16).get(0).mem("v128.load", 32).op("f32x4.relaxed_madd").mem("v128.store", 48);
  const ex = instantiate(m, mem);
  mem.f32.set([1, 2, 3, 4, 2, 2, 2, 2, 10, 20, 30, 40]);
  ex.madd!(0);
  assert.deepEqual([...mem.f32.subarray(12, 16)], [12, 24, 36, 48]);
});

test("shared memory import works with a shared WebAssembly.Memory", (t) => {
  if (!wasmFeatures().threads) return t.skip("no shared memory");
  const mem = new WasmMemory({ shared: true, initialPages: 1 });
  const m = new ModuleBuilder({ shared: true, maxPages: 32768 });
  m.func("add", ["i32", "i32"], [], { export: true }).get(0).get(0).mem("i32.load").get(1).op("i32.add").mem("i32.store");
  const ex = instantiate(m, mem);
  ex.add!(64, 5);
  ex.add!(64, 7);
  assert.equal(mem.i32[16], 12);
  assert.match(m.listing(), /memory 1 32768 shared/);
});

test("builder errors: unbalanced blocks, bad branch targets, bad shuffles, invalid modules name the module", () => {
  const m = new ModuleBuilder({ shared: false, maxPages: 1 }, "bad");
  const f = m.func("f", [], []);
  const b = f.block();
  assert.throws(() => m.toBytes(), /unclosed block/);
  f.end();
  assert.throws(() => f.br(b), /not open/);
  assert.throws(() => f.shuffle([1, 2]), /16 lanes/);
  assert.throws(() => f.end(), /unbalanced end/);
  const m2 = new ModuleBuilder({ shared: false, maxPages: 1 }, "typeerr");
  m2.func("g", [], ["i32"]).f32(1); // wrong result type
  assert.throws(() => m2.compile(), /module 'typeerr' failed to compile/);
});
