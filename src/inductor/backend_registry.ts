// inductor/backend_registry: per-device backend registration (scheduling, wrapper codegen, custom
// backend pass, custom config), as Inductor's register_backend_for_device. In: device records.
// Out: the record for a device, its custom pass, and a scoped patch that restores the original.

import type { Device } from "../tensor/tensor.js";
import type { CustomGraphModulePass } from "./custom_graph_pass.js";
import type { GraphModule } from "../fx/index.js";
import { jsCodegen } from "./codegen/js/index.js";

export type BackendPass = CustomGraphModulePass | ((gm: GraphModule) => void);

export interface DeviceBackend {
  /** Scheduling (kernel codegen) factory for the device; filled by the codegen stage. */
  scheduling: unknown;
  /** Wrapper codegen factory for the device. */
  wrapperCodegen: unknown;
  /** Runs on each post-grad GraphModule containing this device, after postGradCustomPostPass. */
  customPass: BackendPass | null;
  /** Device-specific config overrides. */
  customConfig: Record<string, unknown> | null;
}

const registry = new Map<string, DeviceBackend>();

/** Register (or re-register) a device backend. Re-registering without a pass resets it, as in Inductor. */
export function registerBackendForDevice(device: Device | string, rec: Partial<DeviceBackend> = {}): void {
  if (typeof device !== "string" || !device) throw new TypeError(`registerBackendForDevice: device must be a non-empty string`);
  if (rec.customPass != null && typeof rec.customPass !== "function" && typeof (rec.customPass as CustomGraphModulePass).call !== "function") {
    throw new TypeError(`registerBackendForDevice('${device}'): customPass must be a CustomGraphModulePass or a function (gm) => void`);
  }
  registry.set(device, {
    scheduling: rec.scheduling ?? null,
    wrapperCodegen: rec.wrapperCodegen ?? null,
    customPass: rec.customPass ?? null,
    customConfig: rec.customConfig ?? null,
  });
}

export function getBackendForDevice(device: string): DeviceBackend | undefined {
  return registry.get(device);
}

export function getCustomBackendPassForDevice(device: string): BackendPass | null {
  return registry.get(device)?.customPass ?? null;
}

export function getCustomBackendConfigForDevice(device: string): Record<string, unknown> | null {
  return registry.get(device)?.customConfig ?? null;
}

/**
 * Scoped override of a device's registration (the seed's patch_inductor_backend). With `fn`, restores
 * the original when fn returns or throws; without, returns a Disposable for `using`.
 */
export function patchInductorBackend<T>(device: string, overrides: Partial<DeviceBackend>, fn: () => T): T;
export function patchInductorBackend(device: string, overrides: Partial<DeviceBackend>): Disposable;
export function patchInductorBackend<T>(device: string, overrides: Partial<DeviceBackend>, fn?: () => T): T | Disposable {
  const original = registry.get(device);
  registerBackendForDevice(device, { ...(original ?? {}), ...overrides });
  const restore = () => {
    if (original) registry.set(device, original);
    else registry.delete(device);
  };
  if (!fn) return { [Symbol.dispose]: restore };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

// The built-in CPU backend: JavaScript kernels and wrapper (codegen/js; config.cpuBackend picks it).
registerBackendForDevice("cpu", { scheduling: jsCodegen.scheduling, wrapperCodegen: jsCodegen.wrapper });
