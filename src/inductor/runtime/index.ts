// inductor/runtime/index: the device runtimes, registered with the FX graph cache's loaders by artifact
// format ("cpu-js/1" today; "cpu-wasm/1", "webgpu/1" next), so fresh and cached artifacts load alike.
// In: nothing (registration on import). Out: the runtime API.

import { registerArtifactLoader } from "../codecache/loaders.js";
import { CPU_JS_FORMAT, loadCpuJs } from "./cpu_js.js";
import { CPU_WASM_FORMAT, loadCpuWasm } from "./cpu_wasm.js";

registerArtifactLoader(CPU_JS_FORMAT, loadCpuJs);
registerArtifactLoader(CPU_WASM_FORMAT, loadCpuWasm);

export { CPU_JS_FORMAT, loadCpuJs, runtimeStats, CpuJsRuntime } from "./cpu_js.js";
export { CPU_WASM_FORMAT, loadCpuWasm, wasmRuntimeStats, wasmOutputMemory, disposeWasmTensor, toWasmTensor } from "./cpu_wasm.js";
export { hashString } from "./hash.js";
