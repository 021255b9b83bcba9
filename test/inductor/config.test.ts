// Tests for inductor config (patch/restore/nesting/decorator/using/validation), custom pass types,
// runPass errors and getHashForFiles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { config } from "../../src/inductor/config.js";
import { CustomGraphPass, getHashForFiles, runPass, type PassContext } from "../../src/inductor/custom_graph_pass.js";
import { Graph } from "../../src/fx/index.js";
import { resetWasmFeatures, wasmFeatures } from "../../src/wasm/features.js";

function smallGraph(): Graph {
  const g = new Graph();
  const x = g.placeholder("x");
  const y = g.callFunction(Math.abs, [x]);
  g.output(y);
  return g;
}
const fakeGraph = smallGraph();

class NamedPass extends CustomGraphPass {
  constructor(readonly id: string | null) { super(); }
  call(): void {}
  uuid(): string | null { return this.id; }
}

test("defaults", () => {
  assert.equal(config.patternMatcher, true);
  assert.equal(config.freezing, false);
  assert.equal(config.dce, true);
  assert.equal(config.fxGraphCache, true);
  assert.equal(config.postGradCustomPrePass, null);
  // the WebAssembly codegen where SIMD is available, unless COIL_CPU_BACKEND picks one (tools/run-tests.sh sets js)
  const env = process.env.COIL_CPU_BACKEND;
  assert.equal(config.cpuBackend, env === "js" || env === "wasm" ? env : wasmFeatures().simd ? "wasm" : "js");
  assert.equal(config.debugPatternMatcher, null);
  assert.equal(config.cacheDir, process.env.COIL_CACHE_DIR ?? null);
});

/** The default config.cpuBackend (config.reset() re-evaluates defaults) with COIL_CPU_BACKEND = env, SIMD or not. */
function defaultWith(env: string | undefined, simd: boolean): string {
  const saved = { env: process.env.COIL_CPU_BACKEND, validate: WebAssembly.validate };
  if (env === undefined) delete process.env.COIL_CPU_BACKEND; else process.env.COIL_CPU_BACKEND = env;
  if (!simd) WebAssembly.validate = () => false;
  resetWasmFeatures();
  try {
    config.reset();
    return config.cpuBackend;
  } finally {
    if (saved.env === undefined) delete process.env.COIL_CPU_BACKEND; else process.env.COIL_CPU_BACKEND = saved.env;
    WebAssembly.validate = saved.validate;
    resetWasmFeatures();
    config.reset();
  }
}

test("cpuBackend default: wasm with SIMD, js without; COIL_CPU_BACKEND=js|wasm overrides; bad or impossible values throw", () => {
  assert.equal(wasmFeatures().simd, true, "Node 20 has WebAssembly SIMD");
  assert.equal(defaultWith(undefined, true), "wasm");
  assert.equal(defaultWith("", true), "wasm", "empty is unset");
  assert.equal(defaultWith("js", true), "js");
  assert.equal(defaultWith("wasm", true), "wasm");
  assert.equal(defaultWith(undefined, false), "js", "no SIMD: the JavaScript codegen");
  assert.equal(defaultWith("js", false), "js");
  assert.throws(() => defaultWith("wasm", false), /inductor config: COIL_CPU_BACKEND=wasm asks for the WebAssembly codegen, but this engine's WebAssembly has no SIMD.*COIL_CPU_BACKEND=js/);
  assert.throws(() => defaultWith("c", true), /inductor config: COIL_CPU_BACKEND must be "js" or "wasm" \(or unset\), got "c"/);
  assert.equal(config.cpuBackend, process.env.COIL_CPU_BACKEND || "wasm", "restored");
});

test("COIL_CPU_BACKEND=wasm without SIMD fails at import, naming the variable", () => {
  const url = new URL("../../src/inductor/config.ts", import.meta.url).href;
  const code = `WebAssembly.validate = () => false; await import(${JSON.stringify(url)});`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { env: { ...process.env, COIL_CPU_BACKEND: "wasm" }, encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /inductor config: COIL_CPU_BACKEND=wasm asks for the WebAssembly codegen, but this engine's WebAssembly has no SIMD/);
});

test('cpuBackend = "wasm" where SIMD is missing throws at config set, naming the key; "js" still works', (t) => {
  const validate = WebAssembly.validate;
  t.after(() => { WebAssembly.validate = validate; resetWasmFeatures(); });
  WebAssembly.validate = () => false;
  resetWasmFeatures();
  assert.equal(wasmFeatures().simd, false);
  const before = config.cpuBackend;
  const want = /inductor config: 'cpuBackend' = "wasm" asks for the WebAssembly codegen, but this engine's WebAssembly has no SIMD.*use "js"/;
  assert.throws(() => { config.cpuBackend = "wasm"; }, want);
  assert.throws(() => config.patch({ cpuBackend: "wasm" }, () => 0), want);
  assert.equal(config.cpuBackend, before, "a refused value is not applied");
  assert.equal(config.patch({ cpuBackend: "js" }, () => config.cpuBackend), "js");
});

test("patch with fn restores on return and on throw, and nests", () => {
  const r = config.patch({ freezing: true }, () => {
    assert.equal(config.freezing, true);
    config.patch({ freezing: false, dce: false }, () => {
      assert.equal(config.freezing, false);
      assert.equal(config.dce, false);
    });
    assert.equal(config.freezing, true);
    assert.equal(config.dce, true);
    return 7;
  });
  assert.equal(r, 7);
  assert.equal(config.freezing, false);
  assert.throws(() => config.patch({ patternMatcher: false }, () => { throw new Error("boom"); }), /boom/);
  assert.equal(config.patternMatcher, true);
});

test("patch restores values assigned inside the scope", () => {
  config.patch({ dce: false }, () => { config.dce = false; config.freezing = true; });
  assert.equal(config.dce, true);
  assert.equal(config.freezing, true, "keys not named in the patch keep assignments");
  config.freezing = false;
});

test("async fn: restored when the promise settles", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const p = config.patch({ freezing: true }, async () => { await gate; return config.freezing; });
  assert.equal(config.freezing, true, "still patched while pending");
  release();
  assert.equal(await p, true);
  assert.equal(config.freezing, false);
  await assert.rejects(config.patch({ dce: false }, async () => { throw new Error("late"); }), /late/);
  assert.equal(config.dce, true);
});

test("decorator: wrap patches around each call", () => {
  const f = config.patch({ freezing: true }).wrap((x: number) => (config.freezing ? x * 2 : x));
  assert.equal(config.freezing, false, "wrap undoes the immediate application");
  assert.equal(f(3), 6);
  assert.equal(config.freezing, false);
  const g = config.patch({ dce: false }).wrap(() => { throw new Error("inner"); });
  assert.throws(() => g(), /inner/);
  assert.equal(config.dce, true);
});

test("using: dispose restores", () => {
  {
    using _p = config.patch({ patternMatcher: false, debugPatternMatcher: "relu" });
    assert.equal(config.patternMatcher, false);
    assert.equal(config.debugPatternMatcher, "relu");
  }
  assert.equal(config.patternMatcher, true);
  assert.equal(config.debugPatternMatcher, null);
});

test("validation: unknown keys and wrong types throw TypeError naming key and type", () => {
  assert.throws(() => { (config as unknown as Record<string, unknown>).freezin = true; }, (e: Error) => e instanceof TypeError && /unknown key 'freezin'/.test(e.message));
  assert.throws(() => { (config as unknown as Record<string, unknown>).freezing = 1; }, (e: Error) => e instanceof TypeError && /'freezing' must be boolean, got number 1/.test(e.message));
  assert.throws(() => config.patch({ postGradCustomPrePass: 5 as never }, () => 0), (e: Error) => e instanceof TypeError && /'postGradCustomPrePass' must be null, a function/.test(e.message));
  assert.throws(() => config.patch({ nope: 1 } as never, () => 0), /unknown key 'nope'/);
  // a failed patch applies nothing
  assert.throws(() => config.patch({ freezing: true, dce: "no" as never }, () => 0), TypeError);
  assert.equal(config.freezing, false);
  assert.throws(() => { (config as unknown as Record<string, unknown>).cpuBackend = "c++"; }, /"js"/);
});

test("hooks accept a function, a CustomGraphPass or an array", () => {
  const fn = (): void => {};
  config.patch({ postGradCustomPostPass: [fn, new NamedPass("a")], jointCustomPrePass: new NamedPass("b") }, () => {
    assert.equal(Array.isArray(config.postGradCustomPostPass), true);
  });
});

test("snapshot and cacheKeyParts", () => {
  const snap = config.snapshot();
  assert.equal(snap.freezing, false);
  snap.freezing = true;
  assert.equal(config.freezing, false, "snapshot is a copy");
  const base = config.cacheKeyParts()!;
  assert.ok(base);
  assert.equal("cacheDir" in base, false);
  assert.equal(base.patternMatcher, true);
  // the CPU code generator changes the artifact: the key holds the resolved value, so js and wasm never share an entry
  assert.equal(config.patch({ cpuBackend: "js" }, () => config.cacheKeyParts()!.cpuBackend), "js");
  if (wasmFeatures().simd) assert.equal(config.patch({ cpuBackend: "wasm" }, () => config.cacheKeyParts()!.cpuBackend), "wasm");
  config.patch({ postGradCustomPrePass: [new NamedPass("u1"), new NamedPass("u2")], jointCustomPostPass: new NamedPass("j") }, () => {
    const parts = config.cacheKeyParts()!;
    assert.deepEqual(parts.postGradCustomPrePass, ["u1", "u2"]);
    assert.equal(parts.jointCustomPostPass, "j");
  });
  assert.equal(config.patch({ postGradCustomPostPass: () => {} }, () => config.cacheKeyParts()), null);
  assert.equal(config.patch({ jointCustomPrePass: [new NamedPass("x"), new NamedPass(null)] }, () => config.cacheKeyParts()), null);
  // the pre-grad hook runs before the graph is hashed: a plain function does not bypass
  assert.notEqual(config.patch({ preGradCustomPass: () => {} }, () => config.cacheKeyParts()), null);
});

test("runPass calls functions and passes in order with the context", () => {
  const seen: string[] = [];
  class P extends CustomGraphPass {
    call(_g: Graph, ctx?: PassContext): void { seen.push(`pass:${ctx!.kind}:${ctx!.hook}`); }
    uuid(): string { return "p"; }
  }
  runPass("postGradCustomPostPass", [(_g, ctx) => { seen.push(`fn:${ctx.kind}`); }, new P()], fakeGraph, "backward");
  assert.deepEqual(seen, ["fn:backward", "pass:backward:postGradCustomPostPass"]);
  runPass("x", null, fakeGraph, "inference");
});

test("runPass errors name the hook, the pass and the graph kind", () => {
  const cause = new Error("bad node");
  function myBrokenPass(): void { throw cause; }
  assert.throws(() => runPass("jointCustomPrePass", myBrokenPass, fakeGraph, "joint"), (e: Error) => {
    assert.equal(e.message, "jointCustomPrePass custom pass 'myBrokenPass' failed on the joint graph: bad node");
    assert.equal(e.cause, cause);
    return true;
  });
  class Exploding extends CustomGraphPass {
    call(): void { throw new RangeError("oops"); }
    uuid(): null { return null; }
  }
  assert.throws(() => runPass("postGradCustomPrePass", [() => {}, new Exploding()], fakeGraph, "forward"),
    /postGradCustomPrePass custom pass 'Exploding' failed on the forward graph: oops/);
});

test("getHashForFiles: sha256 over extra, paths and contents", () => {
  const dir = mkdtempSync(join(tmpdir(), "coil-hash-"));
  const a = join(dir, "a.ts");
  const b = join(dir, "b.ts");
  writeFileSync(a, "one");
  writeFileSync(b, "two");
  const h = getHashForFiles([a, b]);
  const expected = createHash("sha256").update("").update(a).update("one").update(b).update("two").digest("hex");
  assert.equal(h, expected);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.notEqual(getHashForFiles([a, b], "v2"), h);
  writeFileSync(b, "three");
  assert.notEqual(getHashForFiles([a, b]), h, "content change changes the hash");
  assert.throws(() => getHashForFiles([join(dir, "missing.ts")]), /ENOENT/);
});

test("runPass lints the graph after each user pass and names the hook and the pass", () => {
  const g = smallGraph();
  function danglingPass(graph: Graph): void {
    const abs = [...graph.nodes].find((n) => n.op === "call_function")!;
    graph.insertingBefore(abs, () => graph.callFunction(Math.sign, [abs])); // uses abs before it is defined
  }
  assert.throws(() => runPass("postGradCustomPostPass", danglingPass, g, "inference"),
    /postGradCustomPostPass custom pass 'danglingPass' left the inference graph broken: Graph.lint: .*before it is defined/);
  const g2 = smallGraph();
  function dropOutput(graph: Graph): void {
    const out = [...graph.nodes].find((n) => n.op === "output")!;
    const x = [...graph.nodes].find((n) => n.op === "placeholder")!;
    out.args = [[x, x]];
  }
  assert.throws(() => runPass("jointCustomPrePass", dropOutput, g2, "joint"),
    /jointCustomPrePass custom pass 'dropOutput' left the joint graph broken: it changed the number of graph outputs from 1 to 2/);
});
