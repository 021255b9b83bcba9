// test/inductor/assert_close: torch.testing.assert_close's float32 defaults (atol 1e-5, rtol 1.3e-6) for
// the inductor pass tests: same shape, same dtype, every element within atol + rtol * |expected|.
// In: actual and expected tensors. Out: an assertion error naming the first differing element.

import assert from "node:assert/strict";
import type { Tensor } from "../../src/tensor/tensor.js";

export function assertClose(a: Tensor, b: Tensor, atol = 1e-5, rtol = 1.3e-6): void {
  assert.deepEqual(a.shape, b.shape);
  assert.equal(a.dtype, b.dtype);
  const x = Array.from(a.toArray() as ArrayLike<number>), y = Array.from(b.toArray() as ArrayLike<number>);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= atol + rtol * Math.abs(y[i]!), `element ${i}: ${v} vs ${y[i]}`));
}
