// ops/random_ops: aten ops of the random family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const randomOps = {} satisfies OpFamily;
