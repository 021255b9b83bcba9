// test/reliability/factory_size: regression for factories asked for more elements than a tensor can hold;
// they used to fail deep inside the kernel with "Invalid typed array length". In: factories. Out: pass/fail.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";

test("factories reject sizes too large to allocate, naming the factory and the size", () => {
  const cases: [string, () => unknown][] = [
    ["zeros", () => coil.zeros(1e6, 1e6)], ["ones", () => coil.ones([2 ** 31, 4])], ["empty", () => coil.empty(2 ** 33)],
    ["randn", () => coil.randn(1e5, 1e5)], ["full", () => coil.full([1e10], 1)],
  ];
  for (const [name, f] of cases) {
    assert.throws(f, (e: Error) => e instanceof RangeError && new RegExp(`^${name}: size \\[[0-9, ]+\\] has \\d+ elements, more than a tensor can hold`).test(e.message), name);
  }
  assert.equal(coil.zeros(0, 1e9).numel(), 0, "zero-size tensors of any shape are fine");
});
