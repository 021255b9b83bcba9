// bench/eager_wasm: eager dispatch to compiled one-op Wasm programs (src/inductor/eager) against the JS eager
// kernels: cos(cos(cos(x))) 1M/16M and softmax 4096x1024 with outputs disposed or dropped, the one-op compile
// time per new shape, the copy-in cost of a JS-resident input, and fresh vs reused Wasm blocks.
// In: argv[2] = repetitions (default 7). Out: a table on stdout (min / median ms).
import * as coil from "../src/index.js";
import { eagerWasmConfig, eagerWasmStats, clearEagerWasmCache } from "../src/inductor/eager/index.js";
import { toWasmTensor } from "../src/inductor/runtime/index.js";
import { wasmMemory } from "../src/wasm/memory.js";
import { loadavg } from "node:os";

type T = coil.Tensor;
const reps = Number(process.argv[2] ?? 7);
const stat = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `${s[0]!.toFixed(1)} / ${s[s.length >> 1]!.toFixed(1)}`; };
function time(fn: () => void, n = reps): string {
  fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); fn(); xs.push(performance.now() - t); }
  return stat(xs);
}
const mode = <R>(m: "never" | "auto", fn: () => R): R => eagerWasmConfig.patch({ mode: m }, fn);
const chain = (x: T, dispose: boolean) => () => {
  const a = x.cos(), b = a.cos(), c = b.cos();
  if (dispose) { a.dispose(); b.dispose(); c.dispose(); }
};
const softmax = (x: T, dispose: boolean) => () => { const y = x.softmax(-1); if (dispose) y.dispose(); };

console.log(`load ${loadavg().map((v) => v.toFixed(2)).join(" ")}; min / median ms of ${reps}`);
coil.manualSeed(0);
for (const [name, x, f] of [
  ["cos chain 1M", coil.randn([1 << 20]), chain], ["cos chain 16M", coil.randn([1 << 24]), chain],
  ["softmax 4096x1024", coil.randn([4096, 1024]), softmax],
] as [string, T, (x: T, d: boolean) => () => void][]) {
  const js = mode("never", () => time(f(x, false), Math.min(reps, 5)));
  const disposed = mode("auto", () => time(f(x, true)));
  const wx = toWasmTensor(x);
  const wasmIn = mode("auto", () => time(f(wx, true)));
  wx.dispose();
  const dropped = mode("auto", () => time(f(x, false)));
  console.log(`${name}: JS kernels ${js} | Wasm, disposed ${disposed} | Wasm input, disposed ${wasmIn} | Wasm, dropped ${dropped} | Wasm in use ${(wasmMemory().stats().inUse / 2 ** 20).toFixed(0)} MiB`);
}

// the threshold: per-call time of single ops by size, JS kernel vs Wasm program (output disposed)
const always = <R>(fn: () => R): R => eagerWasmConfig.patch({ mode: "always" }, fn);
for (const n of [1024, 4096, 16384, 65536]) {
  const x = coil.randn([n]), y = coil.randn([n]);
  const per = (f: () => T) => (run: <R>(g: () => R) => R) => {
    run(() => f().dispose());
    const xs: number[] = [];
    for (let r = 0; r < 7; r++) { const t = performance.now(); run(() => { for (let i = 0; i < 200; i++) f().dispose(); }); xs.push((performance.now() - t) / 200 * 1000); }
    return stat(xs);
  };
  const cells = ([["add", () => x.add(y)], ["exp", () => x.exp()], ["cos", () => x.cos()], ["sum", () => x.sum()]] as [string, () => T][])
    .map(([name, f]) => `${name} JS ${per(f)((g) => mode("never", g))} Wasm ${per(f)(always)}`);
  console.log(`n=${n} (µs min / median): ${cells.join(" | ")}`);
}

clearEagerWasmCache();
mode("auto", () => { for (let n = 20000; n < 20010; n++) coil.randn([n]).exp().dispose(); });
console.log(`one-op compile: ${(eagerWasmStats.compileMs / eagerWasmStats.compiles).toFixed(1)} ms per new shape (exp, mean of ${eagerWasmStats.compiles})`);
clearEagerWasmCache();
mode("auto", () => { for (let n = 20; n < 25; n++) coil.randn([n, 1000]).softmax(-1).dispose(); });
console.log(`one-op compile: ${(eagerWasmStats.compileMs / eagerWasmStats.compiles).toFixed(1)} ms per new shape (softmax, mean of ${eagerWasmStats.compiles})`);

const mem = wasmMemory();
const N = 1 << 20;
const touch = (a: Float32Array) => { for (let i = 0; i < a.length; i += 1024) a[i] = 1; };
console.log(`4 MiB block: fresh Wasm pages ${time(() => { const p = mem.malloc(N * 4); touch(new Float32Array(mem.memory.buffer, p, N)); }, 10)}` +
  ` | reused Wasm block ${time(() => { const p = mem.malloc(N * 4); touch(new Float32Array(mem.memory.buffer, p, N)); mem.free(p); }, 10)}` +
  ` | new Float32Array ${time(() => touch(new Float32Array(N)), 10)}`);
