// inductor/pattern_matcher/register: the registration API (registerGraphPattern, registerLoweringPattern,
// registerReplacement) and fxToPattern, which turns a traced search function into a pattern.
// In: patterns or search/replace functions with example inputs. Out: entries added to PatternMatcherPasses.

import { Node, getitem, type Graph, type GraphModule } from "../../fx/index.js";
import {
  CallFunction, ExclusiveKeywordArg, Ignored, IgnoredPattern, KeywordArg, MultiOutputPattern, PatternExpr,
  TargetExpr, isMatch, type CallOptions,
} from "./patterns.js";
import type { Match } from "./match.js";
import {
  GraphPatternEntry, LoweringPatternEntry, ReplacementPatternEntry, PatternMatcherPass, type ExtraCheck,
} from "./pass.js";
import { exampleValueOf, getReplacementTracer, type ReplacementTracer } from "./replace.js";
import { parameterNames } from "./trace.js";

const returnTrue: ExtraCheck = () => true;
type PassDicts = PatternMatcherPass | readonly PatternMatcherPass[];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (match: Match, ...args: any[]) => unknown;

export interface RegisterOptions {
  extraCheck?: ExtraCheck;
  passDict: PassDicts;
  /** Put the entry first under its keys (tried before earlier registrations). */
  prepend?: boolean;
}

/**
 * `registerGraphPattern(pattern, { passDict, extraCheck?, prepend? })(handler)`: on a match the handler
 * runs as handler(match, ...args, kwargs?) with new nodes inserted before the matched output, and edits
 * the graph itself (it may also leave it alone; the match is counted either way). Returns the handler.
 */
export function registerGraphPattern(pattern: PatternExpr, opts: RegisterOptions): <H extends Handler>(handler: H) => H {
  return (handler) => {
    new GraphPatternEntry(pattern, opts.extraCheck ?? returnTrue, handler).register(opts.passDict, opts.prepend ?? false);
    return handler;
  };
}

/**
 * `registerLoweringPattern(pattern, { passDict, extraCheck? })(handler)`: the matched subgraph becomes
 * one call_function node (target: a function named like the handler; meta.loweringPattern = handler)
 * taking the match's args; lowering calls handler(match, ...loweredArgs, loweredKwargs?).
 */
export function registerLoweringPattern(pattern: PatternExpr, opts: RegisterOptions): <H extends Handler>(handler: H) => H {
  return (handler) => {
    new LoweringPatternEntry(pattern, opts.extraCheck ?? returnTrue, handler).register(opts.passDict, opts.prepend ?? false);
    return handler;
  };
}

// ---------------------------------------------------------------------------------------------
// fxToPattern

function isIgnorableConstant(x: unknown): boolean {
  if (typeof x === "number") return true; // PyTorch's int/float
  if (typeof x === "object" && x !== null && "itemsize" in x) return true; // dtype
  return false;
}

export interface FxToPatternOptions {
  /** Replace number/dtype/list constants by Ignored() (the generic pattern). */
  ignoreConstants?: boolean;
  argNames?: readonly string[];
  scalarWorkaround?: Record<string, number>;
  exclusiveArgNames?: readonly string[];
}

/** Build a pattern from a traced graph: placeholders become KeywordArgs, calls become CallFunctions. */
export function fxToPattern(g: Graph | GraphModule, opts: FxToPatternOptions = {}): PatternExpr {
  const graph: Graph = "nodes" in g ? (g as Graph) : (g as GraphModule).graph;
  const argNames = opts.argNames ?? [];
  const exclusive = new Set(opts.exclusiveArgNames ?? []);
  const invScalar = new Map<number, string>();
  for (const [k, v] of Object.entries(opts.scalarWorkaround ?? {})) invScalar.set(v, k);
  const env = new Map<Node, unknown>();
  let argnum = 0;
  const processArg = (x: unknown, ignoreNumbers: boolean): unknown => {
    if (x instanceof Node) return env.get(x);
    if (typeof x === "number" && invScalar.has(x)) return KeywordArg(invScalar.get(x)!);
    if (Array.isArray(x)) {
      const items = x.map((e) => processArg(e, ignoreNumbers));
      return items.length && items.every((e) => e instanceof IgnoredPattern) ? Ignored() : items;
    }
    if (opts.ignoreConstants && ignoreNumbers && isIgnorableConstant(x)) return Ignored();
    return x;
  };
  let result: unknown = null;
  for (const n of graph.nodes) {
    if (n.op === "placeholder") {
      const k = argnum++;
      const name = k < argNames.length ? argNames[k]! : String(n.target ?? n.name).replace(/_\d+$/, "");
      env.set(n, exclusive.has(name) ? ExclusiveKeywordArg(name) : KeywordArg(name));
    } else if (n.op === "call_function") {
      const keepIndex = n.target === getitem; // the index of a getitem keeps its int
      const args = n.args.map((a, i) => processArg(a, !(keepIndex && i === 1)));
      const kwargs: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(n.kwargs)) kwargs[key] = processArg(v, true);
      const o: CallOptions = { _users: n.users.size };
      if (Object.keys(kwargs).length) o.kwargs = kwargs;
      env.set(n, CallFunction(n.target, ...args, o));
    } else if (n.op === "output") {
      const out = n.args[0];
      if (Array.isArray(out)) {
        const pats = out.map((a) => processArg(a, true));
        for (const p of pats) if (!(p instanceof PatternExpr)) throw new Error(`fxToPattern: output ${String(p)} is not a pattern`);
        result = new MultiOutputPattern(pats as PatternExpr[]);
      } else {
        result = processArg(out, true);
        if (result instanceof TargetExpr) result.users = n.users.size; // PyTorch prints _users=0 here
      }
    } else {
      throw new Error(`fxToPattern: ${n.op} nodes are not supported (%${n.name})`);
    }
  }
  if (!(result instanceof PatternExpr)) throw new Error("fxToPattern: the traced function must return a value computed from its inputs");
  return result;
}

// ---------------------------------------------------------------------------------------------
// registerReplacement

export interface ReplacementOptions {
  extraCheck?: ExtraCheck;
  /** Scalar parameters: name -> the example value that stands for them in the traced search graph. */
  scalarWorkaround?: Record<string, number>;
  exclusiveArgNames?: readonly string[];
  /** Parameter names when they cannot be read from searchFn's source (bound or native functions). */
  argNames?: readonly string[];
  prepend?: boolean;
}

/** What registerReplacement built, for inspection. */
export interface ReplacementRegistration {
  pattern: PatternExpr;
  searchGraph: Graph;
  argNames: string[];
}

type AnyFn = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Register `searchFn` → `replaceFn`. Both are traced with `traceFn` (default: the replacement tracer).
 * The generic pattern ignores number/dtype/list constants; the check re-traces searchFn with the
 * matched inputs' meta.val (or the example inputs when nodes carry no values), requires that specific
 * pattern to match at the same output, runs extraCheck on it, and traces replaceFn for the rewrite.
 */
export function registerReplacement(
  searchFn: AnyFn, replaceFn: AnyFn, exampleInputs: readonly unknown[], traceFn: ReplacementTracer | null,
  passDicts: PassDicts, opts: ReplacementOptions = {},
): ReplacementRegistration {
  if (!Array.isArray(exampleInputs)) throw new TypeError("registerReplacement: exampleInputs must be an array");
  const names = opts.argNames ? [...opts.argNames] : parameterNames(searchFn);
  if (!names) throw new TypeError(`registerReplacement: cannot read the parameter names of ${searchFn.name || "searchFn"}; pass opts.argNames`);
  const argNames = names;
  const trace = (fn: AnyFn, args: readonly unknown[]): Graph => (traceFn ?? getReplacementTracer())(fn as (...a: unknown[]) => unknown, args);
  const scalar = opts.scalarWorkaround ?? {};
  const flatInputs: unknown[] = [];
  let idx = 0;
  for (const name of argNames) {
    if (name in scalar) flatInputs.push(scalar[name]);
    else {
      if (idx >= exampleInputs.length) throw new TypeError(`registerReplacement: no example input for parameter '${name}'`);
      flatInputs.push(exampleInputs[idx++]);
    }
  }
  const searchGraph = trace(searchFn, flatInputs);
  const patternOpts = { argNames, scalarWorkaround: scalar, exclusiveArgNames: opts.exclusiveArgNames ?? [] };
  const pattern = fxToPattern(searchGraph, { ...patternOpts, ignoreConstants: true });
  const userCheck = opts.extraCheck ?? returnTrue;

  const checkFn: ExtraCheck = (match) => {
    for (const name of argNames) {
      if (!(name in match.kwargs)) {
        throw new Error(`registerReplacement: not all inputs to the pattern were found in match.kwargs (is one unused?); argNames=${argNames.join(", ")}, kwargs=${Object.keys(match.kwargs).join(", ")}`);
      }
    }
    const matched = argNames.map((n) => match.kwargs[n]);
    const haveValues = matched.every((v) => !(v instanceof Node) || v.meta.val !== undefined || v.meta.example_value !== undefined);
    const args = haveValues ? matched.map(exampleValueOf) : flatInputs;
    const specificGraph = trace(searchFn, args);
    const specific = fxToPattern(specificGraph, { ...patternOpts, ignoreConstants: false });
    const sm = specific.match(match.outputNode(), match.graph);
    if (!isMatch(sm) || !userCheck(sm)) return false;
    match.replacementGraph = trace(replaceFn, args);
    return true;
  };
  const normalizeArgs = (_args: unknown[], kwargs: Record<string, unknown>): unknown[] => {
    const rest = { ...kwargs };
    const out = argNames.map((n) => { const v = rest[n]; delete rest[n]; return v; });
    for (let i = 1; `tangents_${i}` in rest; i++) { out.push(rest[`tangents_${i}`]); delete rest[`tangents_${i}`]; }
    if (Object.keys(rest).length) throw new Error(`registerReplacement: unexpected captures ${Object.keys(rest).join(", ")}`);
    return out;
  };
  new ReplacementPatternEntry(pattern, checkFn, normalizeArgs).register(passDicts, opts.prepend ?? false);
  return { pattern, searchGraph, argNames };
}
