// inductor/runtime/cpu_js: loads "cpu-js/1" artifacts. The generated module is plain source text that names
// everything it uses through `rt` (kernel building, allocation, size/stride checks, extern and fallback ops
// by qualified name, constants), so it can be cached on disk and reloaded. Modules and kernels are built
// once per source hash. In: a CompiledArtifact. Out: call(args) -> output tensors.

import { Storage, Tensor, elementOffsets } from "../../tensor/tensor.js";
import { dtypeOf, type DType, type DTypeName, type NumericArray } from "../../tensor/dtype.js";
import { numel } from "../../tensor/shape.js";
import { lookupOp, type OpOverload } from "../../ops/registry.js";
import { belowAutograd } from "../../ops/dispatch.js";
import { bindArgs } from "../../ops/schema.js";
import type { CompiledArtifact } from "../codegen/artifact.js";
import { H } from "./helpers.js";
import { hashString } from "./hash.js";
import { clampInPlace, externFast } from "./extern_fast.js";

export const CPU_JS_FORMAT = "cpu-js/1";

type Kernel = (...arrays: NumericArray[]) => void;
const kernelCache = new Map<string, Kernel>();
/** A generated module's wrapper, bound to its runtime. */
export interface WrapperModule { call: (args: Tensor[]) => unknown[] }
const moduleCache = new Map<string, (rt: CpuJsRuntime) => WrapperModule>();

/** The factory of a generated module's wrapper (its source run with `rt` in scope), built once per source
 * hash and shared by every runtime format (cpu-js, cpu-wasm). */
export function wrapperFactory(source: string): (rt: CpuJsRuntime) => WrapperModule {
  const key = hashString(source);
  let factory = moduleCache.get(key);
  if (!factory) {
    factory = new Function("rt", `"use strict";\n${source}`) as (rt: CpuJsRuntime) => WrapperModule;
    moduleCache.set(key, factory);
    runtimeStats.modulesBuilt++;
  }
  return factory;
}
/** Builds since start (tests check kernels are built once). */
export const runtimeStats = { kernelsBuilt: 0, modulesBuilt: 0 };

const fmt = (xs: readonly number[]) => `[${xs.join(", ")}]`;
const sameList = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

function opByName(qualname: string): OpOverload {
  const op = lookupOp(qualname);
  if (!op) throw new Error(`runtime: the generated module calls ${qualname}, which is not a registered op`);
  return op;
}

/** The helpers a generated module sees as `rt`. */
export class CpuJsRuntime {
  constructor(readonly constants: Readonly<Record<string, Tensor>>) {}

  /** Build (once per source hash) a kernel `function KERNEL(...) {...}` and name it. */
  kernel(name: string, source: string): Kernel {
    const key = hashString(source);
    let k = kernelCache.get(key);
    if (!k) {
      k = new Function("H", `"use strict";\nreturn ${source.trim().replace(/^function KERNEL/, `function ${name}`)};`)(H) as Kernel;
      kernelCache.set(key, k);
      runtimeStats.kernelsBuilt++;
    }
    return k;
  }

  /** Inductor's assert_size_stride: the compiled module is specialised on its inputs' layouts. */
  assertSizeStride(t: unknown, size: readonly number[], stride: readonly number[], name: string): void {
    if (!(t instanceof Tensor)) throw new TypeError(`compiled module: input ${name} must be a Tensor, got ${typeof t}`);
    const okSize = t.shape.length === size.length && t.shape.every((s, i) => s === size[i]);
    const okStride = okSize && t.strides.every((s, i) => s === stride[i] || size[i]! <= 1);
    if (!okSize || !okStride) {
      throw new RangeError(`compiled module: input ${name} has size ${fmt(t.shape)} and stride ${fmt(t.strides)}, ` +
        `but the module was compiled for size ${fmt(size)} and stride ${fmt(stride)}`);
    }
  }

  empty(size: readonly number[], stride: readonly number[], dtype: DTypeName): Tensor {
    const d = dtypeOf(dtype);
    let n = 0;
    if (numel(size) > 0) n = size.reduce((acc, s, i) => acc + (s - 1) * stride[i]!, 0) + 1;
    return new Tensor(Storage.allocate(n, d), size.slice(), stride.slice(), 0);
  }

  /** Per-module scratch buffers for intermediates, kept across calls (a fresh 64 MB array costs ~40 ms). */
  private slots: (Tensor | undefined)[] = [];

  /** The intermediate buffer of slot i: allocated on first use (or when its layout changes), then reused. */
  scratch(i: number, size: readonly number[], stride: readonly number[], dtype: DTypeName): Tensor {
    const t = this.slots[i];
    if (t && t.dtype.name === dtype && sameList(t.shape, size) && sameList(t.strides, stride)) return t;
    return (this.slots[i] = this.empty(size, stride, dtype));
  }

  /** Slot i's storage became (part of) an output: forget it, so the next call allocates a new one. */
  unslot(i: number): void { this.slots[i] = undefined; }

  /** A view of t's storage (Inductor's reinterpret_tensor); offset is relative to t's own. */
  reinterpret(t: Tensor, size: readonly number[], stride: readonly number[], offset: number): Tensor {
    return t.aliasAs(size, stride, t.offset + offset);
  }

  /** The typed array a kernel indexes from 0 (a subarray when the tensor starts at an offset). */
  ptr(t: Tensor): NumericArray {
    const a = t.data("compiled kernel");
    return t.offset === 0 ? a : (a.subarray(t.offset) as NumericArray);
  }

  dtype(name: DTypeName): DType { return dtypeOf(name); }

  /** Run an extern kernel (mm, addmm, convolution, ...) below autograd. */
  extern(qualname: string, args: unknown[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const op = opByName(qualname);
    return belowAutograd(op, bindArgs(op.schema, qualname, args, kwargs)) as Tensor | Tensor[];
  }

  /**
   * mm/addmm/bmm/convolution with an optional fused clamp epilogue ([lo, hi]: relu is [0, Infinity]): the
   * direct Wasm GEMM / conv2d path when it applies (float32, large enough), else the eager kernel + clamp.
   * `slot`: the result is an intermediate; the direct path writes it into that scratch slot.
   */
  externFast(qualname: string, args: unknown[], kwargs: Record<string, unknown>, clamp: [number, number] | null, slot?: number): Tensor | Tensor[] {
    const fast = externFast(qualname, args, kwargs, clamp, slot === undefined ? undefined : (size, stride) => this.scratch(slot, size, stride, "float32"));
    if (fast) return fast;
    const out = this.extern(qualname, args, kwargs);
    if (clamp && out instanceof Tensor) clampInPlace(out, clamp[0], clamp[1]);
    return out;
  }

  /** Run an op without a lowering through its eager kernel. */
  fallback(qualname: string, args: unknown[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    return this.extern(qualname, args, kwargs);
  }

  /** t itself when laid out as the kernels expect, else a copy with that layout. */
  expectLayout(t: Tensor, size: readonly number[], stride: readonly number[]): Tensor {
    if (t.shape.length === size.length && t.shape.every((s, i) => s === size[i]) && t.strides.every((s, i) => s === stride[i] || size[i]! <= 1)) return t;
    if (t.shape.length !== size.length || t.shape.some((s, i) => s !== size[i])) {
      throw new RangeError(`compiled module: an extern result has size ${fmt(t.shape)}, expected ${fmt(size)}`);
    }
    const out = this.empty(size, stride, t.dtype.name);
    const src = elementOffsets(t), dst = elementOffsets(out);
    const a = t.data(), b = out.data();
    for (let i = 0; i < src.length; i++) b[dst[i]!] = a[src[i]!]!;
    return out;
  }
}

/** Load a cpu-js artifact: build its module (once per source hash) and bind its constants. */
export function loadCpuJs(artifact: CompiledArtifact): (args: Tensor[]) => Tensor[] {
  if (artifact.format !== CPU_JS_FORMAT) throw new Error(`runtime: cannot load format ${artifact.format} (expected ${CPU_JS_FORMAT})`);
  const mod = wrapperFactory(artifact.source)(new CpuJsRuntime(artifact.constants));
  return (args: Tensor[]) => mod.call(args) as Tensor[];
}
