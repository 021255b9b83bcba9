// wasm/host: the small interface src/wasm needs from its host (spawning workers, core count, V8 flags), and the
// choice of host: Node's (platform/wasm_threads, worker_threads) when running in Node, the Web Worker host
// (wasm/web_host) where `Worker` and cross-origin isolation (SharedArrayBuffer) exist, else a single-thread host
// that starts no workers. In: the global environment. Out: the current host (getWasmHost), a setter for tests
// and embedders (setWasmHost), and selectWasmHost for a given environment.

import { nodeWasmHost } from "../platform/wasm_threads.js";
import { createWebWasmHost, type WebEnv } from "./web_host.js";

/** A started worker: messages carry compiled modules; everything else goes through shared memory. */
export interface WorkerHandle {
  terminate(): void;
  postMessage(msg: unknown): void;
}

export interface WasmHost {
  /** "node", "web" or "single-thread" (for messages and tests). */
  readonly name: string;
  /** Logical cores usable for intra-op threads. */
  parallelism(): number;
  /** Best-effort: turn on relaxed SIMD before the first compile (V8 flag on Node 20). Returns whether a flag was set. */
  enableRelaxedSimd(): boolean;
  /**
   * Start a worker running `source`, the text of a JS function `(data, onMessage) => void`, called once with
   * `data` (structured-cloned: a shared WebAssembly.Memory and SharedArrayBuffers) and a function registering
   * the handler of later messages (handle.postMessage(msg) delivers msg to it). The worker must not keep the
   * process alive. Returns null when this host cannot start workers.
   */
  spawn(source: string, data: unknown): WorkerHandle | null;
  /** Whether the calling thread may block in Atomics.wait (Node, a Web Worker: yes; a browser main thread: no). */
  readonly mainCanBlock: boolean;
  /** Whether spawned workers start while the caller blocks (Node: yes; browsers: only once it yields). */
  readonly workersStartWhileBlocked: boolean;
}

/** No workers: every pool runs its tasks on the calling thread. */
export const singleThreadHost: WasmHost = {
  name: "single-thread",
  parallelism: () => 1,
  enableRelaxedSimd: () => false,
  spawn: () => null,
  mainCanBlock: false,
  workersStartWhileBlocked: false,
};

/** What host selection looks at (globalThis by default; tests pass fakes). */
export interface HostEnv extends WebEnv {
  process?: { versions?: { node?: string } };
  crossOriginIsolated?: boolean;
  SharedArrayBuffer?: unknown;
}

/** Node's host in Node; the Web Worker host with Worker + cross-origin isolation + SharedArrayBuffer; else one thread. */
export function selectWasmHost(env: HostEnv = globalThis as unknown as HostEnv): WasmHost {
  if (typeof env.process?.versions?.node === "string") return nodeWasmHost;
  if (typeof env.Worker === "function" && env.crossOriginIsolated === true && typeof env.SharedArrayBuffer === "function") return createWebWasmHost(env);
  return singleThreadHost;
}

let host: WasmHost | null = null;

export function getWasmHost(): WasmHost {
  return (host ??= selectWasmHost());
}

/** Replace the host (tests, embedders with their own workers); returns the previous one. */
export function setWasmHost(h: WasmHost): WasmHost {
  const prev = getWasmHost();
  host = h;
  return prev;
}
