// test/reliability/inplace_overlap: regression for in-place ops writing through a broadcast (expanded)
// view, which used to succeed silently; now the dispatcher refuses it like PyTorch. In: eager ops. Out: pass/fail.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";

test("in-place op on an expanded view throws, naming the op, shape and strides; the base is unchanged", () => {
  for (const [name, f] of [
    ["add_", (t: coil.Tensor) => t.add_(1)], ["fill_", (t: coil.Tensor) => t.fill_(2)], ["mul_", (t: coil.Tensor) => t.mul_(coil.ones(3, 3))],
    ["copy_", (t: coil.Tensor) => t.copy_(coil.zeros(3, 3))], ["relu_", (t: coil.Tensor) => t.relu_()],
  ] as const) {
    const base = coil.tensor([[1, -2, 3]]);
    const v0 = base.version;
    assert.throws(() => f(base.expand(3, 3)), (e: Error) => e instanceof Error && new RegExp(`^${name}: unsupported operation: more than one element .*shape \\[3, 3\\], strides \\[0, 1\\]`).test(e.message));
    assert.deepEqual([...base.toArray()], [1, -2, 3]);
    assert.equal(base.version, v0);
  }
});

test("in-place ops on views without overlap still work (size-1 expand, transposed, zero-size)", () => {
  const a = coil.tensor([[1, 2, 3]]);
  a.expand(1, 3).add_(1);
  assert.deepEqual([...a.toArray()], [2, 3, 4]);
  const b = coil.tensor([[1, 2], [3, 4]]);
  b.t().mul_(2);
  assert.deepEqual([...b.toArray()], [2, 4, 6, 8]);
  const e = coil.zeros(0, 3);
  assert.doesNotThrow(() => e.expand(0, 3).add_(1));
});
