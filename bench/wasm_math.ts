// bench/wasm_math: cost of the vectorised float32 math emitters (src/wasm/math.ts, the Wasm codegen's fast
// sin/cos/exp/gelu) in ns per element over an L2-resident 64K array on one thread, the portable mul + add
// build against fused multiply-adds (relaxed SIMD) in the same process, calls alternating so both see the same
// load; then the compiled cos chain cos(cos(cos(x))) at 1M and 16M elements (1 and 2 threads): wall time and
// process CPU time per call (CPU time barely moves with other load on the shared machine). Min and median of
// N repetitions. In: optional N. Out: tables on stdout. Run: npx tsx bench/wasm_math.ts [N]
import * as coil from "../src/index.js";
import { config } from "../src/inductor/config.js";
import { disposeWasmTensor, toWasmTensor } from "../src/inductor/runtime/index.js";
import { emitFastExp, emitFastGelu } from "../src/inductor/codegen/wasm/fast_math.js";
import { emitFastTrig } from "../src/inductor/codegen/wasm/fast_trig.js";
import { ModuleBuilder } from "../src/wasm/emitter.js";
import { wasmFeatures } from "../src/wasm/features.js";
import { MathScope, emitUnary, type UnaryMath } from "../src/wasm/math.js";
import { MAX_PAGES, wasmMemory } from "../src/wasm/memory.js";
import { resetThreadPool } from "../src/wasm/threads.js";

const N = Number(process.argv[2] ?? 200);
const fused = wasmFeatures().relaxedSimd;
const stats = (ts: number[]) => { const t = [...ts].sort((a, b) => a - b); return { min: t[0]!, med: t[t.length >> 1]! }; };

type Emit = (s: MathScope, x: number) => void;
const fns: [string, Emit][] = [
  ["cos (codegen fast)", (s, x) => emitFastTrig(s, "cos", x)],
  ["cos x3 (chain)", (s, x) => { for (let i = 0; i < 3; i++) { emitFastTrig(s, "cos", x); s.f.set(x); } s.f.get(x); }],
  ["sin (codegen fast)", (s, x) => emitFastTrig(s, "sin", x)],
  ["exp (codegen fast)", emitFastExp],
  ["gelu (codegen fast)", emitFastGelu],
  ...(["exp", "expm1", "log", "log1p", "sigmoid", "tanh", "erf", "gelu", "sin", "cos"] as UnaryMath[]).map((fn) => [fn, (s: MathScope, x: number) => emitUnary(s, fn, x)] as [string, Emit]),
];
const builds = fused ? [false, true] : [false];
const mem = wasmMemory();
const m = new ModuleBuilder({ shared: mem.shared, maxPages: MAX_PAGES }, "bench_math");
fns.forEach(([, e], k) => builds.forEach((fma) => {
  const f = m.func(`f${k}_${fma ? 1 : 0}`, ["i32", "i32", "i32"], [], { export: true });
  const s = new MathScope(m, f, { fma });
  const i = f.local("i32"), x = f.local("v128");
  f.for_(i, () => f.i32(0), () => f.get(2), 4, () => {
    f.get(1).get(i).i32(4).op("i32.mul").op("i32.add");
    f.get(0).get(i).i32(4).op("i32.mul").op("i32.add").mem("v128.load").set(x);
    e(s, x);
    f.mem("v128.store");
  });
}));
const ex = new WebAssembly.Instance(m.compile(), { env: { memory: mem.memory } }).exports as Record<string, (a: number, b: number, n: number) => void>;
const n = 1 << 16;
const src = mem.putF32(Float32Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 12.9898))), dst = mem.malloc(4 * n);
console.log(`per element, 64K floats, 1 thread, ${N} reps (ns/elem, min / median)`);
console.log("function".padEnd(22), "mul+add".padStart(16), fused ? "fused".padStart(16) : "");
fns.forEach(([name], k) => {
  const ts = builds.map(() => [] as number[]);
  for (let r = 0; r < N; r++) builds.forEach((fma, b) => { const t0 = performance.now(); ex[`f${k}_${fma ? 1 : 0}`]!(src, dst, n); ts[b]!.push((performance.now() - t0) * 1e6 / n); });
  console.log(name.padEnd(22), ...ts.map((t) => { const st = stats(t); return `${st.min.toFixed(3)} / ${st.med.toFixed(3)}`.padStart(16); }));
});
mem.free(src); mem.free(dst);

console.log(`\ncos chain, compiled (wasm backend, relaxed SIMD ${fused ? "on" : "off"}), input in wasm memory (ms: wall min / median, CPU min)`);
coil.noGrad(() => {
  for (const size of [1 << 20, 1 << 24]) {
    const xw = toWasmTensor(coil.randn([size]));
    for (const threads of [1, 2]) {
      resetThreadPool(threads);
      const c = config.patch({ cpuBackend: "wasm" }, () => coil.compile((x: coil.Tensor) => x.cos().cos().cos()));
      const call = () => config.patch({ cpuBackend: "wasm" }, () => disposeWasmTensor(c(xw) as coil.Tensor));
      call();
      const wall: number[] = [], cpu: number[] = [];
      const reps = size > 1 << 20 ? Math.max(5, N >> 4) : Math.max(10, N >> 2);
      for (let r = 0; r < reps; r++) {
        const c0 = process.cpuUsage(), t0 = performance.now();
        call();
        wall.push(performance.now() - t0);
        const d = process.cpuUsage(c0);
        cpu.push((d.user + d.system) / 1000);
      }
      const w = stats(wall), u = stats(cpu);
      console.log(`${size === 1 << 20 ? "1M" : "16M"} ${threads}T`.padEnd(8), `${w.min.toFixed(2)} / ${w.med.toFixed(2)}  cpu ${u.min.toFixed(2)}`);
    }
  }
});
