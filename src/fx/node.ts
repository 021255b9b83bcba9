// fx/node: one instruction of an fx Graph (torch.fx.Node): op kind, target, args/kwargs that may
// reference other nodes, and the users bookkeeping that graph surgery relies on.
// In: op, target, arguments. Out: Node objects, argument mapping helpers, torch.fx-style formatting.

import type { Graph } from "./graph.js";

export type NodeOp = "placeholder" | "get_attr" | "call_function" | "call_method" | "call_module" | "output";

/** What a node's args may hold: nodes, literals, objects (DType, constants), lists, tuples, dicts. */
export type Argument =
  | Node | number | string | boolean | bigint | null | undefined | object
  | Argument[] | { [k: string]: Argument };

// ---------------------------------------------------------------------------------------------
// tuples: JS has only arrays; a tuple is an array carrying a hidden marker (printed as `(a, b)`).

const TUPLE = Symbol("fx.tuple");

/** Make a tuple (printed `(a, b)` like Python's; generated code and the interpreter see an array). */
export function tuple(...items: Argument[]): Argument[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}
export function isTuple(x: unknown): x is unknown[] {
  return Array.isArray(x) && (x as unknown as Record<symbol, unknown>)[TUPLE] === true;
}

/** A plain dict (`{}` literal or null-prototype object); class instances are leaves. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const p = Object.getPrototypeOf(x);
  if (p !== Object.prototype && p !== null) return false;
  // DTypes and other record-like values with their own toString are leaves, not dicts.
  return !("itemsize" in x) && !Object.prototype.hasOwnProperty.call(x, "toString");
}

/** Apply fn to every leaf of a nested list/tuple/dict structure; containers are rebuilt (and frozen). */
export function mapAggregate(a: Argument, fn: (x: Argument) => Argument): Argument {
  if (Array.isArray(a)) {
    const out = a.map((e) => mapAggregate(e as Argument, fn));
    if (isTuple(a)) Object.defineProperty(out, TUPLE, { value: true });
    return Object.freeze(out) as Argument;
  }
  if (isPlainObject(a) && !(a instanceof Node)) {
    const out: Record<string, Argument> = {};
    for (const [k, v] of Object.entries(a)) out[k] = mapAggregate(v as Argument, fn);
    return Object.freeze(out);
  }
  return fn(a);
}

/** Apply fn to every Node inside a (nested) argument. */
export function mapArg(a: Argument, fn: (n: Node) => Argument): Argument {
  return mapAggregate(a, (x) => (x instanceof Node ? fn(x) : x));
}

/** Visit every Node inside a (nested) argument, in order. */
export function forEachNode(a: Argument, fn: (n: Node) => void): void {
  if (a instanceof Node) fn(a);
  else if (Array.isArray(a)) for (const e of a) forEachNode(e as Argument, fn);
  else if (isPlainObject(a)) for (const v of Object.values(a)) forEachNode(v as Argument, fn);
}

// ---------------------------------------------------------------------------------------------
// printing

/** How a target prints: `aten.cos.default` (OpOverload), `coil.mm` (coil function), else its name. */
export function targetName(t: unknown): string {
  if (typeof t === "string") return t;
  if (typeof t === "function" || (typeof t === "object" && t !== null)) {
    const o = t as { kind?: string; qualname?: string; coilName?: string; fxName?: string; name?: string };
    if (o.kind === "OpOverload" && typeof o.qualname === "string") return o.qualname;
    if (typeof o.coilName === "string") return o.coilName;
    if (typeof o.fxName === "string") return o.fxName;
    if (typeof t === "function") return o.name || "<anonymous>";
  }
  return String(t);
}

/** Format an argument as torch.fx's `_format_arg` does (nodes as `%name`, Python literals). */
export function formatArg(a: unknown, nodePrefix = "%"): string {
  if (a instanceof Node) return nodePrefix + a.name;
  if (Array.isArray(a)) {
    const items = a.map((e) => formatArg(e, nodePrefix)).join(", ");
    if (isTuple(a)) return `(${items}${a.length === 1 ? "," : ""})`;
    return `[${items}]`;
  }
  if (a === null || a === undefined) return "None";
  if (a === true) return "True";
  if (a === false) return "False";
  if (typeof a === "number") {
    if (Number.isNaN(a)) return "nan";
    if (a === Infinity) return "inf";
    if (a === -Infinity) return "-inf";
    return String(a);
  }
  if (typeof a === "string") return a;
  if (typeof a === "function") return targetName(a);
  if (isPlainObject(a)) {
    return `{${Object.entries(a).map(([k, v]) => `${k}: ${formatArg(v, nodePrefix)}`).join(", ")}}`;
  }
  return String(a);
}

// ---------------------------------------------------------------------------------------------
// Node

/** Operators that are impure by their name (random sampling, dropout) when no tags are available. */
const RANDOM_NAME = /(^|[._])(rand|randn|randint|rand_like|randn_like|randperm|dropout|bernoulli|multinomial|normal|uniform|native_dropout)(_|$|\.)/;

export class Node {
  readonly graph: Graph;
  readonly op: NodeOp;
  #name: string;
  target: unknown;
  /** Optional type annotation printed after the name (`%x : Tensor [num_users=1]`). */
  type: string | undefined;
  meta: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly users = new Map<Node, null>();
  #args: readonly Argument[] = Object.freeze([]);
  #kwargs: Readonly<Record<string, Argument>> = Object.freeze({});
  /** Distinct input nodes, in first-use order (args, then kwargs). */
  #inputNodes = new Map<Node, null>();
  /** @internal linked list */
  _prev: Node;
  /** @internal linked list */
  _next: Node;
  /** @internal set once erased from its graph */
  _erased = false;

  /** @internal use Graph.createNode */
  constructor(graph: Graph, name: string, op: NodeOp, target: unknown, args: Argument[], kwargs: Record<string, Argument>, type?: string) {
    this.graph = graph;
    this.#name = name;
    this.op = op;
    this.target = target;
    this.type = type;
    this._prev = this;
    this._next = this;
    this.#update(args, kwargs);
  }

  get name(): string { return this.#name; }
  /** Renaming: prefer Graph.rename(node, candidate) which keeps names unique. */
  set name(v: string) { this.#name = v; }

  get args(): Argument[] { return this.#args as Argument[]; }
  set args(a: Argument[]) { this.#update(a, this.#kwargs as Record<string, Argument>); }
  get kwargs(): Record<string, Argument> { return this.#kwargs as Record<string, Argument>; }
  set kwargs(k: Record<string, Argument>) { this.#update(this.#args as Argument[], k); }

  get prev(): Node { return this._prev; }
  get next(): Node { return this._next; }
  get isErased(): boolean { return this._erased; }

  /** The stack trace of the user code that created this node (printed as a comment in code). */
  get stackTrace(): string | undefined { return this.meta.stackTrace as string | undefined; }
  set stackTrace(s: string | undefined) { this.meta.stackTrace = s; }

  get allInputNodes(): Node[] { return [...this.#inputNodes.keys()]; }

  #update(args: Argument[], kwargs: Record<string, Argument>): void {
    if (!Array.isArray(args)) throw new TypeError(`Node ${this.#name}: args must be an array, got ${typeof args}`);
    if (!isPlainObject(kwargs)) throw new TypeError(`Node ${this.#name}: kwargs must be a plain object`);
    const newArgs = mapAggregate(args as Argument, (x) => x) as Argument[];
    const newKwargs = mapAggregate(kwargs as Argument, (x) => x) as Record<string, Argument>;
    for (const old of this.#inputNodes.keys()) old.users.delete(this);
    this.#inputNodes.clear();
    const add = (n: Node): void => {
      if (!this.#inputNodes.has(n)) this.#inputNodes.set(n, null);
    };
    forEachNode(newArgs, add);
    forEachNode(newKwargs, add);
    for (const n of this.#inputNodes.keys()) n.users.set(this, null);
    this.#args = newArgs;
    this.#kwargs = newKwargs;
  }

  updateArg(i: number, v: Argument): void {
    if (i < 0 || i >= this.#args.length) throw new RangeError(`Node ${this.#name}: updateArg index ${i} out of range for ${this.#args.length} args`);
    const a = this.#args.slice();
    a[i] = v;
    this.args = a;
  }

  updateKwarg(k: string, v: Argument): void {
    this.kwargs = { ...this.#kwargs, [k]: v };
  }

  /**
   * Make every user of this node use `replacement` instead (only users for which deleteUserCb
   * returns true). Returns the users that changed. propagateMeta copies this node's meta entries
   * that `replacement` lacks.
   */
  replaceAllUsesWith(replacement: Node, deleteUserCb: (user: Node) => boolean = () => true, opts: { propagateMeta?: boolean } = {}): Node[] {
    if (opts.propagateMeta) {
      for (const [k, v] of Object.entries(this.meta)) if (!(k in replacement.meta)) replacement.meta[k] = v;
    }
    const changed: Node[] = [];
    for (const user of [...this.users.keys()]) {
      if (!deleteUserCb(user)) continue;
      if (user === replacement) continue; // never make a node its own input
      user.replaceInputWith(this, replacement);
      changed.push(user);
    }
    return changed;
  }

  /** Replace every occurrence of oldInput in this node's args and kwargs. */
  replaceInputWith(oldInput: Node, newInput: Node): void {
    const m = (n: Node): Argument => (n === oldInput ? newInput : n);
    this.#update(mapArg(this.#args as Argument[], m) as Argument[], mapArg(this.#kwargs as Record<string, Argument>, m) as Record<string, Argument>);
  }

  /** Move n to just before this node. */
  prepend(n: Node): void {
    if (n === this) return;
    if (n.graph !== this.graph) throw new Error(`Node.prepend: %${n.name} belongs to another graph than %${this.#name}`);
    n._removeFromList();
    const p = this._prev;
    p._next = n;
    n._prev = p;
    n._next = this;
    this._prev = n;
  }

  /** Move n to just after this node. */
  append(n: Node): void {
    if (n === this) return;
    this._next.prepend(n);
  }

  /** @internal */
  _removeFromList(): void {
    const p = this._prev, nx = this._next;
    p._next = nx;
    nx._prev = p;
  }

  /** @internal drop this node's uses of its inputs (when erased). */
  _clearInputs(): void {
    const none = (): Argument => null;
    this.#update(mapArg(this.#args as Argument[], none) as Argument[], mapArg(this.#kwargs as Record<string, Argument>, none) as Record<string, Argument>);
  }

  /** Side-effecting nodes survive dead-code elimination. */
  isImpure(): boolean {
    if (this.op === "placeholder" || this.op === "output") return true;
    const t = this.target as { isImpure?: unknown; isInplace?: unknown; tags?: unknown; _isImpure?: unknown } | null;
    if (this.op === "call_function") {
      if (t && (t.isImpure === true || t.isInplace === true)) return true;
      const tags = t?.tags;
      if (tags instanceof Set && (tags.has("random") || tags.has("inplace"))) return true;
      const name = targetName(this.target);
      if (RANDOM_NAME.test(name)) return true;
      const last = name.split(".").pop() ?? "";
      return last.endsWith("_") && !last.endsWith("__") && (t as { kind?: string } | null)?.kind !== "OpOverload";
    }
    if (this.op === "call_method") {
      const name = String(this.target);
      return (name.endsWith("_") && !name.endsWith("__")) || RANDOM_NAME.test(name);
    }
    if (this.op === "call_module") {
      const owner = this.graph.owningModule;
      if (!owner || !owner.hasAttr(String(this.target))) return false;
      const m = owner.getAttr(String(this.target)) as { isImpure?: unknown; _isImpure?: unknown } | null;
      return !!m && (m.isImpure === true || m._isImpure === true);
    }
    return false;
  }

  /** One line of graph printing, exactly as torch.fx's Node.format_node. */
  format(): string {
    const typ = this.type ? `${this.type} ` : "";
    const head = `%${this.#name} : ${typ}[num_users=${this.users.size}] = `;
    switch (this.op) {
      case "placeholder": {
        const dflt = this.#args.length > 0 ? `(default=${formatArg(this.#args[0])})` : "";
        return `${head}placeholder[target=${String(this.target)}]${dflt}`;
      }
      case "output":
        return `return ${formatArg(this.#args[0], "")}`;
      case "get_attr":
        return `${head}get_attr[target=${String(this.target)}]`;
      default:
        return `${head}${this.op}[target=${targetName(this.target)}](args = ${formatArg(tuple(...this.#args))}, kwargs = ${formatArg(this.#kwargs)})`;
    }
  }

  toString(): string { return this.#name; }
}
