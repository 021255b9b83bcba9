// ops/cpu: assembles the `cpu` namespace of coil's fused CPU ops (cpu._convolution_pointwise.default,
// cpu._reorder_convolution_weight.default), callable and found by lookupOp like aten ops.
// In: the cpu op family. Out: `cpu`.

import { buildNamespace } from "./registry.js";
import { cpuOps } from "./cpu_ops.js";
import { callOpAtBoundary } from "./aten.js";

export const cpu = buildNamespace("cpu", cpuOps, callOpAtBoundary);
