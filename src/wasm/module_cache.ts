// wasm/module_cache: compiled WebAssembly.Module objects, one per distinct module (keyed by a hash of its bytes,
// or a caller's key such as a kernel's source hash), shared by every thread pool in the process (workers get the
// compiled module by postMessage, never the bytes to compile again). Compiles start asynchronously
// (WebAssembly.compile, allowed everywhere) as soon as the bytes are known; a caller that needs a module before its
// async compile finished compiles it synchronously, which Node allows but a browser main thread refuses above 4 KB
// (then the error says to await coil's warm-up first). In: module bytes. Out: modules, compile counts, a promise
// that settles when every started compile has.

/** How a module came to be compiled: counted by whoever passes a stats object (and in moduleCacheStats). */
export interface CompileCounts { asyncCompiles: number; syncCompiles: number }

/** Process-wide counts: async compiles started, sync compiles done, lookups answered from the cache. */
export const moduleCacheStats = { asyncCompiles: 0, syncCompiles: 0, hits: 0, asyncDiscarded: 0 };

interface Entry {
  module: WebAssembly.Module | null;
  pending: Promise<WebAssembly.Module> | null;
  error: unknown;
  bytes: number;
}

const entries = new Map<string, Entry>();
const inFlight = new Set<Promise<unknown>>();

/** A 64-bit content key for module bytes (two FNV-1a lanes plus the length); cheap next to a compile. */
export function moduleKey(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 ^ b, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return `wasm-${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}-${bytes.length}`;
}

/**
 * Compile `bytes` asynchronously under `key` unless it is compiled or compiling already; returns the promise of
 * the module. The compile starts in a microtask, so a caller that needs the module before yielding (Node's
 * compile-then-call in one synchronous call) compiles it once, synchronously, instead of twice. A compile error
 * rejects the promise and is rethrown by the next moduleSync(key).
 */
export function compileAsync(bytes: Uint8Array<ArrayBuffer>, key = moduleKey(bytes), counts?: CompileCounts): Promise<WebAssembly.Module> {
  const e = entries.get(key);
  if (e?.module) { moduleCacheStats.hits++; return Promise.resolve(e.module); }
  if (e?.pending) return e.pending;
  const entry: Entry = e ?? { module: null, pending: null, error: null, bytes: bytes.length };
  entry.error = null;
  entries.set(key, entry);
  const p = Promise.resolve().then(() => {
    if (entry.module) return entry.module; // compiled synchronously in the meantime
    moduleCacheStats.asyncCompiles++;
    if (counts) counts.asyncCompiles++;
    return WebAssembly.compile(bytes).then((m) => {
      if (entry.module) moduleCacheStats.asyncDiscarded++; // a synchronous compile got there first: keep that one
      else entry.module = m;
      return entry.module;
    });
  }).then(
    (m) => { entry.pending = null; return m; },
    (err) => { entry.pending = null; entry.error = err; throw err; },
  );
  entry.pending = p;
  p.catch(() => {}); // the error is kept for moduleSync; an unawaited failure must not be an unhandled rejection
  const tracked: Promise<void> = p.then(() => {}, () => {}).finally(() => inFlight.delete(tracked));
  inFlight.add(tracked);
  return p;
}

/**
 * The compiled module for `key`: from the cache, else compiled now (synchronously). `what` names the module in
 * errors (e.g. a kernel name). Throws the async compile's error if that failed.
 */
export function moduleSync(bytes: Uint8Array<ArrayBuffer>, key = moduleKey(bytes), counts?: CompileCounts, what = key): WebAssembly.Module {
  const e = entries.get(key);
  if (e?.module) { moduleCacheStats.hits++; return e.module; }
  if (e?.error) throw new Error(`wasm: compiling module ${what} failed: ${(e.error as Error)?.message ?? String(e.error)}`, { cause: e.error });
  let m: WebAssembly.Module;
  try {
    m = new WebAssembly.Module(bytes);
  } catch (err) {
    if (err instanceof RangeError) {
      throw new Error(`wasm: module ${what} (${bytes.length} bytes) is not compiled yet and this thread refuses synchronous ` +
        `compiles of that size (a browser main thread allows 4 KB): await compiled.warmup(...exampleInputs) or ` +
        `coil.wasmReady() before the first call (${err.message})`, { cause: err });
    }
    throw err;
  }
  moduleCacheStats.syncCompiles++;
  if (counts) counts.syncCompiles++;
  const entry = e ?? { module: null, pending: null, error: null, bytes: bytes.length };
  entry.module = m;
  entries.set(key, entry);
  return m;
}

/** Whether `key` is compiled (a moduleSync call would not compile). */
export function isCompiled(key: string): boolean {
  return !!entries.get(key)?.module;
}

/** Settles when every compile started so far (and any started while waiting) has finished; never rejects. */
export async function compilesSettled(): Promise<void> {
  while (inFlight.size) await Promise.all([...inFlight]);
}

/** Forget every cached module (tests measuring compile counts). In-flight compiles still finish. */
export function clearModuleCache(): void {
  entries.clear();
}
