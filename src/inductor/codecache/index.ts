// inductor/codecache: the FX graph cache (key, artifact serialisation, memory LRU, disk entries behind
// a CacheStore). In: graphs about to be compiled. Out: cached or freshly compiled callables.

export { compileWithFxGraphCache, clearFxGraphCache, fxGraphCacheInfo, setCacheEnvironment, artifactBytes, type CacheRequest, type CacheEnvironment } from "./fx_graph_cache.js";
export { computeCacheKey, canonicalGraph, tensorMeta, tensorDataHash, KEYED_HOOKS, type CacheKeyResult, type KeyOptions } from "./key.js";
export { encodeArtifact, decodeArtifact, encodeEntry, decodeEntry, UnserializableArtifactError, type EntryHeader, type DecodedEntry } from "./serialize.js";
export { LruCache } from "./memory.js";
export { isValidCacheKey, type CacheStore } from "./store.js";
export { COIL_VERSION, CACHE_ENTRY_FORMAT } from "./version.js";
export { registerArtifactLoader, loadArtifact, type ArtifactLoader } from "./loaders.js";
