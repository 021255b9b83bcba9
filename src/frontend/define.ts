// frontend/define: attaches torch-level methods to Tensor.prototype through the capture boundary.
// In: method name and implementation. Out: Tensor.prototype[name].

import { Tensor } from "../tensor/tensor.js";
import { torchFunction } from "./torch_function.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defineMethod(name: string, impl: (self: Tensor, ...args: any[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) {
      return torchFunction("call_method", name, [this, ...args], () => impl(this, ...args));
    },
    writable: true,
    configurable: true,
  });
}

/** Methods that are plain accessors and never captured as graph nodes (numel, dim, size...). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defineUntracedMethod(name: string, impl: (self: Tensor, ...args: any[]) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...args: unknown[]) { return impl(this, ...args); },
    writable: true,
    configurable: true,
  });
}
