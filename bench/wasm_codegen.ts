// bench/wasm_codegen: the fusion-table workloads (cos chain 1M/16M, softmax 4096x1024, layer_norm+gelu
// 4096x1024) compiled with the JS backend and the Wasm backend (1 and 2 threads, input in wasm memory or
// copied in per call), against eager. Best of N wall times in ms. Usage: npx tsx bench/wasm_codegen.ts [N]
import * as coil from "../src/index.js";
import { config } from "../src/inductor/config.js";
import { disposeWasmTensor, toWasmTensor } from "../src/inductor/runtime/index.js";
import { resetThreadPool } from "../src/wasm/threads.js";

type T = coil.Tensor;
const F = coil.nn.functional;
const N = Number(process.argv[2] ?? 7);

function best(fn: () => unknown, n = N): number {
  fn();
  let b = Infinity;
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fn(); b = Math.min(b, performance.now() - t0); }
  return b;
}

const ln = new coil.nn.LayerNorm(1024);
const work: [string, (x: T) => T, number[], number][] = [
  ["cos chain 1M", (x) => x.cos().cos().cos(), [1 << 20], 8],
  ["cos chain 16M", (x) => x.cos().cos().cos(), [1 << 24], 8],
  ["softmax 4096x1024", (x) => x.softmax(-1), [4096, 1024], 8],
  ["layernorm+gelu 4096x1024", (x) => F.gelu(ln.call(x) as T), [4096, 1024], 8],
];
const fmt = (v: number) => v.toFixed(2).padStart(8);
console.log("workload".padEnd(26), "   eager", "      js", "  wasm1T", "  wasm2T", "2T,js-in", "2T,no-disp", "GB/s(2T)");
coil.noGrad(() => {
  for (const [name, fn, shape, bytesPer] of work) {
    const x = coil.randn(shape);
    const xw = toWasmTensor(x);
    const eager = best(() => fn(x), 3);
    const js = config.patch({ cpuBackend: "js" }, () => { const c = coil.compile(fn); return best(() => c(x)); });
    const w = (threads: number, input: T, dispose = true) => {
      resetThreadPool(threads);
      return config.patch({ cpuBackend: "wasm" }, () => {
        const c = coil.compile(fn);
        return best(() => { const y = c(input) as T; if (dispose) disposeWasmTensor(y); });
      });
    };
    const w1 = w(1, xw), w2 = w(2, xw), w2js = w(2, x), w2keep = w(2, xw, false);
    const numel = shape.reduce((a, b) => a * b, 1);
    console.log(name.padEnd(26), fmt(eager), fmt(js), fmt(w1), fmt(w2), fmt(w2js), fmt(w2keep), fmt((numel * bytesPer) / (w2 * 1e6)));
  }
});
process.exit(0);
