// ops/aten: assembles the `aten` namespace from the op families; every aten op in coil is here.
// In: the family tables. Out: `aten` (aten.cos.default, aten.mul.Tensor, ...) and the AtenOpName type.

import { buildNamespace, type CallFn, type OpOverload } from "./registry.js";
import { activeTorchFunctionMode, torchFunction } from "../utils/torch_function.js";
import { callOp } from "./dispatch.js";
import { aten as atenRef } from "./ref.js";
import { pointwiseOps } from "./pointwise_ops.js";
import { pointwiseBinaryOps } from "./pointwise_binary_ops.js";
import { pointwiseInplaceOps } from "./pointwise_inplace_ops.js";
import { reductionOps } from "./reduction_ops.js";
import { scanOps } from "./scan_ops.js";
import { creationOps } from "./creation_ops.js";
import { shapeOps } from "./shape_ops.js";
import { movementOps } from "./movement_ops.js";
import { linalgOps } from "./linalg_ops.js";
import { normOps } from "./norm_ops.js";
import { convOps } from "./conv_ops.js";
import { poolOps } from "./pool_ops.js";
import { lossOps } from "./loss_ops.js";
import { indexOps } from "./index_ops.js";
import { randomOps } from "./random_ops.js";

export const atenFamilies = {
  ...pointwiseOps,
  ...pointwiseBinaryOps,
  ...pointwiseInplaceOps,
  ...reductionOps,
  ...scanOps,
  ...creationOps,
  ...shapeOps,
  ...movementOps,
  ...linalgOps,
  ...normOps,
  ...convOps,
  ...poolOps,
  ...lossOps,
  ...indexOps,
  ...randomOps,
};

/**
 * Direct calls of op overloads from user code go through the capture boundary, so `compile` records
 * them as call_function nodes whose target is the overload (nested calls inside a recorded call don't).
 */
export const callOpAtBoundary: CallFn = (op, args, kwargs) =>
  activeTorchFunctionMode() === null ? callOp(op, args, kwargs)
    : torchFunction("call_function", op, kwargs ? [...args, kwargs] : [...args], () => callOp(op, args, kwargs));

export const aten = buildNamespace("aten", atenFamilies, callOpAtBoundary);
Object.assign(atenRef, aten);

type Families = typeof atenFamilies;
type Str<T> = T & string;
/** Every aten overload's qualified name, e.g. "aten.cos.default" (used to type exhaustive tables). */
export type AtenOpName = { [P in keyof Families]: `aten.${Str<P>}.${Str<keyof Families[P]>}` }[Str<keyof Families>];

export type { OpOverload };
