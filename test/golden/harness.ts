// test/golden/harness: replays PyTorch golden fixtures (test/golden/fixtures/*.json) against coil's
// aten ops. In: a fixture family name. Out: one node:test case per fixture case (outputs and grads compared).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { dtypeOf, type DTypeName } from "../../src/tensor/dtype.js";
import { lookupOp } from "../../src/ops/registry.js";
import "../../src/index.js";
import { grad as autogradGrad } from "../../src/autograd/index.js";

interface EncTensor { shape: number[]; dtype: DTypeName; values: (number | string)[]; layout?: string; requiresGrad?: boolean }
interface Case {
  name: string; op: string; tensors: EncTensor[]; args: unknown[]; kwargs: Record<string, unknown>;
  outputs?: EncTensor[]; error?: string; gradOutputs?: EncTensor[]; grads?: (EncTensor | null)[];
  atol?: number; rtol?: number;
}

const here = dirname(fileURLToPath(import.meta.url));

export function decode(v: number | string): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v as number;
}

export function makeTensor(e: EncTensor): Tensor {
  const vals = e.values.map(decode);
  const nd = e.shape.length;
  if (e.layout === "transposed" && nd >= 2) {
    // Physical storage holds the reversed-dims layout; the logical tensor is its permutation.
    const rev = e.shape.slice().reverse();
    const phys = Tensor.empty(rev, e.dtype);
    const logical = Tensor.fromValues(vals, e.shape, e.dtype);
    // copy logical -> phys permuted
    const pArr = phys.storage.data!, lArr = logical.storage.data!;
    const lStr = logical.strides, pStr = phys.strides;
    const n = logical.numel();
    const idx = new Array<number>(nd).fill(0);
    for (let i = 0; i < n; i++) {
      let lo = 0, po = 0;
      for (let d = 0; d < nd; d++) { lo += idx[d]! * lStr[d]!; po += idx[d]! * pStr[nd - 1 - d]!; }
      pArr[po] = lArr[lo]!;
      for (let d = nd - 1; d >= 0; d--) { if (++idx[d]! < e.shape[d]!) break; idx[d] = 0; }
    }
    const t = phys.aliasAs(e.shape, pStr.slice().reverse(), 0);
    t.base = null;
    if (e.requiresGrad) t.requiresGrad = true;
    return t;
  }
  const t = Tensor.fromValues(vals, e.shape, e.dtype);
  if (e.requiresGrad) t.requiresGrad = true;
  return t;
}

function decodeArg(a: unknown, tensors: Tensor[]): unknown {
  if (Array.isArray(a)) return a.map((x) => decodeArg(x, tensors));
  if (a && typeof a === "object") {
    const o = a as Record<string, unknown>;
    if ("tensor" in o) return tensors[o.tensor as number];
    if ("dtype" in o) return dtypeOf(o.dtype as DTypeName);
  }
  if (typeof a === "string" && (a === "nan" || a === "inf" || a === "-inf")) return decode(a);
  return a;
}

/** Per-dtype default tolerances (PyTorch's assert_close defaults). */
export function tolerance(dtype: string): { atol: number; rtol: number } {
  switch (dtype) {
    case "float64": return { atol: 1e-7, rtol: 1e-7 };
    case "float32": return { atol: 1e-5, rtol: 1.3e-6 };
    case "float16": return { atol: 1e-3, rtol: 1e-3 };
    case "bfloat16": return { atol: 1e-2, rtol: 1.6e-2 };
    default: return { atol: 0, rtol: 0 };
  }
}

export function assertClose(actual: Tensor, expected: EncTensor, what: string, tol?: { atol?: number; rtol?: number }): void {
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  assert.equal(actual.dtype.name, expected.dtype, `${what}: dtype`);
  const a = toFloat64Array(actual);
  const e = expected.values.map(decode);
  const def = tolerance(expected.dtype);
  const atol = tol?.atol ?? def.atol, rtol = tol?.rtol ?? def.rtol;
  for (let i = 0; i < e.length; i++) {
    const x = a[i]!, y = e[i]!;
    if (Number.isNaN(y) && Number.isNaN(x)) continue;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
      assert.fail(`${what}: element ${i} differs: got ${x}, expected ${y} (atol ${atol}, rtol ${rtol})`);
    }
  }
}

export function loadFixture(family: string): Case[] {
  const p = join(here, "fixtures", `${family}.json`);
  return (JSON.parse(readFileSync(p, "utf8")) as { cases: Case[] }).cases;
}

/** Register one test per case of a family. `skip` maps case-name prefixes to reasons. */
export function runGoldenFamily(family: string, opts: { skip?: Record<string, string> } = {}): void {
  for (const c of loadFixture(family)) {
    const skipReason = Object.entries(opts.skip ?? {}).find(([p]) => c.name.startsWith(p))?.[1];
    test(`${family}: ${c.name}`, { skip: skipReason }, () => {
      const op = lookupOp(c.op);
      assert.ok(op, `op ${c.op} is not registered`);
      const tensors = c.tensors.map(makeTensor);
      const args = c.args.map((a) => decodeArg(a, tensors));
      const kwargs = Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decodeArg(v, tensors)]));
      const snapshot = tensors.map((t) => Array.from(toFloat64Array(t)));
      if (c.error !== undefined) {
        assert.throws(() => op(...args, kwargs), (err: Error) => err.message.includes(c.op.split(".")[1]!), `expected an error like: ${c.error}`);
        tensors.forEach((t, i) => assert.deepEqual(Array.from(toFloat64Array(t)), snapshot[i], "inputs unchanged after error"));
        return;
      }
      const out = op(...args, kwargs) as Tensor | Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      c.outputs!.forEach((e, i) => assertClose(outs[i]!, e, `output ${i}`, c));
      if (c.grads && c.gradOutputs) {
        const diff = outs.filter((o) => o.dtype.isFloatingPoint && o.requiresGrad);
        const ins = tensors.filter((t) => t.requiresGrad);
        const gos = c.gradOutputs.map(makeTensor);
        const gs = autogradGrad(diff, ins, gos, { allowUnused: true });
        let k = 0;
        c.grads.forEach((g, i) => {
          if (!tensors[i]!.requiresGrad) return;
          const got = gs[k++];
          if (g === null) return;
          assert.ok(got, `grad of input ${i} missing`);
          const tol = tolerance(g.dtype);
          assertClose(got!, g, `grad of input ${i}`, { atol: (c.atol ?? tol.atol) * 4, rtol: (c.rtol ?? tol.rtol) * 4 });
        });
      }
    });
  }
}
