// utils/torch_function: the capture boundary's switch (PyTorch's __torch_function__ mode). Public coil
// functions, Tensor methods and direct calls of op overloads (aten.cos.default(x)) route through
// `torchFunction`, so a capture mode (dynamo, fx's symbolic tracer) can record them as graph nodes.
// In: a call and its implementation. Out: the call's result (from impl, or from the active mode).

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

