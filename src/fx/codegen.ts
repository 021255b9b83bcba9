// fx/codegen: turns a Graph into readable, runnable JavaScript (torch.fx's CodeGen): one `const`
// per node, targets bound from a globals table, `// stack trace` comments, output as the graph's
// structure. In: a Graph. Out: { src, globals } that GraphModule compiles with `new Function`.

import { Node, isPlainObject, targetName, type Argument } from "./node.js";
import { Namespace, isIdentifier, sanitize, snakeCase } from "./namespace.js";
import type { Graph } from "./graph.js";

export interface GeneratedCode {
  /** The `forward(...) { ... }` method text. */
  src: string;
  /** Values the code refers to by name (functions, dtypes, constants). */
  globals: Record<string, unknown>;
  /** Identifier the code uses for the module whose attributes get_attr/call_module read. */
  rootName: string;
}

/** Python's operator.getitem: `getitem(x, i)`; negative indices count from the end of arrays. */
export function getitem(obj: unknown, index: unknown): unknown {
  if (Array.isArray(obj) && typeof index === "number" && index < 0) return obj[obj.length + index];
  return (obj as Record<string | number, unknown>)[index as string | number];
}
Object.defineProperty(getitem, "fxName", { value: "operator.getitem" });

function globalCandidate(v: unknown): string {
  if (typeof v === "function") {
    const o = v as { kind?: string; qualname?: string; coilName?: string; name?: string };
    if (o.kind === "OpOverload" && o.qualname) return o.qualname;
    if (o.coilName) return o.coilName;
    return o.name || "fn";
  }
  if (typeof v === "object" && v !== null) {
    const o = v as { itemsize?: unknown; name?: unknown };
    if ("itemsize" in o && typeof o.name === "string") return o.name; // a DType
    return snakeCase(v.constructor?.name ?? "_const");
  }
  return "_const";
}

/** Property access: `.name` for identifiers, `["na-me"]` otherwise. */
export function propAccess(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

export function attrPath(rootName: string, qualified: string): string {
  return rootName + qualified.split(".").map(propAccess).join("");
}

export function generateCode(graph: Graph): GeneratedCode {
  const ns = new Namespace();
  const nodes = graph.nodes.toArray();
  for (const n of nodes) ns.reserve(n.name);
  const rootName = ns.create("root");
  const globals: Record<string, unknown> = {};
  const globalNames = new Map<unknown, string>();
  const addGlobal = (v: unknown): string => {
    const known = globalNames.get(v);
    if (known) return known;
    const name = ns.create(sanitize(globalCandidate(v)));
    globalNames.set(v, name);
    globals[name] = v;
    return name;
  };

  const lit = (a: unknown): string => {
    if (a instanceof Node) return a.name;
    if (Array.isArray(a)) return `[${a.map(lit).join(", ")}]`;
    if (a === undefined) return "undefined";
    if (a === null) return "null";
    if (typeof a === "number") return Object.is(a, -0) ? "-0" : String(a);
    if (typeof a === "boolean") return String(a);
    if (typeof a === "bigint") return `${a}n`;
    if (typeof a === "string") return JSON.stringify(a);
    if (isPlainObject(a)) {
      const items = Object.entries(a).map(([k, v]) => `${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k)}: ${lit(v)}`);
      return items.length ? `{ ${items.join(", ")} }` : "{}";
    }
    return addGlobal(a);
  };
  const callArgs = (args: readonly Argument[], kwargs: Record<string, Argument>): string => {
    const parts = args.map(lit);
    if (Object.keys(kwargs).length) parts.push(lit(kwargs));
    return parts.join(", ");
  };

  const params: string[] = [];
  const body: string[] = [];
  let lastTrace: string | undefined;
  for (const n of nodes) {
    if (n.op === "placeholder") {
      params.push(n.args.length ? `${n.name} = ${lit(n.args[0])}` : n.name);
      continue;
    }
    const trace = n.meta.stackTrace as string | undefined;
    if (typeof trace === "string" && trace.trim() && trace !== lastTrace) {
      for (const line of trace.trim().split("\n")) body.push(`  // ${line.trim()}`);
    }
    lastTrace = trace;
    const args = n.args, kwargs = n.kwargs;
    switch (n.op) {
      case "get_attr":
        body.push(`  const ${n.name} = ${attrPath(rootName, n.target as string)};`);
        break;
      case "call_function": {
        let expr: string;
        const idx = args[1];
        if (n.target === getitem && args.length === 2 && Object.keys(kwargs).length === 0 &&
            ((typeof idx === "number" && Number.isInteger(idx) && idx >= 0) || typeof idx === "string")) {
          expr = `${lit(args[0])}[${lit(idx)}]`;
        } else {
          expr = `${addGlobal(n.target)}(${callArgs(args, kwargs)})`;
        }
        body.push(`  const ${n.name} = ${expr};`);
        break;
      }
      case "call_method": {
        const [self, ...rest] = args;
        body.push(`  const ${n.name} = ${lit(self)}${propAccess(n.target as string)}(${callArgs(rest, kwargs)});`);
        break;
      }
      case "call_module": {
        const mod = graph.owningModule?.hasAttr(n.target as string) ? graph.owningModule.getAttr(n.target as string) : undefined;
        const m = mod as { call?: unknown; forward?: unknown } | undefined;
        const path = attrPath(rootName, n.target as string);
        let callee: string;
        if (m && typeof m === "object" && typeof m.call !== "function" && typeof m.forward === "function") callee = `${path}.forward`;
        else if (typeof m === "function" && !Object.prototype.hasOwnProperty.call(m, "call")) callee = path;
        else callee = `${path}.call`;
        body.push(`  const ${n.name} = ${callee}(${callArgs(args, kwargs)});`);
        break;
      }
      case "output":
        body.push(`  return ${lit(args[0])};`);
        break;
    }
  }
  const src = `forward(${params.join(", ")}) {\n${body.join("\n")}${body.length ? "\n" : ""}}`;
  return { src, globals, rootName };
}

/** Compile generated code into a function; `root` is what get_attr / call_module read from. */
export function compileCode(code: GeneratedCode, root: unknown): (...args: unknown[]) => unknown {
  const names = Object.keys(code.globals);
  for (const n of names) if (!isIdentifier(n)) throw new Error(`fx codegen: illegal global name '${n}'`);
  const factory = new Function(code.rootName, ...names, `"use strict";\nreturn ({ ${code.src} }).forward;`) as (...a: unknown[]) => (...args: unknown[]) => unknown;
  return factory(root, ...names.map((n) => code.globals[n]));
}

export { targetName };
