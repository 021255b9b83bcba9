// fx/tracer: symbolic tracing (torch.fx.symbolic_trace) with fx Proxies: placeholders are JS
// Proxy objects whose method calls record call_method nodes; coil functions and aten ops called on
// them are recorded through the torch-function mode and a dispatch mode.
// In: a function or a module-like object. Out: a GraphModule.

import { Tensor } from "../tensor/tensor.js";
import { withDispatchMode, type DispatchMode } from "../ops/dispatch.js";
import { unbindArgs } from "../ops/schema.js";
import { isOpOverload, type OpOverload, type KernelResult } from "../ops/registry.js";
import { noGrad } from "../autograd/grad_mode.js";
import { withTorchFunctionMode, type TorchFunctionMode, type CallKind } from "../frontend/torch_function.js";
import { Node, isPlainObject, tuple, isTuple, type Argument } from "./node.js";
import { Graph } from "./graph.js";
import { GraphModule } from "./graph_module.js";
import { getitem } from "./codegen.js";
import { parameterNames } from "./param_names.js";

export class TraceError extends Error {
  override name = "TraceError";
}

/** Python's builtins.getattr, recorded for data attributes (`x.shape`). */
export function getattr(obj: unknown, name: string): unknown {
  return (obj as Record<string, unknown>)[name];
}
Object.defineProperty(getattr, "fxName", { value: "getattr" });

const PROXY_NODE = Symbol("fx.proxyNode");
/** Tensor fields that are data, not methods: reading them records getattr. */
const DATA_FIELDS = new Set(["shape", "dtype", "device", "strides", "offset", "requiresGrad", "grad", "isLeaf", "ndim", "T", "mT", "data", "version"]);

export function isFxProxy(x: unknown): boolean {
  return (typeof x === "object" || typeof x === "function") && x !== null && (x as Record<symbol, unknown>)[PROXY_NODE] instanceof Node;
}
/** The node a proxy stands for. */
export function proxyNode(x: unknown): Node {
  if (!isFxProxy(x)) throw new TypeError("proxyNode: not an fx proxy");
  return (x as Record<symbol, unknown>)[PROXY_NODE] as Node;
}

function containsProxy(a: unknown): boolean {
  if (isFxProxy(a)) return true;
  if (Array.isArray(a)) return a.some(containsProxy);
  if (isPlainObject(a)) return Object.values(a).some(containsProxy);
  return false;
}

export interface TraceOptions {
  /** Submodules for which this returns true are recorded as call_module (default: all). */
  isLeafModule?: (m: object, qualifiedName: string) => boolean;
  /** Record the user's source location in node.meta.stackTrace (default false). */
  recordStackTraces?: boolean;
}

function isModuleLike(v: unknown): v is { forward?: unknown; call?: unknown } {
  return typeof v === "object" && v !== null && !(v instanceof Tensor) && !isFxProxy(v) &&
    (typeof (v as { forward?: unknown }).forward === "function" || typeof (v as { call?: unknown }).call === "function");
}

export class Tracer {
  readonly graph = new Graph();
  /** Values for get_attr / call_module targets, keyed by qualified name. */
  readonly rootDict: Record<string, unknown> = {};
  #consts = new Map<unknown, Node>();
  #attrNodes = new Map<string, Node>();

  constructor(readonly opts: TraceOptions = {}) {}

  /** A Proxy standing for node's value. */
  proxy(node: Node): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const tracer = this;
    const target = Object.create(Tensor.prototype) as object;
    const p: unknown = new Proxy(target, {
      get(_t, key) {
        if (key === PROXY_NODE) return node;
        if (key === "then") return undefined;
        if (key === "toString" || key === "toJSON") return () => `Proxy(${node.name})`;
        if (key === Symbol.for("nodejs.util.inspect.custom")) return () => `Proxy(${node.name})`;
        if (key === Symbol.toPrimitive) {
          return () => { throw new TraceError(`symbolically traced value %${node.name} cannot be converted to a primitive (used in arithmetic, comparison or control flow)`); };
        }
        if (key === Symbol.iterator) {
          return () => { throw new TraceError(`symbolically traced value %${node.name} cannot be iterated (its length is unknown); index it instead`); };
        }
        if (typeof key === "symbol") return undefined;
        if (/^\d+$/.test(key)) return tracer.record("call_function", getitem, [p, Number(key)], {});
        if (DATA_FIELDS.has(key)) return tracer.record("call_function", getattr, [p, key], {});
        return (...args: unknown[]) => tracer.record("call_method", key, [p, ...args], {});
      },
      set(_t, key) {
        throw new TraceError(`cannot assign attribute '${String(key)}' on symbolically traced value %${node.name}`);
      },
    });
    return p;
  }

  /** Convert a traced value to a graph argument (proxies -> nodes, real tensors -> constants). */
  toArg(a: unknown): Argument {
    if (isFxProxy(a)) return proxyNode(a);
    if (a instanceof Tensor) {
      let n = this.#consts.get(a);
      if (!n) {
        const name = `_tensor_constant${this.#consts.size}`;
        this.rootDict[name] = a;
        n = this.graph.getAttr(name);
        this.#consts.set(a, n);
      }
      return n;
    }
    if (Array.isArray(a)) {
      const items = a.map((e) => this.toArg(e));
      return isTuple(a) ? tuple(...items) : items;
    }
    if (isPlainObject(a)) {
      const o: Record<string, Argument> = {};
      for (const [k, v] of Object.entries(a)) o[k] = this.toArg(v);
      return o;
    }
    return a as Argument;
  }

  record(kind: CallKind | "call_module", target: unknown, args: unknown[], kwargs: Record<string, unknown>): unknown {
    const node = this.graph.createNode(kind, target, args.map((a) => this.toArg(a)), this.toArg(kwargs) as Record<string, Argument>);
    if (this.opts.recordStackTraces) {
      const frames = (new Error().stack ?? "").split("\n").slice(1)
        .filter((l) => !/[/\\]src[/\\](fx|frontend|ops|autograd)[/\\]/.test(l) && !l.includes("node:internal"));
      if (frames[0]) node.meta.stackTrace = frames[0].trim().replace(/^at /, "");
    }
    return this.proxy(node);
  }

  /** A get_attr proxy for a module attribute (memoized per qualified name). */
  attr(qualified: string, value: unknown): unknown {
    let n = this.#attrNodes.get(qualified);
    if (!n) {
      this.rootDict[qualified] = value;
      n = this.graph.getAttr(qualified);
      this.#attrNodes.set(qualified, n);
    }
    return this.proxy(n);
  }

  /** `this` inside a traced forward: tensors become get_attr, leaf submodules call_module. */
  moduleProxy(obj: object, prefix: string, leaf: boolean): object {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const tracer = this;
    return new Proxy(obj, {
      get(t, key) {
        const v = Reflect.get(t, key, t) as unknown;
        if (typeof key === "symbol") return v;
        const q = prefix ? `${prefix}.${key}` : key;
        if (leaf && (key === "call" || key === "forward") && typeof v === "function") {
          tracer.rootDict[prefix] = obj;
          return (...args: unknown[]) => tracer.record("call_module", prefix, args, {});
        }
        if (v instanceof Tensor) return tracer.attr(q, v);
        if (isModuleLike(v)) {
          const isLeaf = (tracer.opts.isLeafModule ?? (() => true))(v, q);
          return tracer.moduleProxy(v, q, isLeaf);
        }
        return v;
      },
    });
  }

  readonly torchFunctionMode: TorchFunctionMode = {
    handle: (kind, target, args, impl) => {
      // Op overloads are recorded by the dispatch mode below, with their arguments normalised.
      if (!containsProxy(args) || isOpOverload(target)) return impl();
      return this.record(kind, target, args, {});
    },
  };

  readonly dispatchMode: DispatchMode = {
    dispatch: (op: OpOverload, bound, next) => {
      if (!containsProxy(Object.values(bound))) return next(op, bound);
      const { args, kwargs } = unbindArgs(op.schema, bound);
      const p = this.record("call_function", op, args, kwargs);
      if (op.schema.returns.length > 1) {
        return op.schema.returns.map((_r, i) => this.record("call_function", getitem, [p, i], {})) as unknown as KernelResult;
      }
      return p as KernelResult;
    },
  };

  /** Trace fn (called with `self` as this) on one placeholder per parameter. */
  trace(fn: (...a: unknown[]) => unknown, self: unknown, names: string[]): Graph {
    const inputs = names.map((n) => this.proxy(this.graph.placeholder(n)));
    const result = noGrad(() => withDispatchMode(this.dispatchMode, () =>
      withTorchFunctionMode(this.torchFunctionMode, () => fn.apply(self, inputs))));
    if (!isFxProxy(result) && !Array.isArray(result) && !isPlainObject(result) && !(result instanceof Tensor) && typeof result !== "number") {
      throw new TraceError(`symbolicTrace: the traced function returned ${typeof result}, expected proxies or a structure of them`);
    }
    this.graph.output(this.toArg(result));
    return this.graph;
  }
}

/** Trace a function or a module-like object (`{ forward(x) { ... } }`) into a GraphModule. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export function symbolicTrace(root: Function | { forward: Function }, opts: TraceOptions = {}): GraphModule {
  const tracer = new Tracer(opts);
  if (typeof root === "function") {
    const fn = root as (...a: unknown[]) => unknown;
    tracer.trace(fn, undefined, parameterNames(fn));
    return new GraphModule(tracer.rootDict, tracer.graph, "GraphModule");
  }
  if (!isModuleLike(root)) throw new TypeError("symbolicTrace: expected a function or an object with a forward method");
  const fwd = root.forward as (...a: unknown[]) => unknown;
  tracer.trace(fwd, tracer.moduleProxy(root, "", false), parameterNames(fwd));
  return new GraphModule(tracer.rootDict, tracer.graph, root.constructor?.name && root.constructor !== Object ? root.constructor.name : "GraphModule");
}
