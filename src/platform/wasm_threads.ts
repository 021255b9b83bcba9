// platform/wasm_threads: Node's implementation of the wasm host (worker_threads workers from source text,
// os.availableParallelism, the V8 relaxed-SIMD flag). In: worker function source + data. Out: unref'd workers.
// Browsers replace this file with a Web Worker (Blob URL) host exposing the same `nodeWasmHost` shape.

import { Worker } from "node:worker_threads";
import { availableParallelism, cpus } from "node:os";
import { setFlagsFromString } from "node:v8";
import type { WasmHost, WorkerHandle } from "../wasm/host.js";

let relaxedFlagSet = false;

export const nodeWasmHost: WasmHost = {
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
    const code = `const { workerData } = require("node:worker_threads");\n(${source})(workerData);\n`;
    const w = new Worker(code, { eval: true, workerData: data, execArgv: [], stdout: false, stderr: false });
    w.unref();
    // errors are reported through shared memory by the worker itself; keep an unhandled 'error' from crashing us
    w.on("error", () => {});
    return { terminate: () => void w.terminate() };
  },
  mainCanBlock: true,
};
