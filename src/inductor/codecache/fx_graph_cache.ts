// inductor/codecache/fx_graph_cache: the FX graph cache around compileFxInner's post-grad passes and
// codegen (Inductor's FxGraphCache). Computes the key; bypasses when a hook has no uuid or freezing is
// on; looks in memory (LRU) then on disk (entries checked before use); on a miss compiles, then stores.
// Disk trouble (no directory, unwritable, full, corrupt entries) never fails a compile: one warning,
// then it compiles. In: the graph, its inputs and info, compile and load callbacks. Out: a callable.

import type { GraphModule } from "../../fx/index.js";
import type { CompiledGraph, GraphCompileInfo } from "../../aot/index.js";
import { bump } from "../../utils/counters.js";
import { log, warnOnce } from "../../utils/logging.js";
import { coilSourceFingerprint, defaultCacheRoot, openDiskCacheStore } from "../../platform/cache_store.js";
import { config } from "../config.js";
import type { CompiledArtifact } from "../codegen/artifact.js";
import { computeCacheKey } from "./key.js";
import { LruCache } from "./memory.js";
import { decodeEntry, encodeEntry, UnserializableArtifactError } from "./serialize.js";
import { isValidCacheKey, type CacheStore } from "./store.js";

/** What the platform provides: a disk store for a cache root and a fingerprint of coil's sources. */
export interface CacheEnvironment {
  /** Open the store under `root` (null: the platform's default directory). Throws when unusable. */
  openStore(root: string | null): CacheStore;
  /** A hash of coil's own code, or null where none can be computed. */
  sourceFingerprint(): string | null;
}

const nodeEnvironment: CacheEnvironment = {
  openStore: (root) => openDiskCacheStore(root ?? defaultCacheRoot()),
  sourceFingerprint: coilSourceFingerprint,
};
let environment: CacheEnvironment = nodeEnvironment;

type MemoryEntry = { artifact: CompiledArtifact } | { compiled: CompiledGraph };
const memory = new LruCache<MemoryEntry>(0, 0);
/** Opened stores by root ("" = default); null marks a root found unusable in this process. */
const stores = new Map<string, CacheStore | null>();

/**
 * Replace parts of the platform environment (tests; browsers backing the store with something else).
 * Forgets opened stores. Returns a function that restores the previous environment.
 */
export function setCacheEnvironment(overrides: Partial<CacheEnvironment>): () => void {
  const prev = environment;
  environment = { ...environment, ...overrides };
  stores.clear();
  return () => { environment = prev; stores.clear(); };
}

function message(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === "string" && !m.includes(c) ? `${c}: ${m}` : m;
}

function diskTrouble(what: string, e: unknown): void {
  bump("inductor", "fxgraph_cache_disk_error");
  log("cache", () => `fx graph cache: ${what}: ${message(e)}`);
  warnOnce("fxgraph-cache-disk", () => `FX graph cache: ${what} (${message(e)}); compiling without the disk cache where needed. ` +
    "Set config.cacheDir or COIL_CACHE_DIR to a private writable directory, or config.fxGraphCacheDisk = false.");
}

/** The disk store for the configured directory, or null (disabled, or unusable: warned once). */
function diskStore(): CacheStore | null {
  if (!config.fxGraphCacheDisk) return null;
  const root = config.cacheDir || null; // "" is the default directory too, never the working directory
  const id = root ?? "";
  if (stores.has(id)) return stores.get(id)!;
  let store: CacheStore | null = null;
  try {
    store = environment.openStore(root);
  } catch (e) {
    diskTrouble(`cannot use the cache directory ${root ?? "(default)"}`, e);
  }
  stores.set(id, store);
  return store;
}

function syncMemoryLimits(): void {
  memory.maxEntries = config.fxGraphCacheMemoryMaxEntries;
  memory.maxBytes = config.fxGraphCacheMemoryMaxBytes;
  memory.evict();
}

/** Approximate bytes an artifact holds (source text and constants' storage). */
export function artifactBytes(a: CompiledArtifact): number {
  let n = a.source.length * 2 + 256;
  const seen = new Set<unknown>();
  for (const t of Object.values(a.constants)) {
    if (seen.has(t.storage)) continue;
    seen.add(t.storage);
    n += t.storage.size * t.dtype.itemsize;
  }
  return n;
}

export interface CacheRequest {
  gm: GraphModule;
  examples: readonly unknown[];
  info: GraphCompileInfo;
  /** Identifies the code generator and its artifact format; part of the key. */
  codegenId: string;
  /** The work a hit skips: post-grad passes and codegen. An artifact can also go to disk; a callable
   * (a backend that produces no artifact) is kept in memory only. */
  compile: () => CompiledArtifact | CompiledGraph;
  /** Turns an artifact (fresh or from the cache) into a callable. */
  load: (artifact: CompiledArtifact) => CompiledGraph;
}

function fromMemory(key: string, req: CacheRequest): CompiledGraph | null {
  const e = memory.get(key);
  if (!e) return null;
  if ("compiled" in e) return e.compiled;
  try {
    return req.load(e.artifact);
  } catch (err) {
    memory.delete(key);
    log("cache", () => `fx graph cache: dropping memory entry ${key}: load failed: ${message(err)}`);
    return null;
  }
}

function fromDisk(key: string, req: CacheRequest, store: CacheStore): CompiledGraph | null {
  let bytes: Uint8Array | null;
  try {
    bytes = store.get(key);
  } catch (e) {
    diskTrouble(`cannot read ${store.location}`, e);
    return null;
  }
  if (!bytes) return null;
  const decoded = decodeEntry(bytes, key);
  let reason = decoded.ok ? null : decoded.reason;
  let compiled: CompiledGraph | null = null;
  if (decoded.ok) {
    try {
      compiled = req.load(decoded.artifact);
      syncMemoryLimits();
      memory.set(key, { artifact: decoded.artifact }, artifactBytes(decoded.artifact));
    } catch (e) {
      reason = `its code failed to load: ${message(e)}`;
    }
  }
  if (reason !== null) {
    bump("inductor", "fxgraph_cache_discarded");
    log("cache", () => `fx graph cache: discarding entry ${key} in ${store.location}: ${reason}`);
    if (!/^written by coil|^entry format/.test(reason)) {
      warnOnce("fxgraph-cache-entry", () => `FX graph cache: discarded an unusable entry in ${store.location} (${reason}); recompiling`);
    }
    try { store.delete(key); } catch { /* best effort: it is ignored on the next load anyway */ }
    return null;
  }
  return compiled;
}

function toDisk(key: string, artifact: CompiledArtifact, store: CacheStore): void {
  let bytes: Uint8Array;
  try {
    bytes = encodeEntry(key, artifact);
  } catch (e) {
    if (!(e instanceof UnserializableArtifactError)) throw e;
    log("cache", () => `fx graph cache: not storing ${key} on disk: ${e.message}`);
    return;
  }
  try {
    store.put(key, bytes);
  } catch (e) {
    diskTrouble(`cannot write to ${store.location}`, e);
    return;
  }
  try { store.prune(config.fxGraphCacheDiskMaxBytes); } catch { /* pruning is best effort */ }
}

/**
 * Compile one graph through the FX graph cache. Counters (counters.inductor): fxgraph_cache_bypass
 * (a keyed hook without uuid, freezing, an unhashable graph), fxgraph_cache_miss (compiled and
 * stored), fxgraph_cache_hit (loaded from memory or disk: post-grad passes and codegen skipped).
 */
export function compileWithFxGraphCache(req: CacheRequest): CompiledGraph {
  const finish = (r: CompiledArtifact | CompiledGraph): CompiledGraph => (typeof r === "function" ? r : req.load(r));
  if (!config.fxGraphCache) return finish(req.compile());
  const k = computeCacheKey(req.gm, req.examples, req.info, { codegenId: req.codegenId, sourceFingerprint: environment.sourceFingerprint() });
  if (k.key === null || !isValidCacheKey(k.key)) {
    bump("inductor", "fxgraph_cache_bypass");
    log("cache", () => `fx graph cache: bypass (${req.info.kind} graph): ${k.bypass}`);
    return finish(req.compile());
  }
  const key = k.key;
  syncMemoryLimits();
  const store = diskStore();
  const hit = fromMemory(key, req) ?? (store ? fromDisk(key, req, store) : null);
  if (hit) {
    bump("inductor", "fxgraph_cache_hit");
    log("cache", () => `fx graph cache: hit ${key} (${req.info.kind} graph)`);
    return hit;
  }
  bump("inductor", "fxgraph_cache_miss");
  log("cache", () => `fx graph cache: miss ${key} (${req.info.kind} graph)`);
  const result = req.compile();
  if (typeof result === "function") {
    memory.set(key, { compiled: result }, req.gm.code.length * 2 + 256);
    return result;
  }
  const compiled = req.load(result);
  memory.set(key, { artifact: result }, artifactBytes(result));
  if (store) toDisk(key, result, store);
  return compiled;
}

/** Empty the in-memory cache; with `disk: true` also delete the entries of the configured directory. */
export function clearFxGraphCache(opts: { disk?: boolean } = {}): void {
  memory.clear();
  if (opts.disk) {
    const store = diskStore();
    if (store) store.clear();
  }
}

/** Sizes of the in-memory cache and the disk directory in use (for tests, logs and tools). */
export function fxGraphCacheInfo(): { memoryEntries: number; memoryBytes: number; diskLocation: string | null } {
  const store = config.fxGraphCache && config.fxGraphCacheDisk ? diskStore() : null;
  return { memoryEntries: memory.size, memoryBytes: memory.bytes, diskLocation: store?.location ?? null };
}
