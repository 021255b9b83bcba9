// frontend/torch_function: the capture boundary (PyTorch's __torch_function__). Every public coil
// function and Tensor method goes through `torchFunction`, so a capture mode (src/dynamo) can record
// it as a call_function / call_method node. In: the call. Out: the call's result (from impl or the mode).

export { torchFunction, withTorchFunctionMode, activeTorchFunctionMode } from "../utils/torch_function.js";
export type { CallKind, TorchFunctionMode } from "../utils/torch_function.js";
import { torchFunction } from "../utils/torch_function.js";

/** Marks public functions so tracers and printers know their qualified name ("coil.mm"). */
export interface CoilFunction {
  readonly coilName: string;
}

/**
 * Define a public function. Its identity is stable, so a pass can test `node.target === coil.mm`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defineFunction<F extends (...args: any[]) => any>(qualname: string, impl: F): F & CoilFunction {
  const f = ((...args: unknown[]) => torchFunction("call_function", f, args, () => impl(...args))) as unknown as F & CoilFunction;
  Object.defineProperty(f, "name", { value: qualname.split(".").pop() });
  Object.defineProperty(f, "coilName", { value: qualname });
  Object.defineProperty(f, "toString", { value: () => qualname });
  return f;
}
