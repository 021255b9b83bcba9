// ops/pointwise_util: shared builders for the pointwise op families: meta rules (broadcasting, type
// promotion, int->float for float-only ops, in-place result checks) and OpDef factories over generated kernels.
// In: op names, JS scalar expressions, derivative formulas. Out: OpDef objects.

import { Tensor } from "../tensor/tensor.js";
import { resultType, defaultFloatDtype, promoteTypes, castScalar, type DType, type ScalarLike } from "../tensor/dtype.js";
import { broadcastShapes, fmtShape, shapesEqual } from "../tensor/shape.js";
import type { OpDef, Args, TensorMeta } from "./registry.js";
import { pointwise, type PwExpr } from "./kernels/pointwise_gen.js";

export type DtypeRule = "same" | "float" | "bool";

const TORCH_NAMES: Record<string, string> = {
  float64: "Double", float32: "Float", float16: "Half", bfloat16: "BFloat16", int64: "Long", int32: "Int", uint8: "Byte", bool: "Bool",
};
export const torchName = (d: DType): string => TORCH_NAMES[d.name] ?? d.name;

/** Float result dtype for float-only ops on integer inputs (int -> default float). */
export function floatOut(d: DType): DType {
  return d.isFloatingPoint ? d : defaultFloatDtype.current;
}

export function outDtype(rule: DtypeRule, common: DType): DType {
  return rule === "same" ? common : rule === "float" ? floatOut(common) : resultBool;
}
const resultBool = resultType([], [true]);

/** The dtype a pointwise computation runs in: floating outputs compute in their dtype. */
export function computeDtype(common: DType, out: DType): DType | null {
  if (out.isFloatingPoint) return out;
  return common.isFloatingPoint ? common : null;
}

/** dtype checks shared by ops: `allow` lists the categories accepted (0 bool, 1 int, 2 float). */
export function checkDtype(op: string, kernelName: string, d: DType, allow: readonly number[]): void {
  if (!allow.includes(d.category)) throw new TypeError(`${op}: "${kernelName}" not implemented for '${torchName(d)}'`);
}

/** Scalar cast to the dtype the computation runs in (as TensorIterator does for wrapped numbers). */
export function scalarIn(v: ScalarLike, d: DType | null): number {
  return d ? castScalar(v, d) : Number(v);
}

export interface UnarySpec {
  expr: string;
  rule: DtypeRule;
  /** Accepted input categories (default all). */
  allow?: readonly number[];
  /** Extra validation before running (throws). */
  check?: (a: Args) => void;
  derivative: OpDef["derivative"];
  /** Params from args (p0..p3). */
  params?: (a: Args) => number[];
  /** Expression chosen from args (e.g. gelu's approximate). */
  exprOf?: (a: Args) => string;
  schema?: string;
}

export function unaryMeta(name: string, s: UnarySpec) {
  return (a: Args): TensorMeta => {
    const x = a.self as Tensor;
    checkDtype(name, `${name}_cpu`, x.dtype, s.allow ?? [0, 1, 2]);
    s.check?.(a);
    return { shape: x.shape, dtype: outDtype(s.rule, x.dtype), device: x.device };
  };
}

export function unary(name: string, s: UnarySpec): OpDef {
  const meta = unaryMeta(name, s);
  return {
    schema: s.schema ?? `${name}(Tensor self) -> Tensor`,
    tags: ["pointwise"],
    meta,
    kernel: (a: Args) => {
      const m = meta(a);
      const x = a.self as Tensor;
      const expr = s.exprOf ? s.exprOf(a) : s.expr;
      return pointwise(name, { key: name, expr }, [x], m.dtype, { params: s.params?.(a), compute: computeDtype(x.dtype, m.dtype) });
    },
    derivative: s.derivative,
  };
}

export interface BinarySpec {
  expr: string | ((common: DType, a: Args) => string);
  rule: DtypeRule;
  allow?: readonly number[];
  kernelName?: string;
  check?: (a: Args, common: DType) => void;
  derivative: OpDef["derivative"];
  params?: (a: Args, compute: DType | null) => number[];
  /** Tensor argument names (default self, other). */
  names?: readonly [string, string];
}

/** Common dtype of the operands of a call (tensors and Scalar args). */
export function commonDtype(a: Args, tensorNames: readonly string[], scalarNames: readonly string[] = []): DType {
  const ts = tensorNames.map((n) => a[n]).filter((t): t is Tensor => t instanceof Tensor);
  const ss = scalarNames.map((n) => a[n]).filter((v): v is ScalarLike => typeof v === "number" || typeof v === "boolean");
  return resultType(ts, ss);
}

/** Binary op over two tensors with broadcasting. */
export function binary(name: string, schema: string, s: BinarySpec): OpDef {
  const [n0, n1] = s.names ?? ["self", "other"];
  const meta = (a: Args): TensorMeta => {
    const x = a[n0] as Tensor, y = a[n1] as Tensor;
    const shape = broadcastShapes(name, x.shape, y.shape);
    const common = resultType([x, y]);
    checkDtype(name, s.kernelName ?? `${name}_cpu`, common, s.allow ?? [0, 1, 2]);
    s.check?.(a, common);
    return { shape, dtype: outDtype(s.rule, common), device: x.device };
  };
  return {
    schema, tags: ["pointwise"], meta,
    kernel: (a: Args) => {
      const m = meta(a);
      const x = a[n0] as Tensor, y = a[n1] as Tensor;
      const common = resultType([x, y]);
      const compute = s.rule === "float" && !common.isFloatingPoint ? null : computeDtype(common, m.dtype);
      const expr = typeof s.expr === "string" ? s.expr : s.expr(common, a);
      return pointwise(name, { key: name, expr }, [x, y], m.dtype, { params: s.params?.(a, compute), compute });
    },
    derivative: s.derivative,
  };
}

/** Binary op with a Scalar `other`: the scalar becomes p0 (cast to the compute dtype). */
export function binaryScalar(name: string, schema: string, s: Omit<BinarySpec, "names"> & { scalar?: string }): OpDef {
  const sn = s.scalar ?? "other";
  const meta = (a: Args): TensorMeta => {
    const x = a.self as Tensor;
    const common = resultType([x], [a[sn]]);
    checkDtype(name, s.kernelName ?? `${name}_cpu`, common, s.allow ?? [0, 1, 2]);
    s.check?.(a, common);
    return { shape: x.shape, dtype: outDtype(s.rule, common), device: x.device };
  };
  return {
    schema, tags: ["pointwise"], meta,
    kernel: (a: Args) => {
      const m = meta(a);
      const x = a.self as Tensor;
      const common = resultType([x], [a[sn]]);
      const compute = s.rule === "float" && !common.isFloatingPoint ? null : computeDtype(common, m.dtype);
      const expr = typeof s.expr === "string" ? s.expr : s.expr(common, a);
      const params = s.params ? s.params(a, compute) : [scalarIn(a[sn], compute ?? common)];
      return pointwise(name, { key: `${name}.Scalar`, expr }, [x], m.dtype, { params, compute });
    },
    derivative: s.derivative,
  };
}

/** Validate an in-place result: broadcast shape must equal self's, result dtype castable to self's. */
export function checkInplace(name: string, self: Tensor, shape: readonly number[], result: DType): void {
  if (!shapesEqual(self.shape, shape)) {
    throw new RangeError(`${name}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`);
  }
  if (!canCast(result, self.dtype)) {
    throw new TypeError(`${name}: result type ${torchName(result)} can't be cast to the desired output type ${torchName(self.dtype)}`);
  }
}

/** torch.can_cast: no float -> int, no non-bool -> bool. */
export function canCast(from: DType, to: DType): boolean {
  if (from.isFloatingPoint && !to.isFloatingPoint) return false;
  if (from.category > 0 && to.category === 0) return false;
  return true;
}

/** Build an in-place OpDef from an out-of-place one: run it, then write the result into self. */
export function inplaceOf(name: string, schema: string, base: OpDef, derivative: OpDef["derivative"]): OpDef {
  return {
    schema, tags: ["pointwise"],
    meta: (a: Args): TensorMeta => {
      const m = base.meta(a) as TensorMeta;
      const self = a.self as Tensor;
      checkInplace(name, self, m.shape, m.dtype);
      return { shape: self.shape, strides: self.strides, dtype: self.dtype, device: self.device };
    },
    kernel: (a: Args) => {
      const self = a.self as Tensor;
      const m = base.meta(a) as TensorMeta;
      checkInplace(name, self, m.shape, m.dtype);
      const r = base.kernel(a) as Tensor;
      copyInto(self, r);
      return self;
    },
    derivative,
  };
}

/** Write src (broadcast to dst's shape, cast to dst's dtype) into dst, respecting dst's strides. */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (src.storage === dst.storage && !(shapesEqual(src.strides, dst.strides) && src.offset === dst.offset && shapesEqual(src.shape, dst.shape))) {
    src = pointwise("copy_", { key: "copy", expr: "a" }, [src], src.dtype); // overlapping: materialise first
  }
  const compute = dst.dtype.isFloatingPoint ? dst.dtype : null;
  pointwise("copy_", { key: "copy", expr: "a" }, [src], dst.dtype, { out: dst, compute });
}

/** The promoted dtype of two tensors (exported for frontends). */
export { promoteTypes };
