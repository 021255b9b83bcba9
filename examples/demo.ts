// examples/demo: coil's main job on the CPU. Trains a small MLP eagerly, then compiles a function and a
// training step with a user post-grad pass installed, printing the graph at each stage and the counters.
// In: nothing. Out: a report on stdout.

import * as coil from "../src/index.js";
import { config, type PassContext } from "../src/inductor.js";
import type { Graph } from "../src/fx/index.js";

const { nn, optim } = coil;
coil.manualSeed(0);

function step(msg: string): void { process.stdout.write(`\n== ${msg}\n`); }

step("eager training: MLP 16-32-4 on synthetic data (Adam)");
const model = new nn.Sequential(new nn.Linear(16, 32), new nn.ReLU(), new nn.Linear(32, 4));
const opt = new optim.Adam(model.parameters(), { lr: 1e-2 });
const X = coil.randn(64, 16);
const Y = coil.mm(X, coil.randn(16, 4));
for (let i = 0; i <= 60; i++) {
  opt.zeroGrad();
  const loss = nn.functional.mseLoss(model.call(X) as coil.Tensor, Y);
  loss.backward();
  opt.step();
  if (i % 20 === 0) console.log(`  step ${String(i).padStart(2)}  loss ${loss.item().toFixed(4)}`);
}

step("compile with a user post-grad pass (counts the aten ops it sees)");
const seen: string[] = [];
const countOps = (graph: Graph, ctx: PassContext) => {
  const ops = [...graph.nodes].filter((n) => n.op === "call_function").length;
  seen.push(`${ctx.kind} graph: ${ops} aten ops`);
  console.log(`  --- post-grad ${ctx.kind} graph ---\n${graph.toString().replace(/^/gm, "  ")}`);
};
const captured: string[] = [];
coil.counters.clear();
config.patch({ postGradCustomPostPass: countOps, preGradCustomPass: (g: Graph) => { captured.push(g.toString()); } }, () => {
  const f = coil.compile((x: coil.Tensor, w: coil.Tensor) => coil.mm(x, w).relu().sum());
  const x = coil.randn(8, 16);
  const w = coil.randn(16, 4, { requiresGrad: true });
  const loss = f(x, w) as coil.Tensor;
  console.log(`  --- captured (torch-level) graph ---\n${captured[0]!.replace(/^/gm, "  ")}`);
  loss.backward();
  const w2 = w.detach().requiresGrad_();
  coil.mm(x, w2).relu().sum().backward();
  const maxDiff = Math.max(...w.grad!.toArray().map((v, i) => Math.abs(v - w2.grad!.toArray()[i]!)));
  console.log(`  compiled vs eager: loss ${loss.item().toFixed(5)}, max |grad diff| = ${maxDiff.toExponential(2)}`);
});
console.log(`  pass saw: ${seen.join("; ")}`);

step("eager vs compiled time, cos chain on 1M floats");
const big = coil.randn(1 << 20);
const cos3 = (x: coil.Tensor) => x.cos().cos().cos();
const compiled = coil.compile(cos3);
compiled(big);
const time = (fn: () => unknown, n = 5) => { const t0 = performance.now(); for (let i = 0; i < n; i++) fn(); return (performance.now() - t0) / n; };
console.log(`  eager ${time(() => cos3(big)).toFixed(1)} ms, compiled ${time(() => compiled(big)).toFixed(1)} ms (per call; the fused loop-level codegen is the next milestone)`);

step("counters");
console.log(JSON.stringify(coil.counters.snapshot(), null, 2).replace(/^/gm, "  "));
