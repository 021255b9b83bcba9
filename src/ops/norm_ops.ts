// ops/norm_ops: aten ops of the norm family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const normOps = {} satisfies OpFamily;
