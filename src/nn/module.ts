// nn/module: Parameter and Module (torch.nn.Parameter / torch.nn.Module): parameter/buffer/child
// registration, traversal, train/eval, state dicts, dtype conversion, hooks and the call entry.
// In: tensors and submodules assigned as fields. Out: module trees that layers and optimizers use.
//
// Calling a module: TS class instances cannot be called like Python objects, so coil uses
// `m.call(x)` as the single entry point (PyTorch's `__call__`): it runs forward pre-hooks, `forward`,
// then forward hooks (and is where the compiler hooks in). Subclasses override `forward` only.
//
// Registration: like PyTorch's __setattr__, a Parameter or Module assigned to a field
// (`this.fc1 = new nn.Linear(4, 8)`) is registered automatically: traversal scans the module's own
// enumerable properties lazily, in declaration order. Buffers are plain tensors, so they are declared
// with `registerBuffer(name, t)` (which also sets the field). `registerParameter(name, null)` /
// `registerBuffer(name, null)` declare optional slots (e.g. bias=None).
//
// Parameter: a `Parameter` class extending Tensor (sharing the data's storage) with requiresGrad
// true by default; `x instanceof nn.Parameter` is how registration recognises it.

import { Tensor, elementOffsets, toFloat64Array, writeStorage } from "../tensor/tensor.js";
import { dtypeOf, type DType, type DTypeName } from "../tensor/dtype.js";
import { noGrad } from "../autograd/index.js";

/** torch.nn.Parameter: a leaf tensor that a Module registers as a learnable parameter. */
export class Parameter extends Tensor {
  readonly isParameter = true;
  constructor(data: Tensor, requiresGrad = true) {
    super(data.storage, data.shape.slice(), data.strides.slice(), data.offset);
    if (requiresGrad && !data.dtype.isFloatingPoint) {
      throw new TypeError(`Parameter: only tensors of floating point dtype can require gradients (got ${data.dtype.name})`);
    }
    this.requiresGrad = requiresGrad;
  }
}

export interface RemovableHandle { remove(): void }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgs = any[];
export type ForwardPreHook = (module: Module, inputs: unknown[]) => unknown[] | void;
export type ForwardHook = (module: Module, inputs: unknown[], output: unknown) => unknown | void;

export type StateDict = Map<string, Tensor>;

const INTERNAL = new Set(["training", "_paramNames", "_bufferNames", "_nonPersistent", "_modules", "_preHooks", "_hooks"]);

/** Copy `src`'s values into `dst` (same numel), converting dtype; bumps dst's version. */
export function copyInto(dst: Tensor, src: Tensor): void {
  const vals = toFloat64Array(src);
  const arr = dst.data("copy_");
  const offs = elementOffsets(dst);
  for (let i = 0; i < offs.length; i++) writeStorage(arr, dst.dtype, offs[i]!, vals[i]!);
  dst.storage.version++;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

export class Module {
  training = true;
  private readonly _paramNames = new Set<string>();
  private readonly _bufferNames = new Set<string>();
  private readonly _nonPersistent = new Set<string>();
  /** Children added with addModule / by containers, in order (fields are scanned as well). */
  protected readonly _modules = new Map<string, Module | null>();
  private readonly _preHooks = new Map<number, ForwardPreHook>();
  private readonly _hooks = new Map<number, ForwardHook>();

  constructor() {
    for (const k of INTERNAL) if (k !== "training") Object.defineProperty(this, k, { enumerable: false });
  }

  /** The computation; subclasses override it. Call modules with `m.call(...)`. */
  forward(..._inputs: AnyArgs): unknown {
    throw new Error(`Module [${this.constructor.name}] is missing the required "forward" function`);
  }

  /** PyTorch's __call__: forward pre-hooks, forward, forward hooks. */
  call(...inputs: Parameters<this["forward"]>): ReturnType<this["forward"]> {
    let args: unknown[] = inputs;
    for (const h of this._preHooks.values()) {
      const r = h(this, args);
      if (r !== undefined) args = Array.isArray(r) ? r : [r];
    }
    let out = (this.forward as (...a: unknown[]) => unknown)(...args);
    for (const h of this._hooks.values()) {
      const r = h(this, args, out);
      if (r !== undefined) out = r;
    }
    return out as ReturnType<this["forward"]>;
  }

  // ---- registration ----
  registerParameter(name: string, param: Parameter | null): void {
    this.checkName("registerParameter", name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(`registerParameter: cannot assign a plain Tensor as parameter '${name}' (wrap it in nn.Parameter or use registerBuffer)`);
    }
    this._paramNames.add(name);
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  registerBuffer(name: string, tensor: Tensor | null, persistent = true): void {
    this.checkName("registerBuffer", name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new TypeError(`registerBuffer: buffer '${name}' must be a Tensor or null`);
    this._bufferNames.add(name);
    if (!persistent) this._nonPersistent.add(name);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  addModule(name: string, module: Module | null): void {
    this.checkName("addModule", name);
    if (module !== null && !(module instanceof Module)) throw new TypeError(`addModule: '${name}' is not a Module`);
    this._modules.set(name, module);
  }
  registerModule(name: string, module: Module | null): void { this.addModule(name, module); }

  private checkName(what: string, name: string): void {
    if (name === "" || name.includes(".")) throw new Error(`${what}: name '${name}' must be a non-empty string without '.'`);
  }

  // ---- traversal ----
  private fields(): [string, unknown][] {
    return Object.keys(this).filter((k) => !INTERNAL.has(k)).map((k) => [k, (this as unknown as Record<string, unknown>)[k]]);
  }

  /** Own parameters (not recursing), including declared-null slots. */
  private ownParameters(): [string, Parameter | null][] {
    const out: [string, Parameter | null][] = [];
    for (const [k, v] of this.fields()) {
      if (v instanceof Parameter) out.push([k, v]);
      else if (v === null && this._paramNames.has(k)) out.push([k, null]);
    }
    return out;
  }

  private ownBuffers(): [string, Tensor | null][] {
    const out: [string, Tensor | null][] = [];
    for (const k of this._bufferNames) {
      const v = (this as unknown as Record<string, unknown>)[k];
      if (v === null || v instanceof Tensor) out.push([k, v as Tensor | null]);
    }
    return out;
  }

  *namedChildren(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [k, m] of this._modules) if (m && !seen.has(m)) { seen.add(m); yield [k, m]; }
    for (const [k, v] of this.fields()) if (v instanceof Module && !seen.has(v)) { seen.add(v); yield [k, v]; }
  }
  *children(): Generator<Module> { for (const [, m] of this.namedChildren()) yield m; }

  *namedModules(prefix = "", memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [k, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${k}` : k, memo);
  }
  *modules(): Generator<Module> { for (const [, m] of this.namedModules()) yield m; }

  *namedParameters(prefix = "", recurse = true): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? [...this.namedModules(prefix)] : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, p] of m.ownParameters()) {
        if (!p || seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }
  *parameters(recurse = true): Generator<Parameter> { for (const [, p] of this.namedParameters("", recurse)) yield p; }

  *namedBuffers(prefix = "", recurse = true): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? [...this.namedModules(prefix)] : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, b] of m.ownBuffers()) {
        if (!b || seen.has(b)) continue;
        seen.add(b);
        yield [mp ? `${mp}.${k}` : k, b];
      }
    }
  }
  *buffers(recurse = true): Generator<Tensor> { for (const [, b] of this.namedBuffers("", recurse)) yield b; }

  /** Look up a submodule by dotted path ("encoder.layers.0"). */
  getSubmodule(target: string): Module {
    if (target === "") return this;
    let m: Module = this;
    for (const part of target.split(".")) {
      const next = [...m.namedChildren()].find(([k]) => k === part)?.[1];
      if (!next) throw new Error(`getSubmodule: ${m.constructor.name} has no attribute '${part}' (looking up '${target}')`);
      m = next;
    }
    return m;
  }

  // ---- modes ----
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this { return this.train(false); }

  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (setToNone) p.grad = null;
      else {
        const g = p.grad;
        const arr = g.data("zeroGrad");
        for (const off of elementOffsets(g)) arr[off] = 0;
        g.storage.version++;
        g.gradFn = null;
        g.requiresGrad = false;
      }
    }
  }

  /** Apply fn to every submodule (children first) and then to this module. */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Convert floating-point parameters and buffers to dtype (Module.to(dtype)); returns this. */
  to(dtype: DType | DTypeName): this {
    const d = dtypeOf(dtype);
    const convert = (t: Tensor): Tensor => Tensor.fromValues(toFloat64Array(t), t.shape, d, t.device);
    for (const m of this.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const [k, p] of m.ownParameters()) {
        if (!p || !p.dtype.isFloatingPoint || p.dtype === d) continue;
        const np = new Parameter(convert(p), p.requiresGrad);
        if (p.grad) np.grad = convert(p.grad);
        rec[k] = np;
      }
      for (const [k, b] of m.ownBuffers()) {
        if (!b || !b.dtype.isFloatingPoint || b.dtype === d) continue;
        rec[k] = convert(b);
      }
    }
    return this;
  }
  double(): this { return this.to("float64"); }
  float(): this { return this.to("float32"); }

  // ---- state dict ----
  stateDict(prefix = ""): StateDict {
    const sd: StateDict = new Map();
    for (const [mp, m] of this.namedModules(prefix)) {
      const pre = mp ? `${mp}.` : "";
      for (const [k, p] of m.ownParameters()) if (p) sd.set(pre + k, p.detach());
      for (const [k, b] of m.ownBuffers()) if (b && !m._nonPersistent.has(k)) sd.set(pre + k, b.detach());
    }
    return sd;
  }

  /**
   * Copy values from a state dict (Map or plain object) into this module's parameters and buffers.
   * strict (default): missing and unexpected keys are errors. Shape mismatches are always errors.
   * Nothing is written when an error is thrown.
   */
  loadStateDict(stateDict: StateDict | Record<string, Tensor>, strict = true): { missingKeys: string[]; unexpectedKeys: string[] } {
    const src = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = new Map<string, Tensor>();
    for (const [mp, m] of this.namedModules()) {
      const pre = mp ? `${mp}.` : "";
      for (const [k, p] of m.ownParameters()) if (p) own.set(pre + k, p);
      for (const [k, b] of m.ownBuffers()) if (b && !m._nonPersistent.has(k)) own.set(pre + k, b);
    }
    const missingKeys = [...own.keys()].filter((k) => !src.has(k));
    const unexpectedKeys = [...src.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    if (strict) {
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    for (const [k, dst] of own) {
      const v = src.get(k);
      if (!v) continue;
      if (!(v instanceof Tensor)) { errors.push(`While copying the parameter named "${k}", expected a Tensor in the state dict`); continue; }
      if (v.shape.length !== dst.shape.length || v.shape.some((s, i) => s !== dst.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${fmt(v.shape)} from checkpoint, the shape in current model is ${fmt(dst.shape)}.`);
      }
    }
    if (errors.length) {
      throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join("\n\t")}`);
    }
    noGrad(() => { for (const [k, dst] of own) { const v = src.get(k); if (v) copyInto(dst, v); } });
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks ----
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    const id = nextHookId++;
    this._preHooks.set(id, hook);
    return { remove: () => { this._preHooks.delete(id); } };
  }
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    const id = nextHookId++;
    this._hooks.set(id, hook);
    return { remove: () => { this._hooks.delete(id); } };
  }

  /** One-line description for printing (subclasses add their hyper-parameters). */
  extraRepr(): string { return ""; }

  toString(): string {
    const kids = [...this.namedChildren()];
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return `${head})`;
    const body = kids.map(([k, m]) => `  (${k}): ${m.toString().split("\n").join("\n  ")}`).join("\n");
    return `${head}\n${body}\n)`;
  }
}

let nextHookId = 1;

/** Map a PyTorch state-dict key ("layers.0.self_attn.in_proj_weight") to coil's camelCase field path. */
export function torchKeyToCoil(key: string): string {
  return key.split(".").map((p) => p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(".");
}
