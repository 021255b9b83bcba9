// tensor/shape: pure helpers over shapes and strides (contiguity, broadcasting, dim wrapping).
// In: number arrays. Out: number arrays or errors that name the op and the shapes.

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= Math.max(shape[i]!, 1);
  }
  return st;
}

export function isContiguous(shape: Shape, strides: Shape): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const s = shape[i]!;
    if (s === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= s;
  }
  return true;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Broadcast shapes as PyTorch does; `op` names the operator in the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const oi = nd - s.length + i;
      const d = s[i]!;
      const cur = out[oi]!;
      if (cur === 1) out[oi] = d;
      else if (d !== 1 && d !== cur) {
        throw new RangeError(
          `${op}: the size of tensor a (${cur}) must match the size of tensor b (${d}) at non-singleton dimension ${oi}; shapes ${shapes.map(fmtShape).join(", ")}`,
        );
      }
    }
  }
  return out;
}

/** Wrap a possibly negative dim into [0, ndim). 0-d tensors accept dims -1 and 0. */
export function wrapDim(op: string, dim: number, ndim: number): number {
  const n = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new RangeError(`${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + n : dim;
}

/** Strides of `shape` broadcast from a tensor with (shape0, strides0): 0 on broadcast dims. */
export function broadcastStrides(shape0: Shape, strides0: Shape, shape: Shape): number[] {
  const out = new Array<number>(shape.length).fill(0);
  const off = shape.length - shape0.length;
  for (let i = 0; i < shape0.length; i++) {
    out[off + i] = shape0[i] === 1 && shape[off + i] !== 1 ? 0 : strides0[i]!;
  }
  return out;
}

/** Infer a -1 entry in a view/reshape size. */
export function inferSize(op: string, size: readonly number[], n: number): number[] {
  let neg = -1, prod = 1;
  size.forEach((s, i) => {
    if (s === -1) {
      if (neg >= 0) throw new RangeError(`${op}: only one dimension can be inferred`);
      neg = i;
    } else if (!Number.isInteger(s) || s < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${s} in ${fmtShape(size)}`);
    } else prod *= s;
  });
  const out = size.slice();
  if (neg >= 0) {
    if (prod === 0 || n % prod !== 0) throw new RangeError(`${op}: shape '${fmtShape(size)}' is invalid for input of size ${n}`);
    out[neg] = n / prod;
  } else if (prod !== n) {
    throw new RangeError(`${op}: shape '${fmtShape(size)}' is invalid for input of size ${n}`);
  }
  return out;
}

/**
 * Strides for viewing (shape, strides) as newShape without copying, or null when impossible
 * (port of ATen's computeStride).
 */
export function viewStrides(oldShape: Shape, oldStrides: Shape, newShape: Shape): number[] | null {
  if (oldShape.length === 0) return newShape.map(() => 1);
  const n = numel(oldShape);
  if (n === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides[oldStrides.length - 1]!;
  let tensorNumel = 1, viewNumel = 1;
  for (let tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= oldShape[tensorD]!;
    if (tensorD === 0 || (oldShape[tensorD - 1] !== 1 && oldStrides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = oldStrides[tensorD - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}
