// ops/pool_ops: aten ops of the pool family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const poolOps = {} satisfies OpFamily;
