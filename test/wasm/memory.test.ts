// test/wasm/memory: size classes, 64-byte alignment, reuse of freed blocks, bounded heap over many alloc/free
// cycles, growth with views re-created, and errors for double frees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WasmMemory, sizeClass, PAGE } from "../../src/wasm/memory.js";

test("size classes: 64-byte steps to 1 KiB, then 4 per power of two, waste under 25%", () => {
  let prev = -1;
  for (let n = 1; n < 1 << 22; n = Math.ceil(n * 1.07) + 1) {
    const { index, size } = sizeClass(n);
    assert.ok(size >= n, `class for ${n} is ${size}`);
    assert.equal(size % 64, 0);
    assert.ok(n <= 1024 ? size - n < 64 : size <= n * 1.25 + 64, `waste for ${n}: ${size}`);
    assert.ok(index >= prev);
    prev = index;
  }
  assert.deepEqual(sizeClass(1025), { index: 16, size: 1280 });
  assert.deepEqual(sizeClass(2048), sizeClass(1793));
});

test("malloc is 64-byte aligned, blocks do not overlap, free blocks are reused by class", () => {
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  const blocks = [10, 64, 65, 1000, 5000, 70000].map((n) => ({ n, p: mem.malloc(n) }));
  for (const b of blocks) assert.equal(b.p % 64, 0);
  const sorted = [...blocks].sort((a, b) => a.p - b.p);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]!.p + sorted[i - 1]!.n <= sorted[i]!.p);
  const p = blocks[4]!.p;
  mem.free(p);
  assert.equal(mem.malloc(4900), p, "same class reuses the freed block");
  const s = mem.stats();
  assert.equal(s.reused, 1);
  assert.equal(s.liveBlocks, 6);
  assert.throws(() => mem.free(12345), /not a live block/);
  mem.free(p);
  assert.throws(() => mem.free(p), /not a live block/);
});

test("heap does not grow over many alloc/free cycles of mixed sizes", () => {
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const cycle = () => {
    const ps = Array.from({ length: 20 }, () => mem.malloc(Math.floor(rnd() * 200000)));
    for (const q of ps.reverse()) mem.free(q);
  };
  for (let i = 0; i < 5; i++) cycle();
  const top = mem.stats().heapTop;
  for (let i = 0; i < 200; i++) cycle();
  const s = mem.stats();
  // 20 live blocks at most per cycle: once every class seen has 20 free blocks nothing new is bumped; allow a small drift
  assert.ok(s.heapTop <= top * 2, `heap grew from ${top} to ${s.heapTop}`);
  assert.equal(s.inUse, 0);
  assert.equal(s.liveBlocks, 0);
  assert.ok(s.reused > 0.9 * s.mallocs, `reused ${s.reused} of ${s.mallocs}`);
});

test("growth keeps data and re-creates views", () => {
  const mem = new WasmMemory({ shared: false, initialPages: 1 });
  const p = mem.malloc(16);
  mem.f32.set([1, 2, 3, 4], p >> 2);
  const before = mem.byteLength;
  const big = mem.malloc(8 * PAGE);
  assert.ok(mem.byteLength > before);
  assert.equal(mem.f32.length * 4, mem.byteLength);
  assert.deepEqual([...mem.f32View(p, 4)], [1, 2, 3, 4]);
  mem.f32View(big, 8 * PAGE / 4).fill(5);
  assert.equal(mem.f32[(big >> 2) + 2 * PAGE - 1], 5);
  assert.throws(() => mem.malloc(-1), /bad size/);
});
