// test/opinfo/make: deterministic sample-tensor factory for the op database (like PyTorch's make_tensor).
// In: a seed, shapes, dtypes, value ranges, a layout (contiguous, transposed, strided slice).
// Out: real coil Tensors (leaves, no autograd history) and tolerance/compare helpers shared by the opinfo tests.

import assert from "node:assert/strict";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import type { DTypeName } from "../../src/tensor/dtype.js";

export type Layout = "contig" | "t" | "slice";

export interface MakeOpts {
  low?: number;
  high?: number;
  layout?: Layout;
  /** Explicit values in logical order (shape must match). */
  values?: readonly number[];
}

/** Seeded generator of sample tensors; the same seed yields the same tensors (mulberry32). */
export class Maker {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(low: number, high: number): number { return low + Math.floor(this.next() * (high - low + 1)); }

  /** A tensor of `shape` and `dtype`: floats uniform in [low, high), ints in [low, high], bools random. */
  t(shape: readonly number[], dtype: DTypeName = "float32", opts: MakeOpts = {}): Tensor {
    const n = shape.reduce((a, b) => a * b, 1);
    const isInt = dtype === "int64" || dtype === "int32" || dtype === "uint8";
    const low = opts.low ?? (isInt ? -5 : -2), high = opts.high ?? (isInt ? 5 : 2);
    const vals: number[] = opts.values ? [...opts.values] : [];
    if (!opts.values) {
      for (let i = 0; i < n; i++) {
        if (dtype === "bool") vals.push(this.next() < 0.5 ? 1 : 0);
        else if (isInt) vals.push(this.int(low, high));
        else vals.push(low + (high - low) * this.next());
      }
    }
    assert.equal(vals.length, n, `Maker.t: ${vals.length} values for shape [${shape.join(", ")}]`);
    const layout = opts.layout ?? "contig";
    const nd = shape.length;
    if (layout === "t" && nd >= 2) {
      // Storage holds the last two dims swapped; the result is its transpose (non-contiguous).
      const phys = shape.slice();
      [phys[nd - 2], phys[nd - 1]] = [phys[nd - 1]!, phys[nd - 2]!];
      const logical = Tensor.fromValues(vals, shape, dtype);
      const lv = toFloat64Array(logical);
      const pv = new Array<number>(n);
      const rows = shape[nd - 2]!, cols = shape[nd - 1]!, mat = rows * cols;
      for (let b = 0; b < n / Math.max(mat, 1); b++) {
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) pv[b * mat + c * rows + r] = lv[b * mat + r * cols + c]!;
      }
      const p = Tensor.fromValues(pv, phys, dtype);
      const st = p.strides.slice();
      [st[nd - 2], st[nd - 1]] = [st[nd - 1]!, st[nd - 2]!];
      return detached(p.aliasAs(shape, st, 0));
    }
    if (layout === "slice" && nd >= 1) {
      // Every other element of a last dim twice as long: x[..., ::2] (non-contiguous, offset 0).
      const phys = shape.slice();
      phys[nd - 1] = phys[nd - 1]! * 2;
      const pv = new Array<number>(n * 2).fill(0);
      const last = shape[nd - 1]!;
      for (let i = 0; i < n; i++) pv[Math.floor(i / last) * last * 2 + (i % last) * 2] = vals[i]!;
      const p = Tensor.fromValues(pv, phys, dtype);
      const st = p.strides.slice();
      st[nd - 1] = 2;
      return detached(p.aliasAs(shape, st, 0));
    }
    return Tensor.fromValues(vals, shape, dtype);
  }
}

function detached(t: Tensor): Tensor {
  t.base = null;
  return t;
}

/** Stable 32-bit hash of a string (seeds per op and sample). */
export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface Tol { atol: number; rtol: number }

/** torch.testing.assert_close defaults; integers and bool compare exactly. */
export function defaultTol(dtype: string): Tol {
  switch (dtype) {
    case "float64": return { atol: 1e-7, rtol: 1e-7 };
    case "float32": return { atol: 1e-5, rtol: 1.3e-6 };
    case "float16": return { atol: 1e-5, rtol: 1e-3 };
    case "bfloat16": return { atol: 1e-5, rtol: 1.6e-2 };
    default: return { atol: 0, rtol: 0 };
  }
}

/** Largest |a - e| over elements (NaN mismatch counts as Infinity); for reports. */
export function maxDiff(actual: Tensor, expected: Tensor): number {
  const a = toFloat64Array(actual), e = toFloat64Array(expected);
  let m = 0;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
    if (x === y || Number.isNaN(x)) continue;
    m = Math.max(m, Math.abs(x - y));
  }
  return m;
}

/**
 * Assert `actual` equals `expected` like torch.testing.assert_close: same shape and dtype, NaN at the
 * same positions, |a - e| <= atol + rtol * |e| elsewhere (infinities must match exactly).
 */
export function assertClose(actual: unknown, expected: unknown, what: string, tol?: Partial<Tol>): void {
  assert.ok(actual instanceof Tensor, `${what}: expected a Tensor, got ${String(actual)}`);
  assert.ok(expected instanceof Tensor, `${what}: reference is not a Tensor`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shape`);
  assert.equal(actual.dtype.name, expected.dtype.name, `${what}: dtype`);
  const def = defaultTol(expected.dtype.name);
  const atol = tol?.atol ?? def.atol, rtol = tol?.rtol ?? def.rtol;
  const a = toFloat64Array(actual), e = toFloat64Array(expected);
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y) || Number.isNaN(x)) {
      if (Number.isNaN(y) && Number.isNaN(x)) continue;
      assert.fail(`${what}: NaN mismatch at element ${i}: got ${x}, expected ${y}`);
    }
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      assert.fail(`${what}: element ${i} differs: got ${x}, expected ${y} (max diff ${maxDiff(actual, expected)}, atol ${atol}, rtol ${rtol})`);
    }
  }
}
