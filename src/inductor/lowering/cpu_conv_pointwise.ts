// inductor/lowering/cpu_conv_pointwise: the lowering of cpu._convolution_pointwise (and of
// cpu._reorder_convolution_weight and cpu._addmm_pointwise): an extern kernel that calls the op's
// eager kernel from the wrapper, like Inductor's mkldnn convolution lowerings. Lowering patterns call it through
// `lowerings.call(cpu._convolution_pointwise.default, ...)` (the seed's `L[...]`). When code generation
// falls back to running the fx graph eagerly (codegen_fallback), lowering-pattern handlers receive eager
// tensors instead of IR values; then the call simply runs the op (an eager value "lowers" to itself).
// In: lowered args (TensorBox / constants) or eager tensors. Out: a TensorBox (or an eager tensor).

import { Tensor } from "../../tensor/tensor.js";
import { cpu } from "../../ops/cpu.js";
import type { OpOverload } from "../../ops/registry.js";
import { registerLowering } from "../lowering_table.js";
import { bindLowered, externCall } from "./common.js";

const hasEagerTensor = (args: readonly unknown[]): boolean =>
  args.some((a) => a instanceof Tensor || (Array.isArray(a) && a.some((e) => e instanceof Tensor)));

for (const op of [cpu._convolution_pointwise.default, cpu._reorder_convolution_weight.default, cpu._addmm_pointwise.default] as OpOverload[]) {
  registerLowering(op, (...args: unknown[]) => (hasEagerTensor(args) ? op(...args) : externCall("extern", op, bindLowered(op, args))));
}
