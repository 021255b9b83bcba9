// platform/cache_store: the Node implementation of the FX graph cache's disk store (a directory of
// entry files: private to the user, atomic writes, LRU pruning) and the platform facts the cache key
// needs (the default cache directory, a fingerprint of coil's sources). In: a directory, keys, bytes.
// Out: a CacheStore, or an Error saying why the directory cannot be used.

import {
  closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeSync,
  accessSync, constants as fsConstants,
} from "node:fs";
import { homedir, platform } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash, randomBytes } from "node:crypto";
import type { CacheStore } from "../inductor/codecache/store.js";

const ENTRY_SUFFIX = ".coilfx";

/** The user's cache directory for coil: $XDG_CACHE_HOME/coil or ~/.cache/coil (Linux and other Unix),
 * ~/Library/Caches/coil (macOS), %LOCALAPPDATA%\coil\Cache (Windows). */
export function defaultCacheRoot(env: Record<string, string | undefined> = process.env): string {
  const os = platform();
  if (os === "win32") return join(env.LOCALAPPDATA || join(homedir(), "AppData", "Local"), "coil", "Cache");
  if (os === "darwin") return join(homedir(), "Library", "Caches", "coil");
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith("/") ? xdg : join(homedir(), ".cache"), "coil");
}

/** Refuse a directory another user could write into (entries there could be planted). */
function checkPrivate(dir: string): void {
  if (platform() === "win32") return;
  const st = statSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new Error(`${dir} belongs to another user (uid ${st.uid})`);
  if ((st.mode & 0o022) !== 0) throw new Error(`${dir} is writable by other users (mode ${(st.mode & 0o777).toString(8)})`);
}

function code(e: unknown): string | undefined {
  return (e as { code?: string } | null)?.code;
}

/** A CacheStore over `<root>/fxgraph`, one file per key. Throws when the directory cannot be used. */
export class DiskCacheStore implements CacheStore {
  readonly location: string;
  /** Bytes in the directory as of the last scan plus what this process wrote since (null: unscanned). */
  #estimate: number | null = null;
  #putsSinceScan = 0;

  constructor(root: string) {
    this.location = join(root, "fxgraph");
    mkdirSync(this.location, { recursive: true, mode: 0o700 });
    checkPrivate(root);
    checkPrivate(this.location);
    accessSync(this.location, fsConstants.W_OK | fsConstants.R_OK);
  }

  #path(key: string): string { return join(this.location, key + ENTRY_SUFFIX); }

  get(key: string): Uint8Array | null {
    const p = this.#path(key);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(p);
    } catch (e) {
      if (code(e) === "ENOENT") return null;
      throw e;
    }
    try { const now = new Date(); utimesSync(p, now, now); } catch { /* recency is best effort */ }
    return bytes;
  }

  put(key: string, bytes: Uint8Array): void {
    const tmp = join(this.location, `.${key}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
    let fd: number | null = null;
    try {
      fd = openSync(tmp, "wx", 0o600);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(tmp, this.#path(key));
      if (this.#estimate !== null) this.#estimate += bytes.length;
      this.#putsSinceScan++;
    } catch (e) {
      if (fd !== null) try { closeSync(fd); } catch { /* already failing */ }
      try { unlinkSync(tmp); } catch { /* may not exist */ }
      throw e;
    }
    try {
      const dfd = openSync(this.location, "r");
      try { fsyncSync(dfd); } finally { closeSync(dfd); }
    } catch { /* directory fsync is not supported everywhere */ }
  }

  delete(key: string): void {
    try { unlinkSync(this.#path(key)); } catch (e) { if (code(e) !== "ENOENT") throw e; }
  }

  clear(): void {
    for (const name of readdirSync(this.location)) {
      if (name.endsWith(ENTRY_SUFFIX)) try { unlinkSync(join(this.location, name)); } catch { /* raced */ }
    }
    this.#estimate = 0;
  }

  prune(maxBytes: number): void {
    // Rescan only when this process's estimate passes the limit, or every 64 writes (other processes
    // write too), so a miss does not list a large directory each time.
    if (this.#estimate !== null && this.#estimate <= maxBytes && this.#putsSinceScan < 64) return;
    this.#putsSinceScan = 0;
    const files: { path: string; size: number; mtime: number }[] = [];
    let total = 0;
    const now = Date.now();
    for (const name of readdirSync(this.location)) {
      const path = join(this.location, name);
      let st;
      try { st = statSync(path); } catch { continue; }
      if (name.endsWith(".tmp")) {
        // a writer that died mid-write leaves its temp file; clear those older than an hour
        if (now - st.mtimeMs > 3_600_000) try { unlinkSync(path); } catch { /* raced */ }
        continue;
      }
      if (!name.endsWith(ENTRY_SUFFIX)) continue;
      files.push({ path, size: st.size, mtime: st.mtimeMs });
      total += st.size;
    }
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      if (total <= maxBytes) break;
      try { unlinkSync(f.path); total -= f.size; } catch { /* another process pruned it */ }
    }
    this.#estimate = total;
  }
}

/** Open the disk store for a cache root (throws an Error naming the reason when it cannot be used). */
export function openDiskCacheStore(root: string): CacheStore {
  return new DiskCacheStore(root);
}

let fingerprint: string | null | undefined;

/** sha256 over coil's own source files (the tree this file is part of: src/ or dist/), computed once per
 * process, so an entry written by other coil code is never loaded (PyTorch's torch_key). */
export function coilSourceFingerprint(): string | null {
  if (fingerprint !== undefined) return fingerprint;
  try {
    const root = dirname(dirname(fileURLToPath(import.meta.url)));
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|js|mjs|wasm)$/.test(e.name) && !e.name.endsWith(".d.ts")) files.push(p);
      }
    };
    walk(root);
    files.sort();
    const h = createHash("sha256");
    for (const f of files) h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
    fingerprint = h.digest("hex");
  } catch {
    fingerprint = null;
  }
  return fingerprint;
}
