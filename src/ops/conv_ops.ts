// ops/conv_ops: aten ops of the conv family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const convOps = {} satisfies OpFamily;
