// platform/wasm_threads: Node's implementation of the wasm host (worker_threads workers from source text,
// os.availableParallelism, the V8 relaxed-SIMD flag). In: worker function source + data. Out: unref'd workers
// whose later messages (compiled modules) reach the handler the worker source registers. Browsers use
// wasm/web_host.ts instead (wasm/host.ts picks one).

import { Worker } from "node:worker_threads";
import { availableParallelism, cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import type { WasmHost, WorkerHandle } from "../wasm/host.js";

let relaxedFlagSet = false;

/** The worker script: the shared worker body, called with workerData and a parentPort message registration. */
export function nodeWorkerScript(source: string): string {
  return `const { workerData, parentPort } = require("node:worker_threads");\n` +
    `(${source})(workerData, (h) => parentPort.on("message", h));\n`;
}

export const nodeWasmHost: WasmHost = {
  name: "node",
  parallelism(): number {
    return typeof availableParallelism === "function" ? availableParallelism() : cpus().length;
  },
  enableRelaxedSimd(): boolean {
    if (relaxedFlagSet) return true;
    try {
      setFlagsFromString("--experimental-wasm-relaxed-simd");
      relaxedFlagSet = true;
    } catch {
      relaxedFlagSet = false;
    }
    return relaxedFlagSet;
  },
  spawn(source: string, data: unknown): WorkerHandle | null {
    const w = new Worker(nodeWorkerScript(source), { eval: true, workerData: data, execArgv: [], stdout: false, stderr: false });
    w.unref();
    // errors are reported through shared memory by the worker itself; keep an unhandled 'error' from crashing us
    w.on("error", () => {});
    return { terminate: () => void w.terminate(), postMessage: (m: unknown) => w.postMessage(m) };
  },
  mainCanBlock: true,
  workersStartWhileBlocked: true,
};
