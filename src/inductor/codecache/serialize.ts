// inductor/codecache/serialize: CompiledArtifact <-> bytes, and the framed cache entry around them.
// An entry is MAGIC, a little-endian u32 header length, a JSON header (format version, coil version,
// key, payload length and sha256) and the payload: a JSON description (source, inputIndices, meta,
// constants' layouts) followed by the constants' storage bytes (every coil dtype, shapes, strides and
// offsets kept). In: artifacts or entry bytes. Out: entry bytes, or the artifact / why it was refused.

import { Storage, Tensor, checkDevice } from "../../tensor/tensor.js";
import { dtypeOf, type DTypeName, type NumericArray } from "../../tensor/dtype.js";
import { sha256Hex } from "../../platform/node.js";
import type { CompiledArtifact } from "../codegen/artifact.js";
import { CACHE_ENTRY_FORMAT, COIL_VERSION } from "./version.js";

const MAGIC = new TextEncoder().encode("COILFXG\n");
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Thrown when an artifact holds something that cannot be stored (fake tensors, functions in meta). */
export class UnserializableArtifactError extends Error {}

export interface EntryHeader {
  formatVersion: number;
  coilVersion: string;
  key: string;
  payloadBytes: number;
  payloadSha256: string;
  littleEndian: boolean;
}

interface StorageDesc { dtype: DTypeName; device: string; elements: number; byteOffset: number; byteLength: number }
interface ConstantDesc { name: string; storage: number; shape: number[]; strides: number[]; offset: number; requiresGrad: boolean }
interface PayloadDesc {
  format: string; source: string; inputIndices: number[]; meta: Record<string, unknown>;
  storages: StorageDesc[]; constants: ConstantDesc[];
}

/** The [lo, hi] storage element range a tensor reads (null for an empty tensor). */
export function elementRange(t: { shape: readonly number[]; strides: readonly number[]; offset: number }): [number, number] | null {
  let lo = t.offset, hi = t.offset;
  for (let i = 0; i < t.shape.length; i++) {
    const n = t.shape[i]!;
    if (n === 0) return null;
    const span = (n - 1) * t.strides[i]!;
    if (span < 0) lo += span; else hi += span;
  }
  return [lo, hi];
}

/** The bytes of elements [lo, hi] of a storage array, as a view (no copy). */
export function storageBytes(arr: NumericArray, lo: number, hi: number): Uint8Array {
  const b = arr.BYTES_PER_ELEMENT;
  return new Uint8Array(arr.buffer, arr.byteOffset + lo * b, (hi - lo + 1) * b);
}

function checkJson(v: unknown, path: string): void {
  if (v === null || typeof v === "string" || typeof v === "boolean") return;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new UnserializableArtifactError(`artifact ${path} is ${v}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(v)) { v.forEach((x, i) => checkJson(x, `${path}[${i}]`)); return; }
  if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v as object)) checkJson(x, `${path}.${k}`);
    return;
  }
  throw new UnserializableArtifactError(`artifact ${path} is ${typeof v === "object" ? (v as object).constructor?.name ?? "an object" : typeof v}, not plain JSON data`);
}

const align8 = (n: number) => (n + 7) & ~7;

/** Serialise an artifact into a self-describing payload. Views sharing a storage share its bytes. */
export function encodeArtifact(a: CompiledArtifact): Uint8Array {
  if (typeof a.format !== "string" || typeof a.source !== "string") throw new UnserializableArtifactError("artifact format and source must be strings");
  checkJson(a.meta, "meta");
  checkJson(a.inputIndices, "inputIndices");
  const storageIndex = new Map<Storage, number>();
  const ranges: { storage: Storage; lo: number; hi: number }[] = [];
  const constants: ConstantDesc[] = [];
  const entries = Object.entries(a.constants);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new UnserializableArtifactError(`artifact constant '${name}' is not a Tensor`);
    if (t.storage.data === null) throw new UnserializableArtifactError(`artifact constant '${name}' is a fake tensor (no data)`);
    let si = storageIndex.get(t.storage);
    if (si === undefined) {
      si = ranges.length;
      storageIndex.set(t.storage, si);
      ranges.push({ storage: t.storage, lo: Infinity, hi: -Infinity });
    }
    const r = elementRange(t);
    if (r && (r[0] < 0 || r[1] >= t.storage.size)) throw new UnserializableArtifactError(`artifact constant '${name}' reads outside its storage`);
    if (r) { ranges[si]!.lo = Math.min(ranges[si]!.lo, r[0]); ranges[si]!.hi = Math.max(ranges[si]!.hi, r[1]); }
    constants.push({ name, storage: si, shape: [...t.shape], strides: [...t.strides], offset: t.offset, requiresGrad: t.requiresGrad });
  }
  for (const c of constants) {
    const r = ranges[c.storage]!;
    if (r.lo !== Infinity) c.offset -= r.lo;
    else c.offset = 0;
  }
  const storages: StorageDesc[] = [];
  let byteOffset = 0;
  const blobs: Uint8Array[] = [];
  for (const r of ranges) {
    const empty = r.lo === Infinity;
    const bytes = empty ? new Uint8Array(0) : storageBytes(r.storage.data!, r.lo, r.hi);
    storages.push({ dtype: r.storage.dtype.name, device: r.storage.device, elements: empty ? 0 : r.hi - r.lo + 1, byteOffset, byteLength: bytes.length });
    blobs.push(bytes);
    byteOffset = align8(byteOffset + bytes.length);
  }
  const desc: PayloadDesc = { format: a.format, source: a.source, inputIndices: [...a.inputIndices], meta: a.meta, storages, constants };
  const json = new TextEncoder().encode(JSON.stringify(desc));
  const dataStart = align8(4 + json.length);
  const out = new Uint8Array(dataStart + byteOffset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  storages.forEach((s, i) => out.set(blobs[i]!, dataStart + s.byteOffset));
  return out;
}

function fail(msg: string): never { throw new Error(`corrupt payload: ${msg}`); }
const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isInteger(v));

/** Rebuild an artifact from encodeArtifact's bytes; throws on any inconsistency. */
export function decodeArtifact(payload: Uint8Array): CompiledArtifact {
  if (payload.length < 4) fail("too short");
  const jsonLen = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, true);
  if (4 + jsonLen > payload.length) fail("description runs past the end");
  const desc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(4, 4 + jsonLen))) as PayloadDesc;
  if (typeof desc.format !== "string" || typeof desc.source !== "string" || !isIntArray(desc.inputIndices) ||
      typeof desc.meta !== "object" || desc.meta === null || !Array.isArray(desc.storages) || !Array.isArray(desc.constants)) fail("bad description");
  const dataStart = align8(4 + jsonLen);
  const storages = desc.storages.map((s) => {
    const dtype = dtypeOf(s.dtype);
    const b = dtype.arrayCtor.BYTES_PER_ELEMENT;
    if (!Number.isInteger(s.elements) || s.elements < 0 || s.byteLength !== s.elements * b || !Number.isInteger(s.byteOffset) ||
        s.byteOffset < 0 || dataStart + s.byteOffset + s.byteLength > payload.length) fail("bad storage extent");
    const arr = new dtype.arrayCtor(s.elements);
    new Uint8Array(arr.buffer).set(payload.subarray(dataStart + s.byteOffset, dataStart + s.byteOffset + s.byteLength));
    return new Storage(arr, dtype, checkDevice(s.device), s.elements);
  });
  const constants: Record<string, Tensor> = {};
  for (const c of desc.constants) {
    const st = storages[c.storage];
    if (!st || typeof c.name !== "string" || !isIntArray(c.shape) || !isIntArray(c.strides) || c.shape.length !== c.strides.length ||
        !Number.isInteger(c.offset) || c.shape.some((n) => n < 0)) fail(`bad constant '${String(c.name)}'`);
    const t = new Tensor(st, c.shape, c.strides, c.offset);
    const r = elementRange(t);
    if (r && (r[0] < 0 || r[1] >= st.size)) fail(`constant '${c.name}' reads outside its storage`);
    t.requiresGrad = c.requiresGrad === true;
    constants[c.name] = t;
  }
  return { format: desc.format, source: desc.source, inputIndices: desc.inputIndices, meta: desc.meta, constants };
}

/** Frame a payload as a cache entry for `key`. */
export function encodeEntry(key: string, artifact: CompiledArtifact, coilVersion = COIL_VERSION): Uint8Array {
  const payload = encodeArtifact(artifact);
  const header: EntryHeader = {
    formatVersion: CACHE_ENTRY_FORMAT, coilVersion, key, payloadBytes: payload.length,
    payloadSha256: sha256Hex(payload), littleEndian: LITTLE_ENDIAN,
  };
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + h.length + payload.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, h.length, true);
  out.set(h, MAGIC.length + 4);
  out.set(payload, MAGIC.length + 4 + h.length);
  return out;
}

export type DecodedEntry = { ok: true; artifact: CompiledArtifact } | { ok: false; reason: string };

/**
 * Check an entry's frame, header (format, coil version, key, endianness) and payload hash, then decode
 * it. Anything wrong gives { ok: false, reason }: the caller discards the entry and recompiles.
 */
export function decodeEntry(bytes: Uint8Array, expectedKey: string, coilVersion = COIL_VERSION): DecodedEntry {
  const bad = (reason: string): DecodedEntry => ({ ok: false, reason });
  if (bytes.length < MAGIC.length + 4) return bad("truncated (no header)");
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return bad("not a coil cache entry (bad magic)");
  const hLen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + hLen;
  if (start > bytes.length) return bad("truncated (header)");
  let header: EntryHeader;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(MAGIC.length + 4, start))) as EntryHeader;
  } catch {
    return bad("corrupt header");
  }
  if (typeof header !== "object" || header === null) return bad("corrupt header");
  if (header.formatVersion !== CACHE_ENTRY_FORMAT) return bad(`entry format ${String(header.formatVersion)}, expected ${CACHE_ENTRY_FORMAT}`);
  if (header.coilVersion !== coilVersion) return bad(`written by coil ${String(header.coilVersion)}, this is coil ${coilVersion}`);
  if (header.key !== expectedKey) return bad("foreign entry (its key differs)");
  if (header.littleEndian !== LITTLE_ENDIAN) return bad("written on a machine of the other byte order");
  const payload = bytes.subarray(start);
  if (payload.length !== header.payloadBytes) return bad(`truncated payload (${payload.length} of ${String(header.payloadBytes)} bytes)`);
  if (sha256Hex(payload) !== header.payloadSha256) return bad("payload hash mismatch (corrupt)");
  try {
    return { ok: true, artifact: decodeArtifact(payload) };
  } catch (e) {
    return bad(e instanceof Error ? e.message : String(e));
  }
}
