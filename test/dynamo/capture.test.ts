// test/dynamo/capture: what compile() captures: torch-level graphs shaped like Dynamo's pre_grad graphs
// (placeholder names/order, call_method / call_function targets, meta.exampleValue fakes), module
// parameters as get_attr, custom backends, pytree inputs/outputs, graph_code logging.

import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import type { GraphModule, Node } from "../../src/fx/index.js";

const { counters } = coil;

beforeEach(() => {
  counters.clear();
  coil.reset();
});

/** A backend that records what it receives and runs the graph eagerly. */
function recordingBackend() {
  const seen: { gm: GraphModule; inputs: Tensor[] }[] = [];
  const backend = (gm: GraphModule, inputs: Tensor[]) => {
    seen.push({ gm, inputs });
    return (...args: Tensor[]) => gm.forward(...args);
  };
  return { seen, backend };
}

const vals = (t: Tensor): number[] => Array.from(t.toArray());
function close(a: Tensor, b: Tensor, tol = 1e-6): void {
  assert.deepEqual(a.shape, b.shape);
  const x = vals(a);
  const y = vals(b);
  x.forEach((v, i) => assert.ok(Math.abs(v - y[i]!) <= tol * (1 + Math.abs(y[i]!)), `element ${i}: ${v} vs ${y[i]}`));
}
const nodes = (gm: GraphModule): Node[] => [...gm.graph.nodes];
const exampleOf = (n: Node): Tensor => n.meta.exampleValue as Tensor;

test("cos chain: placeholder l_x_, three call_method cos nodes, fake example values", () => {
  const { seen, backend } = recordingBackend();
  const f = (x: Tensor) => x.cos().cos().cos();
  const cf = coil.compile(f, { backend });
  // (no outer variable named like the parameter: esbuild/tsx renames shadowed parameters to x2, ...)
  const inp = coil.randn(8);
  close(cf(inp), f(inp));
  assert.equal(seen.length, 1);
  const ns = nodes(seen[0]!.gm);
  assert.deepEqual(ns.map((n) => [n.op, n.name]), [
    ["placeholder", "l_x_"], ["call_method", "cos"], ["call_method", "cos_1"], ["call_method", "cos_2"], ["output", "output"],
  ]);
  assert.equal(ns[0]!.target, "L_x_");
  for (const n of ns.slice(1, 4)) assert.equal(n.target, "cos");
  assert.equal(ns[2]!.args[0], ns[1]);
  for (const n of ns.slice(0, 4)) {
    const ev = exampleOf(n);
    assert.ok(ev instanceof Tensor && ev.isFake, `${n.name} has a fake example value`);
    assert.deepEqual(ev.shape, [8]);
    assert.equal(ev.dtype.name, "float32");
  }
  const printed = seen[0]!.gm.graph.toString();
  assert.match(printed, /%l_x_ : .*\[num_users=1\] = placeholder\[target=L_x_\]/);
  assert.match(printed, /%cos_1 : \[num_users=1\] = call_method\[target=cos\]\(args = \(%cos,\), kwargs = \{\}\)/);
  assert.match(printed, /return \(cos_2,\)/);
  // example inputs: fakes in placeholder order with the real input's metadata
  assert.equal(seen[0]!.inputs.length, 1);
  assert.ok(seen[0]!.inputs[0]!.isFake);
  assert.deepEqual(seen[0]!.inputs[0]!.shape, [8]);
  assert.equal(counters.stats.calls_captured, 3);
  assert.equal(counters.stats.unique_graphs, 1);
  assert.equal(counters.frames.total, 1);
  assert.equal(counters.frames.ok, 1);
  // a second call with matching guards reuses the entry
  const x2 = coil.randn(8);
  close(cf(x2), f(x2));
  assert.equal(seen.length, 1);
  assert.equal(counters.frames.total, 1);
});

test("list of coil.mm with a shared bfloat16 weight: Dynamo placeholder order and names", () => {
  const { seen, backend } = recordingBackend();
  const f = (W: Tensor, seqs: Tensor[]) => seqs.map((s) => coil.mm(s, W));
  const cf = coil.compile(f, { backend, fullgraph: true });
  const weight = coil.randn(16, 16, { dtype: "bfloat16" });
  const seqList = [4, 8, 5, 3].map((n) => coil.randn(n, 16, { dtype: "bfloat16" }));
  const out = cf(weight, seqList);
  const ref = f(weight, seqList);
  assert.equal(out.length, 4);
  out.forEach((o, i) => { assert.equal(o.dtype.name, "bfloat16"); close(o, ref[i]!, 1e-2); });
  const ns = nodes(seen[0]!.gm);
  const ph = ns.filter((n) => n.op === "placeholder");
  assert.deepEqual(ph.map((n) => n.name), ["l_seqs_0_", "l_w_", "l_seqs_1_", "l_seqs_2_", "l_seqs_3_"]);
  assert.deepEqual(ph.map((n) => n.target), ["L_seqs_0_", "L_W_", "L_seqs_1_", "L_seqs_2_", "L_seqs_3_"]);
  assert.equal(ph[1]!.users.size, 4);
  const mms = ns.filter((n) => n.op === "call_function");
  assert.equal(mms.length, 4);
  assert.deepEqual(mms.map((n) => n.name), ["mm", "mm_1", "mm_2", "mm_3"]);
  for (const n of mms) assert.equal(n.target, coil.mm);
  assert.deepEqual(mms.map((n) => exampleOf(n).shape), [[4, 16], [8, 16], [5, 16], [3, 16]]);
  for (const n of [...ph, ...mms]) assert.equal(exampleOf(n).dtype.name, "bfloat16");
  assert.deepEqual(seen[0]!.inputs.map((t) => t.shape), [[4, 16], [16, 16], [8, 16], [5, 16], [3, 16]]);
  assert.match(seen[0]!.gm.graph.toString(), /call_function\[target=coil\.mm\]\(args = \(%l_seqs_0_, %l_w_\), kwargs = \{\}\)/);
  assert.match(seen[0]!.gm.graph.toString(), /return \(mm, mm_1, mm_2, mm_3\)/);
});

test("custom backend: receives the GraphModule first and its callable runs the calls", () => {
  let calls = 0;
  let received: GraphModule | null = null;
  const backend = (gm: GraphModule, inputs: Tensor[]) => {
    received = gm;
    assert.equal(inputs.length, 2);
    // a "pass" at backend time: rewrite sin -> cos on the torch-level graph
    for (const n of gm.graph.nodes) if (n.op === "call_method" && n.target === "sin") n.target = "cos";
    gm.recompile();
    return (...args: Tensor[]) => { calls++; return gm.forward(...args); };
  };
  const cf = coil.compile((a: Tensor, b: Tensor) => a.sin().add(b), { backend });
  const a = coil.randn(3);
  const b = coil.randn(3);
  close(cf(a, b), a.cos().add(b));
  close(cf(a, b), a.cos().add(b));
  assert.ok(received);
  assert.equal(calls, 2);
});

test("named backends: eager, inductor falls back to eager, registered backends are used", () => {
  const x = coil.randn(4);
  close(coil.compile((t: Tensor) => t.relu().neg(), { backend: "eager" })(x), x.relu().neg());
  close(coil.compile((t: Tensor) => t.relu().neg())(x), x.relu().neg());
  let used = 0;
  coil.registerBackend("test_counting", (gm) => { used++; return (...args: Tensor[]) => gm.forward(...args); });
  close(coil.compile((t: Tensor) => t.sin(), { backend: "test_counting" })(x), x.sin());
  assert.equal(used, 1);
  assert.ok(coil.listBackends().includes("test_counting"));
});

test("module-like object: parameters become get_attr nodes read at run time", () => {
  const { seen, backend } = recordingBackend();
  const lin = { weight: coil.randn(4, 3), bias: coil.randn(3) };
  const mod = {
    lin,
    forward(x: Tensor) { return coil.mm(x, this.lin.weight).add(this.lin.bias).relu(); },
  };
  const cm = coil.compile(mod, { backend });
  const inp = coil.randn(2, 4);
  close(cm(inp), mod.forward(inp));
  const ns = nodes(seen[0]!.gm);
  const attrs = ns.filter((n) => n.op === "get_attr");
  assert.deepEqual(attrs.map((n) => n.name), ["l__self___lin_weight", "l__self___lin_bias"]);
  assert.deepEqual(attrs.map((n) => n.target), ["L__self___lin_weight", "L__self___lin_bias"]);
  assert.ok(exampleOf(attrs[0]!).isFake);
  assert.deepEqual(ns.filter((n) => n.op === "placeholder").map((n) => n.name), ["l_x_"]);
  assert.equal(seen[0]!.inputs.length, 1, "parameters are not example inputs");
  // in-place update of a parameter is seen without recompiling (get_attr reads the live tensor)
  const w = lin.weight;
  coil.noGrad(() => { (w.data() as Float32Array).fill(0.5); w.storage.version++; });
  close(cm(inp), mod.forward(inp));
  assert.equal(seen.length, 1);
  // replacing a parameter object recompiles
  lin.weight = coil.randn(4, 3);
  close(cm(inp), mod.forward(inp));
  assert.equal(seen.length, 2);
  assert.equal(counters.stats.unique_graphs, 2);
});

test("pytree inputs and outputs; numbers are specialised constants", () => {
  const { seen, backend } = recordingBackend();
  const f = (inp: { a: Tensor; b: [Tensor, number] }, scale: number) => ({
    out: [inp.a.mul(scale), inp.b[0].add(inp.b[1])],
    n: scale,
    same: inp.a,
  });
  const cf = coil.compile(f, { backend });
  const a = coil.randn(2, 2);
  const b = coil.randn(2, 2);
  const r = cf({ a, b: [b, 3] }, 2);
  const e = f({ a, b: [b, 3] }, 2);
  assert.deepEqual(Object.keys(r), ["out", "n", "same"]);
  close(r.out[0]!, e.out[0]!);
  close(r.out[1]!, e.out[1]!);
  assert.equal(r.n, 2);
  assert.equal(r.same, a, "an input returned as output is the same tensor");
  const ph = nodes(seen[0]!.gm).filter((n) => n.op === "placeholder").map((n) => n.name);
  assert.deepEqual(ph, ["l_inp_a_", "l_inp_b_0_"]);
  const mul = nodes(seen[0]!.gm).find((n) => n.target === "mul")!;
  assert.deepEqual(mul.args.slice(1), [2], "the number is embedded as a literal");
  // same structure and values: no recompile; another scale: recompile
  cf({ a: coil.randn(2, 2), b: [b, 3] }, 2);
  assert.equal(seen.length, 1);
  const r3 = cf({ a, b: [b, 3] }, 5);
  close(r3.out[0]!, a.mul(5));
  assert.equal(seen.length, 2);
  cf({ a, b: [b, 4] }, 5);
  assert.equal(seen.length, 3);
});

test("rest parameters and unparsable parameter lists fall back to l_args_N_", () => {
  const { seen, backend } = recordingBackend();
  const cf = coil.compile((...ts: Tensor[]) => ts[0]!.add(ts[1]!), { backend });
  cf(coil.randn(2), coil.randn(2));
  assert.deepEqual(nodes(seen[0]!.gm).filter((n) => n.op === "placeholder").map((n) => n.name), ["l_ts_0_", "l_ts_1_"]);
  const cg = coil.compile(({ x }: { x: Tensor }, y: Tensor) => x.mul(y), { backend });
  cg({ x: coil.randn(2) }, coil.randn(2));
  assert.deepEqual(nodes(seen[1]!.gm).filter((n) => n.op === "placeholder").map((n) => n.name), ["l_args_0_x_", "l_y_"]);
});

test("COIL_LOGS=graph_code prints the captured graph's code and graph", () => {
  const lines: string[] = [];
  const prev = coil.setLogSink((artifact, text) => { if (artifact === "graph_code") lines.push(text); });
  coil.setLogs("graph_code");
  try {
    coil.compile((x: Tensor) => x.sin().sum(), { backend: "eager" })(coil.randn(3));
  } finally {
    coil.setLogs("");
    coil.setLogSink(prev);
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /placeholder\[target=L_x_\]/);
  assert.match(lines[0]!, /call_method\[target=sum\]/);
  assert.match(lines[0]!, /forward/);
});

test("functions that capture no calls run as they are (no graph compiled)", () => {
  const { seen, backend } = recordingBackend();
  const cf = coil.compile((x: Tensor, n: number) => [x, n * 2], { backend });
  const x = coil.randn(2);
  const [y, m] = cf(x, 3);
  assert.equal(y, x);
  assert.equal(m, 6);
  assert.equal(seen.length, 0);
  assert.equal(counters.stats.unique_graphs, 0);
});

test("multi-output calls, views and in-place calls keep eager semantics", () => {
  const { seen, backend } = recordingBackend();
  const f = (x: Tensor) => {
    const v = x.view(2, 3).clone();
    return v.expand(4, 2, 3).sum(0);
  };
  const cf = coil.compile(f, { backend, fullgraph: true });
  const x = coil.randn(6);
  close(cf(x), f(x));
  assert.deepEqual(nodes(seen[0]!.gm).filter((n) => n.op === "call_method").map((n) => n.target), ["view", "clone", "expand", "sum"]);
  assert.deepEqual(nodes(seen[0]!.gm).find((n) => n.target === "view")!.args.slice(1), [2, 3]);
});

test("multi-output calls become getitem nodes; unused outputs are dropped", () => {
  const { seen, backend } = recordingBackend();
  const f = (t: Tensor) => {
    const [a, b] = coil.split(t, [2, 4], 0);
    return a.sum().add(b.sum());
  };
  const inp = coil.randn(6);
  close(coil.compile(f, { backend })(inp), f(inp));
  const ns = nodes(seen[0]!.gm);
  const split = ns.find((n) => n.name === "split")!;
  assert.equal(split.target, coil.split);
  assert.ok(Array.isArray(split.meta.exampleValue));
  const items = ns.filter((n) => n.name.startsWith("getitem"));
  assert.deepEqual(items.map((n) => n.args[1]), [0, 1]);
  assert.deepEqual(items.map((n) => exampleOf(n).shape), [[2], [4]]);
  const g = (t: Tensor) => t.split(3)[1]!.cos();
  close(coil.compile(g, { backend })(inp), g(inp));
  assert.deepEqual(nodes(seen[1]!.gm).filter((n) => n.op !== "placeholder" && n.op !== "output").map((n) => n.name), ["split", "getitem", "cos"]);
});

test("tensors the function closes over become get_attr constants; module call() is what runs", () => {
  const { seen, backend } = recordingBackend();
  const bias = coil.randn(3);
  const f = (t: Tensor) => t.add(bias);
  const inp = coil.randn(3);
  close(coil.compile(f, { backend })(inp), f(inp));
  const attr = nodes(seen[0]!.gm).find((n) => n.op === "get_attr")!;
  assert.equal(attr.target, "_tensor_constant0");
  assert.equal(seen[0]!.gm.getAttr("_tensor_constant0"), bias);
  let hooks = 0;
  const mod = {
    scale: coil.ones(3),
    forward(t: Tensor) { return t.mul(this.scale); },
    call(t: Tensor) { hooks++; return this.forward(t); },
  };
  const cm = coil.compile(mod, { backend });
  close(cm(inp), inp);
  assert.equal(hooks, 1, "call() ran during capture");
  assert.deepEqual(nodes(seen[1]!.gm).filter((n) => n.op === "get_attr").map((n) => n.target), ["L__self___scale"]);
});

// The pre_grad graphs PyTorch 2.11 prints for the seed cases (/work/shared/reference/pytorch-2.11-hook-graphs.txt),
// with coil's names for the Tensor type and functions (torch.Tensor -> coil.Tensor, torch.mm -> coil.mm).
test("printed graphs match PyTorch's pre_grad graphs for the seed cases", () => {
  const { seen, backend } = recordingBackend();
  const chain = (x: Tensor) => x.cos().cos().cos().sum();
  const inp = coil.randn(8, { requiresGrad: true });
  const r = coil.compile(chain, { backend })(inp);
  assert.equal(r.requiresGrad, true);
  assert.equal(seen[0]!.gm.graph.toString().trim(), [
    "graph():",
    "    %l_x_ : coil.Tensor [num_users=1] = placeholder[target=L_x_]",
    "    %cos : [num_users=1] = call_method[target=cos](args = (%l_x_,), kwargs = {})",
    "    %cos_1 : [num_users=1] = call_method[target=cos](args = (%cos,), kwargs = {})",
    "    %cos_2 : [num_users=1] = call_method[target=cos](args = (%cos_1,), kwargs = {})",
    "    %sum_1 : [num_users=1] = call_method[target=sum](args = (%cos_2,), kwargs = {})",
    "    return (sum_1,)",
  ].join("\n"));
  assert.deepEqual(exampleOf([...seen[0]!.gm.graph.nodes].find((n) => n.name === "sum_1")!).shape, []);
  assert.equal(exampleOf([...seen[0]!.gm.graph.nodes][0]!).requiresGrad, true);

  const mmList = (W: Tensor, seqs: Tensor[]) => seqs.map((s) => coil.mm(s, W));
  const w0 = coil.randn(16, 16, { dtype: "bfloat16" });
  coil.compile(mmList, { backend })(w0, [4, 8, 5, 3].map((n) => coil.randn(n, 16, { dtype: "bfloat16" })));
  assert.equal(seen[1]!.gm.graph.toString().trim(), [
    "graph():",
    "    %l_seqs_0_ : coil.Tensor [num_users=1] = placeholder[target=L_seqs_0_]",
    "    %l_w_ : coil.Tensor [num_users=4] = placeholder[target=L_W_]",
    "    %l_seqs_1_ : coil.Tensor [num_users=1] = placeholder[target=L_seqs_1_]",
    "    %l_seqs_2_ : coil.Tensor [num_users=1] = placeholder[target=L_seqs_2_]",
    "    %l_seqs_3_ : coil.Tensor [num_users=1] = placeholder[target=L_seqs_3_]",
    "    %mm : [num_users=1] = call_function[target=coil.mm](args = (%l_seqs_0_, %l_w_), kwargs = {})",
    "    %mm_1 : [num_users=1] = call_function[target=coil.mm](args = (%l_seqs_1_, %l_w_), kwargs = {})",
    "    %mm_2 : [num_users=1] = call_function[target=coil.mm](args = (%l_seqs_2_, %l_w_), kwargs = {})",
    "    %mm_3 : [num_users=1] = call_function[target=coil.mm](args = (%l_seqs_3_, %l_w_), kwargs = {})",
    "    return (mm, mm_1, mm_2, mm_3)",
  ].join("\n"));
});

test("nn modules: conv + relu captured like Dynamo; train/eval switches recompile", () => {
  const { seen, backend } = recordingBackend();
  const m = new coil.nn.Sequential(new coil.nn.Conv2d(3, 4, 3, { padding: 1 }), new coil.nn.ReLU());
  m.eval();
  const cm = coil.compile(m, { backend });
  const inp = coil.randn(1, 3, 6, 6);
  close(cm(inp), m.call(inp), 1e-5);
  const ns = nodes(seen[0]!.gm);
  assert.deepEqual(ns.map((n) => n.op), ["placeholder", "get_attr", "get_attr", "call_function", "call_function", "output"]);
  assert.deepEqual(ns.filter((n) => n.op === "get_attr").map((n) => n.target), ["L__self___0_weight", "L__self___0_bias"]);
  assert.equal(ns[3]!.name, "conv2d");
  assert.deepEqual(exampleOf(ns[3]!).shape, [1, 4, 6, 6]);
  cm(inp);
  assert.equal(seen.length, 1);
  m.train();
  cm(inp);
  assert.equal(seen.length, 2, "training flag is guarded");
});

test("a direct op-overload call is captured as a call_function on the overload, kwargs split out", () => {
  const { seen, backend } = recordingBackend();
  const f = coil.compile((x: Tensor) => coil.aten.add.Tensor(x, x, { alpha: 2 }).cos(), { backend });
  const x = coil.randn(3);
  close(f(x) as Tensor, x.mul(3).cos());
  const add = nodes(seen[0]!.gm).find((n) => n.op === "call_function")!;
  assert.equal(add.target, coil.aten.add.Tensor);
  assert.equal(add.args.length, 2);
  assert.deepEqual(add.kwargs, { alpha: 2 });
});

test("named tuples keep their fields during capture: x.max(dim).values", () => {
  const f = coil.compile((x: Tensor) => x.max(0, true).values.neg().add(x.min(1).indices.sum()));
  const x = coil.randn(3, 4);
  close(f(x) as Tensor, x.max(0, true).values.neg().add(x.min(1).indices.sum()));
});

test("modules that call aten ops directly (Flatten, MultiheadAttention) compile", () => {
  const m = new coil.nn.Sequential(new coil.nn.Flatten(), new coil.nn.Linear(12, 3));
  const x = coil.randn(2, 3, 4);
  close(coil.compile(m)(x) as Tensor, m.call(x) as Tensor, 1e-5);
  const mha = new coil.nn.MultiheadAttention(8, 2, { batchFirst: true });
  const q = coil.randn(2, 5, 8);
  const eager = coil.noGrad(() => mha.call(q, q, q)) as Tensor[];
  const comp = coil.noGrad(() => coil.compile(mha)(q, q, q)) as Tensor[];
  close(comp[0]!, eager[0]!, 1e-5);
});
