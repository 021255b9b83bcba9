// fx/graph_module: GraphModule (torch.fx.GraphModule): a Graph plus the attributes it reads
// (parameters, constants, submodules), compiled to JavaScript by codegen and callable as a module.
// In: a root (module-like object, dict or GraphModule) and a Graph. Out: a callable module.

import type { Graph } from "./graph.js";
import { compileCode, type GeneratedCode } from "./codegen.js";

type Attrs = Record<string, unknown>;

function isContainer(x: unknown): x is Attrs {
  return (typeof x === "object" && x !== null) || typeof x === "function";
}

/** Resolve a dotted name on an object; `undefined` marks "missing". */
function resolvePath(root: unknown, qualified: string): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const part of qualified.split(".")) {
    if (!isContainer(cur) || !(part in (cur as object))) return { found: false };
    cur = (cur as Attrs)[part];
  }
  return { found: true, value: cur };
}

export class GraphModule {
  /** The module's own attributes (a tree keyed by dotted path segments). */
  readonly attrs: Attrs = Object.create(null) as Attrs;
  readonly className: string;
  #graph!: Graph;
  #code!: GeneratedCode;
  #fn!: (...args: unknown[]) => unknown;

  /**
   * Attributes used by get_attr / call_module nodes are copied (by reference) from root: a
   * GraphModule, a dict whose keys are qualified names, or an object walked along dotted paths.
   */
  constructor(root: object | Record<string, unknown>, graph: Graph, className = "GraphModule") {
    this.className = className;
    for (const n of graph.nodes) {
      if (n.op !== "get_attr" && n.op !== "call_module") continue;
      const q = n.target as string;
      if (this.hasAttr(q)) continue;
      let r: { found: boolean; value?: unknown };
      if (root instanceof GraphModule) r = root.hasAttr(q) ? { found: true, value: root.getAttr(q) } : { found: false };
      else if (Object.prototype.hasOwnProperty.call(root, q)) r = { found: true, value: (root as Attrs)[q] };
      else r = resolvePath(root, q);
      if (!r.found) throw new RangeError(`GraphModule: node %${n.name} (${n.op}) references '${q}', which root does not have`);
      this.setAttr(q, r.value);
    }
    this.graph = graph;
  }

  get graph(): Graph { return this.#graph; }
  /** Setting a new graph takes ownership of it and recompiles. */
  set graph(g: Graph) {
    this.#graph = g;
    g.owningModule = this;
    this.recompile();
  }

  /** The generated JavaScript of forward. */
  get code(): string { return this.#code.src; }

  /** Regenerate forward from the (possibly mutated) graph. */
  recompile(): GeneratedCode {
    this.#code = this.#graph.toCode();
    this.#fn = compileCode(this.#code, this.attrs);
    return this.#code;
  }

  forward(...args: unknown[]): unknown {
    return this.#fn(...args);
  }
  /** coil's module-call convention. */
  call(...args: unknown[]): unknown {
    return this.#fn(...args);
  }

  hasAttr(qualifiedName: string): boolean {
    return resolvePath(this.attrs, qualifiedName).found;
  }
  getAttr(qualifiedName: string): unknown {
    const r = resolvePath(this.attrs, qualifiedName);
    if (!r.found) throw new RangeError(`${this.className} has no attribute '${qualifiedName}'`);
    return r.value;
  }
  /** Set a (dotted) attribute, creating empty containers for missing intermediate names. */
  setAttr(qualifiedName: string, v: unknown): void {
    const parts = qualifiedName.split(".");
    let cur: Attrs = this.attrs;
    for (const p of parts.slice(0, -1)) {
      let next = cur[p];
      if (!isContainer(next)) {
        next = Object.create(null) as Attrs;
        cur[p] = next;
      }
      cur = next as Attrs;
    }
    const last = parts[parts.length - 1]!;
    if (cur[last] !== v) cur[last] = v;
  }
  deleteAttr(qualifiedName: string): void {
    const parts = qualifiedName.split(".");
    const parent = parts.length > 1 ? this.getAttr(parts.slice(0, -1).join(".")) : this.attrs;
    delete (parent as Attrs)[parts[parts.length - 1]!];
  }

  /** The module as readable source: `class GraphModule { forward(...) { ... } }`. */
  printReadable(opts: { print?: boolean } = {}): string {
    const body = this.code.split("\n").map((l) => "  " + l).join("\n");
    const s = `class ${this.className} {\n${body}\n}`;
    if (opts.print) console.log(s);
    return s;
  }

  toString(): string {
    return this.printReadable();
  }
}
