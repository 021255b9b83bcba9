// ops/ref: a late-bound, loosely typed view of the aten namespace for use *inside* the registry
// (derivative formulas, decompositions), which cannot import ops/aten without a type cycle.
// In: filled by ops/aten at load. Out: `aten` with any op reachable as aten.name.overload.

import type { OpOverload, OpOverloadPacket } from "./registry.js";

export type LooseNamespace = Record<string, OpOverloadPacket & Record<string, OpOverload>>;

export const aten: LooseNamespace = {};
