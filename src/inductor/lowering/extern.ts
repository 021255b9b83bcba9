// inductor/lowering/extern: ops that call a library kernel from the wrapper instead of generated loops
// (Inductor's ExternKernel: extern_kernels.mm/addmm/bmm, convolution). Inputs are realized as buffers or
// strided views of buffers (a transposed weight is passed as a view, never copied).
// In: TensorBoxes. Out: MultiOutput buffers of an ExternKernel.

import { aten } from "../../ops/aten.js";
import { externCall, lower } from "./common.js";

for (const op of [aten.mm.default, aten.addmm.default, aten.bmm.default, aten.baddbmm.default, aten.convolution.default]) {
  lower(op, (a, o) => externCall("extern", o, a));
}
