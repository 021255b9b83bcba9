// tensor/dtype: the dtypes coil supports, their storage arrays, bfloat16/float16 conversion
// and PyTorch's type-promotion rules. In: dtype names and scalars. Out: DType objects and promoted dtypes.

export type DTypeName =
  | "float64" | "float32" | "float16" | "bfloat16"
  | "int64" | "int32" | "uint8" | "bool";

export type TypedArray =
  | Float64Array | Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

/** Storage arrays hold numbers; int64 is kept in a Float64Array (exact up to 2^53, documented). */
export type NumericArray = Float64Array | Float32Array | Uint16Array | Int32Array | Uint8Array;

export interface DType {
  readonly name: DTypeName;
  readonly itemsize: number;
  readonly isFloatingPoint: boolean;
  readonly isSigned: boolean;
  /** Category for promotion: 0 bool, 1 integer, 2 floating. */
  readonly category: 0 | 1 | 2;
  /** Array type used for storage. bfloat16/float16 use Uint16Array bit patterns. */
  readonly arrayCtor: { new (n: number | ArrayBufferLike): NumericArray; BYTES_PER_ELEMENT: number };
  toString(): string;
}

function mk(name: DTypeName, itemsize: number, category: 0 | 1 | 2, isSigned: boolean,
  arrayCtor: DType["arrayCtor"]): DType {
  return Object.freeze({
    name, itemsize, isFloatingPoint: category === 2, isSigned, category, arrayCtor,
    toString: () => `coil.${name}`,
  });
}

export const float64 = mk("float64", 8, 2, true, Float64Array);
export const float32 = mk("float32", 4, 2, true, Float32Array);
export const float16 = mk("float16", 2, 2, true, Uint16Array);
export const bfloat16 = mk("bfloat16", 2, 2, true, Uint16Array);
/** int64 values are stored in a Float64Array: exact for |v| <= 2^53. */
export const int64 = mk("int64", 8, 1, true, Float64Array);
export const int32 = mk("int32", 4, 1, true, Int32Array);
export const uint8 = mk("uint8", 1, 1, false, Uint8Array);
export const bool = mk("bool", 1, 0, false, Uint8Array);

export const dtypes: Readonly<Record<DTypeName, DType>> = Object.freeze({
  float64, float32, float16, bfloat16, int64, int32, uint8, bool,
});

export function dtypeOf(name: DTypeName | DType): DType {
  if (typeof name !== "string") return name;
  const d = dtypes[name];
  if (!d) throw new TypeError(`unknown dtype '${String(name)}'; expected one of ${Object.keys(dtypes).join(", ")}`);
  return d;
}

/** True when the storage holds 16-bit float bit patterns that need conversion. */
export function isHalfLike(d: DType): boolean {
  return d === bfloat16 || d === float16;
}

// ---- bfloat16 / float16 conversion (round to nearest even, NaN preserved) ----
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function floatToBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff; // quiet NaN
  const lsb = (bits >>> 16) & 1;
  return ((bits + 0x7fff + lsb) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

export function floatToHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const halfMant = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    let r = halfMant;
    if (rem > halfway || (rem === halfway && (halfMant & 1))) r += 1;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) r += 1; // may carry into exponent: correct
  return sign | r;
}

export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Round a JS number to what the dtype can hold (used for scalars and fills). */
export function castScalar(x: number | boolean, d: DType): number {
  const v = typeof x === "boolean" ? (x ? 1 : 0) : x;
  switch (d.name) {
    case "float64": return v;
    case "float32": return Math.fround(v);
    case "bfloat16": return bfloat16BitsToFloat(floatToBfloat16Bits(v));
    case "float16": return halfBitsToFloat(floatToHalfBits(v));
    case "int64": return Number.isFinite(v) ? Math.trunc(v) : 0;
    case "int32": return v | 0;
    case "uint8": return (Number.isFinite(v) ? Math.trunc(v) : 0) & 0xff;
    case "bool": return v !== 0 ? 1 : 0;
  }
}

// ---- type promotion (torch.result_type) ----
const floatRank: Record<string, number> = { float16: 1, bfloat16: 1, float32: 2, float64: 3 };
const intRank: Record<string, number> = { bool: 0, uint8: 1, int32: 2, int64: 3 };

/** Promote two tensor dtypes of the same participation level (torch.promote_types). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a.isFloatingPoint && b.isFloatingPoint) {
    if ((a === float16 && b === bfloat16) || (a === bfloat16 && b === float16)) return float32;
    return floatRank[a.name]! >= floatRank[b.name]! ? a : b;
  }
  if (a.isFloatingPoint) return a;
  if (b.isFloatingPoint) return b;
  return intRank[a.name]! >= intRank[b.name]! ? a : b;
}

export type ScalarLike = number | boolean;

/** Category of a JS scalar: bool, integer or floating (as a Python scalar would be). */
export function scalarCategory(s: ScalarLike): 0 | 1 | 2 {
  if (typeof s === "boolean") return 0;
  return Number.isInteger(s) ? 1 : 2;
}

export const defaultFloatDtype = { current: float32 as DType };

/**
 * torch.result_type over tensor operands (dimensioned and 0-d) and scalars, following PyTorch:
 * dimensioned tensors win over 0-d tensors, which win over scalars, unless a lower level has a
 * higher category (bool < integer < floating).
 */
export function resultType(tensors: { dtype: DType; ndim: number }[], scalars: ScalarLike[] = []): DType {
  let dim: DType | null = null, zero: DType | null = null;
  let scalarCat = -1;
  for (const t of tensors) {
    if (t.ndim > 0) dim = dim ? promoteTypes(dim, t.dtype) : t.dtype;
    else zero = zero ? promoteTypes(zero, t.dtype) : t.dtype;
  }
  for (const s of scalars) scalarCat = Math.max(scalarCat, scalarCategory(s));
  let res: DType | null = dim;
  if (zero) {
    if (!res) res = zero;
    else if (zero.category > res.category) res = zero.isFloatingPoint ? (res.isFloatingPoint ? res : zero) : promoteTypes(res, zero);
  }
  if (scalarCat >= 0) {
    const sd = scalarCat === 2 ? defaultFloatDtype.current : scalarCat === 1 ? int64 : bool;
    if (!res) res = sd;
    else if (scalarCat > res.category) res = sd;
  }
  return res ?? float32;
}
