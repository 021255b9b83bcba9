// inductor/ir/views: views as index arithmetic. A GenericView reads its base at reindex(index), so
// view/reshape, permute, expand, slice, select, squeeze/unsqueeze and as_strided cost no copy: the
// consumer's loop computes the base's index. In: an IR node and view parameters. Out: View nodes.

import type { DType } from "../../tensor/dtype.js";
import type { Device } from "../../tensor/tensor.js";
import { contiguousStrides } from "../../tensor/shape.js";
import { add, cst, linearIndex, mul, unflatten, type Expr, type VarRanges } from "./indexing.js";
import { IRNode } from "./nodes.js";
import type { Loader } from "./ops.js";

export type Reindex = (index: readonly Expr[], ranges: VarRanges) => Expr[];

/** A view of `base` with sizes `size`: element `index` of the view is element `reindex(index)` of base. */
export class GenericView extends IRNode {
  constructor(readonly base: IRNode, readonly size: readonly number[], readonly reindex: Reindex, readonly what: string) { super(); }
  getSize(): readonly number[] { return this.size; }
  getDtype(): DType { return this.base.getDtype(); }
  getDevice(): Device { return this.base.getDevice(); }
  makeLoader(): Loader {
    const inner = this.base.makeLoader();
    return (ops, idx) => inner(ops, this.reindex(idx, rangesOf(idx, this.size)));
  }
  override toString(): string { return `View(${this.what}, size=[${this.size}], ${String(this.base)})`; }
}

/** Ranges of plain index variables, so views can simplify floordiv/mod of them. */
function rangesOf(idx: readonly Expr[], size: readonly number[]): VarRanges {
  const m = new Map<string, number>();
  idx.forEach((e, i) => {
    if (e.terms.size === 1 && e.constant === 0) {
      const [k, t] = [...e.terms][0]!;
      if (t.coef === 1 && t.atom.kind === "var") m.set(k, size[i]!);
    }
  });
  return m;
}

/** view/reshape: go through the flat (row-major) index. */
export function viewAs(base: IRNode, size: readonly number[]): IRNode {
  const old = base.getSize();
  if (old.length === size.length && old.every((s, i) => s === size[i])) return base;
  const newStrides = contiguousStrides(size);
  return new GenericView(base, size, (idx, ranges) => unflatten(linearIndex(idx, newStrides), old, ranges), `view [${old}] -> [${size}]`);
}

export function permute(base: IRNode, dims: readonly number[]): IRNode {
  const old = base.getSize();
  const size = dims.map((d) => old[d]!);
  const inv = dims.map((_, i) => dims.indexOf(i));
  return new GenericView(base, size, (idx) => inv.map((j) => idx[j]!), `permute [${dims}]`);
}

/** expand / broadcast_to: size-1 (or missing leading) dims of base read index 0. */
export function expand(base: IRNode, size: readonly number[]): IRNode {
  const old = base.getSize();
  if (old.length === size.length && old.every((s, i) => s === size[i])) return base;
  const lead = size.length - old.length;
  return new GenericView(base, size, (idx) => old.map((s, i) => (s === 1 && size[i + lead] !== 1 ? cst(0) : idx[i + lead]!)), `expand [${old}] -> [${size}]`);
}

export function slice(base: IRNode, dim: number, start: number, step: number, length: number): IRNode {
  const size = base.getSize().slice();
  size[dim] = length;
  return new GenericView(base, size, (idx) => idx.map((e, i) => (i === dim ? add(mul(e, step), start) : e)), `slice dim=${dim} start=${start} step=${step}`);
}

export function select(base: IRNode, dim: number, index: number): IRNode {
  const size = base.getSize().filter((_, i) => i !== dim);
  return new GenericView(base, size, (idx) => [...idx.slice(0, dim), cst(index), ...idx.slice(dim)], `select dim=${dim} index=${index}`);
}

export function unsqueeze(base: IRNode, dim: number): IRNode {
  const size = base.getSize().slice();
  size.splice(dim, 0, 1);
  return new GenericView(base, size, (idx) => idx.filter((_, i) => i !== dim), `unsqueeze ${dim}`);
}

/** Drop the given size-1 dims. */
export function squeeze(base: IRNode, dims: readonly number[]): IRNode {
  const old = base.getSize();
  const drop = new Set(dims.filter((d) => old[d] === 1));
  if (drop.size === 0) return base;
  const size = old.filter((_, i) => !drop.has(i));
  return new GenericView(base, size, (idx) => {
    const out: Expr[] = [];
    let j = 0;
    for (let i = 0; i < old.length; i++) out.push(drop.has(i) ? cst(0) : idx[j++]!);
    return out;
  }, `squeeze [${[...drop]}]`);
}

/** as_strided over the base's contiguous element order (the base's flat index is storage-like). */
export function asStrided(base: IRNode, size: readonly number[], stride: readonly number[], offset: number): IRNode {
  const old = base.getSize();
  return new GenericView(base, size, (idx) => unflatten(linearIndex(idx, stride, offset), old, new Map()), `as_strided [${size}] [${stride}] ${offset}`);
}
