// FX graph cache units: artifact serialisation (every dtype, views, strides, offsets), entry framing
// and its rejections, the LRU memory cache, and the cache key's stability, sensitivity and bypasses.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as coil from "../../src/index.js";
import { Tensor, readStorage } from "../../src/tensor/tensor.js";
import { dtypes, type DTypeName } from "../../src/tensor/dtype.js";
import { traceInference, type GraphCompileInfo } from "../../src/aot/index.js";
import type { Graph, GraphModule } from "../../src/fx/index.js";
import { config } from "../../src/inductor/config.js";
import { CustomGraphPass, CustomGraphModulePass } from "../../src/inductor/custom_graph_pass.js";
import { patchInductorBackend } from "../../src/inductor/backend_registry.js";
import {
  COIL_VERSION, LruCache, computeCacheKey, decodeArtifact, decodeEntry, encodeArtifact, encodeEntry, UnserializableArtifactError,
  type KeyOptions,
} from "../../src/inductor/codecache/index.js";
import type { CompiledArtifact } from "../../src/inductor/codegen/artifact.js";

const ALL_DTYPES: DTypeName[] = ["float64", "float32", "float16", "bfloat16", "int64", "int32", "uint8", "bool"];

function valuesOf(t: Tensor): number[] {
  const out: number[] = [];
  const idx = new Array(t.shape.length).fill(0);
  const n = t.shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < n; k++) {
    let off = t.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d] * t.strides[d]!;
    out.push(readStorage(t.storage.data!, t.dtype, off));
    for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < t.shape[d]!) break; idx[d] = 0; }
  }
  return out;
}

test("COIL_VERSION matches package.json", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  assert.equal(COIL_VERSION, pkg.version);
});

test("artifact round trip keeps constants of every dtype, views, strides and offsets", () => {
  const constants: Record<string, Tensor> = {};
  const vals = [0, 1, -2, 3.5, 1e3, -0.25, 7, 250];
  for (const d of ALL_DTYPES) {
    const v = d === "bool" ? vals.map((x) => (x ? 1 : 0)) : d === "uint8" ? vals.map((x) => Math.abs(Math.trunc(x)) % 256)
      : dtypes[d].isFloatingPoint ? vals : vals.map(Math.trunc);
    const base = Tensor.fromValues(v, [2, 4], d);
    constants[`${d}_base`] = base;
    constants[`${d}_t`] = base.aliasAs([4, 2], [1, 4], 0);          // transposed view, same storage
    constants[`${d}_slice`] = base.aliasAs([3], [2], 1);           // strided view with an offset
  }
  constants.big_int64 = Tensor.fromValues([2 ** 53, -(2 ** 53), 123456789012], [3], "int64");
  constants.nan_f32 = Tensor.fromValues([NaN, Infinity, -Infinity, -0], [4], "float32");
  constants.scalar = Tensor.fromValues([42], [], "float64");
  constants.empty = Tensor.empty([0, 3], "float32");
  const big = Tensor.fromValues(Array.from({ length: 100 }, (_, i) => i), [100], "float32");
  constants.tail = big.aliasAs([2, 2], [10, 1], 80);               // only elements 80..91 of a 100-element storage
  constants.grad = Tensor.fromValues([1, 2], [2], "float32");
  constants.grad.requiresGrad = true;
  const art: CompiledArtifact = { format: "test/1", source: "forward(x) { return [x]; }\n// ünïcode", constants, inputIndices: [0, 2], meta: { kernels: 3, nested: { a: [1, "b", null, true] } } };
  const back = decodeArtifact(encodeArtifact(art));
  assert.equal(back.format, art.format);
  assert.equal(back.source, art.source);
  assert.deepEqual(back.inputIndices, [0, 2]);
  assert.deepEqual(back.meta, art.meta);
  assert.deepEqual(Object.keys(back.constants), Object.keys(constants));
  for (const [name, t] of Object.entries(constants)) {
    const u = back.constants[name]!;
    assert.equal(u.dtype, t.dtype, name);
    assert.equal(u.device, t.device, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.deepEqual(u.strides, t.strides, name);
    assert.equal(u.requiresGrad, t.requiresGrad, name);
    assert.deepEqual(valuesOf(u).map(String), valuesOf(t).map(String), name);
  }
  for (const d of ALL_DTYPES) {
    assert.equal(back.constants[`${d}_t`]!.storage, back.constants[`${d}_base`]!.storage, `${d}: views still share one storage`);
    assert.equal(back.constants[`${d}_slice`]!.offset, 1);
  }
  assert.equal(back.constants.tail!.storage.size, 12, "only the elements a constant reads are stored");
  assert.equal(back.constants.big_int64!.toArray()[0], 2 ** 53);
});

test("artifacts holding fake tensors or non-JSON meta are refused", () => {
  const base = { format: "t/1", source: "", inputIndices: [], meta: {} } as Omit<CompiledArtifact, "constants">;
  assert.throws(() => encodeArtifact({ ...base, constants: { w: Tensor.fake([2], "float32") } }), UnserializableArtifactError);
  assert.throws(() => encodeArtifact({ ...base, constants: { w: Tensor.empty([4], "float32").aliasAs([4], [1], 2) } }), /reads outside its storage/);
  assert.throws(() => encodeArtifact({ ...base, constants: {}, meta: { f: () => 1 } }), UnserializableArtifactError);
  assert.throws(() => encodeArtifact({ ...base, constants: {}, meta: { x: NaN } }), UnserializableArtifactError);
  assert.throws(() => encodeArtifact({ ...base, constants: {}, meta: { d: new Date() } }), UnserializableArtifactError);
});

test("entries: intact ones decode; truncated, corrupt, foreign and other-version ones are refused", () => {
  const key = "ab".repeat(32);
  const art: CompiledArtifact = { format: "t/1", source: "s", constants: { w: Tensor.fromValues([1, 2, 3], [3], "float32") }, inputIndices: [], meta: {} };
  const bytes = encodeEntry(key, art);
  const ok = decodeEntry(bytes, key);
  assert.ok(ok.ok);
  if (ok.ok) assert.deepEqual([...ok.artifact.constants.w!.toArray()], [1, 2, 3]);
  for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 40))) {
    const r = decodeEntry(bytes.subarray(0, n), key);
    assert.equal(r.ok, false, `truncated to ${n} bytes`);
  }
  for (let i = 0; i < bytes.length; i += 7) {
    const c = bytes.slice();
    c[i] ^= 0x5a;
    const r = decodeEntry(c, key);
    if (r.ok) {
      // a flip inside the JSON header may leave it valid only if it hit insignificant data; it never does here
      assert.fail(`corrupted byte ${i} accepted`);
    }
  }
  const last = bytes.slice();
  last[last.length - 1] ^= 1;
  assert.match((decodeEntry(last, key) as { reason: string }).reason, /hash mismatch/);
  assert.match((decodeEntry(bytes, "cd".repeat(32)) as { reason: string }).reason, /foreign/);
  assert.match((decodeEntry(encodeEntry(key, art, "0.0.1-old"), key) as { reason: string }).reason, /written by coil 0\.0\.1-old/);
  assert.match((decodeEntry(new Uint8Array(0), key) as { reason: string }).reason, /truncated/);
  assert.match((decodeEntry(new TextEncoder().encode("#!/bin/sh\nrm -rf ~\n"), key) as { reason: string }).reason, /magic/);
});

test("LRU memory cache: entry and byte limits, recency, oversize entries", () => {
  const c = new LruCache<number>(3, 100);
  c.set("a", 1, 10); c.set("b", 2, 10); c.set("c", 3, 10);
  assert.equal(c.get("a"), 1);            // a becomes most recent
  c.set("d", 4, 10);                      // evicts b (least recent)
  assert.deepEqual(c.keys(), ["c", "a", "d"]);
  c.set("e", 5, 85);                      // bytes 115 > 100: evict c, then a
  assert.deepEqual(c.keys(), ["d", "e"]);
  assert.equal(c.bytes, 95);
  assert.equal(c.set("huge", 6, 101), false);
  assert.equal(c.has("huge"), false);
  c.maxEntries = 1; c.evict();
  assert.deepEqual(c.keys(), ["e"]);
  c.set("e", 7, 5);
  assert.equal(c.bytes, 5);
});

// ---- keys ----

const OPTS: KeyOptions = { codegenId: "test/1", sourceFingerprint: "fp" };
const info = (over: Partial<GraphCompileInfo> = {}): GraphCompileInfo =>
  ({ kind: "inference", numParams: 0, paramNames: [], params: [], mutatedInputIndices: [], ...over });

function traced(fn: (x: Tensor) => unknown, x: Tensor): GraphModule {
  return traceInference(fn as never, [x]).gm;
}
const c1 = coil.tensor([1, 2, 3, 4]);
const c2 = coil.tensor([1, 2, 3, 5]);
const fA = (x: Tensor) => x.cos().mul(2).add(c1);
const x4 = () => coil.randn(4);

function key(gm: GraphModule, examples: unknown[] = [x4()], inf = info(), opts = OPTS): string {
  const r = computeCacheKey(gm, examples, inf, opts);
  assert.equal(r.bypass, null, String(r.bypass));
  return r.key!;
}

class Pass extends CustomGraphPass {
  constructor(readonly id: string | null) { super(); }
  call(_g: Graph): void {}
  uuid(): string | null { return this.id; }
}
class ModPass extends CustomGraphModulePass {
  constructor(readonly id: string | null) { super(); }
  call(_gm: GraphModule): void {}
  uuid(): string | null { return this.id; }
}

test("key: stable across traces and data of the inputs; no change keeps it", () => {
  const k = key(traced(fA, x4()));
  assert.equal(key(traced(fA, x4())), k);
  assert.equal(key(traced(fA, x4()), [coil.randn(4)]), k, "input values are not part of the key");
  assert.match(k, /^[0-9a-f]{64}$/);
});

test("key: every part changes it", () => {
  const gm = traced(fA, x4());
  const base = key(gm);
  const variants: Record<string, string> = {
    "graph target": key(traced((x) => x.sin().mul(2).add(c1), x4())),
    "constant arg": key(traced((x) => x.cos().mul(3).add(c1), x4())),
    "get_attr tensor data": key(traced((x) => x.cos().mul(2).add(c2), x4())),
    "input shape": key(gm, [coil.randn(5)]),
    "input dtype": key(gm, [coil.randn(4, { dtype: "float64" })]),
    "input strides": key(gm, [coil.randn(8).aliasAs([4], [2], 0)]),
    "input offset": key(gm, [coil.randn(8).aliasAs([4], [1], 4)]),
    "input requiresGrad": key(gm, [coil.randn(4, { requiresGrad: true })]),
    "graph kind": key(gm, undefined, info({ kind: "forward" })),
    "lifted params": key(gm, undefined, info({ numParams: 1, paramNames: ["w"], params: [coil.randn(3)] })),
    "lifted param metadata": key(gm, undefined, info({ numParams: 1, paramNames: ["w"], params: [coil.randn(2)] })),
    "mutated inputs": key(gm, undefined, info({ mutatedInputIndices: [0] })),
    "config.patternMatcher": config.patch({ patternMatcher: false }, () => key(gm)),
    "config.dce": config.patch({ dce: false }, () => key(gm)),
    "post-grad hook uuid": config.patch({ postGradCustomPostPass: new Pass("u1") }, () => key(gm)),
    "other post-grad hook uuid": config.patch({ postGradCustomPostPass: new Pass("u2") }, () => key(gm)),
    "pre post-grad hook": config.patch({ postGradCustomPrePass: new Pass("u1") }, () => key(gm)),
    "joint hook": config.patch({ jointCustomPrePass: new Pass("u1") }, () => key(gm)),
    "joint post hook": config.patch({ jointCustomPostPass: new Pass("u1") }, () => key(gm)),
    "hook array": config.patch({ postGradCustomPostPass: [new Pass("u1"), new Pass("u2")] }, () => key(gm)),
    "partitioner": config.patch({ customPartitionerFn: { call: () => { throw new Error("unused"); }, uuid: () => "p1" } as never }, () => key(gm)),
    "backend pass": patchInductorBackend("cpu", { customPass: new ModPass("b1") }, () => key(gm)),
    "backend config": patchInductorBackend("cpu", { customConfig: { tile: 8 } }, () => key(gm)),
    "codegen id": key(gm, undefined, undefined, { ...OPTS, codegenId: "test/2" }),
    "source fingerprint": key(gm, undefined, undefined, { ...OPTS, sourceFingerprint: "other" }),
  };
  const seen = new Map<string, string>([[base, "base"]]);
  for (const [what, k] of Object.entries(variants)) {
    assert.ok(!seen.has(k), `${what} gives the same key as ${seen.get(k)}`);
    seen.set(k, what);
  }
  // settings that do not change compiled output leave the key alone
  assert.equal(config.patch({ cacheDir: "/elsewhere", fxGraphCacheMemoryMaxEntries: 3, debugPatternMatcher: "x" }, () => key(gm)), base);
  assert.equal(config.patch({ preGradCustomPass: () => {} }, () => key(gm)), base, "the pre-grad hook acts on the hashed graph");
  const r = computeCacheKey(gm, [x4()], info(), OPTS);
  assert.equal(r.bypass === null && (r.details.coilVersion as string), COIL_VERSION);
});

test("key: bypass for hooks without uuid, freezing, unidentifiable backend passes and targets", () => {
  const gm = traced(fA, x4());
  const bypass = (f: () => ReturnType<typeof computeCacheKey>) => {
    const r = f();
    assert.equal(r.key, null);
    return r.bypass!;
  };
  for (const k of ["jointCustomPrePass", "jointCustomPostPass", "postGradCustomPrePass", "postGradCustomPostPass"] as const) {
    assert.match(bypass(() => config.patch({ [k]: () => {} }, () => computeCacheKey(gm, [x4()], info(), OPTS))), new RegExp(k));
    assert.match(bypass(() => config.patch({ [k]: new Pass(null) }, () => computeCacheKey(gm, [x4()], info(), OPTS))), new RegExp(k));
    assert.match(bypass(() => config.patch({ [k]: [new Pass("ok"), () => {}] }, () => computeCacheKey(gm, [x4()], info(), OPTS))), new RegExp(k));
  }
  assert.match(bypass(() => config.patch({ customPartitionerFn: () => { throw new Error("unused"); } }, () => computeCacheKey(gm, [x4()], info(), OPTS))), /customPartitionerFn/);
  assert.match(bypass(() => config.patch({ freezing: true }, () => computeCacheKey(gm, [x4()], info(), OPTS))), /freezing/);
  assert.equal(config.patch({ freezing: true }, () => computeCacheKey(gm, [x4()], info({ kind: "forward" }), OPTS)).bypass, null, "freezing only affects inference graphs");
  assert.match(bypass(() => patchInductorBackend("cpu", { customPass: () => {} }, () => computeCacheKey(gm, [x4()], info(), OPTS))), /backend pass of device 'cpu'/);
  assert.match(bypass(() => patchInductorBackend("cpu", { customPass: new ModPass(null) }, () => computeCacheKey(gm, [x4()], info(), OPTS))), /backend pass/);
  const odd = traced(fA, x4());
  const cos = odd.graph.nodes.toArray().find((n) => n.target === coil.aten.cos.default)!;
  cos.target = function myLocalFn(t: Tensor) { return t; };
  assert.match(bypass(() => computeCacheKey(odd, [x4()], info(), OPTS)), /myLocalFn/);
});
