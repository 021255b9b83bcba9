// frontend/torch_function: the capture boundary (PyTorch's __torch_function__). Every public coil
// function and Tensor method goes through `torchFunction`, so a capture mode (src/dynamo) can record
// it as a call_function / call_method node. In: the call. Out: the call's result (from impl or the mode).

export type CallKind = "call_function" | "call_method";

export interface TorchFunctionMode {
  handle(kind: CallKind, target: unknown, args: unknown[], impl: () => unknown): unknown;
}

let current: TorchFunctionMode | null = null;

/** Route a torch-level call through the active mode (if any). Nested calls run with the mode off. */
export function torchFunction<R>(kind: CallKind, target: unknown, args: unknown[], impl: () => R): R {
  const mode = current;
  if (!mode) return impl();
  current = null;
  try {
    return mode.handle(kind, target, args, impl) as R;
  } finally {
    current = mode;
  }
}

export function withTorchFunctionMode<T>(mode: TorchFunctionMode, fn: () => T): T {
  const prev = current;
  current = mode;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

export function activeTorchFunctionMode(): TorchFunctionMode | null {
  return current;
}

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
