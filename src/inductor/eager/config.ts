// inductor/eager/config: the settings of eager Wasm dispatch (eager ops on CPU float32 tensors run as
// compiled one-op Wasm programs). In: COIL_EAGER_WASM and COIL_EAGER_WASM_MIN_NUMEL from the environment,
// assignments (validated). Out: `eagerWasmConfig` (mode, threshold, cache bound, memory budget).

import { readEnv } from "../../utils/logging.js";

export type EagerWasmMode = "auto" | "always" | "never";

export interface EagerWasmSettings {
  /**
   * "auto": ops whose largest tensor argument has at least `minNumel` elements run on compiled Wasm kernels;
   * "always": every eligible call (any size: for tests); "never": the JS eager kernels only.
   * COIL_EAGER_WASM=0|never, 1|auto, always sets the default.
   */
  mode: EagerWasmMode;
  /** Elements of the largest tensor argument from which "auto" accelerates (COIL_EAGER_WASM_MIN_NUMEL). */
  minNumel: number;
  /** Compiled one-op programs kept (least recently used beyond it are dropped; failed keys count too). */
  maxEntries: number;
  /**
   * Above this many bytes in use in Wasm memory, accelerated ops copy their outputs out to JS arrays (the
   * JS heap's growth then runs the garbage collector, whose finalizers free dead blocks for reuse).
   */
  memoryBudgetBytes: number;
}

function envMode(): EagerWasmMode {
  const v = (readEnv("COIL_EAGER_WASM") ?? "").trim().toLowerCase();
  if (v === "" || v === "1" || v === "auto") return "auto";
  if (v === "0" || v === "never" || v === "off") return "never";
  if (v === "always") return "always";
  throw new Error(`eager wasm config: COIL_EAGER_WASM must be 0, 1, auto, always or never (or unset), got ${JSON.stringify(v)}`);
}

function envMinNumel(): number {
  const v = readEnv("COIL_EAGER_WASM_MIN_NUMEL");
  if (v === undefined || v === "") return 16384;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`eager wasm config: COIL_EAGER_WASM_MIN_NUMEL must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

export function defaultSettings(): EagerWasmSettings {
  return { mode: envMode(), minNumel: envMinNumel(), maxEntries: 256, memoryBudgetBytes: 256 * 2 ** 20 };
}

const values: EagerWasmSettings = defaultSettings();

const isCount = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const CHECKS: Record<keyof EagerWasmSettings, [(v: unknown) => boolean, string]> = {
  mode: [(v) => v === "auto" || v === "always" || v === "never", '"auto", "always" or "never"'],
  minNumel: [isCount, "a non-negative integer"],
  maxEntries: [(v) => isCount(v) && (v as number) > 0, "a positive integer"],
  memoryBudgetBytes: [isCount, "a non-negative integer"],
};

/** The settings; assigning an unknown key or a bad value throws. `patch` scopes overrides. */
export const eagerWasmConfig = {
  get mode(): EagerWasmMode { return values.mode; },
  set mode(v: EagerWasmMode) { set("mode", v); },
  get minNumel(): number { return values.minNumel; },
  set minNumel(v: number) { set("minNumel", v); },
  get maxEntries(): number { return values.maxEntries; },
  set maxEntries(v: number) { set("maxEntries", v); },
  get memoryBudgetBytes(): number { return values.memoryBudgetBytes; },
  set memoryBudgetBytes(v: number) { set("memoryBudgetBytes", v); },
  /** Run fn with some settings overridden (restored on return or throw, or when a returned promise settles). */
  patch<R>(overrides: Partial<EagerWasmSettings>, fn: () => R): R {
    const saved = { ...values };
    const restore = () => { Object.assign(values, saved); };
    let result: R;
    try {
      for (const [k, v] of Object.entries(overrides)) set(k as keyof EagerWasmSettings, v);
      result = fn();
    } catch (e) {
      restore();
      throw e;
    }
    if (result instanceof Promise) return result.finally(restore) as R;
    restore();
    return result;
  },
  reset(): void { Object.assign(values, defaultSettings()); },
};
Object.preventExtensions(eagerWasmConfig);

function set<K extends keyof EagerWasmSettings>(k: K, v: unknown): void {
  const check = CHECKS[k];
  if (!check) throw new TypeError(`eager wasm config: unknown key '${String(k)}'; known keys: ${Object.keys(CHECKS).join(", ")}`);
  if (!check[0](v)) throw new TypeError(`eager wasm config: '${k}' must be ${check[1]}, got ${JSON.stringify(v)}`);
  values[k] = v as EagerWasmSettings[K];
}
