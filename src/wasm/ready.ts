// wasm/ready: `wasmReady()`, the awaitable warm-up of the Wasm backend. It starts the process-wide thread pool
// (optionally with a new thread count) and waits until its workers run, precompiles the GEMM and convolution modules
// that eager matmul/convolution load, and waits for every kernel compile already started (a compiled function's
// kernels start compiling when its artifact loads). After it resolves, calls compile nothing synchronously,
// which a browser main thread requires for modules over 4 KB. In: options. Out: a promise of the pool's state.

import { wasmFeatures } from "./features.js";
import { MAX_PAGES, wasmMemory } from "./memory.js";
import { compileAsync, compilesSettled } from "./module_cache.js";
import { peekThreadPool, resetThreadPool, threadPool } from "./threads.js";
import { buildGemmModule } from "./gemm_kernels.js";
import { buildConvModule } from "./conv.js";
import { getWasmHost } from "./host.js";
import { warnOnce } from "../utils/logging.js";

export interface WasmReadyOptions {
  /** Restart the process-wide pool with this many threads (the calling thread included) first. */
  threads?: number;
  /** How long to wait for the workers to start (default 30 s); past it coil warns once and goes on. */
  timeoutMs?: number;
  /** Precompile the eager GEMM and convolution modules too (default true). */
  eagerKernels?: boolean;
}

/** The host's name and the threads that take tasks now (1 when the workers did not start). */
export interface WasmReadyState { host: string; threads: number }

let eagerStarted = false;

/** Start the async compiles of the modules eager float32 matmul/convolution load (once per process). */
function precompileEagerKernels(): void {
  if (eagerStarted) return;
  eagerStarted = true;
  const feats = wasmFeatures();
  if (!feats.simd) return;
  const shared = wasmMemory().shared;
  // the same bytes gemm.ts and conv.ts build, so their pool.load finds these modules in the cache
  compileAsync(buildGemmModule({ shared, maxPages: MAX_PAGES, relaxed: feats.relaxedSimd }).toBytes());
  compileAsync(buildConvModule(shared).toBytes());
}

/**
 * Resolves when the thread pool's workers run and every Wasm module compile started so far has finished. Workers
 * that do not start in time (e.g. a CSP refusing blob: workers) leave the pool on the calling thread: coil warns
 * once and resolves with threads 1. A failed compile throws where the module is used, naming it.
 */
export async function wasmReady(opts: WasmReadyOptions = {}): Promise<WasmReadyState> {
  if (opts.threads !== undefined) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new RangeError(`wasmReady: threads must be a positive integer, got ${opts.threads}`);
    if (peekThreadPool()?.threads !== opts.threads) resetThreadPool(opts.threads);
  }
  if (opts.eagerKernels !== false) precompileEagerKernels();
  const pool = threadPool();
  let started = true;
  await Promise.all([
    pool.whenReady(opts.timeoutMs).catch((e: Error) => {
      started = false;
      warnOnce("wasm-workers-not-started", `${e.message}. coil runs Wasm kernels on the calling thread.`);
    }),
    compilesSettled(),
  ]);
  return { host: getWasmHost().name, threads: started ? pool.threads : 1 };
}
