// fx/graph: the fx Graph (torch.fx.Graph): a doubly linked list of Nodes with a root sentinel,
// node creation at a movable insert point, checked erasure, DCE, lint, stable topological sort,
// copying and torch.fx-format printing. In: node-building calls. Out: a mutable graph.

import { Node, type NodeOp, type Argument, mapArg, isTuple, tuple, targetName, forEachNode } from "./node.js";
import { Namespace, snakeCase, isIdentifier } from "./namespace.js";
import { generateCode, type GeneratedCode } from "./codegen.js";
import type { GraphModule } from "./graph_module.js";

/** A live view of a graph's nodes; iterating is safe while erasing or inserting (like torch.fx). */
export class NodeList implements Iterable<Node> {
  constructor(private readonly root: Node, private readonly graph: Graph) {}
  get length(): number { return this.graph._len; }
  *[Symbol.iterator](): Iterator<Node> {
    for (let cur = this.root._next; cur !== this.root; cur = cur._next) if (!cur._erased) yield cur;
  }
  *reversed(): IterableIterator<Node> {
    for (let cur = this.root._prev; cur !== this.root; cur = cur._prev) if (!cur._erased) yield cur;
  }
  toArray(): Node[] { return [...this]; }
  get first(): Node | undefined { return this.root._next === this.root ? undefined : this.root._next; }
  get last(): Node | undefined { return this.root._prev === this.root ? undefined : this.root._prev; }
}

function defaultNameFor(op: NodeOp, target: unknown): string {
  if (op === "call_function" || typeof target === "function") {
    const t = target as { kind?: string; opName?: string; name?: string };
    if (t && t.kind === "OpOverload" && t.opName) return t.opName;
    const n = typeof target === "function" ? (target as { name?: string }).name : targetName(target);
    return snakeCase(n && n.length ? n : "_unnamed");
  }
  return snakeCase(String(target));
}

export class Graph {
  /** @internal */
  readonly _root: Node;
  /** @internal */
  _len = 0;
  readonly #namespace = new Namespace();
  #insert: (n: Node) => void;
  owningModule: GraphModule | null = null;

  constructor() {
    this._root = new Node(this, "", "root" as NodeOp, "", [], {});
    this.#insert = (n) => this._root.prepend(n);
  }

  get nodes(): NodeList { return new NodeList(this._root, this); }

  // -------------------------------------------------------------------------------------------
  // creation

  createNode(op: NodeOp, target: unknown, args: Argument[] = [], kwargs: Record<string, Argument> = {}, name?: string, typeExpr?: string): Node {
    const VALID: NodeOp[] = ["placeholder", "get_attr", "call_function", "call_method", "call_module", "output"];
    if (!VALID.includes(op)) throw new TypeError(`Graph.createNode: unknown op '${String(op)}'; expected one of ${VALID.join(", ")}`);
    if (op === "call_function" && typeof target !== "function") {
      throw new TypeError(`Graph.createNode: call_function target must be a function, got ${typeof target}`);
    }
    if (op !== "call_function" && typeof target !== "string") {
      throw new TypeError(`Graph.createNode: ${op} target must be a string, got ${typeof target}`);
    }
    forEachNode(args, (n) => this.#checkOwned(n, "createNode"));
    forEachNode(kwargs, (n) => this.#checkOwned(n, "createNode"));
    const candidate = name ?? (op === "output" ? "output" : defaultNameFor(op, target));
    const node = new Node(this, this.#namespace.create(candidate), op, target, args, kwargs, typeExpr);
    this.#insert(node);
    this._len++;
    return node;
  }

  #checkOwned(n: Node, where: string): void {
    if (n.graph !== this) throw new Error(`Graph.${where}: argument %${n.name} belongs to another graph`);
    if (n._erased) throw new Error(`Graph.${where}: argument %${n.name} was erased from the graph`);
  }

  placeholder(name: string, opts: { defaultValue?: unknown; typeExpr?: string } = {}): Node {
    const args = "defaultValue" in opts ? [opts.defaultValue as Argument] : [];
    return this.createNode("placeholder", name, args, {}, undefined, opts.typeExpr);
  }
  getAttr(qualifiedName: string, typeExpr?: string): Node {
    return this.createNode("get_attr", qualifiedName, [], {}, undefined, typeExpr);
  }
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  callFunction(target: Function, args: Argument[] = [], kwargs: Record<string, Argument> = {}, typeExpr?: string): Node {
    return this.createNode("call_function", target, args, kwargs, undefined, typeExpr);
  }
  callMethod(methodName: string, args: Argument[] = [], kwargs: Record<string, Argument> = {}, typeExpr?: string): Node {
    return this.createNode("call_method", methodName, args, kwargs, undefined, typeExpr);
  }
  callModule(moduleName: string, args: Argument[] = [], kwargs: Record<string, Argument> = {}, typeExpr?: string): Node {
    return this.createNode("call_module", moduleName, args, kwargs, undefined, typeExpr);
  }
  /**
   * The graph's result. A plain array becomes a tuple (printed `return (a, b)` like dynamo/aot
   * graphs); pass `asList: true` to keep it a list (`return [a, b]`).
   */
  output(result: Argument, opts: { asList?: boolean; typeExpr?: string } = {}): Node {
    const r = Array.isArray(result) && !isTuple(result) && !opts.asList ? tuple(...(result as Argument[])) : result;
    return this.createNode("output", "output", [r], {}, undefined, opts.typeExpr);
  }

  /** Rename a node to a unique identifier derived from candidate; returns the new name. */
  rename(node: Node, candidate: string): string {
    node.name = this.#namespace.create(candidate);
    return node.name;
  }

  // -------------------------------------------------------------------------------------------
  // insert points

  #withInsert<T>(insert: (n: Node) => void, fn: () => T): T {
    const saved = this.#insert;
    this.#insert = insert;
    try {
      return fn();
    } finally {
      this.#insert = saved;
    }
  }

  #insertFnFor(node: Node | null, where: "before" | "after"): (n: Node) => void {
    if (node !== null) this.#checkOwned(node, where === "before" ? "insertingBefore" : "insertingAfter");
    if (where === "before") {
      const anchor = node ?? this._root._next; // null: the beginning of the graph
      if (anchor === this._root) return (n) => this._root.prepend(n);
      return (n) => anchor.prepend(n);
    }
    // After: successive nodes keep creation order (each goes after the previous one).
    let last = node ?? this._root._prev; // null: the end of the graph
    if (node === null) return (n) => this._root.prepend(n);
    return (n) => { last.append(n); last = n; };
  }

  /** Run fn with new nodes inserted before `node` (null: at the beginning of the graph). */
  insertingBefore<T>(node: Node | null, fn: () => T): T {
    return this.#withInsert(this.#insertFnFor(node, "before"), fn);
  }
  /** Run fn with new nodes inserted after `node`, in creation order (null: at the end). */
  insertingAfter<T>(node: Node | null, fn: () => T): T {
    return this.#withInsert(this.#insertFnFor(node, "after"), fn);
  }
  /** `using _ = g.insertPoint(n, "before")`: the previous insert point comes back on dispose. */
  insertPoint(node: Node | null, where: "before" | "after"): Disposable {
    const saved = this.#insert;
    this.#insert = this.#insertFnFor(node, where);
    return { [Symbol.dispose]: () => { this.#insert = saved; } } as Disposable;
  }

  // -------------------------------------------------------------------------------------------
  // removal and cleanup

  eraseNode(node: Node): void {
    if (node.graph !== this) throw new Error(`Graph.eraseNode: attempting to remove %${node.name} from the wrong graph`);
    if (node._erased) throw new Error(`Graph.eraseNode: %${node.name} was already erased`);
    if (node.users.size > 0) {
      const names = [...node.users.keys()].map((u) => `%${u.name}`).join(", ");
      throw new Error(`Graph.eraseNode: tried to erase node %${node.name} but it still has ${node.users.size} user(s) in the graph: ${names}`);
    }
    node._removeFromList();
    node._erased = true;
    this._len--;
    node._clearInputs();
  }

  /** Erase nodes without users that are not impure (placeholders, output, in-place, random ops). */
  eliminateDeadCode(isImpure: (n: Node) => boolean = (n) => n.isImpure()): boolean {
    let changed = false;
    for (const n of this.nodes.reversed()) {
      if (n.users.size === 0 && !isImpure(n)) {
        this.eraseNode(n);
        changed = true;
      }
    }
    return changed;
  }

  /** Move nodes the least needed so that every node comes after its inputs (torch's stable sort). */
  stableTopologicalSort(): void {
    const pending = this.nodes.toArray().reverse();
    const ready = new Set<Node>();
    const waiting = new Map<Node, Node[]>();
    let cursor: Node | null = null;
    while (pending.length) {
      const node = pending.pop()!;
      const waitingFor = node.allInputNodes.filter((x) => !ready.has(x));
      if (waitingFor.length) {
        const key = waitingFor[waitingFor.length - 1]!;
        const list = waiting.get(key) ?? [];
        list.push(node);
        waiting.set(key, list);
        continue;
      }
      ready.add(node);
      if (cursor !== null && cursor._next !== node) cursor.append(node);
      else if (cursor === null && this._root._next !== node) this._root.append(node);
      cursor = node;
      const w = waiting.get(node);
      if (w) {
        waiting.delete(node);
        for (let i = w.length - 1; i >= 0; i--) pending.push(w[i]!);
      }
    }
    if (waiting.size || ready.size !== this._len) {
      const stuck = [...waiting.values()].flat().map((n) => `%${n.name}`).join(", ");
      throw new Error(`Graph.stableTopologicalSort: the graph has a cycle or dangling inputs (stuck: ${stuck})`);
    }
  }

  /** Check the graph's invariants; throws an Error naming the first problem found. */
  lint(): void {
    const seen = new Set<Node>();
    const names = new Set<string>();
    let outputs = 0;
    let count = 0;
    for (let cur = this._root._next; cur !== this._root; cur = cur._next) {
      if (cur._next._prev !== cur) throw new Error(`Graph.lint: linked list corrupted after %${cur.name}`);
      if (cur._erased) throw new Error(`Graph.lint: erased node %${cur.name} is still linked into the graph`);
      if (cur.graph !== this) throw new Error(`Graph.lint: node %${cur.name} belongs to another graph`);
      if (!isIdentifier(cur.name)) throw new Error(`Graph.lint: node name '${cur.name}' is not a legal, unreserved JS identifier`);
      if (names.has(cur.name)) throw new Error(`Graph.lint: duplicate node name '${cur.name}'`);
      names.add(cur.name);
      for (const inp of cur.allInputNodes) {
        if (inp.graph !== this) throw new Error(`Graph.lint: node %${cur.name} uses %${inp.name}, which belongs to another graph`);
        if (inp._erased) throw new Error(`Graph.lint: node %${cur.name} uses %${inp.name}, which was erased (dangling reference)`);
        if (!seen.has(inp)) throw new Error(`Graph.lint: node %${cur.name} uses %${inp.name} before it is defined (graph is not topologically sorted)`);
        if (!inp.users.has(cur)) throw new Error(`Graph.lint: node %${cur.name} uses %${inp.name}, but %${inp.name}.users does not list it`);
      }
      for (const u of cur.users.keys()) {
        if (u.graph !== this || u._erased) throw new Error(`Graph.lint: %${cur.name}.users lists %${u.name}, which is not in this graph`);
        if (!u.allInputNodes.includes(cur)) throw new Error(`Graph.lint: %${cur.name}.users lists %${u.name}, but %${u.name} does not use it`);
      }
      if (cur.op === "output") {
        outputs++;
        if (cur.users.size) throw new Error(`Graph.lint: the output node %${cur.name} has users`);
      }
      if (cur.op === "call_function" && typeof cur.target !== "function") throw new Error(`Graph.lint: call_function %${cur.name} has a non-callable target`);
      if (cur.op !== "call_function" && typeof cur.target !== "string") throw new Error(`Graph.lint: ${cur.op} %${cur.name} must have a string target`);
      const owner = this.owningModule;
      if (owner && (cur.op === "get_attr" || cur.op === "call_module") && !owner.hasAttr(cur.target as string)) {
        throw new Error(`Graph.lint: ${cur.op} %${cur.name} references '${String(cur.target)}', which the owning module does not have`);
      }
      seen.add(cur);
      count++;
    }
    if (outputs > 1) throw new Error(`Graph.lint: the graph has ${outputs} output nodes`);
    if (count !== this._len) throw new Error(`Graph.lint: node count ${this._len} does not match the ${count} linked nodes`);
  }

  // -------------------------------------------------------------------------------------------
  // copying and queries

  /** Copy a node from another graph into this one; argTransform maps its input nodes. */
  nodeCopy(node: Node, argTransform: (n: Node) => Argument = (n) => n): Node {
    const args = mapArg(node.args, argTransform) as Argument[];
    const kwargs = mapArg(node.kwargs, argTransform) as Record<string, Argument>;
    const result = this.createNode(node.op, node.target, args, kwargs, node.name, node.type);
    result.meta = { ...node.meta };
    return result;
  }

  /**
   * Copy every node of `other` except its output into this graph (nodes already in valMap, e.g.
   * placeholders bound to existing values, are not copied); returns the mapped output value.
   */
  graphCopy(other: Graph, valMap: Map<Node, Node> = new Map()): Argument {
    let out: Argument = undefined;
    for (const n of other.nodes) {
      if (valMap.has(n)) continue;
      if (n.op === "output") {
        out = mapArg(n.args[0], (x) => valMap.get(x)!);
        continue;
      }
      valMap.set(n, this.nodeCopy(n, (x) => {
        const v = valMap.get(x);
        if (!v) throw new Error(`Graph.graphCopy: %${x.name} is used before it is defined`);
        return v;
      }));
    }
    return out;
  }

  copy(): Graph {
    const g = new Graph();
    const valMap = new Map<Node, Node>();
    const out = g.graphCopy(this, valMap);
    const oldOut = this.nodes.toArray().find((n) => n.op === "output");
    if (oldOut) {
      const o = g.createNode("output", "output", [out], {}, oldOut.name, oldOut.type);
      o.meta = { ...oldOut.meta };
    }
    return g;
  }

  findNodes(q: { op: NodeOp; target?: unknown }): Node[] {
    const out: Node[] = [];
    for (const n of this.nodes) if (n.op === q.op && (!("target" in q) || q.target === undefined || n.target === q.target)) out.push(n);
    return out;
  }

  /** The generated JavaScript for this graph (see codegen.ts). */
  toCode(): GeneratedCode {
    return generateCode(this);
  }

  toString(): string {
    let s = "graph():";
    for (const n of this.nodes) s += "\n    " + n.format();
    return s;
  }
}
