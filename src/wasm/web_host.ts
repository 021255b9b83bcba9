// wasm/web_host: the browser implementation of the wasm host, on browser APIs only (no Node imports). Workers are
// module Web Workers started from a Blob URL holding the shared worker body (threads.ts's workerMain) behind a
// small adapter: the first message is the worker's data, later ones go to the handler the body registers. Core
// count from navigator.hardwareConcurrency; no V8 flags. In: the global environment (or a fake one in tests).
// Out: a WasmHost. A browser main thread may not Atomics.wait, and a Web Worker starts only after its creator
// returns to the event loop: mainCanBlock is false there and pools start their workers asynchronously.

import type { WasmHost, WorkerHandle } from "./host.js";

/** The browser globals this host uses (globalThis in a page or worker; fakes in tests). */
export interface WebEnv {
  Worker?: new (url: string, opts?: { type?: "module" | "classic"; name?: string }) => {
    postMessage(msg: unknown): void;
    terminate(): void;
    onerror?: ((e: unknown) => void) | null;
  };
  Blob?: new (parts: string[], opts?: { type?: string }) => unknown;
  URL?: { createObjectURL(b: unknown): string };
  navigator?: { hardwareConcurrency?: number };
  WorkerGlobalScope?: unknown;
  self?: unknown;
}

/** The worker module's text: the shared body plus the message adapter. */
export function webWorkerScript(source: string): string {
  return `const main = ${source};\n` +
    `let handler = null, started = false;\n` +
    `self.onmessage = (e) => {\n` +
    `  if (started) { if (handler) handler(e.data); return; }\n` +
    `  started = true;\n` +
    `  main(e.data, (h) => { handler = h; });\n` +
    `};\n`;
}

/** Whether `env` is a worker's global scope (where Atomics.wait is allowed). */
function inWorkerScope(env: WebEnv): boolean {
  const W = env.WorkerGlobalScope;
  return typeof W === "function" && env.self instanceof (W as new () => unknown);
}

export function createWebWasmHost(env: WebEnv = globalThis as unknown as WebEnv): WasmHost {
  const urls = new Map<string, string>();
  const scriptUrl = (source: string): string => {
    let url = urls.get(source);
    if (!url) {
      if (!env.Blob || !env.URL) throw new Error("wasm web host: Blob and URL.createObjectURL are needed to start workers");
      url = env.URL.createObjectURL(new env.Blob([webWorkerScript(source)], { type: "text/javascript" }));
      urls.set(source, url);
    }
    return url;
  };
  return {
    name: "web",
    parallelism: () => Math.max(1, Math.floor(env.navigator?.hardwareConcurrency ?? 1)),
    enableRelaxedSimd: () => false,
    spawn(source: string, data: unknown): WorkerHandle | null {
      if (!env.Worker) return null;
      let w;
      try {
        w = new env.Worker(scriptUrl(source), { type: "module", name: "coil-wasm" });
      } catch {
        return null; // e.g. a Content-Security-Policy without blob: workers: the pool runs on the calling thread
      }
      w.postMessage(data);
      const worker = w;
      return { terminate: () => worker.terminate(), postMessage: (m: unknown) => worker.postMessage(m) };
    },
    mainCanBlock: inWorkerScope(env),
    workersStartWhileBlocked: false,
  };
}
