// ops/index_ops: aten ops of the index family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const indexOps = {} satisfies OpFamily;
