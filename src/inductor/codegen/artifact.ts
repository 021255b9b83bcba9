// inductor/codegen/artifact: the contract between code generation, the FX graph cache and the
// runtime. Codegen turns one post-grad graph into a CompiledArtifact: plain data (generated source text,
// named constant tensors, metadata) that the cache can store on disk and that the device runtime loads
// into a callable. In: nothing (types only). Out: the CompiledArtifact shape every backend produces.

import type { Tensor } from "../../tensor/tensor.js";

export interface CompiledArtifact {
  /** Which runtime loads it, with a format version, e.g. "cpu-js/1". */
  format: string;
  /** The whole generated module (kernels and wrapper) as readable source text. It refers to runtime
   * helpers and ops only by name (never by closure), so it survives a round trip through the cache. */
  source: string;
  /** Tensors the module reads as constants (frozen parameters, lifted tensor constants), by name. */
  constants: Record<string, Tensor>;
  /** Indices of the flat call arguments the module takes (others, e.g. frozen parameters, are dropped). */
  inputIndices: number[];
  /** Free-form, JSON-serialisable facts for logs and tests (kernel count, extern calls, fallbacks, ...). */
  meta: Record<string, unknown>;
}
