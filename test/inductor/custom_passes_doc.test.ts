// Runs the example of docs/custom-passes.md §4 on a traced aten graph.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { aten } from "../../src/ops/aten.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { counters } from "../../src/utils/counters.js";
import { config, PatternMatcherPass, CallFunction, Arg, registerGraphPattern, getHashForFiles, runPass, traceAten, type Match } from "../../src/inductor.js";
import type { Graph, Node } from "../../src/fx/index.js";

const thisFile = fileURLToPath(import.meta.url);

test("docs example: a PatternMatcherPass with a uuid in a hook array", () => {
  counters.clear();
  class FuseCosRelu extends PatternMatcherPass {
    override uuid(): string { return getHashForFiles([thisFile]); }
  }
  const fuse = new FuseCosRelu("fuse_cos_relu");
  registerGraphPattern(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg())), { passDict: fuse })(
    (match: Match, x: Node) => { match.replaceByExample((t: unknown) => aten.relu.default(aten.sin.default(t)), [x]); },
  );
  const kinds: string[] = [];
  const g = traceAten((x: unknown) => aten.neg.default(aten.relu.default(aten.cos.default(x))), [Tensor.empty([8])]);
  config.patch({ postGradCustomPostPass: [fuse, (_g: Graph, ctx) => { kinds.push(ctx.kind); }] }, () => {
    assert.equal(config.cacheKeyParts(), null, "the plain function in the array bypasses the cache");
    runPass("postGradCustomPostPass", config.postGradCustomPostPass, g, "inference");
  });
  assert.deepEqual(kinds, ["inference"]);
  const parts = config.patch({ postGradCustomPostPass: fuse }, () => config.cacheKeyParts());
  assert.equal(parts?.postGradCustomPostPass, getHashForFiles([thisFile]), "a pass with a uuid keeps the cache on");
  const ts = g.nodes.toArray().filter((n) => n.op === "call_function").map((n) => String(n.target));
  assert.deepEqual(ts, ["aten.sin.default", "aten.relu.default", "aten.neg.default"]);
  assert.equal(counters.inductor.pattern_matcher_count, 1);
  assert.equal(counters.inductor.pattern_matcher_nodes, 2);
});
