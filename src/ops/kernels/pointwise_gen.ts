// ops/kernels/pointwise_gen: specialised elementwise loops generated once per (op expression, input
// dtypes, output dtype) with `new Function` and cached. Handles broadcasting, any strides/offsets,
// half types (bit patterns), and writes into a fresh contiguous tensor or in place into a strided one.
// In: tensors, a JS expression over a, b, c (inputs) and p0..p3 (scalars). Out: tensors.

import { Tensor } from "../../tensor/tensor.js";
import { broadcastShapes, broadcastStrides, numel } from "../../tensor/shape.js";
import {
  type DType, bfloat16, float16, float32, floatToBfloat16Bits, floatToHalfBits, halfBitsToFloat, bfloat16BitsToFloat,
} from "../../tensor/dtype.js";

// ---- scalar helpers visible to generated code as H.name ----

const SQRT_PI = Math.sqrt(Math.PI);

/** erf with ~1e-15 relative accuracy: power series (no cancellation) below 3, continued fraction above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax >= 6) return x > 0 ? 1 : -1;
  let r: number;
  if (ax < 3) {
    // erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
    let term = ax, sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    r = (2 / SQRT_PI) * Math.exp(-x2) * sum;
  } else {
    let t = ax;
    for (let k = 80; k >= 1; k--) t = ax + (k / 2) / t;
    r = 1 - Math.exp(-ax * ax) / (SQRT_PI * t);
  }
  return x < 0 ? -r : r;
}

/** Round half to even (C nearbyint), as torch.round. */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  return r === 0 && x < 0 ? -0 : r;
}

/** PyTorch's div_floor_floating. */
export function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div !== 0) {
    let fd = Math.floor(div);
    if (div - fd > 0.5) fd += 1;
    return fd;
  }
  return Math.sign(a / b) < 0 || Object.is(a / b, -0) ? -0 : 0;
}

/** Python-style remainder (sign of divisor), PyTorch's remainder for floats. */
export function remainder(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && (b < 0) !== (m < 0) ? m + b : m;
}

function bigOp(a: number, b: number, op: string): number {
  const x = BigInt(a), y = BigInt(b);
  const r = op === "&" ? x & y : op === "|" ? x | y : x ^ y;
  return Number(BigInt.asIntN(64, r));
}
const I32 = 2 ** 31;
function fits32(v: number): boolean { return v >= -I32 && v < I32; }
export function band(a: number, b: number): number { return fits32(a) && fits32(b) ? a & b : bigOp(a, b, "&"); }
export function bor(a: number, b: number): number { return fits32(a) && fits32(b) ? a | b : bigOp(a, b, "|"); }
export function bxor(a: number, b: number): number { return fits32(a) && fits32(b) ? a ^ b : bigOp(a, b, "^"); }

/** Round to bfloat16 / float16 precision (reads of higher-precision operands in a half computation). */
function rbf(v: number): number { return bfloat16BitsToFloat(floatToBfloat16Bits(v)); }
function rhf(v: number): number { return halfBitsToFloat(floatToHalfBits(v)); }

const H = { erf, rint, floorDiv, remainder, band, bor, bxor, f2bf: floatToBfloat16Bits, f2h: floatToHalfBits, h2f: halfBitsToFloat, rbf, rhf };

// ---- code generation ----

export interface PwExpr {
  /** Cache key naming the expression (op name + variant). */
  key: string;
  /** JS expression over inputs a, b, c, scalar params p0..p3 and helpers H.*; evaluated per element. */
  expr: string;
}

type Kernel = (out: ArrayLike<number>, outOff: number, outSt: Int32Array, shape: Int32Array,
  xs: ArrayLike<number>[], offs: Int32Array, sts: Int32Array[], p: number[]) => void;

const cache = new Map<string, Kernel>();
const VARS = ["a", "b", "c"];

function readExpr(arr: string, idx: string, d: DType, compute: DType | null): string {
  let r = d === bfloat16 ? `(U32[0] = ${arr}[${idx}] << 16, F32[0])` : d === float16 ? `H.h2f(${arr}[${idx}])` : `${arr}[${idx}]`;
  // Operands of a lower-precision computation are rounded to it first (TensorIterator casts to the common dtype).
  if (compute && compute !== d) {
    if (compute === float32 && (d.itemsize === 8 || d.name === "int32")) r = `Math.fround(${r})`;
    else if (compute === bfloat16 && d !== bfloat16 && d.isFloatingPoint) r = `H.rbf(${r})`;
    else if (compute === float16 && d !== float16 && d.isFloatingPoint) r = `H.rhf(${r})`;
  }
  return r;
}

function writeExpr(v: string, d: DType): string {
  switch (d.name) {
    case "bfloat16": return `H.f2bf(${v})`;
    case "float16": return `H.f2h(${v})`;
    case "int64": return `Math.trunc(${v}) || 0`;
    case "bool": return `(+(${v}) !== 0 ? 1 : 0)`;
    default: return v;
  }
}

function build(e: PwExpr, inDtypes: DType[], outDtype: DType, compute: DType | null, flat: string | null): Kernel {
  const n = inDtypes.length;
  const L: string[] = [];
  L.push("const F32 = new Float32Array(1), U32 = new Uint32Array(F32.buffer);");
  L.push("return function kernel(out, outOff, outSt, shape, xs, offs, sts, p) {");
  L.push("const p0 = p[0], p1 = p[1], p2 = p[2], p3 = p[3];");
  for (let k = 0; k < n; k++) L.push(`const X${k} = xs[${k}], S${k} = sts[${k}];`);
  if (flat !== null) {
    // Fast path: one dense loop; inputs are contiguous ("1") or broadcast scalars ("0", read once).
    L.push("const len = shape.length ? shape[0] : 1;");
    inDtypes.forEach((d, k) => { if (flat[k] === "0") L.push(`const ${VARS[k]} = ${readExpr(`X${k}`, `offs[${k}]`, d, compute)};`); });
    inDtypes.forEach((_, k) => { if (flat[k] === "1") L.push(`const o${k} = offs[${k}] - outOff;`); });
    L.push("for (let j = outOff, end = outOff + len; j < end; j++) {");
    inDtypes.forEach((d, k) => { if (flat[k] === "1") L.push(`const ${VARS[k]} = ${readExpr(`X${k}`, `j + o${k}`, d, compute)};`); });
    L.push(`out[j] = ${writeExpr(`(${e.expr})`, outDtype)};`);
    L.push("}};");
    return new Function("H", L.join("\n"))(H) as Kernel;
  }
  L.push("const nd = shape.length; const inner = nd ? shape[nd - 1] : 1;");
  L.push("const oi = nd ? outSt[nd - 1] : 1;");
  for (let k = 0; k < n; k++) L.push(`const is${k} = nd ? S${k}[nd - 1] : 0; let b${k} = offs[${k}];`);
  L.push("let bo = outOff; let rows = 1; for (let d = 0; d < nd - 1; d++) rows *= shape[d];");
  L.push("const idx = new Int32Array(Math.max(nd, 1));");
  L.push("for (let r = 0; r < rows; r++) {");
  L.push("let o = bo;" + inDtypes.map((_, k) => ` let i${k} = b${k};`).join(""));
  L.push("for (let j = 0; j < inner; j++) {");
  inDtypes.forEach((d, k) => L.push(`const ${VARS[k]} = ${readExpr(`X${k}`, `i${k}`, d, compute)};`));
  L.push(`out[o] = ${writeExpr(`(${e.expr})`, outDtype)}; o += oi;` + inDtypes.map((_, k) => ` i${k} += is${k};`).join(""));
  L.push("}");
  L.push("for (let d = nd - 2; d >= 0; d--) {");
  L.push("bo += outSt[d];" + inDtypes.map((_, k) => ` b${k} += S${k}[d];`).join(""));
  L.push("if (++idx[d] < shape[d]) break;");
  L.push("idx[d] = 0; bo -= outSt[d] * shape[d];" + inDtypes.map((_, k) => ` b${k} -= S${k}[d] * shape[d];`).join(""));
  L.push("}}};");
  return new Function("H", L.join("\n"))(H) as Kernel;
}

function getKernel(e: PwExpr, inDtypes: DType[], outDtype: DType, compute: DType | null, flat: string | null): Kernel {
  const key = `${e.key}|${e.expr}|${inDtypes.map((d) => d.name).join(",")}|${outDtype.name}|${compute?.name ?? ""}|${flat ?? "strided"}`;
  let k = cache.get(key);
  if (!k) { k = build(e, inDtypes, outDtype, compute, flat); cache.set(key, k); }
  return k;
}

/** Merge adjacent dims that are contiguous for every operand (fewer, longer inner loops). */
function coalesce(shape: number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  if (shape.length <= 1) return { shape, strides };
  const s = [shape[0]!];
  const st = strides.map((x) => [x[0]!]);
  for (let d = 1; d < shape.length; d++) {
    const last = s.length - 1;
    const ok = shape[d] === 1 || s[last] === 1 || strides.every((x, k) => st[k]![last] === x[d]! * shape[d]!);
    if (ok) {
      if (s[last] === 1) st.forEach((x, k) => { x[last] = strides[k]![d]!; });
      else if (shape[d] === 1) { /* keep strides of the merged dim */ } else st.forEach((x, k) => { x[last] = strides[k]![d]!; });
      s[last] = s[last]! * shape[d]!;
    } else {
      s.push(shape[d]!);
      st.forEach((x, k) => x.push(strides[k]![d]!));
    }
  }
  return { shape: s, strides: st };
}

export interface PwOptions {
  /** Scalar parameters p0..p3. */
  params?: number[];
  /** Dtype the computation happens in (inputs of other dtypes are rounded to it first). */
  compute?: DType | null;
  /** Write into this tensor (in place / out=) instead of a new contiguous tensor; its shape must be the broadcast shape. */
  out?: Tensor;
}

/** Run an elementwise expression over broadcast inputs. */
export function pointwise(op: string, e: PwExpr, inputs: Tensor[], outDtype: DType, opts: PwOptions = {}): Tensor {
  const shape = opts.out ? opts.out.shape.slice() : broadcastShapes(op, ...inputs.map((t) => t.shape));
  if (opts.out) broadcastShapes(op, shape, ...inputs.map((t) => t.shape));
  const out = opts.out ?? Tensor.empty(shape, outDtype, inputs[0]?.device ?? "cpu");
  if (numel(shape) === 0) return out;
  const strides = inputs.map((t) => broadcastStrides(t.shape, t.strides, shape));
  const all = coalesce(shape.slice(), [out.strides.slice(), ...strides]);
  const nd = all.shape.length;
  const inner = (st: number[]) => (nd === 0 ? 1 : st[nd - 1]!);
  const flat = nd <= 1 && inner(all.strides[0]!) === 1 && all.strides.slice(1).every((st) => inner(st) <= 1 && inner(st) >= 0)
    ? all.strides.slice(1).map((st) => (nd === 0 ? "1" : String(inner(st)))).join("") : null;
  const k = getKernel(e, inputs.map((t) => t.dtype), out.dtype, opts.compute ?? null, flat);
  k(out.data(op), out.offset, Int32Array.from(all.strides[0]!), Int32Array.from(all.shape),
    inputs.map((t) => t.data(op)), Int32Array.from(inputs.map((t) => t.offset)),
    all.strides.slice(1).map((s) => Int32Array.from(s)), opts.params ?? []);
  return out;
}
