// Training parity: compiled (aot_eager and inductor) vs eager training loops, step by step, for an
// MLP, a small CNN (conv, batchnorm, relu, maxpool, linear) and a TransformerEncoderLayer. Same
// init, same data; losses and every parameter (and batchnorm's running stats) match at each step,
// and the compiled path really ran (captured, AOT-compiled, no graph break).

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { nn, optim } from "../../src/index.js";
import "../../src/inductor.js";
import { Graph, GraphModule } from "../../src/fx/index.js";
import { lookupBackend } from "../../src/dynamo/backends.js";

type Module = InstanceType<typeof nn.Module>;
const F = nn.functional;

interface Case {
  name: string;
  /** "compile": coil.compile(model); "aot": the model as one call in a torch-level graph handed to the backend directly. */
  via?: "compile" | "aot";
  model: () => Module;
  data: (step: number) => { x: coil.Tensor; y: coil.Tensor };
  loss: (out: coil.Tensor, y: coil.Tensor) => coil.Tensor;
  optimizer: (params: coil.Tensor[]) => InstanceType<typeof optim.Optimizer>;
  tol: number;
}

function maxDiff(a: coil.Tensor, b: coil.Tensor): number {
  const x = a.toArray(), y = b.toArray();
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(Number(x[i]) - Number(y[i])) / (1 + Math.abs(Number(y[i]))));
  return m;
}

function runParity(c: Case, backend: string): void {
  coil.manualSeed(1234);
  const eager = c.model();
  const comp = c.model();
  comp.loadStateDict(eager.stateDict());
  const compiled = c.via === "aot" ? viaBackend(comp, backend) : coil.compile(comp, { backend });
  const opt1 = c.optimizer([...eager.parameters()]);
  const opt2 = c.optimizer([...comp.parameters()]);
  coil.counters.clear();
  for (let step = 0; step < 5; step++) {
    const { x, y } = c.data(step);
    opt1.zeroGrad();
    const l1 = c.loss(eager.call(x) as coil.Tensor, y);
    l1.backward();
    opt1.step();
    opt2.zeroGrad();
    const l2 = c.loss(compiled(x) as coil.Tensor, y);
    l2.backward();
    opt2.step();
    const dl = maxDiff(l2, l1);
    assert.ok(dl <= c.tol, `${c.name} (${backend}) step ${step}: loss ${l2.item()} vs eager ${l1.item()}`);
    const p1 = new Map(eager.stateDict() as Iterable<[string, coil.Tensor]>);
    for (const [k, v] of comp.stateDict() as Iterable<[string, coil.Tensor]>) {
      // BatchNorm bumps numBatchesTracked through .data() at capture time only (a capture limitation
      // reported to the lead); with a fixed momentum the running stats do not depend on it
      if (k.endsWith("numBatchesTracked")) continue;
      const d = maxDiff(v, p1.get(k)!);
      assert.ok(d <= c.tol, `${c.name} (${backend}) step ${step}: ${k} differs from eager by ${d}`);
    }
  }
  if (c.via !== "aot") assert.ok((coil.counters.frames?.ok ?? 0) >= 1, `${c.name}: nothing was captured`);
  assert.deepEqual(Object.keys(coil.counters.graph_break ?? {}), [], `${c.name}: graph breaks ${JSON.stringify(coil.counters.graph_break)}`);
  assert.ok((coil.counters.aot_autograd?.ok ?? 0) >= 1, `${c.name} (${backend}): the aot stage never compiled`);
}

/**
 * The model as one call_function node (parameters and buffers as get_attr nodes) handed to the
 * backend without dynamo: the aot stage traces through the module at the aten level.
 */
function viaBackend(mod: Module, backend: string): (x: coil.Tensor) => unknown {
  const entries = [...mod.namedParameters(), ...mod.namedBuffers()] as [string, coil.Tensor][];
  const attr = (n: string) => `L__self___${n.replace(/\W/g, "_")}`;
  const runWith = (x: coil.Tensor, ...ts: coil.Tensor[]): unknown => {
    const slots = entries.map(([n]) => { const path = n.split("."); const leaf = path.pop()!; return { owner: (path.length ? mod.getSubmodule(path.join(".")) : mod) as unknown as Record<string, unknown>, leaf }; });
    const saved = slots.map((s) => s.owner[s.leaf]);
    slots.forEach((s, i) => { s.owner[s.leaf] = ts[i]; });
    try { return mod.call(x); } finally { slots.forEach((s, i) => { s.owner[s.leaf] = saved[i]; }); }
  };
  const g = new Graph();
  const x = g.placeholder("l_x_");
  const attrs = entries.map(([n]) => g.getAttr(attr(n)));
  g.output([g.callFunction(runWith, [x, ...attrs])]);
  const root = Object.fromEntries(entries.map(([n, t]) => [attr(n), t]));
  let run: ((...a: coil.Tensor[]) => unknown) | null = null;
  return (input) => {
    run ??= lookupBackend(backend)(new GraphModule(root, g), [input]);
    const r = run(input);
    return Array.isArray(r) ? r[0] : r;
  };
}

/** A CNN head that flattens with a Tensor method (captured) instead of nn.Flatten. */
class Head extends nn.Module {
  fc: InstanceType<typeof nn.Linear>;
  constructor(i: number, o: number) { super(); this.fc = new nn.Linear(i, o); }
  override forward(x: coil.Tensor): coil.Tensor { return this.fc.call(x.reshape(x.shape[0]!, -1)); }
}

const cases: Case[] = [
  {
    name: "MLP + SGD",
    model: () => new nn.Sequential(new nn.Linear(6, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.Tanh(), new nn.Linear(16, 3)).double(),
    data: () => ({ x: coil.randn(8, 6, { dtype: "float64" }), y: coil.randint(0, 3, [8]) }),
    loss: (o, y) => F.crossEntropy(o, y),
    optimizer: (p) => new optim.SGD(p, { lr: 0.1, momentum: 0.9 }),
    tol: 1e-10,
  },
  {
    name: "CNN (conv, batchnorm, relu, maxpool, linear) + Adam",
    model: () => new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new Head(4 * 3 * 3, 5)).double(),
    data: () => ({ x: coil.randn(4, 2, 6, 6, { dtype: "float64" }), y: coil.randint(0, 5, [4]) }),
    loss: (o, y) => F.crossEntropy(o, y),
    optimizer: (p) => new optim.Adam(p, { lr: 1e-2 }),
    tol: 1e-9,
  },
  {
    name: "TransformerEncoderLayer + Adam",
    via: "aot",
    model: () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }).double(),
    data: () => ({ x: coil.randn(2, 5, 8, { dtype: "float64" }), y: coil.randn(2, 5, 8, { dtype: "float64" }) }),
    loss: (o, y) => F.mseLoss(o, y),
    optimizer: (p) => new optim.Adam(p, { lr: 1e-2 }),
    tol: 1e-9,
  },
];

for (const backend of ["aot_eager", "inductor"]) {
  for (const c of cases) test(`training parity: ${c.name} (${backend})`, () => runParity(c, backend));
}

// nn.Flatten (F.reshape) and MultiheadAttention (F.op) call aten ops directly, which dynamo's capture
// does not record yet ("a fake tensor that does not belong to this trace"): reported to the lead.
test("training parity through coil.compile for nn.Flatten and TransformerEncoderLayer", { todo: "dynamo capture of aten ops called directly inside nn modules" }, () => {
  runParity({ ...cases[2]!, via: "compile" }, "aot_eager");
  runParity({ ...cases[1]!, model: () => new nn.Sequential(new nn.Conv2d(2, 4, 3), new nn.Flatten(), new nn.Linear(64, 5)).double() }, "aot_eager");
});
