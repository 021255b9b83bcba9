// dynamo/guards: what a compiled entry assumed about its call, checked before every reuse (Dynamo's
// guards): pytree structure, non-tensor values (specialised), each tensor input's dtype/shape/strides/
// device/requiresGrad and aliasing, module parameters' identity (and optionally version), grad mode.
// In: a call's arguments and parameter table. Out: a Guards object, and the first failing guard or null.

import type { Tensor } from "../tensor/tensor.js";
import { isGradEnabled } from "../autograd/grad_mode.js";
import { specMismatch, sourceExpr, type TreeSpec, type PathKey } from "./pytree.js";

interface TensorCheck {
  dtype: string;
  shape: readonly number[];
  strides: readonly number[];
  device: string;
  requiresGrad: boolean;
}

function tensorCheck(t: Tensor): TensorCheck {
  return { dtype: t.dtype.name, shape: t.shape.slice(), strides: t.strides.slice(), device: t.device, requiresGrad: t.requiresGrad };
}

const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

function tensorMismatch(where: string, c: TensorCheck, t: Tensor): string | null {
  if (t.dtype.name !== c.dtype) return `${where}.dtype == ${c.dtype} (now ${t.dtype.name})`;
  if (t.device !== c.device) return `${where}.device == ${c.device} (now ${t.device})`;
  if (!sameList(t.shape, c.shape)) return `${where}.size() == [${c.shape.join(", ")}] (now [${t.shape.join(", ")}])`;
  if (!sameList(t.strides, c.strides)) return `${where}.stride() == [${c.strides.join(", ")}] (now [${t.strides.join(", ")}])`;
  if (t.requiresGrad !== c.requiresGrad) return `${where}.requires_grad == ${c.requiresGrad} (now ${t.requiresGrad})`;
  return null;
}

/** Positions of repeated tensor objects: alias[i] = first leaf index holding the same tensor, or -1. */
function aliasPattern(leaves: readonly Tensor[]): number[] {
  const first = new Map<Tensor, number>();
  return leaves.map((t, i) => {
    const f = first.get(t);
    if (f !== undefined) return f;
    first.set(t, i);
    return -1;
  });
}

export interface ParamEntry {
  name: string;
  tensor: Tensor;
}

export class Guards {
  private readonly checks: TensorCheck[];
  private readonly leafPaths: PathKey[][];
  private readonly aliases: number[];
  private readonly gradEnabled: boolean;
  private readonly params: { name: string; tensor: Tensor; version: number; check: TensorCheck }[];

  constructor(
    private readonly argPaths: PathKey[][],
    private readonly specs: TreeSpec[],
    leaves: readonly Tensor[],
    leafPaths: PathKey[][],
    params: readonly ParamEntry[],
    private readonly checkVersions: boolean,
    /** Module state the trace depended on (training flags of every submodule), as a string. */
    private readonly moduleState: string = "",
  ) {
    this.checks = leaves.map(tensorCheck);
    this.leafPaths = leafPaths;
    this.aliases = aliasPattern(leaves);
    this.gradEnabled = isGradEnabled();
    this.params = params.map((p) => ({ name: p.name, tensor: p.tensor, version: p.tensor.version, check: tensorCheck(p.tensor) }));
  }

  /**
   * The first failing guard as a message (`L['x'].dtype == float32 (now bfloat16)`), or null when the
   * entry can be reused. On success the flat tensor leaves are written to `leavesOut`.
   */
  check(args: readonly unknown[], params: readonly ParamEntry[], leavesOut: Tensor[], moduleState = ""): string | null {
    if (args.length !== this.specs.length) return `len(args) == ${this.specs.length} (now ${args.length})`;
    const leaves: Tensor[] = [];
    for (let i = 0; i < args.length; i++) {
      const r = specMismatch(this.specs[i]!, args[i], this.argPaths[i]!, leaves);
      if (r) return r;
    }
    for (let i = 0; i < leaves.length; i++) {
      const r = tensorMismatch(sourceExpr(this.leafPaths[i]!), this.checks[i]!, leaves[i]!);
      if (r) return r;
    }
    const al = aliasPattern(leaves);
    for (let i = 0; i < al.length; i++) {
      if (al[i] !== this.aliases[i]) return `aliasing of ${sourceExpr(this.leafPaths[i]!)} with the other inputs changed`;
    }
    if (isGradEnabled() !== this.gradEnabled) return `grad mode == ${this.gradEnabled ? "enabled" : "disabled"} (now ${isGradEnabled() ? "enabled" : "disabled"})`;
    if (moduleState !== this.moduleState) return `L['self'] training/eval mode of its submodules == ${this.moduleState} (now ${moduleState})`;
    if (params.length !== this.params.length) return `number of module parameters/buffers == ${this.params.length} (now ${params.length})`;
    for (let i = 0; i < params.length; i++) {
      const want = this.params[i]!;
      const got = params[i]!;
      const where = `L['self'].${want.name}`;
      if (got.name !== want.name || got.tensor !== want.tensor) return `${where} is not the same tensor object as when compiled`;
      const r = tensorMismatch(where, want.check, got.tensor);
      if (r) return r;
      if (this.checkVersions && got.tensor.version !== want.version) return `${where}._version == ${want.version} (now ${got.tensor.version})`;
    }
    leavesOut.push(...leaves);
    return null;
  }
}
