// ops/loss_ops: aten ops of the loss family. In: tensors and arguments. Out: OpDefs.

import type { OpFamily } from "./registry.js";

export const lossOps = {} satisfies OpFamily;
