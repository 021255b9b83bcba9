// Tests for the pattern matcher on hand-built fx graphs: leaves, _users, packets, sweep order,
// mutation regions, counters, graph/lowering patterns, replacements and registerReplacement.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Graph, getitem, type Node } from "../../src/fx/index.js";
import { aten } from "../../src/ops/aten.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { counters } from "../../src/utils/counters.js";
import { config } from "../../src/inductor/config.js";
import { runPass } from "../../src/inductor/custom_graph_pass.js";
import { lowerings, registerLowering } from "../../src/inductor/lowering_table.js";
import {
  Arg, CallFunction, CallMethod, ExclusiveKeywordArg, FailedMatch, Ignored, KeywordArg, ListOf, MULTIPLE, Match,
  MultiOutputPattern, PatternMatcherPass, isMatch, registerGraphPattern, registerLoweringPattern, registerReplacement,
  setPatternMatcherDebugSink, traceAten, type MatchResult,
} from "../../src/inductor/pattern_matcher/index.js";

beforeEach(() => counters.clear());

const ok = (m: MatchResult): Match => { assert.ok(isMatch(m), `expected a match, got ${(m as FailedMatch).message}`); return m; };
const fail = (m: MatchResult, re: RegExp): void => { assert.ok(!isMatch(m), "expected no match"); assert.match((m as FailedMatch).message, re); };
const names = (xs: unknown[]): unknown[] => xs.map((x) => (typeof x === "object" && x !== null && "name" in x ? (x as Node).name : Array.isArray(x) ? names(x) : x));
const targets = (g: Graph): string[] => g.nodes.toArray().filter((n) => n.op === "call_function").map((n) => (n.target as { name: string }).name);

function cat(xs: unknown[], dim: number): unknown { return [xs, dim]; }
function add_(x: unknown, y: unknown): unknown { return [x, y]; }
function convPointwise(...a: unknown[]): unknown { return a; }
function splitTwo(x: unknown): unknown { return [x, x]; }

test("Arg captures positionally in depth-first order; constants compared", () => {
  const g = new Graph();
  const x = g.placeholder("x"), y = g.placeholder("y");
  const a = g.callFunction(aten.add.Tensor, [x, y]);
  const m = g.callFunction(aten.mul.Tensor, [a, y]);
  const v = g.callFunction(aten.view.default, [m, [2, 3]]);
  g.output(v);
  const p = CallFunction(aten.mul.Tensor, CallFunction(aten.add.Tensor, Arg(), Arg()), Arg());
  const r = ok(p.match(m, g));
  assert.deepEqual(names(r.args), ["x", "y", "y"]);
  assert.deepEqual(names(r.nodes), ["add", "mul"]);
  ok(CallFunction(aten.view.default, Arg(), [2, 3]).match(v, g));
  fail(CallFunction(aten.view.default, Arg(), [3, 2]).match(v, g), /constant_args/);
  ok(CallFunction(aten.view.default, Arg(), Ignored()).match(v, g));
  fail(CallFunction(aten.view.default, Arg()).match(v, g), /function_mismatch/);
  fail(CallFunction(aten.cos.default, Arg()).match(v, g), /function_mismatch/);
});

test("KeywordArg binds the same node; ExclusiveKeywordArg refuses a shared node; Ignored captures nothing", () => {
  const g = new Graph();
  const x = g.placeholder("x"), y = g.placeholder("y");
  const same = g.callFunction(aten.add.Tensor, [x, x]);
  const diff = g.callFunction(aten.add.Tensor, [x, y]);
  g.output([same, diff]);
  const kw = CallFunction(aten.add.Tensor, KeywordArg("a"), KeywordArg("a"));
  assert.deepEqual(names(Object.values(ok(kw.match(same, g)).kwargs)), ["x"]);
  fail(kw.match(diff, g), /kwarg mismatch: a/);
  const ex = CallFunction(aten.add.Tensor, ExclusiveKeywordArg("a"), ExclusiveKeywordArg("b"));
  fail(ex.match(same, g), /exclusive arg appears twice/);
  const r = ok(ex.match(diff, g));
  assert.deepEqual(Object.keys(r.kwargs), ["a", "b"]);
  const ig = ok(CallFunction(aten.add.Tensor, Ignored(), Arg()).match(diff, g));
  assert.deepEqual(names(ig.args), ["y"]);
  assert.deepEqual(ig.kwargs, {});
});

test("kwargs patterns: named kwargs compared (defaults normalised from the schema), others ignored", () => {
  const g = new Graph();
  const x = g.placeholder("x"), y = g.placeholder("y");
  const a2 = g.callFunction(aten.add.Tensor, [x, y], { alpha: 2 });
  const a1 = g.callFunction(aten.add.Tensor, [x, y]);
  g.output([a2, a1]);
  ok(CallFunction(aten.add.Tensor, Arg(), Arg()).match(a2, g)); // kwarg alpha not named: ignored
  ok(CallFunction(aten.add.Tensor, Arg(), Arg(), { kwargs: { alpha: 2 } }).match(a2, g));
  fail(CallFunction(aten.add.Tensor, Arg(), Arg(), { kwargs: { alpha: 3 } }).match(a2, g), /constant_args/);
  ok(CallFunction(aten.add.Tensor, Arg(), Arg(), { kwargs: { alpha: 1 } }).match(a1, g)); // default filled in
  const m = ok(CallFunction(aten.add.Tensor, Arg(), Arg(), { kwargs: { alpha: KeywordArg("alpha") } }).match(a2, g));
  assert.equal(m.kwargs.alpha, 2);
});

test("ListOf: every element, partial, and shared multi-user producers matched once", () => {
  const g = new Graph();
  const x = g.placeholder("x"), y = g.placeholder("y");
  const c1 = g.callFunction(aten.cos.default, [x]);
  const c2 = g.callFunction(aten.cos.default, [y]);
  const c3 = g.callFunction(aten.cos.default, [x]);
  const s = g.callFunction(aten.sin.default, [y]);
  const all = g.callFunction(cat, [[c1, c2], 0]);
  const mixed = g.callFunction(cat, [[c3, s], 0]);
  const shared = g.callFunction(aten.cos.default, [x]);
  const r1 = g.callFunction(aten.relu.default, [shared]);
  const r2 = g.callFunction(aten.relu.default, [shared]);
  const both = g.callFunction(cat, [[r1, r2], 1]);
  g.output([all, mixed, both]);
  const p = CallFunction(cat, ListOf(CallFunction(aten.cos.default, Arg())), Ignored());
  assert.deepEqual(names(ok(p.match(all, g)).args), [[["x"], ["y"]]]);
  fail(p.match(mixed, g), /list\[1\]/);
  const partial = CallFunction(cat, ListOf(CallFunction(aten.cos.default, Arg()), { partial: true }), Ignored());
  // a multi-user element pattern is shared across elements: two different cos nodes cannot both bind it
  fail(CallFunction(cat, ListOf(CallFunction(aten.cos.default, Arg(), { _users: MULTIPLE })), Ignored()).match(all, g), /repeated pattern differs/);
  assert.deepEqual(names(ok(partial.match(mixed, g)).args), [[["x"]]]);
  const sharedP = CallFunction(cat, ListOf(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg(), { _users: MULTIPLE }))), 1);
  const m = ok(sharedP.match(both, g));
  assert.deepEqual(m.nodes, [shared, r1, r2, both]);
  assert.equal(m.nodes.filter((n) => n === shared).length, 1);
  fail(CallFunction(cat, ListOf(Arg()), Ignored()).match(g.callFunction(cat, [[], 0]), g), /non_list/);
});

test("_users: default 1, MULTIPLE, and the outermost node is exempt", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callFunction(aten.cos.default, [x]);
  const r = g.callFunction(aten.relu.default, [c]);
  const s = g.callFunction(aten.sin.default, [c]);
  g.output([r, s, r]);
  fail(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg())).match(r, g), /multiple_users/);
  ok(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg(), { _users: MULTIPLE })).match(r, g));
  ok(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg(), { _users: 2 })).match(r, g));
  ok(CallFunction(aten.cos.default, Arg()).match(c, g)); // 2 users, but it is the output
  ok(CallFunction(aten.relu.default, Arg()).match(r, g));
});

test("packet targets match every overload and register under each", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const a = g.callFunction(aten.add.Tensor, [x, x]);
  const b = g.callFunction(aten.add.Scalar, [a, 1]);
  g.output(b);
  ok(CallFunction(aten.add, Arg(), Arg()).match(a, g));
  ok(CallFunction(aten.add, Arg(), Arg()).match(b, g));
  const pass = new PatternMatcherPass();
  const seen: string[] = [];
  registerGraphPattern(CallFunction(aten.add, Arg(), Arg(), { _users: MULTIPLE }), { passDict: pass })((m) => { seen.push(m.outputNode().name); });
  assert.equal(pass.entriesFor("call_function", aten.add.Tensor).length, 1);
  assert.equal(pass.entriesFor("call_function", aten.add.Scalar).length, 1);
  assert.equal(pass.apply(g), 2);
  assert.deepEqual(seen, ["add_1", "add"]);
});

test("one reverse sweep: later nodes first, nodes created by a rewrite are not visited", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c0 = g.callFunction(aten.cos.default, [x]);
  const c1 = g.callFunction(aten.cos.default, [c0]);
  const c2 = g.callFunction(aten.cos.default, [c1]);
  g.output(c2);
  const pass = new PatternMatcherPass("cos_doubler");
  const visited: string[] = [];
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass })((m, inp: Node) => {
    const node = m.outputNode();
    visited.push(node.name);
    const extra = g.callFunction(aten.cos.default, [inp]); // inserted before node: a new candidate
    node.replaceInputWith(inp, extra);
  });
  assert.equal(pass.apply(g), 3);
  assert.deepEqual(visited, ["cos_2", "cos_1", "cos"]);
  assert.equal(targets(g).length, 6);
  g.lint();
  assert.equal(pass.apply(g), 6, "the second apply sees the new nodes");
});

test("entries tried in registration order; prepend puts one first; erased nodes stop the loop", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callFunction(aten.cos.default, [x]);
  g.output(c);
  const pass = new PatternMatcherPass();
  const order: string[] = [];
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass })(() => { order.push("first"); });
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass })(function eraser(m, inp: Node) {
    order.push("eraser");
    const s = g.callFunction(aten.sin.default, [inp]);
    m.outputNode().replaceAllUsesWith(s);
    m.eraseNodes();
  });
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass })(() => { order.push("never"); });
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass, prepend: true })(() => { order.push("prepended"); });
  assert.equal(pass.apply(g), 3);
  assert.deepEqual(order, ["prepended", "first", "eraser"]);
  assert.deepEqual(targets(g), ["aten.sin.default"]);
});

test("mutation regions: a match may not span an in-place op", () => {
  const build = (mutate: "fn" | "method" | null): Graph => {
    const g = new Graph();
    const x = g.placeholder("x"), y = g.placeholder("y");
    const c = g.callFunction(aten.cos.default, [x]);
    if (mutate === "fn") g.callFunction(add_, [y, y]);
    if (mutate === "method") g.callMethod("mul_", [y, y]);
    const r = g.callFunction(aten.relu.default, [c]);
    g.output(r);
    return g;
  };
  for (const [mode, expected] of [[null, 1], ["fn", 0], ["method", 0]] as const) {
    const pass = new PatternMatcherPass();
    registerGraphPattern(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg())), { passDict: pass })(() => {});
    assert.equal(pass.apply(build(mode)), expected, `mode ${mode}`);
  }
  const g = build("fn");
  const pass = new PatternMatcherPass();
  registerGraphPattern(CallFunction(aten.cos.default, Arg()), { passDict: pass })(() => {});
  assert.equal(pass.apply(g), 1, "a match inside one region is fine");
  assert.deepEqual(g.nodes.toArray().map((n) => n.meta.mutation_region_id), [0, 0, 0, 1, 1, 1]);
});

test("counters: extraCheck false does not count; a bailing handler still counts; nodes counted exactly", () => {
  const mk = (): Graph => {
    const g = new Graph();
    const x = g.placeholder("x");
    g.output(g.callFunction(aten.relu.default, [g.callFunction(aten.neg.default, [g.callFunction(aten.cos.default, [x])])]));
    return g;
  };
  const p = CallFunction(aten.relu.default, CallFunction(aten.neg.default, CallFunction(aten.cos.default, Arg())));
  const rejecting = new PatternMatcherPass();
  registerGraphPattern(p, { passDict: rejecting, extraCheck: () => false })(() => { throw new Error("not called"); });
  assert.equal(rejecting.apply(mk()), 0);
  assert.equal(counters.inductor.pattern_matcher_count, 0);
  assert.equal(counters.inductor.pattern_matcher_nodes, 0);
  const bailing = new PatternMatcherPass();
  let countAtHandler = -1;
  registerGraphPattern(p, { passDict: bailing })(() => { countAtHandler = counters.inductor.pattern_matcher_count; });
  const g = mk();
  const before = g.toString();
  assert.equal(bailing.apply(g), 1);
  assert.equal(g.toString(), before, "the handler left the graph alone");
  assert.equal(countAtHandler, 1, "counted before the handler");
  assert.equal(counters.inductor.pattern_matcher_count, 1);
  assert.equal(counters.inductor.pattern_matcher_nodes, 3);
});

test("registerLoweringPattern: conv+relu becomes one node calling the handler (counts 1 and 2)", () => {
  const g = new Graph();
  const x = g.placeholder("x"), w = g.placeholder("w"), b = g.placeholder("b");
  const conv = g.callFunction(convPointwise, [x, w, b, [1, 1], [1, 1], [1, 1], 1, "none", [], ""]);
  const relu = g.callFunction(aten.relu.default, [conv]);
  const out = g.callFunction(aten.neg.default, [relu]);
  g.output(out);
  const pass = new PatternMatcherPass();
  const pattern = CallFunction(aten.relu, CallFunction(convPointwise, Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), Arg(), { _users: 1 }));
  registerLowering(convPointwise, (...a: unknown[]) => ({ lowered: a }));
  try {
    const fn = registerLoweringPattern(pattern, { passDict: pass, extraCheck: () => true })(function fusedConvRelu(match: Match, ...args: unknown[]) {
      assert.ok(match instanceof Match);
      const computationArgs = [...args.slice(0, -3), "relu", [], ""];
      return lowerings.get(convPointwise)!(...computationArgs);
    });
    assert.equal(pass.apply(g), 1);
    assert.equal(counters.inductor.pattern_matcher_count, 1);
    assert.equal(counters.inductor.pattern_matcher_nodes, 2);
    const calls = g.nodes.toArray().filter((n) => n.op === "call_function");
    assert.equal(calls.length, 2);
    const fused = calls[0]!;
    assert.equal((fused.target as { name: string }).name, "fusedConvRelu");
    assert.equal(fused.meta.loweringPattern, fn);
    assert.deepEqual(names(fused.args), ["x", "w", "b", [1, 1], [1, 1], [1, 1], 1, "none", [], ""]);
    assert.equal(out.args[0], fused);
    const lowered = (fused.target as (...a: unknown[]) => { lowered: unknown[] })("X", "W", "B", [1, 1], [1, 1], [1, 1], 1, "none", [], "");
    assert.deepEqual(lowered.lowered, ["X", "W", "B", [1, 1], [1, 1], [1, 1], 1, "relu", [], ""]);
    g.lint();
  } finally {
    lowerings.delete(convPointwise);
  }
});

test("replaceWithGraph rewires getitem users of a list-returning replacement", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const sp = g.callFunction(splitTwo, [x]);
  const g0 = g.callFunction(getitem, [sp, 0]);
  const g1 = g.callFunction(getitem, [sp, 1]);
  const r = g.callFunction(aten.add.Tensor, [g0, g1]);
  g.output(r);
  const pass = new PatternMatcherPass();
  const repl = new Graph();
  const p = repl.placeholder("p");
  repl.output([repl.callFunction(aten.cos.default, [p]), repl.callFunction(aten.sin.default, [p])]);
  registerGraphPattern(CallFunction(splitTwo, Arg(), { _users: MULTIPLE }), { passDict: pass })((m, inp: Node) => m.replaceWithGraph(repl, [inp]));
  assert.equal(pass.apply(g), 1);
  g.lint();
  assert.deepEqual(targets(g), ["aten.cos.default", "aten.sin.default", "aten.add.Tensor"]);
  assert.deepEqual(names(r.args), ["cos", "sin"]);
});

test("MultiOutputPattern: anchored on the first output, both outputs rewired, graph stays sorted", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callFunction(aten.cos.default, [x]);
  const mid = g.callFunction(aten.relu.default, [c]);
  const s = g.callFunction(aten.sin.default, [x]);
  const out = g.callFunction(aten.add.Tensor, [mid, s]);
  g.output(out);
  const pattern = new MultiOutputPattern([CallFunction(aten.cos.default, KeywordArg("x")), CallFunction(aten.sin.default, KeywordArg("x"))]);
  const m = ok(pattern.match(c, g));
  assert.deepEqual(names(m.outputNodes()), ["cos", "sin"]);
  const repl = new Graph();
  const p = repl.placeholder("x");
  repl.output([repl.callFunction(aten.neg.default, [p]), repl.callFunction(aten.clone.default, [p])]);
  m.replaceWithGraph(repl, [x]);
  g.lint();
  assert.deepEqual(targets(g), ["aten.neg.default", "aten.clone.default", "aten.relu.default", "aten.add.Tensor"]);
  assert.equal(names(mid.args)[0], "neg");
  assert.equal(names(out.args)[1], "clone");
});

test("replaceByExample traces the replacement with the args' meta.val", () => {
  const g = traceAten((a: unknown, b: unknown) => aten.neg.default(aten.mul.Tensor(a, b)), [Tensor.empty([2, 3]), Tensor.empty([2, 3])]);
  const pass = new PatternMatcherPass();
  registerGraphPattern(CallFunction(aten.mul.Tensor, Arg(), Arg()), { passDict: pass })((m, a: Node, b: Node) => {
    m.replaceByExample((p: unknown, q: unknown) => aten.add.Tensor(aten.cos.default(p), q), [a, b]);
  });
  assert.equal(pass.apply(g), 1);
  g.lint();
  assert.deepEqual(targets(g), ["aten.cos.default", "aten.add.Tensor", "aten.neg.default"]);
  const add = g.nodes.toArray().find((n) => n.target === aten.add.Tensor)!;
  assert.deepEqual((add.meta.val as Tensor).shape, [2, 3]);
});

test("registerReplacement: generic pattern with Ignored constants, _users=0 output, specific check picks by constant", () => {
  const pass = new PatternMatcherPass("replacements");
  const e4 = [Tensor.empty([4])];
  const e22 = [Tensor.empty([2, 2])];
  const reg1 = registerReplacement((x: Tensor) => aten.cos.default(aten.view.default(x, [4])), (x: Tensor) => aten.sin.default(aten.view.default(x, [4])), e4, null, pass);
  registerReplacement((x: Tensor) => aten.cos.default(aten.view.default(x, [2, 2])), (x: Tensor) => aten.neg.default(aten.view.default(x, [2, 2])), e22, null, [pass]);
  assert.equal(String(reg1.pattern), "CallFunction(aten.cos.default, CallFunction(aten.view.default, KeywordArg(\"x\"), Ignored()), _users=0)");
  assert.deepEqual(reg1.argNames, ["x"]);
  const g = traceAten((x: unknown) => aten.relu.default(aten.cos.default(aten.view.default(x, [2, 2]))), [Tensor.empty([4])]);
  assert.equal(pass.apply(g), 1, "only the [2, 2] replacement passes its check");
  g.lint();
  assert.deepEqual(targets(g), ["aten.view.default", "aten.neg.default", "aten.relu.default"]);
  assert.equal(counters.inductor.pattern_matcher_count, 1);
  assert.equal(counters.inductor.pattern_matcher_nodes, 2);
});

test("registerReplacement on add/mul with extraCheck and exclusive args", () => {
  const ex = [Tensor.empty([3]), Tensor.empty([3])];
  const search = (a: Tensor, b: Tensor): unknown => aten.add.Tensor(aten.mul.Tensor(a, b), b);
  const replace = (a: Tensor, b: Tensor): unknown => aten.mul.Tensor(aten.add.Tensor(a, aten.ones_like.default(a)), b);
  const build = (): Graph => traceAten((x: unknown, y: unknown) => [aten.add.Tensor(aten.mul.Tensor(x, y), y), aten.add.Tensor(aten.mul.Tensor(x, x), x)], ex);
  const p1 = new PatternMatcherPass();
  registerReplacement(search, replace, ex, null, p1, { extraCheck: (m) => m.nodes.length === 2 });
  const g = build();
  assert.equal(p1.apply(g), 2);
  g.lint();
  assert.equal(targets(g).filter((t) => t === "aten.ones_like.default").length, 2);
  const p2 = new PatternMatcherPass();
  registerReplacement(search, replace, ex, null, p2, { exclusiveArgNames: ["a", "b"] });
  assert.equal(p2.apply(build()), 1, "mul(x, x) binds one node to two exclusive args");
  const p3 = new PatternMatcherPass();
  registerReplacement(search, replace, ex, null, p3, { extraCheck: () => false });
  assert.equal(p3.apply(build()), 0);
});

test("debugPatternMatcher explains failures on the named node", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callFunction(aten.cos.default, [x]);
  g.output([g.callFunction(aten.relu.default, [c]), c]);
  const pass = new PatternMatcherPass();
  registerGraphPattern(CallFunction(aten.relu.default, CallFunction(aten.cos.default, Arg())), { passDict: pass })(() => {});
  const lines: string[] = [];
  const prev = setPatternMatcherDebugSink((l) => lines.push(l));
  try {
    config.patch({ debugPatternMatcher: "relu" }, () => pass.apply(g));
  } finally {
    setPatternMatcherDebugSink(prev);
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /%relu .*no match: multiple_users/);
});

test("CallMethod patterns and a PatternMatcherPass as a config hook via runPass", () => {
  const g = new Graph();
  const x = g.placeholder("x");
  const c = g.callMethod("cos", [x]);
  g.output(c);
  const pass = new PatternMatcherPass();
  registerGraphPattern(CallMethod("cos", Arg()), { passDict: pass })((m) => { m.outputNode().target = "sin"; });
  runPass("preGradCustomPass", pass, g, "inference");
  assert.equal(c.target, "sin");
  assert.equal(counters.inductor.pattern_matcher_count, 1);
});
