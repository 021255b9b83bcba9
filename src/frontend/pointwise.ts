// frontend/pointwise: torch-level elementwise functions and Tensor methods (coil.exp, coil.where,
// x.add(y), x.pow(2), x.gt(0), x.clamp(min, max), x.add_(y), ...). Numbers are accepted for scalars and
// select the Scalar overloads. In: tensors and scalars. Out: tensors, via aten ops.

import { Tensor } from "../tensor/tensor.js";
import { aten } from "../ops/aten.js";
import { defineFunction } from "./torch_function.js";
import { defineMethod } from "./define.js";

type T = Tensor;
type TS = Tensor | number | boolean;
type Approx = { approximate?: "none" | "tanh" };
type Rounding = { roundingMode?: "trunc" | "floor" | null };

declare module "../tensor/tensor.js" {
  interface Tensor {
    neg(): Tensor; abs(): Tensor; exp(): Tensor; exp2(): Tensor; log(): Tensor; log2(): Tensor; log1p(): Tensor; expm1(): Tensor;
    sin(): Tensor; cos(): Tensor; tan(): Tensor; tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; sqrt(): Tensor; rsqrt(): Tensor;
    reciprocal(): Tensor; erf(): Tensor; floor(): Tensor; ceil(): Tensor; round(): Tensor; trunc(): Tensor; sign(): Tensor;
    logicalNot(): Tensor; isnan(): Tensor; isinf(): Tensor; bitwiseNot(): Tensor;
    clamp(min?: TS | null, max?: TS | null): Tensor;
    clamp_(min?: number | null, max?: number | null): Tensor;
    add(other: TS, alpha?: number): Tensor; sub(other: TS, alpha?: number): Tensor; mul(other: TS): Tensor;
    div(other: TS, opts?: Rounding): Tensor; pow(exponent: TS): Tensor; remainder(other: TS): Tensor; fmod(other: TS): Tensor;
    maximum(other: Tensor): Tensor; minimum(other: Tensor): Tensor; atan2(other: Tensor): Tensor;
    eq(other: TS): Tensor; ne(other: TS): Tensor; lt(other: TS): Tensor; le(other: TS): Tensor; gt(other: TS): Tensor; ge(other: TS): Tensor;
    logicalAnd(other: Tensor): Tensor; logicalOr(other: Tensor): Tensor; logicalXor(other: Tensor): Tensor;
    bitwiseAnd(other: TS): Tensor; bitwiseOr(other: TS): Tensor; bitwiseXor(other: TS): Tensor;
    where(condition: Tensor, other: TS): Tensor;
    add_(other: TS, alpha?: number): Tensor; sub_(other: TS, alpha?: number): Tensor; mul_(other: TS): Tensor; div_(other: TS): Tensor;
    relu_(): Tensor; fill_(value: number | boolean): Tensor; zero_(): Tensor; copy_(src: Tensor): Tensor;
  }
}

const isT = (x: unknown): x is Tensor => x instanceof Tensor;
const num = (x: number | boolean) => x;

/** A 0-d tensor for a scalar operand where an op has no Scalar overload (where, maximum, ...). */
function scalarLike(v: number | boolean, like: Tensor): Tensor {
  const dtype = typeof v === "boolean" ? "bool" : Number.isInteger(v) && !like.dtype.isFloatingPoint ? "int64" : like.dtype.isFloatingPoint ? like.dtype : "float32";
  return aten.fill_.Scalar(Tensor.empty([], dtype, like.device), v) as Tensor;
}

// ---- unary ----
const unaryNames = [
  ["neg", "neg"], ["abs", "abs"], ["exp", "exp"], ["exp2", "exp2"], ["log", "log"], ["log2", "log2"], ["log1p", "log1p"], ["expm1", "expm1"],
  ["sin", "sin"], ["cos", "cos"], ["tan", "tan"], ["tanh", "tanh"], ["sigmoid", "sigmoid"], ["relu", "relu"], ["sqrt", "sqrt"], ["rsqrt", "rsqrt"],
  ["reciprocal", "reciprocal"], ["erf", "erf"], ["floor", "floor"], ["ceil", "ceil"], ["round", "round"], ["trunc", "trunc"], ["sign", "sign"],
  ["logicalNot", "logical_not"], ["isnan", "isnan"], ["isinf", "isinf"], ["bitwiseNot", "bitwise_not"], ["silu", "silu"],
] as const;

function unaryFn(aname: string) {
  return (x: T): T => aten[aname as "neg"].default(x) as T;
}
export const neg = defineFunction("coil.neg", unaryFn("neg"));
export const abs = defineFunction("coil.abs", unaryFn("abs"));
export const exp = defineFunction("coil.exp", unaryFn("exp"));
export const exp2 = defineFunction("coil.exp2", unaryFn("exp2"));
export const log = defineFunction("coil.log", unaryFn("log"));
export const log2 = defineFunction("coil.log2", unaryFn("log2"));
export const log1p = defineFunction("coil.log1p", unaryFn("log1p"));
export const expm1 = defineFunction("coil.expm1", unaryFn("expm1"));
export const sin = defineFunction("coil.sin", unaryFn("sin"));
export const cos = defineFunction("coil.cos", unaryFn("cos"));
export const tan = defineFunction("coil.tan", unaryFn("tan"));
export const tanh = defineFunction("coil.tanh", unaryFn("tanh"));
export const sigmoid = defineFunction("coil.sigmoid", unaryFn("sigmoid"));
export const relu = defineFunction("coil.relu", unaryFn("relu"));
export const sqrt = defineFunction("coil.sqrt", unaryFn("sqrt"));
export const rsqrt = defineFunction("coil.rsqrt", unaryFn("rsqrt"));
export const reciprocal = defineFunction("coil.reciprocal", unaryFn("reciprocal"));
export const erf = defineFunction("coil.erf", unaryFn("erf"));
export const floor = defineFunction("coil.floor", unaryFn("floor"));
export const ceil = defineFunction("coil.ceil", unaryFn("ceil"));
export const round = defineFunction("coil.round", unaryFn("round"));
export const trunc = defineFunction("coil.trunc", unaryFn("trunc"));
export const sign = defineFunction("coil.sign", unaryFn("sign"));
export const logicalNot = defineFunction("coil.logicalNot", unaryFn("logical_not"));
export const isnan = defineFunction("coil.isnan", unaryFn("isnan"));
export const isinf = defineFunction("coil.isinf", unaryFn("isinf"));
export const bitwiseNot = defineFunction("coil.bitwiseNot", unaryFn("bitwise_not"));
export const silu = defineFunction("coil.silu", unaryFn("silu"));
export const gelu = defineFunction("coil.gelu", (x: T, opts: Approx = {}): T => aten.gelu.default(x, { approximate: opts.approximate ?? "none" }) as T);
export const hardtanh = defineFunction("coil.hardtanh", (x: T, minVal = -1, maxVal = 1): T => aten.hardtanh.default(x, minVal, maxVal) as T);

for (const [m, a] of unaryNames) if (m !== "silu") defineMethod(m, (x) => aten[a as "neg"].default(x));

export const clamp = defineFunction("coil.clamp", (x: T, min: TS | null = null, max: TS | null = null): T => {
  if (isT(min) || isT(max)) {
    const lo = min === null ? null : isT(min) ? min : scalarLike(min, x);
    const hi = max === null ? null : isT(max) ? max : scalarLike(max, x);
    return aten.clamp.Tensor(x, lo, hi) as T;
  }
  return aten.clamp.default(x, min, max) as T;
});
defineMethod("clamp", (x, min: TS | null = null, max: TS | null = null) => clamp(x, min, max));

// ---- binary ----
export const add = defineFunction("coil.add", (x: T, y: TS, alpha = 1): T =>
  isT(y) ? aten.add.Tensor(x, y, { alpha }) as T : aten.add.Scalar(x, num(y), alpha) as T);
export const sub = defineFunction("coil.sub", (x: T, y: TS, alpha = 1): T =>
  isT(y) ? aten.sub.Tensor(x, y, { alpha }) as T : aten.sub.Scalar(x, num(y), alpha) as T);
export const mul = defineFunction("coil.mul", (x: T, y: TS): T => isT(y) ? aten.mul.Tensor(x, y) as T : aten.mul.Scalar(x, num(y)) as T);
export const div = defineFunction("coil.div", (x: T, y: TS, opts: Rounding = {}): T => {
  const mode = opts.roundingMode ?? null;
  if (mode === null) return isT(y) ? aten.div.Tensor(x, y) as T : aten.div.Scalar(x, num(y)) as T;
  return isT(y) ? aten.div.Tensor_mode(x, y, { rounding_mode: mode }) as T : aten.div.Scalar_mode(x, num(y), { rounding_mode: mode }) as T;
});
export const pow = defineFunction("coil.pow", (x: T | number, e: TS): T => {
  if (!isT(x)) {
    if (!isT(e)) throw new TypeError("coil.pow: at least one of base and exponent must be a tensor");
    return aten.pow.Scalar(x, e) as T;
  }
  return isT(e) ? aten.pow.Tensor_Tensor(x, e) as T : aten.pow.Tensor_Scalar(x, num(e)) as T;
});
export const remainder = defineFunction("coil.remainder", (x: T, y: TS): T => isT(y) ? aten.remainder.Tensor(x, y) as T : aten.remainder.Scalar(x, num(y)) as T);
export const fmod = defineFunction("coil.fmod", (x: T, y: TS): T => isT(y) ? aten.fmod.Tensor(x, y) as T : aten.fmod.Scalar(x, num(y)) as T);
export const maximum = defineFunction("coil.maximum", (x: T, y: T): T => aten.maximum.default(x, y) as T);
export const minimum = defineFunction("coil.minimum", (x: T, y: T): T => aten.minimum.default(x, y) as T);
export const atan2 = defineFunction("coil.atan2", (x: T, y: T): T => aten.atan2.default(x, y) as T);

function cmp(name: "eq" | "ne" | "lt" | "le" | "gt" | "ge") {
  return defineFunction(`coil.${name}`, (x: T, y: TS): T => isT(y) ? aten[name].Tensor(x, y) as T : aten[name].Scalar(x, num(y)) as T);
}
export const eq = cmp("eq"), ne = cmp("ne"), lt = cmp("lt"), le = cmp("le"), gt = cmp("gt"), ge = cmp("ge");

export const logicalAnd = defineFunction("coil.logicalAnd", (x: T, y: T): T => aten.logical_and.default(x, y) as T);
export const logicalOr = defineFunction("coil.logicalOr", (x: T, y: T): T => aten.logical_or.default(x, y) as T);
export const logicalXor = defineFunction("coil.logicalXor", (x: T, y: T): T => aten.logical_xor.default(x, y) as T);

function bitwise(name: "bitwise_and" | "bitwise_or" | "bitwise_xor", js: string) {
  return defineFunction(`coil.${js}`, (x: T, y: TS): T => isT(y) ? aten[name].Tensor(x, y) as T : aten[name].Scalar(x, num(y)) as T);
}
export const bitwiseAnd = bitwise("bitwise_and", "bitwiseAnd");
export const bitwiseOr = bitwise("bitwise_or", "bitwiseOr");
export const bitwiseXor = bitwise("bitwise_xor", "bitwiseXor");

/** coil.where(condition, x, y): numbers become 0-d tensors (PyTorch's scalar overloads). */
export const where = defineFunction("coil.where", (c: T, x: TS, y: TS): T => {
  const like = isT(x) ? x : isT(y) ? y : c;
  const xt = isT(x) ? x : scalarLike(x, isT(y) ? y : like);
  const yt = isT(y) ? y : scalarLike(y, xt);
  return aten.where.self(c, xt, yt) as T;
});

defineMethod("add", (x, y: TS, alpha = 1) => add(x, y, alpha));
defineMethod("sub", (x, y: TS, alpha = 1) => sub(x, y, alpha));
defineMethod("mul", (x, y: TS) => mul(x, y));
defineMethod("div", (x, y: TS, opts?: Rounding) => div(x, y, opts));
defineMethod("pow", (x, e: TS) => pow(x, e));
defineMethod("remainder", (x, y: TS) => remainder(x, y));
defineMethod("fmod", (x, y: TS) => fmod(x, y));
defineMethod("maximum", (x, y: T) => maximum(x, y));
defineMethod("minimum", (x, y: T) => minimum(x, y));
defineMethod("atan2", (x, y: T) => atan2(x, y));
for (const [m, f] of [["eq", eq], ["ne", ne], ["lt", lt], ["le", le], ["gt", gt], ["ge", ge]] as const) defineMethod(m, (x, y: TS) => f(x, y));
defineMethod("logicalAnd", (x, y: T) => logicalAnd(x, y));
defineMethod("logicalOr", (x, y: T) => logicalOr(x, y));
defineMethod("logicalXor", (x, y: T) => logicalXor(x, y));
defineMethod("bitwiseAnd", (x, y: TS) => bitwiseAnd(x, y));
defineMethod("bitwiseOr", (x, y: TS) => bitwiseOr(x, y));
defineMethod("bitwiseXor", (x, y: TS) => bitwiseXor(x, y));
/** x.where(condition, y) as in PyTorch: condition ? x : y. */
defineMethod("where", (x, c: T, y: TS) => where(c, x, y));

// ---- in place ----
defineMethod("add_", (x, y: TS, alpha = 1) => isT(y) ? aten.add_.Tensor(x, y, { alpha }) : aten.add_.Scalar(x, num(y), alpha));
defineMethod("sub_", (x, y: TS, alpha = 1) => isT(y) ? aten.sub_.Tensor(x, y, { alpha }) : aten.sub_.Scalar(x, num(y), alpha));
defineMethod("mul_", (x, y: TS) => isT(y) ? aten.mul_.Tensor(x, y) : aten.mul_.Scalar(x, num(y)));
defineMethod("div_", (x, y: TS) => isT(y) ? aten.div_.Tensor(x, y) : aten.div_.Scalar(x, num(y)));
defineMethod("clamp_", (x, min: number | null = null, max: number | null = null) => aten.clamp_.default(x, min, max));
defineMethod("relu_", (x) => aten.relu_.default(x));
defineMethod("fill_", (x, v: number | boolean) => aten.fill_.Scalar(x, v));
defineMethod("zero_", (x) => aten.zero_.default(x));
defineMethod("copy_", (x, src: T) => aten.copy_.default(x, src));
