// test/fuzz/pattern_matcher.fuzz: differential check of coil's pattern matcher. Random aten graphs
// (traced with traceAten) and random patterns (CallFunction / Arg / KeywordArg / Ignored, _users 1 or
// MULTIPLE, single targets, target lists and packets) are matched by PatternMatcherPattern.match and by
// PatternMatcherPass.apply, and compared with a brute-force reference matcher written here from
// pattern-matcher-rules.md. Random equivalence rewrites registered with registerReplacement must keep
// the graph lint-clean and its results unchanged. In: seeds. Out: pass/fail.

import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { Graph, GraphModule, Node } from "../../src/fx/index.js";
import { aten } from "../../src/ops/aten.js";
import { Tensor } from "../../src/tensor/tensor.js";
import * as coil from "../../src/index.js";
import { counters } from "../../src/utils/counters.js";
import {
  Arg, CallFunction, Ignored, KeywordArg, MULTIPLE, PatternMatcherPass, isMatch, registerGraphPattern, registerReplacement, traceAten,
  type Match, type PatternExpr,
} from "../../src/inductor/pattern_matcher/index.js";
import { Rng } from "../../tools/fuzz/rng.js";

beforeEach(() => counters.clear());

// ---- random graphs ----
type UnOp = "cos" | "sin" | "relu" | "neg";
type BinOp = "add" | "mul" | "sub";
const UN: UnOp[] = ["cos", "sin", "relu", "neg"];
const BIN: BinOp[] = ["add", "mul", "sub"];
const OVL = (name: string) => (UN.includes(name as UnOp) ? (aten as unknown as Record<string, { default: unknown }>)[name]!.default : (aten as unknown as Record<string, { Tensor: unknown }>)[name]!.Tensor);
interface GOp { op: UnOp | BinOp; args: number[] }
interface GProg { nIn: number; ops: GOp[]; outs: number[] }

function randomProg(r: Rng): GProg {
  const nIn = r.int(1, 3), ops: GOp[] = [];
  const n = r.int(2, 9);
  for (let k = 0; k < n; k++) {
    const avail = nIn + k;
    const pickArg = () => (r.bool(0.6) && avail > nIn ? r.int(Math.max(nIn, avail - 3), avail - 1) : r.int(0, avail - 1));
    if (r.bool(0.5)) ops.push({ op: r.pick(UN), args: [pickArg()] });
    else ops.push({ op: r.pick(BIN), args: [pickArg(), pickArg()] });
  }
  const outs = [nIn + n - 1];
  for (let k = 0; k < n - 1; k++) if (r.bool(0.25)) outs.push(nIn + k);
  return { nIn, ops, outs };
}

function evalProg(p: GProg, xs: unknown[]): unknown[] {
  const vals = [...xs];
  for (const o of p.ops) vals.push((OVL(o.op) as (...a: unknown[]) => unknown)(...o.args.map((a) => vals[a])));
  return p.outs.map((o) => vals[o]);
}
const progFn = (p: GProg) => (x0: unknown, x1: unknown, x2: unknown) => evalProg(p, [x0, x1, x2].slice(0, p.nIn));
const traceProg = (p: GProg): Graph => traceAten(progFn(p) as (...a: unknown[]) => unknown, Array.from({ length: p.nIn }, () => Tensor.empty([3], "float64")));
const callNodes = (g: Graph): Node[] => g.nodes.toArray().filter((n) => n.op === "call_function");

// ---- random patterns and the reference matcher ----
type PD =
  | { k: "arg" } | { k: "kw"; name: string } | { k: "ign" }
  | { k: "call"; targets: string[]; packet: boolean; args: PD[]; multiple: boolean };

function randomPattern(r: Rng, depth: number): PD {
  const targetsFor = (arity: number) => {
    const pool = arity === 1 ? UN : BIN;
    // Distinct targets: a repeated target registers the entry twice under one key (as in PyTorch).
    return r.bool(0.25) ? [...new Set([r.pick(pool), r.pick(pool)])] : [r.pick(pool)];
  };
  const arity = r.bool(0.5) ? 1 : 2;
  const child = (): PD => {
    if (depth > 0 && r.bool(0.45)) return randomPattern(r, depth - 1);
    return r.weighted([[{ k: "arg" } as PD, 3], [{ k: "kw", name: r.pick(["a", "b"]) } as PD, 2], [{ k: "ign" } as PD, 1]] as const);
  };
  const targets = targetsFor(arity);
  return { k: "call", targets, packet: targets.length === 1 && r.bool(0.2), args: Array.from({ length: arity }, child), multiple: r.bool(0.3) };
}

function buildPattern(pd: PD): unknown {
  switch (pd.k) {
    case "arg": return Arg();
    case "kw": return KeywordArg(pd.name);
    case "ign": return Ignored();
    case "call": {
      const fns = pd.packet ? (aten as unknown as Record<string, unknown>)[pd.targets[0]!] : pd.targets.length === 1 ? OVL(pd.targets[0]!) : pd.targets.map(OVL);
      return CallFunction(fns, ...pd.args.map(buildPattern), { _users: pd.multiple ? MULTIPLE : 1 });
    }
  }
}
const printPD = (pd: PD): string => pd.k === "call" ? `${pd.packet ? "aten." + pd.targets[0] : pd.targets.join("|")}(${pd.args.map(printPD).join(", ")})${pd.multiple ? "*" : ""}` : pd.k === "kw" ? `kw:${pd.name}` : pd.k;

interface RefMatch { args: unknown[]; kwargs: Record<string, unknown>; nodes: Set<Node> }

/** Brute-force matcher following pattern-matcher-rules.md (outermost node exempt from _users). */
function refMatch(pd: PD, node: Node): RefMatch | null {
  const st: RefMatch = { args: [], kwargs: {}, nodes: new Set() };
  const targetName = (n: Node) => String((n.target as { opName?: string }).opName);
  const overloadOk = (pdc: Extract<PD, { k: "call" }>, n: Node) =>
    pdc.packet ? targetName(n) === pdc.targets[0] : pdc.targets.some((t) => OVL(t) === n.target);
  const matchNode = (pdc: Extract<PD, { k: "call" }>, v: unknown, outer: boolean): boolean => {
    if (!(v instanceof Node) || v.op !== "call_function" || !overloadOk(pdc, v)) return false;
    if (v.args.length !== pdc.args.length) return false;
    if (!outer && !pdc.multiple && v.users.size !== 1) return false;
    st.nodes.add(v);
    return pdc.args.every((c, i) => matchArg(c, v.args[i]));
  };
  const matchArg = (c: PD, v: unknown): boolean => {
    switch (c.k) {
      case "arg": st.args.push(v); return true;
      case "ign": return true;
      case "kw":
        if (c.name in st.kwargs) return st.kwargs[c.name] === v;
        st.kwargs[c.name] = v; return true;
      case "call": return matchNode(c, v, false);
    }
  };
  return pd.k === "call" && matchNode(pd, node, true) ? st : null;
}

const nm = (v: unknown) => (v instanceof Node ? v.name : String(v));

test("pattern matcher fuzz: PatternExpr.match and PatternMatcherPass agree with a brute-force reference (600 graph/pattern pairs)", () => {
  let matches = 0, pairs = 0;
  for (let seed = 0; seed < 600; seed++) {
    const r = new Rng(seed * 7919 + 1);
    const prog = randomProg(r);
    const g = traceProg(prog);
    const pd = randomPattern(r, 2);
    const pattern = buildPattern(pd) as PatternExpr;
    const ctx = () => `seed ${seed}: pattern ${printPD(pd)}\n${g.toString()}`;
    const expected: string[] = [];
    for (const n of callNodes(g)) {
      pairs++;
      const ref = refMatch(pd, n);
      const got = pattern.match(n, g);
      assert.equal(isMatch(got), ref !== null, `${ctx()}\nat %${n.name}: coil ${isMatch(got) ? "matched" : "did not match"}, reference ${ref ? "matched" : "did not"}`);
      if (ref && isMatch(got)) {
        matches++;
        expected.push(n.name);
        const m = got as Match;
        assert.deepEqual(m.args.map(nm), ref.args.map(nm), `${ctx()}\nargs at %${n.name}`);
        assert.deepEqual(Object.fromEntries(Object.entries(m.kwargs).map(([k, v]) => [k, nm(v)])), Object.fromEntries(Object.entries(ref.kwargs).map(([k, v]) => [k, nm(v)])), `${ctx()}\nkwargs at %${n.name}`);
        assert.deepEqual(new Set(m.nodes.map(nm)), new Set([...ref.nodes].map(nm)), `${ctx()}\nnodes at %${n.name}`);
      }
    }
    // The pass: one sweep in reverse graph order; a handler that leaves the graph alone sees every match.
    const pass = new PatternMatcherPass("fuzz");
    const seen: string[] = [];
    registerGraphPattern(pattern, { passDict: pass })((m: Match) => { seen.push(m.outputNode().name); });
    counters.clear();
    const n = pass.apply(g);
    assert.deepEqual(seen, [...expected].reverse(), `${ctx()}\nPatternMatcherPass visit order/matches`);
    assert.equal(n, expected.length, `${ctx()}\napply() return value`);
    assert.equal(counters.inductor.pattern_matcher_count ?? 0, expected.length, `${ctx()}\npattern_matcher_count`);
  }
  assert.ok(matches > 50, `too few matches to be meaningful: ${matches} of ${pairs}`);
});

// ---- replacements: random equivalence rewrites ----
type Fn2 = (a: Tensor, b: Tensor) => unknown;
const A = aten as unknown as Record<string, Record<string, (...x: unknown[]) => Tensor>>;
const REWRITES: { name: string; search: Fn2; replace: Fn2; arity: 1 | 2 }[] = [
  { name: "add commutes", arity: 2, search: (a, b) => A.add!.Tensor!(a, b), replace: (a, b) => A.add!.Tensor!(b, a) },
  { name: "mul commutes", arity: 2, search: (a, b) => A.mul!.Tensor!(a, b), replace: (a, b) => A.mul!.Tensor!(b, a) },
  { name: "sub is add neg", arity: 2, search: (a, b) => A.sub!.Tensor!(a, b), replace: (a, b) => A.add!.Tensor!(a, A.neg!.default!(b)) },
  { name: "cos is even", arity: 1, search: (a) => A.cos!.default!(a), replace: (a) => A.cos!.default!(A.neg!.default!(a)) },
  { name: "neg neg is identity", arity: 1, search: (a) => A.neg!.default!(A.neg!.default!(a)), replace: (a) => A.mul!.Tensor!(a, A.ones_like!.default!(a)) },
  { name: "relu relu is relu", arity: 1, search: (a) => A.relu!.default!(A.relu!.default!(a)), replace: (a) => A.relu!.default!(a) },
  { name: "mul distributes over add", arity: 2, search: (a, b) => A.mul!.Tensor!(A.add!.Tensor!(a, b), b), replace: (a, b) => A.add!.Tensor!(A.mul!.Tensor!(a, b), A.mul!.Tensor!(b, b)) },
  { name: "sin(neg) is neg(sin)", arity: 1, search: (a) => A.sin!.default!(A.neg!.default!(a)), replace: (a) => A.neg!.default!(A.sin!.default!(a)) },
];

function realInputs(p: GProg, seed: number): Tensor[] {
  const r = new Rng(seed);
  return Array.from({ length: p.nIn }, () => coil.tensor(Array.from({ length: 3 }, () => r.next() * 4 - 2), { dtype: "float64" }));
}
const runGraph = (g: Graph, xs: Tensor[]): Float64Array[] => {
  const out = new GraphModule({}, g).forward(...xs) as Tensor[];
  return (Array.isArray(out) ? out : [out]).map((t) => t.toArray());
};

test("pattern matcher fuzz: registerReplacement with equivalent rewrites keeps lint clean and results unchanged (300 graphs)", () => {
  let replaced = 0;
  for (let seed = 0; seed < 300; seed++) {
    const r = new Rng(seed * 104729 + 5);
    const prog = randomProg(r);
    const g = traceProg(prog);
    const rw = r.pick(REWRITES);
    const xs = realInputs(prog, seed);
    const before = runGraph(g, xs);
    const nOut = (g.nodes.toArray().find((n) => n.op === "output")!.args[0] as unknown[]).length;
    const pass = new PatternMatcherPass("fuzz-replace");
    const ex = [Tensor.empty([3], "float64"), Tensor.empty([3], "float64")].slice(0, rw.arity);
    const search = rw.arity === 2 ? (a: Tensor, b: Tensor) => rw.search(a, b) : (a: Tensor) => rw.search(a, a);
    const replace = rw.arity === 2 ? (a: Tensor, b: Tensor) => rw.replace(a, b) : (a: Tensor) => rw.replace(a, a);
    registerReplacement(search as (...a: unknown[]) => unknown, replace as (...a: unknown[]) => unknown, ex, null, pass);
    const ctx = `seed ${seed}, rewrite "${rw.name}"\n${g.toString()}`;
    const n = pass.apply(g);
    replaced += n;
    assert.doesNotThrow(() => g.lint(), `graph lint after ${ctx}`);
    assert.equal((g.nodes.toArray().find((x) => x.op === "output")!.args[0] as unknown[]).length, nOut, `output count changed: ${ctx}`);
    const after = runGraph(g, xs);
    after.forEach((a, i) => a.forEach((v, j) => {
      const e = before[i]![j]!;
      assert.ok(Math.abs(v - e) <= 1e-9 * (1 + Math.abs(e)) || (Number.isNaN(v) && Number.isNaN(e)), `result ${i}[${j}] changed ${e} -> ${v} after ${ctx}\n${g.toString()}`);
    }));
  }
  assert.ok(replaced > 50, `too few replacements to be meaningful: ${replaced}`);
});
