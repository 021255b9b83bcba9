// examples/demo: coil's main job on the CPU (`npm run demo`). Compiles a small CNN and an MLP with a
// user post-grad pass installed; prints the graph at each stage (captured torch-level graph, aten graph,
// post-grad graph), the generated code (fused kernels and the wrapper), which CPU backend compiled each
// program (the WebAssembly codegen by default, JavaScript with COIL_CPU_BACKEND=js), the counters, and eager
// vs compiled times, with a progress line while it works. Then a compiled training step equals eager.
// In: nothing (flags: --quiet prints only the summary; env COIL_CPU_BACKEND=js|wasm). Out: a report on stdout.

import * as coil from "../src/index.js";
import { config, runAndGetArtifacts, type CompiledArtifact, type PassContext } from "../src/inductor.js";
import type { Graph } from "../src/fx/index.js";

const { nn, optim } = coil;
const quiet = process.argv.includes("--quiet");
coil.manualSeed(0);

const indent = (s: string) => s.replace(/^/gm, "    ");
function section(title: string): void { console.log(`\n━━ ${title} ${"━".repeat(Math.max(0, 74 - title.length))}`); }
function show(label: string, text: string): void { if (!quiet) console.log(`  ── ${label}\n${indent(text)}`); }
function progress(msg: string): void { if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K  … ${msg}`); }
function doneProgress(): void { if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K"); }

/** Median time of fn over `reps` calls after two warm-up calls, in ms. */
function time(label: string, fn: () => unknown, reps = 9): number {
  fn(); fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    progress(`timing ${label} (${i + 1}/${reps})`);
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  doneProgress();
  return ts.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

function maxAbsDiff(a: coil.Tensor, b: coil.Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

// ----- the user's passes: record what each stage hands to its hook -----
const stages: { stage: string; kind: string; graph: string }[] = [];
const record = (stage: string) => (graph: Graph, ctx: PassContext) => { stages.push({ stage, kind: ctx.kind, graph: graph.toString() }); };
/** The user's post-grad pass: counts the aten ops of every graph it sees (and records the graph). */
const opCounts: string[] = [];
function countAtenOps(graph: Graph, ctx: PassContext): void {
  const ops = new Map<string, number>();
  for (const n of graph.nodes) {
    const q = (n.target as { qualname?: string }).qualname;
    if (n.op === "call_function" && q) ops.set(q, (ops.get(q) ?? 0) + 1);
  }
  opCounts.push(`${ctx.kind}: ${[...ops].map(([q, k]) => `${q}${k > 1 ? ` x${k}` : ""}`).join(", ")}`);
  record("post-grad graph (seen by the user pass)")(graph, ctx);
}

interface Row { name: string; eager: number; compiled: number; kernels: number; externs: number; diff: number; backend: string }
const rows: Row[] = [];

/** Which code generator compiled these artifacts: "wasm (2 Wasm + 1 JS kernels)" or "js". */
function backendOf(artifacts: readonly CompiledArtifact[]): string {
  const names = new Set(artifacts.map((a) => (a.format === "cpu-wasm/1" ? "wasm" : a.format === "cpu-js/1" ? "js" : a.format)));
  const wasmK = artifacts.reduce((s, a) => s + Number(a.meta.wasmKernels ?? 0), 0), jsK = artifacts.reduce((s, a) => s + Number(a.meta.jsKernels ?? 0), 0);
  const wasmNote = wasmK + jsK === 0 ? "no fused kernels" : `${wasmK} Wasm + ${jsK} JS kernels`;
  return [...names].map((n) => (n === "wasm" ? `wasm (${wasmNote})` : n)).join(" + ") || "none (eager fallback)";
}

console.log(`coil demo · CPU backend: "${config.cpuBackend}" (config.cpuBackend; ${config.cpuBackend === "wasm"
  ? "the WebAssembly SIMD codegen, the default; COIL_CPU_BACKEND=js selects the JavaScript codegen"
  : "the JavaScript codegen; the WebAssembly one is the default where WebAssembly SIMD exists"})`);

function compileAndReport(name: string, model: coil.nn.Module, x: coil.Tensor): void {
  section(`${name}: compile with a user post-grad pass`);
  stages.length = 0;
  coil.counters.clear();
  progress(`compiling ${name}`);
  const compiled = coil.compile(model);
  const { result, artifacts } = config.patch({
    preGradCustomPass: record("captured torch-level graph (pre-grad)"),
    jointCustomPrePass: record("aten graph after AOT autograd (joint hook)"),
    postGradCustomPostPass: countAtenOps,
  }, () => runAndGetArtifacts(() => coil.noGrad(() => compiled(x)) as coil.Tensor));
  doneProgress();
  for (const s of stages) show(`${s.stage} [${s.kind}]`, s.graph);
  for (const a of artifacts) show(`generated code (${a.format}): ${JSON.stringify({ kernels: a.meta.kernels, externCalls: a.meta.externCalls, fallbacks: a.meta.fallbacks })}`, a.source);
  const eagerOut = coil.noGrad(() => model.call(x) as coil.Tensor);
  const diff = maxAbsDiff(result, eagerOut);
  const eager = time(`${name} eager`, () => coil.noGrad(() => model.call(x)));
  const comp = time(`${name} compiled`, () => coil.noGrad(() => compiled(x)));
  const kernels = artifacts.reduce((s, a) => s + Number(a.meta.kernels ?? 0), 0);
  const externs = artifacts.reduce((s, a) => s + ((a.meta.externCalls as unknown[] | undefined)?.length ?? 0), 0);
  const backend = backendOf(artifacts);
  rows.push({ name, eager, compiled: comp, kernels, externs, diff, backend });
  console.log(`  compiled by the ${backend} backend`);
  console.log(`  counters: ${JSON.stringify(coil.counters.snapshot())}`);
  console.log(`  compiled vs eager: max |diff| = ${diff.toExponential(2)}; eager ${eager.toFixed(2)} ms, compiled ${comp.toFixed(2)} ms`);
}

// ----- 1. a small CNN (conv, batchnorm, relu, maxpool, conv, relu, avgpool, linear) -----
const cnn = new nn.Sequential(
  new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(32, 10),
);
cnn.eval();
compileAndReport("CNN 3x32x32 -> 10, batch 8", cnn, coil.randn(8, 3, 32, 32));

// ----- 2. an MLP 784-512-512-10 -----
const mlp = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
compileAndReport("MLP 784-512-512-10, batch 64", mlp, coil.randn(64, 784));

// ----- 3. a fused pointwise chain -----
section("a pointwise chain: cos(cos(cos(x))) on 1M floats");
const cos3 = (x: coil.Tensor) => x.cos().cos().cos();
const big = coil.randn(1 << 20);
const { artifacts: cosArtifacts } = runAndGetArtifacts(() => coil.compile(cos3)(big));
show("generated code", cosArtifacts[0]!.source);
const cosC = coil.compile(cos3);
const cosE = time("cos chain eager", () => cos3(big), 5);
const cosT = time("cos chain compiled", () => cosC(big), 5);
rows.push({ name: "cos chain 1M", eager: cosE, compiled: cosT, kernels: Number(cosArtifacts[0]!.meta.kernels), externs: 0, diff: maxAbsDiff(cosC(big) as coil.Tensor, cos3(big)), backend: backendOf(cosArtifacts) });
console.log(`  compiled by the ${backendOf(cosArtifacts)} backend; eager ${cosE.toFixed(2)} ms, compiled ${cosT.toFixed(2)} ms`);

// ----- 4. training: compiled step equals eager step -----
section("training: 20 Adam steps, compiled module vs eager module from the same weights");
coil.manualSeed(1);
const make = () => new nn.Sequential(new nn.Linear(16, 32), new nn.Tanh(), new nn.Linear(32, 4));
const eagerNet = make();
const compiledNet = make();
compiledNet.loadStateDict(eagerNet.stateDict());
const X = coil.randn(64, 16);
const Y = coil.mm(X, coil.randn(16, 4));
const optE = new optim.Adam(eagerNet.parameters(), { lr: 1e-2 });
const optC = new optim.Adam(compiledNet.parameters(), { lr: 1e-2 });
const stepC = coil.compile(compiledNet);
let worst = 0;
const trainArtifacts: CompiledArtifact[] = [];
for (let i = 0; i < 20; i++) {
  progress(`training step ${i + 1}/20`);
  optE.zeroGrad(); optC.zeroGrad();
  const le = nn.functional.mseLoss(eagerNet.call(X) as coil.Tensor, Y);
  const { result: lc, artifacts } = runAndGetArtifacts(() => {
    const l = nn.functional.mseLoss(stepC(X) as coil.Tensor, Y);
    l.backward(); // the backward graph compiles here, on the first step
    return l;
  });
  trainArtifacts.push(...artifacts);
  le.backward();
  optE.step(); optC.step();
  worst = Math.max(worst, Math.abs(le.item() - lc.item()));
  if (i % 5 === 0 || i === 19) { doneProgress(); console.log(`  step ${String(i).padStart(2)}  eager loss ${le.item().toFixed(6)}  compiled loss ${lc.item().toFixed(6)}`); }
}
console.log(`  largest loss difference over 20 steps: ${worst.toExponential(2)}; forward and backward compiled by the ${backendOf(trainArtifacts)} backend`);

// ----- summary -----
section("summary");
console.log("  the user post-grad pass saw these aten graphs:");
for (const c of opCounts) console.log(`    ${c}`);
console.log("  workload                        eager ms   compiled ms   speed-up   kernels  extern calls  max|diff|  backend");
for (const r of rows) {
  console.log(`  ${r.name.padEnd(30)} ${r.eager.toFixed(2).padStart(9)} ${r.compiled.toFixed(2).padStart(13)} ${(r.eager / r.compiled).toFixed(2).padStart(9)}x ${String(r.kernels).padStart(9)} ${String(r.externs).padStart(13)}  ${r.diff.toExponential(1)}    ${r.backend}`);
}
console.log("\n  More: COIL_LOGS=graph_code,aot_graphs,post_grad_graphs,output_code npm run demo; docs/custom-passes.md");
