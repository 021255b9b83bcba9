// inductor/codegen/wasm/index: the WebAssembly backend for device "cpu" (artifact format "cpu-wasm/1"). Each
// fused kernel is generated as a Wasm module (kernel.ts) when every buffer it touches is float32, bfloat16 or
// float16 (the 2-byte floats converted in registers, float32 compute) and every op has a vector form;
// otherwise (float64, integers, bool, an index value, argmax, ...) the JavaScript kernel codegen
// generates it (per-kernel fallback, counted in meta.jsKernels). The wrapper is the JavaScript backend's
// (call(args), memory plan, extern calls), loaded by runtime/cpu_wasm.ts, whose rt.kernel tells the two
// kernel kinds apart. In: nothing. Out: wasmCodegen.

import { log } from "../../../utils/logging.js";
import { wasmFeatures } from "../../../wasm/features.js";
import { CPU_WASM_FORMAT } from "../../runtime/cpu_wasm.js";
import type { DeviceCodegen, KernelCodegen, ModuleMeta } from "../device.js";
import { generateKernel as generateJsKernel } from "../js/kernel.js";
import { generateWrapper } from "../js/wrapper.js";
import { WASM_KERNEL_TAG, generateWasmKernel } from "./kernel.js";
import { WasmUnsupported } from "./ops_handler.js";

export { WasmUnsupported } from "./ops_handler.js";
export { WASM_KERNEL_TAG, generateWasmKernel, type WasmKernelHeader } from "./kernel.js";

const scheduling: KernelCodegen = {
  generateKernel(group, stored, bufferOf, localArrays = new Set()) {
    const feats = wasmFeatures();
    if (feats.simd && feats.threads) {
      try {
        return generateWasmKernel(group, stored, bufferOf, localArrays, true);
      } catch (e) {
        if (!(e instanceof WasmUnsupported)) throw e;
        log("inductor", `wasm codegen: ${group.toString()} runs as a JavaScript kernel (${e.message})`);
      }
    }
    return generateJsKernel(group, stored, bufferOf, localArrays);
  },
};

export interface WasmModuleMeta extends ModuleMeta { wasmKernels: number; jsKernels: number }

export const wasmCodegen: DeviceCodegen = {
  format: CPU_WASM_FORMAT,
  scheduling,
  wrapper: {
    generate(g, s, kernels, header) {
      const { source, meta } = generateWrapper(g, s, kernels, header);
      // kernels whose source is a wasm module are named wasm_fused_*; the others keep js_fused_*
      const wasmNames = new Set<string>();
      const re = /const (js_fused_\w+) = rt\.kernel\("\1", `\n(.*)/g;
      for (const mt of source.matchAll(re)) if (mt[2]!.startsWith(WASM_KERNEL_TAG)) wasmNames.add(mt[1]!);
      let out = source;
      for (const n of wasmNames) out = out.replace(new RegExp(`\\b${n}\\b`, "g"), `wasm${n.slice(2)}`);
      const kernelNames = meta.kernelNames.map((n) => (wasmNames.has(n) ? `wasm${n.slice(2)}` : n));
      const m: WasmModuleMeta = { ...meta, kernelNames, wasmKernels: wasmNames.size, jsKernels: meta.kernels - wasmNames.size };
      return { source: out, meta: m };
    },
  },
};
