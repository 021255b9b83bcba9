// The aot stage's graphs compared with what PyTorch 2.11 produces (a copy of shared/reference/
// pytorch-2.11-hook-graphs.txt, parsed here): the inference graph and the joint graph each hook sees
// (joint_custom_pre_pass), and the partitioned forward/backward graphs of training
// (post_grad_custom_pre_pass), for the cos chain, conv+relu in eval mode and the shared-weight mm
// list. Node names, num_users, ops, targets, arguments, placeholders and outputs all match.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as coil from "../../src/index.js";
import { nn } from "../../src/index.js";
import type { GraphModule } from "../../src/fx/index.js";
import { aotAutograd, type GraphCompiler } from "../../src/aot/index.js";

// a verbatim copy of shared/reference/pytorch-2.11-hook-graphs.txt, committed so CI compares against it
const REF = fileURLToPath(new URL("./fixtures/pytorch-2.11-hook-graphs.txt", import.meta.url));

/** case name -> hook -> graph texts (in the order the hook saw them), normalised to coil's printing. */
function parseReference(text: string): Map<string, Map<string, string[]>> {
  const cases = new Map<string, Map<string, string[]>>();
  for (const block of text.split(/^######## CASE /m).slice(1)) {
    const name = block.slice(0, block.indexOf("\n")).trim();
    const hooks = new Map<string, string[]>();
    for (const part of block.split(/^===== /m).slice(1)) {
      const hook = part.slice(0, part.indexOf(" "));
      const lines = part.split("\n").slice(1);
      const end = lines.findIndex((l) => /^\s+return /.test(l));
      const graph = lines.slice(0, end + 1).join("\n")
        .replaceAll("torch.ops.aten.", "aten.")
        .replace(/ : torch\.Tensor \[/g, " : [")
        .replace(/return \[(.*)\]$/m, "return ($1)");
      hooks.set(hook, [...(hooks.get(hook) ?? []), graph]);
    }
    cases.set(name, hooks);
  }
  return cases;
}

/** An aot backend that records the graphs each stage produces (and runs them eagerly). */
function recordingBackend() {
  const seen = { joint: [] as string[], compiled: [] as string[] };
  const compiler: GraphCompiler = (gm: GraphModule) => {
    seen.compiled.push(gm.graph.toString().trim());
    return (args) => { const r = gm.forward(...args); return Array.isArray(r) ? r : [r]; };
  };
  const backend = aotAutograd({ fwCompiler: compiler, bwCompiler: compiler, jointGraphPasses: (g) => { seen.joint.push(g.toString().trim()); } });
  return { backend: backend as never, seen };
}

const ref = parseReference(readFileSync(REF, "utf8"));
const hook = (c: string, h: string): string[] => {
  const v = ref.get(c)?.get(h);
  assert.ok(v, `reference has no ${h} graph for case '${c}'`);
  return v;
};

test("cos chain, inference: the aten graph equals PyTorch's", () => {
  const { backend, seen } = recordingBackend();
  coil.compile((x: coil.Tensor) => x.cos().cos().cos(), { backend })(coil.randn(8));
  assert.deepEqual(seen.joint, hook("cos chain, inference", "joint_custom_pre_pass"));
  assert.deepEqual(seen.compiled, hook("cos chain, inference", "post_grad_custom_pre_pass"));
});

test("cos chain + sum, training: joint graph, forward (saves primals_1) and backward equal PyTorch's", () => {
  const { backend, seen } = recordingBackend();
  const x = coil.randn(8, { requiresGrad: true });
  (coil.compile((x: coil.Tensor) => x.cos().cos().cos().sum(), { backend })(x) as coil.Tensor).backward();
  const c = "cos chain + sum, training (requires_grad)";
  assert.deepEqual(seen.joint, hook(c, "joint_custom_pre_pass"));
  // post_grad_custom_pre_pass saw the forward graph, then the backward graph
  assert.deepEqual(seen.compiled, hook(c, "post_grad_custom_pre_pass"));
  x.grad!.toArray().forEach((g, i) => {
    const v = x.toArray()[i]!;
    const expected = -Math.sin(Math.cos(Math.cos(v))) * -Math.sin(Math.cos(v)) * -Math.sin(v);
    assert.ok(Math.abs(g - expected) < 1e-5, `grad ${i}`);
  });
});

test("conv+relu in eval mode: parameters lifted first (arg0_1 weight, arg1_1 bias), aten.convolution normalised to its schema", () => {
  const { backend, seen } = recordingBackend();
  const model = new nn.Sequential(new nn.Conv2d(3, 16, 3, { padding: 1 }), new nn.ReLU()).eval();
  coil.noGrad(() => coil.compile(model, { backend })(coil.randn(1, 3, 56, 56)));
  assert.deepEqual(seen.joint, hook("conv+relu eval, freezing=True", "joint_custom_pre_pass"));
});

test("list of mm with a shared rhs (bf16): five placeholders, arg1_1 used four times", () => {
  const { backend, seen } = recordingBackend();
  const bf = { dtype: "bfloat16" as const };
  const seqs = [coil.randn(4, 16, bf), coil.randn(8, 16, bf), coil.randn(5, 16, bf), coil.randn(3, 16, bf)];
  const W = coil.randn(16, 16, bf);
  const fn = (seqs: coil.Tensor[], W: coil.Tensor) => seqs.map((s) => coil.mm(s, W));
  const out = coil.compile(fn, { backend })(seqs, W) as coil.Tensor[];
  const c = "list of mm with shared rhs (bf16)";
  assert.deepEqual(seen.joint, hook(c, "joint_custom_pre_pass"));
  assert.deepEqual(seen.compiled, hook(c, "post_grad_custom_pre_pass"));
  out.forEach((o, i) => assert.deepEqual(o.toArray(), coil.mm(seqs[i]!, W).toArray()));
});
