// inductor/pattern_matcher/patterns: the pattern language (CallFunction, Arg, KeywordArg, ListOf,
// MultiOutputPattern, ...) and the matching of one pattern at one node, as in PyTorch's pattern_matcher.
// In: patterns and fx nodes. Out: Match objects (captured args/kwargs, covered nodes) or FailedMatch reasons.

import { Node, type Graph } from "../../fx/index.js";
import { isOpOverload, isOpOverloadPacket } from "../../ops/registry.js";
import { Match, setFailedMatchCtor } from "./match.js";

/** `_users: MULTIPLE` accepts any number of users. */
export const MULTIPLE: unique symbol = Symbol("MULTIPLE");
export type Users = number | typeof MULTIPLE;

/** Why a match failed; the text is formatted lazily (matching tries many patterns). */
export class FailedMatch {
  readonly isFailedMatch = true;
  constructor(private readonly format: string, private readonly fmtArgs: unknown[] = []) {}
  get message(): string {
    let i = 0;
    return this.format.replace(/\{\}/g, () => fmt(this.fmtArgs[i++]));
  }
  toString(): string { return `FailedMatch(${this.message})`; }
}

export function fmt(x: unknown): string {
  if (x instanceof Node) return x.name;
  if (Array.isArray(x)) return `[${x.map(fmt).join(", ")}]`;
  if (typeof x === "function") return (x as { qualname?: string }).qualname ?? (x.name || "<fn>");
  if (typeof x === "symbol") return x.description ?? "symbol";
  if (typeof x === "object" && x !== null && !(x instanceof PatternExpr) && Object.getPrototypeOf(x) === Object.prototype) {
    return `{${Object.entries(x).map(([k, v]) => `${k}: ${fmt(v)}`).join(", ")}}`;
  }
  return String(x);
}

setFailedMatchCtor(FailedMatch);

export type MatchResult = Match | FailedMatch;
export function isMatch(m: MatchResult): m is Match { return m instanceof Match; }

/** State of one match attempt: outputs of the pattern, what each sub-pattern bound, exclusive nodes. */
export class MatchContext {
  exclusiveNodes: unknown[] = [];
  constructor(
    readonly outputs: readonly (PatternExpr | null)[],
    public patternToNode: Map<PatternExpr, unknown> = new Map(),
    readonly graph: Graph | null = null,
  ) {}

  match(pattern: PatternExpr, node: unknown): MatchResult {
    if (this.patternToNode.has(pattern)) {
      return this.patternToNode.get(pattern) === node ? new Match(this, pattern) : new FailedMatch("repeated pattern differs");
    }
    const m = pattern._match(node, this);
    this.patternToNode.set(pattern, isMatch(m) ? node : null);
    return m;
  }

  /** Bindings of patterns that allow several users (shared across ListOf elements). */
  filterMultiUserPatterns(): Map<PatternExpr, unknown> {
    return new Map([...this.patternToNode].filter(([p, n]) => p.hasMultipleUsers() && n !== null && n !== undefined));
  }
}

export abstract class PatternExpr {
  abstract _match(node: unknown, ctx: MatchContext): MatchResult;

  /** Match this pattern with `node` as its output. */
  match(node: Node, graph: Graph | null = null): MatchResult {
    try {
      return new MatchContext([this], new Map(), graph).match(this, node);
    } catch (e) {
      if (e instanceof FailedMatch) return e;
      throw e;
    }
  }

  hasMultipleUsers(): boolean { return false; }

  /** Nodes where this pattern could be anchored, given what the context already bound. */
  *findAnchorNodes(ctx: MatchContext, _searched: Set<Node>): Generator<unknown> {
    if (ctx.patternToNode.has(this)) yield ctx.patternToNode.get(this);
  }

  abstract toString(): string;
}

/** Capture anything as the next positional handler argument (depth-first order). */
export class ArgPattern extends PatternExpr {
  _match(node: unknown, ctx: MatchContext): MatchResult { return new Match(ctx, this, [node]); }
  toString(): string { return "Arg()"; }
}

/** Match anything; capture nothing. */
export class IgnoredPattern extends PatternExpr {
  _match(_node: unknown, ctx: MatchContext): MatchResult { return new Match(ctx, this); }
  toString(): string { return "Ignored()"; }
}

/** Capture a value under a name; a repeated name must bind the same node. */
export class KeywordArgPattern extends PatternExpr {
  constructor(readonly name: string) {
    super();
    if (typeof name !== "string" || name.length === 0) throw new TypeError(`KeywordArg: the name must be a non-empty string, got ${typeof name === "string" ? '""' : typeof name}`);
  }
  _match(node: unknown, ctx: MatchContext): MatchResult { return new Match(ctx, this, [], { [this.name]: node }); }
  /** Anchors on what this pattern, or another KeywordArg of the same name, already bound. */
  override *findAnchorNodes(ctx: MatchContext): Generator<unknown> {
    if (ctx.patternToNode.has(this)) { yield ctx.patternToNode.get(this); return; }
    for (const [p, n] of ctx.patternToNode) {
      if (p instanceof KeywordArgPattern && p.name === this.name && n !== null) { yield n; return; }
    }
  }
  toString(): string { return `KeywordArg(${JSON.stringify(this.name)})`; }
}

/** Like KeywordArg, but fails if the node was already bound by another exclusive arg. */
export class ExclusiveKeywordArgPattern extends PatternExpr {
  constructor(readonly name: string) {
    super();
    if (typeof name !== "string" || name.length === 0) throw new TypeError(`ExclusiveKeywordArg: the name must be a non-empty string, got ${typeof name === "string" ? '""' : typeof name}`);
  }
  _match(node: unknown, ctx: MatchContext): MatchResult {
    if (ctx.exclusiveNodes.includes(node)) return new FailedMatch("exclusive arg appears twice");
    ctx.exclusiveNodes.push(node);
    return new Match(ctx, this, [], { [this.name]: node });
  }
  toString(): string { return `ExclusiveKeywordArg(${JSON.stringify(this.name)})`; }
}

export type FxOp = "call_function" | "call_method" | "call_module";

/** The options object that may close a CallFunction/CallMethod/CallModule argument list. */
export interface CallOptions {
  /** Users the matched node must have: a number (default 1) or MULTIPLE. The match's outputs are exempt. */
  _users?: Users;
  /** Keyword-argument patterns (or constants); node kwargs the pattern does not name are ignored. */
  kwargs?: Record<string, unknown>;
}

const OPTION_KEYS = new Set(["_users", "kwargs"]);
function isCallOptions(x: unknown): x is CallOptions {
  return typeof x === "object" && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype
    && !(x instanceof PatternExpr) && Object.keys(x).every((k) => OPTION_KEYS.has(k));
}

/** Split `...args` of a CallX factory into patterns and the trailing options object. */
export function splitCallArgs(rest: unknown[]): { args: unknown[]; opts: CallOptions } {
  if (rest.length && isCallOptions(rest[rest.length - 1])) return { args: rest.slice(0, -1), opts: rest[rest.length - 1] as CallOptions };
  return { args: rest, opts: {} };
}

/**
 * Flatten args/kwargs into leaves plus a structure string. `deep` (used when the pattern itself holds
 * lists) flattens nested arrays pytree-style; otherwise only the top level is split, so a list
 * argument is one leaf that Ignored()/Arg()/ListOf() can take whole (as PyTorch's simple_flatten).
 */
export function flattenArgs(args: readonly unknown[], kwargs: Record<string, unknown>, deep = true): { items: unknown[]; spec: string } {
  const items: unknown[] = [];
  const walk = (x: unknown, top = false): string => {
    if (Array.isArray(x) && (deep || top)) return `[${x.map((e) => walk(e)).join(",")}]`;
    items.push(x);
    return "*";
  };
  const a = walk(args, true);
  const keys = Object.keys(kwargs).sort();
  const k = keys.map((key) => `${key}:${walk(kwargs[key])}`).join(",");
  return { items, spec: `${a}{${k}}` };
}

function constEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a === "boolean" || typeof b === "boolean") return (a === 0 || a === 1 || typeof a === "boolean") && (b === 0 || b === 1 || typeof b === "boolean") && Number(a) === Number(b);
  return false;
}

/** Base of the patterns that match one call node. */
export abstract class TargetExpr extends PatternExpr {
  readonly fns: unknown[];
  readonly fnsSet: Set<unknown>;
  abstract readonly op: FxOp;
  users: Users;

  constructor(fns: unknown, users: Users = 1) {
    super();
    this.fns = Array.isArray(fns) ? [...fns] : [fns];
    const kind = this.constructor.name.replace(/Pattern$/, "");
    if (this.fns.length === 0) throw new TypeError(`${kind}: needs at least one target`);
    for (const f of this.fns) {
      const ok = kind.startsWith("CallFunction") ? typeof f === "function" || isOpOverloadPacket(f) : typeof f === "string" && f.length > 0;
      if (!ok) {
        const want = kind.startsWith("CallFunction") ? "a function, an op overload or an op overload packet" : "a non-empty string";
        throw new TypeError(`${kind}: each target must be ${want}, got ${f === null ? "null" : typeof f}`);
      }
    }
    if (users !== MULTIPLE && !(Number.isInteger(users) && (users as number) >= 0)) throw new TypeError(`${kind}: _users must be a non-negative integer or MULTIPLE, got ${String(users)}`);
    this.fnsSet = new Set(this.fns);
    this.users = users;
  }

  matchFns(node: Node): boolean {
    if (node.op !== this.op) return false;
    const t = node.target;
    return this.fnsSet.has(t) || (isOpOverload(t) && this.fnsSet.has(t.packet));
  }

  matchUsers(node: Node, ctx: MatchContext): boolean {
    return ctx.outputs.includes(this) || this.users === MULTIPLE || node.users.size === this.users;
  }

  override hasMultipleUsers(): boolean { return this.users === MULTIPLE || this.users > 1; }

  fnsRepr(): string {
    return this.fns.length === 1 ? fmt(this.fns[0]) : `[${this.fns.map(fmt).join(", ")}]`;
  }

  /** The concrete (op, target) keys this pattern is registered under (packets expand to overloads). */
  registrationTargets(): unknown[] {
    const out: unknown[] = [];
    for (const f of this.fns) {
      if (isOpOverloadPacket(f)) out.push(...f.overloads());
      else out.push(f);
    }
    return out;
  }
}

/** A call node whose args/kwargs are matched by sub-patterns or compared as constants. */
export abstract class TargetArgsExpr extends TargetExpr {
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
  private flat: { items: unknown[]; spec: string };

  constructor(fns: unknown, args: unknown[], opts: CallOptions) {
    super(fns, opts._users ?? 1);
    this.args = args;
    this.kwargs = { ...(opts.kwargs ?? {}) };
    this.deep = [...this.args, ...Object.values(this.kwargs)].some((x) => Array.isArray(x));
    this.flat = flattenArgs(this.args, this.kwargs, this.deep);
  }
  private readonly deep: boolean;

  get flatItems(): unknown[] { return this.flat.items; }

  _match(node: unknown, ctx: MatchContext): MatchResult {
    if (!(node instanceof Node) || !this.matchFns(node) || node.args.length !== this.args.length) {
      return new FailedMatch("function_mismatch: node={}, pattern={}", [node, this]);
    }
    if (!this.matchUsers(node, ctx)) return new FailedMatch("multiple_users {} (node {} has {} users)", [this, node, node.users.size]);
    const args = node.args as unknown[];
    let kwargs = node.kwargs as Record<string, unknown>;
    if (Object.keys(kwargs).length < Object.keys(this.kwargs).length) kwargs = normalizeKwargs(node);
    const picked: Record<string, unknown> = {};
    for (const k of Object.keys(kwargs)) if (k in this.kwargs) picked[k] = kwargs[k];
    const nodeFlat = flattenArgs(args, picked, this.deep);
    if (nodeFlat.spec !== this.flat.spec) return new FailedMatch("args_structure {} {}", [nodeFlat.spec, this.flat.spec]);
    const m = new Match(ctx, this);
    const selfItems = this.flat.items;
    for (let i = 0; i < selfItems.length; i++) {
      const pattern = selfItems[i];
      const child = nodeFlat.items[i];
      if (pattern instanceof PatternExpr) {
        const cm = ctx.match(pattern, child);
        if (!isMatch(cm)) return cm;
        m.extend(cm);
      } else if (child instanceof Node || !constEqual(child, pattern)) {
        return new FailedMatch("constant_args: {} {}!={}", [node, child, pattern]);
      }
    }
    m.nodes.push(node);
    m.targets.set(this, node.target);
    return m;
  }

  override *findAnchorNodes(ctx: MatchContext, searched: Set<Node>): Generator<unknown> {
    if (ctx.patternToNode.has(this)) {
      yield ctx.patternToNode.get(this);
      return;
    }
    for (const pattern of this.flat.items) {
      if (!(pattern instanceof PatternExpr)) continue;
      for (const other of pattern.findAnchorNodes(ctx, searched)) {
        if (!(other instanceof Node)) continue;
        for (const user of other.users.keys()) {
          if (!searched.has(user) && this.matchFns(user)) {
            yield user;
            searched.add(user);
          }
        }
      }
    }
  }

  toString(): string {
    const parts = [this.fnsRepr(), ...this.args.map(fmt)];
    for (const [k, v] of Object.entries(this.kwargs)) parts.push(`${k}=${fmt(v)}`);
    if (this.users !== 1) parts.push(`_users=${this.users === MULTIPLE ? "MULTIPLE" : this.users}`);
    return `${this.constructor.name.replace(/Pattern$/, "")}(${parts.join(", ")})`;
  }
}

/** Fill in schema defaults so pattern kwargs the node omitted can be compared. */
function normalizeKwargs(node: Node): Record<string, unknown> {
  const t = node.target;
  const kwargs = { ...(node.kwargs as Record<string, unknown>) };
  if (!isOpOverload(t)) return kwargs;
  const positional = t.schema.args.filter((a) => !a.kwargOnly);
  for (let i = node.args.length; i < positional.length; i++) {
    const a = positional[i]!;
    if (!(a.name in kwargs) && (a.hasDefault || a.type.optional)) kwargs[a.name] = a.hasDefault ? a.default : null;
  }
  for (const a of t.schema.args) {
    if (a.kwargOnly && !(a.name in kwargs) && (a.hasDefault || a.type.optional)) kwargs[a.name] = a.hasDefault ? a.default : null;
  }
  return kwargs;
}

export class CallFunctionPattern extends TargetArgsExpr { readonly op = "call_function" as const; }
export class CallMethodPattern extends TargetArgsExpr { readonly op = "call_method" as const; }
export class CallModulePattern extends TargetArgsExpr { readonly op = "call_module" as const; }

/** Matches a call with any arguments; captures all args (positional) and kwargs. */
export class CallFunctionVarArgsPattern extends TargetExpr {
  readonly op = "call_function" as const;
  _match(node: unknown, ctx: MatchContext): MatchResult {
    if (!(node instanceof Node) || !this.matchFns(node)) return new FailedMatch("function_mismatch: node={}, pattern={}", [node, this]);
    if (!this.matchUsers(node, ctx)) return new FailedMatch("multiple_users {}", [this]);
    const m = new Match(ctx, this, [...(node.args as unknown[])], { ...(node.kwargs as Record<string, unknown>) });
    m.nodes.push(node);
    m.targets.set(this, node.target);
    return m;
  }
  toString(): string { return `CallFunctionVarArgs(${this.fnsRepr()})`; }
}

/** A non-empty list whose every element (partial: at least one) matches `pattern`. */
export class ListOfPattern extends PatternExpr {
  constructor(readonly pattern: PatternExpr, readonly partial = false) { super(); }
  _match(node: unknown, ctx: MatchContext): MatchResult {
    if (!Array.isArray(node) || node.length === 0) return new FailedMatch("non_list");
    const m = new Match(ctx, this);
    let shared = ctx.filterMultiUserPatterns();
    let matched = false;
    for (let i = 0; i < node.length; i++) {
      const child = new MatchContext(ctx.outputs, shared, ctx.graph);
      const cm = child.match(this.pattern, node[i]);
      shared = child.filterMultiUserPatterns();
      if (!isMatch(cm)) {
        if (!this.partial) return new FailedMatch("list[{}]: {}", [i, cm.message]);
        continue;
      }
      matched = true;
      m.extend(cm.bundle());
    }
    if (!matched) return new FailedMatch("list: no_match");
    return m.bundle();
  }
  toString(): string { return `ListOf(${this.pattern}${this.partial ? ", partial=true" : ""})`; }
}

/** Several outputs, anchored on the first; later outputs are found among users of bound nodes. */
export class MultiOutputPattern extends PatternExpr {
  readonly outputs: (PatternExpr | null)[];
  constructor(outputs: readonly (PatternExpr | null)[]) {
    super();
    const first = outputs[0];
    if (!(first instanceof TargetExpr)) throw new TypeError("MultiOutputPattern: the first output must be a CallFunction/CallMethod/CallModule pattern");
    this.outputs = [...outputs];
  }
  get fns(): unknown[] { return (this.outputs[0] as TargetExpr).fns; }
  get op(): FxOp { return (this.outputs[0] as TargetExpr).op; }
  registrationTargets(): unknown[] { return (this.outputs[0] as TargetExpr).registrationTargets(); }

  override match(node: Node, graph: Graph | null = null): MatchResult {
    try {
      return new MatchContext(this.outputs, new Map(), graph).match(this, node);
    } catch (e) {
      if (e instanceof FailedMatch) return e;
      throw e;
    }
  }

  _match(node: unknown, ctx: MatchContext): MatchResult {
    const m = ctx.match(this.outputs[0]!, node);
    if (!isMatch(m)) return m;
    for (const pattern of this.outputs.slice(1)) {
      if (pattern === null) continue;
      const cm = this.matchFromAnchors(pattern, ctx);
      if (!isMatch(cm)) return cm;
      m.extend(cm);
    }
    return m;
  }

  private matchFromAnchors(pattern: PatternExpr, ctx: MatchContext): MatchResult {
    const prior = new Map(ctx.patternToNode);
    let m: MatchResult = new FailedMatch("no anchor found");
    for (const node of pattern.findAnchorNodes(ctx, new Set())) {
      m = ctx.match(pattern, node);
      if (isMatch(m)) return m;
      ctx.patternToNode = new Map(prior); // undo partial bindings of the failed try
    }
    return m;
  }

  toString(): string { return `MultiOutputPattern([\n  ${this.outputs.map(String).join(",\n  ")}\n])`; }
}

// Factories in PyTorch's spelling (the classes are exported too, for instanceof checks).
export const Arg = (): ArgPattern => new ArgPattern();
export const Ignored = (): IgnoredPattern => new IgnoredPattern();
export const KeywordArg = (name: string): KeywordArgPattern => new KeywordArgPattern(name);
export const ExclusiveKeywordArg = (name: string): ExclusiveKeywordArgPattern => new ExclusiveKeywordArgPattern(name);
/** `CallFunction(target | [targets], ...argPatterns, { _users?, kwargs? }?)`. */
export function CallFunction(fns: unknown, ...rest: unknown[]): CallFunctionPattern {
  const { args, opts } = splitCallArgs(rest);
  return new CallFunctionPattern(fns, args, opts);
}
/** `CallMethod("methodName", self, ...argPatterns, opts?)`. */
export function CallMethod(fns: string | string[], ...rest: unknown[]): CallMethodPattern {
  const { args, opts } = splitCallArgs(rest);
  return new CallMethodPattern(fns, args, opts);
}
/** `CallModule("submodule.path", ...argPatterns, opts?)`. */
export function CallModule(fns: string | string[], ...rest: unknown[]): CallModulePattern {
  const { args, opts } = splitCallArgs(rest);
  return new CallModulePattern(fns, args, opts);
}
export function CallFunctionVarArgs(fns: unknown, opts: { _users?: Users } = {}): CallFunctionVarArgsPattern {
  return new CallFunctionVarArgsPattern(fns, opts._users ?? 1);
}
export const ListOf = (pattern: PatternExpr, opts: { partial?: boolean } = {}): ListOfPattern => new ListOfPattern(pattern, opts.partial ?? false);
