// aot/register: registers the "aot_eager" compile backend (aten graphs through AOT autograd, run with
// eager kernels). In: nothing. Out: a side effect on dynamo's backend registry.

import type { Tensor } from "../tensor/tensor.js";
import { registerBackend } from "../dynamo/backends.js";
import { aotAutograd } from "./aot_autograd.js";
import type { GraphModule } from "../fx/index.js";

const runGraph = (gm: GraphModule) => (args: Tensor[]) => {
  const r = gm.forward(...args);
  return Array.isArray(r) ? r : [r];
};

registerBackend("aot_eager", aotAutograd({ fwCompiler: runGraph }) as never);
