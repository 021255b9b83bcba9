// FX graph cache on disk: entries survive memory clears and processes; truncated, corrupted, foreign
// and other-version entries are discarded and recompiled (never run); an unusable directory, an
// insecure one, a full disk or a failing read never fail a compile (one warning); two processes
// compiling the same program at once both succeed; the size limit prunes old entries.

import { test, beforeEach, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import * as coil from "../../src/index.js";
import { traceInference } from "../../src/aot/index.js";
import { counters } from "../../src/utils/counters.js";
import { setWarnSink } from "../../src/utils/logging.js";
import { config } from "../../src/inductor/config.js";
import { runPostGradPasses } from "../../src/inductor/fx_passes/post_grad.js";
import {
  clearFxGraphCache, compileWithFxGraphCache, decodeEntry, encodeEntry, fxGraphCacheInfo, setCacheEnvironment, type CacheStore,
} from "../../src/inductor/codecache/index.js";
import { coilSourceFingerprint, defaultCacheRoot, DiskCacheStore } from "../../src/platform/cache_store.js";
import { fxArtifact, loadFxArtifact, tempCacheDir } from "./fixtures/codecache_util.js";

const root = tempCacheDir();
const restoreConfig = config.patch({ cacheDir: join(root, "main") });
const restoreEnv = setCacheEnvironment({ sourceFingerprint: () => "test-fingerprint" });
let warnings: string[] = [];
const prevSink = setWarnSink((t) => warnings.push(t));
after(() => {
  restoreConfig.restore();
  restoreEnv();
  setWarnSink(prevSink);
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  clearFxGraphCache();
  counters.clear();
  warnings = [];
  setWarnSink((t) => warnings.push(t));
});

const c = () => ({ hit: counters.inductor.fxgraph_cache_hit, miss: counters.inductor.fxgraph_cache_miss, compiles });
let compiles = 0;
const K = coil.tensor([1, -2, 3, 0.5, 0, 9]);
const prog = (x: coil.Tensor) => x.cos().mul(3).add(K);

/** Compile prog through the cache as compileFxInner does, with the test artifact codegen. */
function compileProg(fn: (x: coil.Tensor) => coil.Tensor = prog): (x: coil.Tensor) => coil.Tensor {
  const x0 = coil.randn(6);
  const { gm } = traceInference(fn as never, [x0]);
  const run = compileWithFxGraphCache({
    gm, examples: [x0], codegenId: "test-fx/1", load: loadFxArtifact,
    info: { kind: "inference", numParams: 0, paramNames: [], params: [], mutatedInputIndices: [] },
    compile: () => { compiles++; runPostGradPasses(gm, "inference"); return fxArtifact(gm); },
  });
  return (x) => run([x])[0] as coil.Tensor;
}

function checkProg(run: (x: coil.Tensor) => coil.Tensor): void {
  const x = coil.randn(6);
  const a = run(x).toArray(), b = prog(x).toArray();
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6, `element ${i}: ${v} vs ${b[i]}`));
}

function entryFiles(dir = join(root, "main")): string[] {
  return readdirSync(join(dir, "fxgraph")).filter((f) => f.endsWith(".coilfx")).map((f) => join(dir, "fxgraph", f));
}

test("an entry on disk serves a later compile after the memory cache is gone; files are private", () => {
  compiles = 0;
  checkProg(compileProg());
  assert.deepEqual(c(), { hit: 0, miss: 1, compiles: 1 });
  checkProg(compileProg());
  assert.deepEqual(c(), { hit: 1, miss: 1, compiles: 1 }, "memory hit");
  clearFxGraphCache();
  checkProg(compileProg());
  assert.deepEqual(c(), { hit: 2, miss: 1, compiles: 1 }, "disk hit");
  const [file] = entryFiles();
  assert.ok(file);
  if (process.platform !== "win32") {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(root, "main", "fxgraph")).mode & 0o777, 0o700);
    assert.equal(statSync(join(root, "main")).mode & 0o077, 0);
  }
  assert.equal(warnings.length, 0);
});

test("truncated, corrupted, foreign, other-version and garbage entries are discarded and recompiled", () => {
  compiles = 0;
  compileProg();
  const [file] = entryFiles();
  const good = readFileSync(file!);
  const key = file!.split("/").pop()!.replace(".coilfx", "");
  const otherArt = { format: "test-fx/1", source: "forward(x) { throw new Error('must never run'); }", constants: {}, inputIndices: [], meta: { rootName: "root", globals: {} } };
  const bad: Record<string, Uint8Array> = {
    truncated: good.subarray(0, Math.floor(good.length * 0.6)),
    "truncated header": good.subarray(0, 12),
    empty: new Uint8Array(0),
    "flipped payload byte": (() => { const b = Uint8Array.from(good); b[b.length - 10] ^= 0xff; return b; })(),
    "flipped header byte": (() => { const b = Uint8Array.from(good); b[20] ^= 0x01; return b; })(),
    foreign: encodeEntry("ef".repeat(32), otherArt),
    "other coil version": encodeEntry(key, otherArt, "99.0.0"),
    garbage: new TextEncoder().encode("forward(x) { throw new Error('must never run'); }"),
  };
  let discarded = 0;
  for (const [what, bytes] of Object.entries(bad)) {
    writeFileSync(file!, bytes);
    clearFxGraphCache();
    const before = compiles;
    checkProg(compileProg());
    assert.equal(compiles, before + 1, `${what}: recompiled`);
    assert.equal(counters.inductor.fxgraph_cache_discarded, ++discarded, `${what}: discarded`);
    const rewritten = decodeEntry(readFileSync(file!), key);
    assert.ok(rewritten.ok, `${what}: a good entry replaces the bad one`);
  }
  assert.equal(warnings.filter((w) => /discarded an unusable entry/.test(w)).length, 1, "one warning per process");
  clearFxGraphCache();
  const hits = counters.inductor.fxgraph_cache_hit, before = compiles;
  compileProg();
  assert.equal(counters.inductor.fxgraph_cache_hit, hits + 1, "the rewritten entry hits");
  assert.equal(compiles, before);
});

test("an entry that decodes but fails to load is discarded and recompiled", () => {
  compiles = 0;
  compileProg();
  const [file] = entryFiles();
  const key = file!.split("/").pop()!.replace(".coilfx", "");
  writeFileSync(file!, encodeEntry(key, { format: "unknown-format/9", source: "", constants: {}, inputIndices: [], meta: {} }));
  clearFxGraphCache();
  const before = compiles;
  checkProg(compileProg());
  assert.equal(compiles, before + 1);
  assert.equal(counters.inductor.fxgraph_cache_discarded, 1);
});

test("a cache directory that cannot be created: compiles work, one warning", () => {
  const blocker = join(root, "a-file");
  writeFileSync(blocker, "not a directory");
  config.patch({ cacheDir: join(blocker, "cache") }, () => {
    compiles = 0;
    checkProg(compileProg());
    checkProg(compileProg());
    assert.equal(fxGraphCacheInfo().diskLocation, null);
  });
  assert.deepEqual(c(), { hit: 1, miss: 1, compiles: 1 }, "the memory cache still works");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /cannot use the cache directory .*a-file/);
});

test("a missing cache directory is created private; a directory others can write is refused", () => {
  const fresh = join(root, "nested", "new", "cache");
  config.patch({ cacheDir: fresh }, () => compileProg());
  assert.equal(entryFiles(fresh).length, 1);
  if (process.platform === "win32") return;
  assert.equal(statSync(fresh).mode & 0o077, 0);
  const open = join(root, "world-writable");
  mkdirSync(open);
  chmodSync(open, 0o777);
  clearFxGraphCache();
  config.patch({ cacheDir: open }, () => { checkProg(compileProg()); checkProg(compileProg()); });
  assert.equal(readdirSync(open).filter((f) => f !== "fxgraph").length, 0);
  assert.ok(!readdirSync(join(open, "fxgraph")).some((f) => f.endsWith(".coilfx")), "nothing written there");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /writable by other users/);
});

class FailingStore implements CacheStore {
  readonly location = "/full-disk";
  constructor(readonly failGet: boolean) {}
  get(_key: string): Uint8Array | null {
    if (this.failGet) throw Object.assign(new Error("i/o error"), { code: "EIO" });
    return null;
  }
  put(_key: string, _bytes: Uint8Array): void { throw Object.assign(new Error("no space left on device, write"), { code: "ENOSPC" }); }
  delete(): void {}
  prune(): void {}
  clear(): void {}
}

test("a full disk (ENOSPC) or a failing read never fails a compile: one warning", () => {
  for (const failGet of [false, true]) {
    clearFxGraphCache();
    warnings = [];
    setWarnSink((t) => warnings.push(t));
    const undo = setCacheEnvironment({ openStore: () => new FailingStore(failGet) });
    try {
      compiles = 0;
      checkProg(compileProg());
      clearFxGraphCache();
      const x = coil.randn(6);
      assert.deepEqual([...compileProg((t) => t.sin().add(1) as coil.Tensor)(x).toArray()], [...x.sin().add(1).toArray()]);
    } catch (e) {
      undo();
      throw e;
    }
    undo();
    assert.equal(compiles, 2);
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0]!, failGet ? /EIO/ : /ENOSPC/);
  }
});

test("the disk size limit prunes the least recently used entries", () => {
  const dir = join(root, "small");
  config.patch({ cacheDir: dir, fxGraphCacheDiskMaxBytes: 2500 }, () => {
    for (let i = 0; i < 6; i++) compileProg((x) => x.cos().add(i) as coil.Tensor);
  });
  const files = entryFiles(dir);
  const total = files.reduce((s, f) => s + statSync(f).size, 0);
  assert.ok(files.length >= 1 && total <= 2500, `${files.length} files, ${total} bytes`);
  assert.ok(files.length < 6);
});

test("clearFxGraphCache({ disk: true }) empties memory and the directory", () => {
  const dir = join(root, "to-clear");
  config.patch({ cacheDir: dir }, () => {
    compileProg();
    compileProg((x) => x.sin() as coil.Tensor);
    assert.equal(entryFiles(dir).length, 2);
    clearFxGraphCache({ disk: true });
    assert.equal(entryFiles(dir).length, 0);
    assert.equal(fxGraphCacheInfo().memoryEntries, 0);
    counters.clear();
    compileProg();
    assert.equal(counters.inductor.fxgraph_cache_miss, 1);
  });
});

test("atomic writes leave no temp files; the store refuses nothing it wrote", () => {
  const store = new DiskCacheStore(join(root, "direct"));
  store.put("aa".repeat(32), new Uint8Array([1, 2, 3]));
  store.put("aa".repeat(32), new Uint8Array([4, 5]));
  assert.deepEqual([...store.get("aa".repeat(32))!], [4, 5]);
  assert.equal(store.get("bb".repeat(32)), null);
  assert.deepEqual(readdirSync(store.location), ["aa".repeat(32) + ".coilfx"]);
  store.delete("aa".repeat(32));
  store.delete("aa".repeat(32));
  assert.equal(store.get("aa".repeat(32)), null);
});

test("coil's source fingerprint is a stable sha256", () => {
  const a = coilSourceFingerprint();
  assert.match(a!, /^[0-9a-f]{64}$/);
  assert.equal(coilSourceFingerprint(), a);
});

// ---- other processes ----

const child = fileURLToPath(new URL("./fixtures/codecache_child.ts", import.meta.url));
const repo = fileURLToPath(new URL("../../", import.meta.url));
interface ChildResult { hit: number; miss: number; discarded: number; compiles: number; out: number[]; warnings: string[] }

function runChild(dir: string, delayMs = 0, env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", child, dir, "child-fingerprint", String(delayMs || "")],
      { cwd: repo, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, COIL_CACHE_DIR: "", XDG_CACHE_HOME: "", ...env } });
    let out = "", err = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { err += d; });
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      const line = out.trim().split("\n").pop()!;
      resolve(JSON.parse(line) as ChildResult);
    });
  });
}

const expectedChild = coil.tensor([0, 1, 2, 3, 4, 5]).cos().mul(3).add(coil.tensor([0.5, -1, 2, 4, 8, 16])).toArray();
function checkChild(r: ChildResult): void {
  r.out.forEach((v, i) => assert.ok(Math.abs(v - expectedChild[i]!) < 1e-6, `element ${i}`));
  assert.deepEqual(r.warnings, []);
}

test("a new process hits the entry an earlier process wrote", async () => {
  const dir = join(root, "procs");
  const first = await runChild(dir);
  assert.deepEqual([first.miss, first.hit, first.compiles], [1, 0, 1]);
  checkChild(first);
  const second = await runChild(dir);
  assert.deepEqual([second.miss, second.hit, second.compiles], [0, 1, 0]);
  checkChild(second);
});

test("two processes compiling the same program at once both succeed; the entry stays valid", async () => {
  const dir = join(root, "race");
  const [a, b] = await Promise.all([runChild(dir, 300), runChild(dir, 300)]);
  checkChild(a);
  checkChild(b);
  assert.equal(a.discarded + b.discarded, 0);
  assert.equal(entryFiles(dir).length, 1);
  assert.deepEqual(readdirSync(join(dir, "fxgraph")).filter((f) => f.endsWith(".tmp")), [], "no temp files left");
  const third = await runChild(dir);
  assert.deepEqual([third.hit, third.compiles], [1, 0]);
  checkChild(third);
});

test("the cache directory comes from COIL_CACHE_DIR, else XDG_CACHE_HOME/coil, else the platform default", async () => {
  const viaEnv = join(root, "from-env");
  const r = await runChild("-", 0, { COIL_CACHE_DIR: viaEnv });
  assert.equal(r.miss, 1);
  assert.equal(entryFiles(viaEnv).length, 1);
  const xdg = join(root, "xdg");
  const r2 = await runChild("-", 0, { XDG_CACHE_HOME: xdg });
  assert.equal(r2.miss, 1);
  if (process.platform === "linux") {
    assert.equal(entryFiles(join(xdg, "coil")).length, 1);
    assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: "/x/y" }), "/x/y/coil");
    assert.equal(defaultCacheRoot({ XDG_CACHE_HOME: "relative/ignored" }), join(homedir(), ".cache", "coil"));
    assert.equal(defaultCacheRoot({}), join(homedir(), ".cache", "coil"));
  }
});

test("readers never see a partial entry while two processes overwrite it", async () => {
  const dir = join(root, "atomic");
  const key = "5e".repeat(32);
  const store = new DiskCacheStore(dir);
  const writer = fileURLToPath(new URL("./fixtures/codecache_writer.ts", import.meta.url));
  const spawnWriter = (fill: number) => new Promise<void>((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", writer, dir, key, String(fill), "25"], { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    p.stderr.on("data", (d) => { err += d; });
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${err}`))));
  });
  let running = true;
  const writers = Promise.all([spawnWriter(1), spawnWriter(2)]).finally(() => { running = false; });
  let reads = 0;
  const fills = new Set<number>();
  while (running) {
    const bytes = store.get(key);
    if (bytes) {
      const d = decodeEntry(bytes, key);
      assert.ok(d.ok, `a reader saw a bad entry: ${d.ok ? "" : d.reason}`);
      const data = d.artifact.constants.w!.storage.data!;
      const fill = data[0]!;
      assert.ok(data.every((v) => v === fill), "one writer's entry, whole");
      fills.add(fill);
      reads++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await writers;
  assert.ok(reads > 0, "the reader saw entries while the writers ran");
  assert.ok([...fills].every((f) => f === 1 || f === 2));
  assert.deepEqual(readdirSync(store.location).filter((f) => f.endsWith(".tmp")), []);
});
