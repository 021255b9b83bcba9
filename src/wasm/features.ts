// wasm/features: what this engine's WebAssembly supports (SIMD, relaxed SIMD, threads/shared memory), probed once
// by validating tiny modules built with the emitter. In: nothing (COIL_WASM_RELAXED=0 turns relaxed SIMD off).
// Out: WasmFeatures. On Node 20 relaxed SIMD sits behind --experimental-wasm-relaxed-simd; we set that V8 flag
// at run time through the host before the first probe, then check whether validation now accepts relaxed_madd.

import { readEnv } from "../utils/logging.js";
import { ModuleBuilder } from "./emitter.js";
import { getWasmHost } from "./host.js";

export interface WasmFeatures {
  wasm: boolean;
  simd: boolean;
  relaxedSimd: boolean;
  /** SharedArrayBuffer + shared WebAssembly.Memory + Atomics.wait: multi-threading possible. */
  threads: boolean;
  /** Whether the relaxed-SIMD V8 flag was set by us at run time (Node 20). */
  relaxedFlagSet: boolean;
}

let cached: WasmFeatures | null = null;

function validates(build: (m: ModuleBuilder) => void): boolean {
  try {
    const m = new ModuleBuilder({ shared: false, maxPages: 1 }, "probe");
    build(m);
    return WebAssembly.validate(m.toBytes());
  } catch {
    return false;
  }
}

function sharedMemoryWorks(): boolean {
  try {
    if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return false;
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return mem.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

export function wasmFeatures(): WasmFeatures {
  if (cached) return cached;
  const hasWasm = typeof WebAssembly === "object" && typeof WebAssembly.validate === "function";
  if (!hasWasm) return (cached = { wasm: false, simd: false, relaxedSimd: false, threads: false, relaxedFlagSet: false });
  const simd = validates((m) => {
    const f = m.func("f", ["v128", "v128"], ["v128"]);
    f.get(0).get(1).op("f32x4.add");
  });
  const relaxedBody = (m: ModuleBuilder) => {
    const f = m.func("f", ["v128", "v128", "v128"], ["v128"]);
    f.get(0).get(1).get(2).op("f32x4.relaxed_madd");
  };
  let relaxedSimd = false;
  let relaxedFlagSet = false;
  if (simd && readEnv("COIL_WASM_RELAXED") !== "0") {
    relaxedSimd = validates(relaxedBody);
    if (!relaxedSimd) {
      relaxedFlagSet = getWasmHost().enableRelaxedSimd();
      relaxedSimd = relaxedFlagSet && validates(relaxedBody);
    }
  }
  return (cached = { wasm: true, simd, relaxedSimd, threads: sharedMemoryWorks(), relaxedFlagSet });
}

/** Tests: forget the probe result. */
export function resetWasmFeatures(): void {
  cached = null;
}
