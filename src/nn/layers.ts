// nn/layers: basic layers and containers: Linear, Bilinear, activations (ReLU, GELU, SiLU, Sigmoid,
// Tanh, Softmax), Flatten, Identity, Dropout, Embedding, Sequential, ModuleList, ModuleDict.
// Default initialisation follows PyTorch's (seeded by coil.manualSeed). In: sizes/options. Out: Modules.

import { Tensor } from "../tensor/tensor.js";
import { defaultFloatDtype, type DType } from "../tensor/dtype.js";
import { noGrad } from "../autograd/index.js";
import { Module, Parameter } from "./module.js";
import * as F from "./functional.js";
import { kaimingUniform_, uniform_, normal_, calculateFanInAndFanOut } from "./init.js";

/** An uninitialised parameter of the default float dtype (or `dtype`). */
export function emptyParameter(shape: number[], dtype?: DType): Parameter {
  return new Parameter(Tensor.empty(shape, dtype ?? defaultFloatDtype.current));
}

/** Module constructors' size arguments must be non-negative integers: `nn.Linear: inFeatures must be ...`. */
export function checkSizeArgs(module: string, sizes: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new RangeError(`nn.${module}: ${name} must be a non-negative integer, got ${typeof v === "number" ? v : typeof v}`);
    }
  }
}

/** PyTorch's reset_parameters for Linear/Conv: kaiming_uniform_(a=sqrt(5)) and bias U(-1/sqrt(fan_in), ..). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null): void {
  noGrad(() => {
    kaimingUniform_(weight, { a: Math.sqrt(5) });
    if (bias) {
      const { fanIn } = calculateFanInAndFanOut(weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(bias, -bound, bound);
    }
  });
}

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(public readonly inFeatures: number, public readonly outFeatures: number, opts: { bias?: boolean; dtype?: DType } = {}) {
    super();
    checkSizeArgs("Linear", { inFeatures, outFeatures });
    this.weight = emptyParameter([outFeatures, inFeatures], opts.dtype);
    this.bias = null;
    this.registerParameter("bias", opts.bias === false ? null : emptyParameter([outFeatures], opts.dtype));
    this.resetParameters();
  }
  resetParameters(): void { resetLinearLike(this.weight, this.bias); }
  override forward(x: Tensor): Tensor { return F.linear(x, this.weight, this.bias); }
  override extraRepr(): string { return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null}`; }
}

export class Bilinear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(public readonly in1Features: number, public readonly in2Features: number, public readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    this.weight = emptyParameter([outFeatures, in1Features, in2Features]);
    this.bias = null;
    this.registerParameter("bias", opts.bias === false ? null : emptyParameter([outFeatures]));
    const bound = 1 / Math.sqrt(in1Features);
    noGrad(() => { uniform_(this.weight, -bound, bound); if (this.bias) uniform_(this.bias, -bound, bound); });
  }
  override forward(x1: Tensor, x2: Tensor): Tensor { return F.bilinear(x1, x2, this.weight, this.bias); }
  override extraRepr(): string { return `in1_features=${this.in1Features}, in2_features=${this.in2Features}, out_features=${this.outFeatures}, bias=${this.bias !== null}`; }
}

export class Identity extends Module {
  override forward(x: Tensor): Tensor { return x; }
}

export class ReLU extends Module {
  override forward(x: Tensor): Tensor { return F.relu(x); }
}
export class GELU extends Module {
  constructor(public readonly approximate: "none" | "tanh" = "none") { super(); }
  override forward(x: Tensor): Tensor { return F.gelu(x, { approximate: this.approximate }); }
  override extraRepr(): string { return `approximate='${this.approximate}'`; }
}
export class SiLU extends Module {
  override forward(x: Tensor): Tensor { return F.silu(x); }
}
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor { return F.sigmoid(x); }
}
export class Tanh extends Module {
  override forward(x: Tensor): Tensor { return F.tanh(x); }
}
export class Softmax extends Module {
  constructor(public readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return F.softmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}
export class LogSoftmax extends Module {
  constructor(public readonly dim: number) { super(); }
  override forward(x: Tensor): Tensor { return F.logSoftmax(x, this.dim); }
  override extraRepr(): string { return `dim=${this.dim}`; }
}

export class Flatten extends Module {
  constructor(public readonly startDim = 1, public readonly endDim = -1) { super(); }
  override forward(x: Tensor): Tensor {
    const nd = x.ndim;
    if (nd === 0) return F.reshape(x, [1]);
    const s = this.startDim < 0 ? this.startDim + nd : this.startDim;
    const e = this.endDim < 0 ? this.endDim + nd : this.endDim;
    if (s < 0 || e >= nd || s > e) throw new RangeError(`Flatten: start_dim ${this.startDim} / end_dim ${this.endDim} out of range for input of shape [${x.shape.join(", ")}]`);
    let m = 1;
    for (let i = s; i <= e; i++) m *= x.shape[i]!;
    return F.reshape(x, [...x.shape.slice(0, s), m, ...x.shape.slice(e + 1)]);
  }
}

export class Dropout extends Module {
  constructor(public readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  override forward(x: Tensor): Tensor { return F.dropout(x, this.p, this.training); }
  override extraRepr(): string { return `p=${this.p}`; }
}

export class Embedding extends Module {
  weight: Parameter;
  readonly paddingIdx: number | null;
  constructor(public readonly numEmbeddings: number, public readonly embeddingDim: number, opts: { paddingIdx?: number | null } = {}) {
    super();
    let pi = opts.paddingIdx ?? null;
    if (pi !== null) {
      if (pi >= numEmbeddings || pi < -numEmbeddings) throw new RangeError(`Embedding: padding_idx ${pi} must be within num_embeddings (${numEmbeddings})`);
      if (pi < 0) pi += numEmbeddings;
    }
    this.paddingIdx = pi;
    this.weight = emptyParameter([numEmbeddings, embeddingDim]);
    noGrad(() => {
      normal_(this.weight);
      if (pi !== null) {
        const arr = this.weight.data("Embedding");
        for (let j = 0; j < embeddingDim; j++) arr[pi * embeddingDim + j] = 0;
      }
    });
  }
  override forward(indices: Tensor): Tensor { return F.embedding(indices, this.weight, this.paddingIdx); }
  override extraRepr(): string { return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ""}`; }
}

// ---- containers ----
export class Sequential extends Module {
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m, i) => this.addModule(String(i), m));
  }
  get length(): number { return this._modules.size; }
  at(i: number): Module {
    const n = this._modules.size;
    const k = i < 0 ? i + n : i;
    if (k < 0 || k >= n) throw new RangeError(`Sequential: index ${i} is out of range (length ${n})`);
    return [...this._modules.values()][k]!;
  }
  append(m: Module): this { this.addModule(String(this._modules.size), m); return this; }
  override forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this._modules.values()) if (m) y = m.call(y);
    return y as Tensor;
  }
  [Symbol.iterator](): Iterator<Module> { return ([...this._modules.values()].filter(Boolean) as Module[])[Symbol.iterator](); }
}

export class ModuleList extends Module {
  constructor(modules: Module[] = []) {
    super();
    for (const m of modules) this.append(m);
  }
  get length(): number { return this._modules.size; }
  at(i: number): Module {
    const n = this._modules.size;
    const k = i < 0 ? i + n : i;
    if (k < 0 || k >= n) throw new RangeError(`ModuleList: index ${i} is out of range (length ${n})`);
    return this._modules.get(String(k))!;
  }
  append(m: Module): this { this.addModule(String(this._modules.size), m); return this; }
  extend(ms: Iterable<Module>): this { for (const m of ms) this.append(m); return this; }
  [Symbol.iterator](): Iterator<Module> { return ([...this._modules.values()].filter(Boolean) as Module[])[Symbol.iterator](); }
  override forward(): never { throw new Error("ModuleList is not callable: iterate over its modules and call them"); }
}

export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | [string, Module][] = {}) {
    super();
    for (const [k, m] of Array.isArray(modules) ? modules : Object.entries(modules)) this.set(k, m);
  }
  get size(): number { return this._modules.size; }
  get(key: string): Module {
    const m = this._modules.get(key);
    if (!m) throw new Error(`ModuleDict: no module named '${key}' (keys: ${[...this._modules.keys()].join(", ")})`);
    return m;
  }
  set(key: string, m: Module): this { this.addModule(key, m); return this; }
  has(key: string): boolean { return this._modules.has(key); }
  delete(key: string): boolean { return this._modules.delete(key); }
  keys(): string[] { return [...this._modules.keys()]; }
  values(): Module[] { return [...this._modules.values()].filter(Boolean) as Module[]; }
  entries(): [string, Module][] { return [...this._modules.entries()].filter((e): e is [string, Module] => e[1] !== null); }
  override forward(): never { throw new Error("ModuleDict is not callable: look up a module with get(key) and call it"); }
}
