// inductor/codecache/loaders: which runtime loads a CompiledArtifact, by its format name ("cpu-js/1").
// Runtimes register a loader for each format they produce; the FX graph cache loads fresh and cached
// artifacts through loadArtifact. In: artifacts. Out: callables, or an Error for an unknown format.

import type { CompiledGraph } from "../../aot/index.js";
import type { CompiledArtifact } from "../codegen/artifact.js";

export type ArtifactLoader = (artifact: CompiledArtifact) => CompiledGraph;

const loaders = new Map<string, ArtifactLoader>();

/** Register the loader of an artifact format (re-registering replaces it). Returns an unregister function. */
export function registerArtifactLoader(format: string, loader: ArtifactLoader): () => void {
  if (typeof format !== "string" || !format) throw new TypeError("registerArtifactLoader: format must be a non-empty string");
  if (typeof loader !== "function") throw new TypeError(`registerArtifactLoader('${format}'): loader must be a function`);
  const prev = loaders.get(format);
  loaders.set(format, loader);
  return () => { if (loaders.get(format) === loader) { if (prev) loaders.set(format, prev); else loaders.delete(format); } };
}

/** Load an artifact with its format's loader; throws naming the format when none is registered. */
export function loadArtifact(artifact: CompiledArtifact): CompiledGraph {
  const loader = loaders.get(artifact.format);
  if (!loader) throw new Error(`no runtime loader for artifact format '${artifact.format}' (registered: ${[...loaders.keys()].join(", ") || "none"})`);
  return loader(artifact);
}
