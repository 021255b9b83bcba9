// Outputs of compiled functions on the Wasm codegen that the caller drops: a synchronous loop never lets the
// garbage collector free their Wasm blocks, so above a memory budget the runtime copies outputs out to JS
// arrays (runtime/cpu_wasm.ts, wasmOutputMemory). Checks that such a loop neither exhausts Wasm memory nor
// changes results, and that a program that disposes its outputs keeps them in Wasm memory.
import { test, afterEach } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { config } from "../../src/inductor/config.js";
import { wasmOutputMemory, wasmRuntimeStats } from "../../src/inductor/runtime/cpu_wasm.js";
import { wasmMemory } from "../../src/wasm/memory.js";
import { wasmFeatures } from "../../src/wasm/features.js";

const skip = !wasmFeatures().simd || !wasmMemory().shared ? "needs WebAssembly SIMD and shared memory" : false;
const saved = wasmOutputMemory.budgetBytes;
afterEach(() => { wasmOutputMemory.budgetBytes = saved; });

const inWasm = (t: coil.Tensor): boolean => t.storage.data?.buffer instanceof SharedArrayBuffer;

test("a synchronous loop that drops 1 MB outputs stays under the budget; results unchanged", { skip }, () => {
  wasmOutputMemory.budgetBytes = 8 * 2 ** 20; // (an eighth of it until the process has disposed an output)
  const x = coil.randn([1 << 18]);
  const g = coil.compile((x: coil.Tensor) => x.mul(2).sin());
  const ref = coil.noGrad(() => x.mul(2).sin());
  const start = wasmMemory().stats().inUse;
  const copied0 = wasmRuntimeStats.copiedOut;
  let last: coil.Tensor | null = null;
  config.patch({ cpuBackend: "wasm" }, () => {
    for (let i = 0; i < 300; i++) last = coil.noGrad(() => g(x)) as coil.Tensor; // 300 MB of outputs, all dropped
  });
  const grew = wasmMemory().stats().inUse - start;
  assert.ok(grew <= 8 * 2 ** 20 + 2 * 2 ** 20, `Wasm memory in use grew by ${grew} bytes`);
  assert.ok(wasmRuntimeStats.copiedOut - copied0 > 250, "outputs over the budget were copied out");
  assert.ok(!inWasm(last!), "the last output was copied out to a JS array");
  const a = last!.data() as Float32Array, b = ref.data() as Float32Array;
  for (let i = 0; i < a.length; i += 997) assert.ok(Math.abs(a[i]! - b[i]!) <= 3e-7, `element ${i}: ${a[i]} vs ${b[i]}`);
  last!.dispose();
});

test("a program that disposes its outputs keeps them in Wasm memory (no copy out)", { skip }, () => {
  const x = coil.randn([1 << 16]);
  const g = coil.compile((x: coil.Tensor) => x.cos());
  config.patch({ cpuBackend: "wasm" }, () => {
    coil.noGrad(() => g(x) as coil.Tensor).dispose(); // the program disposes: the whole budget applies
    const copied0 = wasmRuntimeStats.copiedOut;
    for (let i = 0; i < 200; i++) {
      const y = coil.noGrad(() => g(x)) as coil.Tensor;
      assert.ok(inWasm(y));
      y.dispose();
    }
    assert.equal(wasmRuntimeStats.copiedOut, copied0);
  });
});
