// inductor/codegen/js/index: the JavaScript backend for device "cpu" (artifact format "cpu-js/1"): kernel
// codegen (kernel.ts) and wrapper codegen (wrapper.ts) behind the DeviceCodegen interface.
// In: nothing. Out: jsCodegen.

import type { DeviceCodegen } from "../device.js";
import { CPU_JS_FORMAT } from "../../runtime/index.js";
import { generateKernel } from "./kernel.js";
import { generateWrapper } from "./wrapper.js";

export const jsCodegen: DeviceCodegen = {
  format: CPU_JS_FORMAT,
  scheduling: { generateKernel },
  wrapper: { generate: (g, s, kernels, header) => generateWrapper(g, s, kernels, header) },
};
