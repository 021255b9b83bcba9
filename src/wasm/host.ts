// wasm/host: the small interface src/wasm needs from its host (spawning workers, core count, V8 flags), so this
// folder bundles unchanged for browsers. In: a host implementation (Node's comes from platform/wasm_threads).
// Out: the current host (getWasmHost) and a setter for tests and other hosts (setWasmHost).

import { nodeWasmHost } from "../platform/wasm_threads.js";

/** A started worker; only termination is needed (all communication goes through shared memory). */
export interface WorkerHandle { terminate(): void }

export interface WasmHost {
  /** Logical cores usable for intra-op threads. */
  parallelism(): number;
  /** Best-effort: turn on relaxed SIMD before the first compile (V8 flag on Node 20). Returns whether a flag was set. */
  enableRelaxedSimd(): boolean;
  /**
   * Start a worker running `source`, the text of a JS function `(data) => void`, called once with `data`
   * (structured-cloned: a shared WebAssembly.Memory and SharedArrayBuffers). The worker must not keep the
   * process alive. Returns null when this host cannot start workers.
   */
  spawn(source: string, data: unknown): WorkerHandle | null;
  /** Whether the calling (main) thread may block in Atomics.wait (Node: yes; browser main thread: no). */
  readonly mainCanBlock: boolean;
}

let host: WasmHost = nodeWasmHost;

export function getWasmHost(): WasmHost {
  return host;
}

/** Replace the host (e.g. a browser Web Worker host); returns the previous one. */
export function setWasmHost(h: WasmHost): WasmHost {
  const prev = host;
  host = h;
  return prev;
}
