// test/opinfo/op_db.test: checks the OpInfo database itself. In: registeredOps() and opDb.
// Out: node:test cases: every registered overload has samples or a reasoned skip (exhaustive by
// construction), samples are deterministic and run eagerly, and each op's flags (in-place, view, random,
// differentiable) match what the op does on its samples.

import { test } from "node:test";
import assert from "node:assert/strict";
import "../../src/index.js";
import { Tensor, toFloat64Array } from "../../src/tensor/tensor.js";
import { registeredOps, lookupOp } from "../../src/ops/registry.js";
import { manualSeed } from "../../src/tensor/random.js";
import { opDb, OPINFO_SKIPS, opFlags, type Sample } from "./op_db.js";
import { Maker, hashString } from "./make.js";

export function samplesOf(qualname: string): Sample[] {
  return opDb[qualname]!.samples(new Maker(hashString(qualname)));
}

function tensorsIn(args: unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) out.push(a);
    else if (Array.isArray(a)) for (const e of a) if (e instanceof Tensor) out.push(e);
  }
  return out;
}

test("opinfo: every registered op overload has samples or a reasoned skip", () => {
  const missing = registeredOps().map((o) => o.qualname).filter((q) => !(q in opDb) && !(q in OPINFO_SKIPS));
  assert.deepEqual(missing, [], `ops without OpInfo samples (add them to test/opinfo/op_db*.ts, see docs/testing.md): ${missing.join(", ")}`);
  const stale = [...Object.keys(opDb), ...Object.keys(OPINFO_SKIPS)].filter((q) => !lookupOp(q));
  assert.deepEqual(stale, [], `OpInfo entries for ops that are not registered: ${stale.join(", ")}`);
  for (const [q, why] of Object.entries(OPINFO_SKIPS)) {
    assert.ok(!(q in opDb), `${q} has samples and is also skipped`);
    assert.ok(why.length > 10, `${q}: a skip needs a reason`);
  }
});

test("opinfo: pointwise float ops cover float32, float64, bfloat16; samples have unique names", () => {
  for (const q of Object.keys(opDb)) {
    const s = samplesOf(q);
    assert.ok(s.length > 0, `${q}: no samples`);
    const names = s.map((x) => x.name);
    assert.equal(new Set(names).size, names.length, `${q}: duplicate sample names ${names.join(" | ")}`);
    const op = lookupOp(q)!;
    if (op.tags.has("pointwise") && !q.includes("bitwise")) {
      for (const d of ["float32", "float64", "bfloat16"]) assert.ok(names.some((n) => n.includes(d)), `${q}: no ${d} sample`);
    }
  }
});

for (const q of Object.keys(opDb).sort()) {
  test(`opinfo eager: ${q}`, () => {
    const op = lookupOp(q)!;
    const flags = opFlags(op);
    const info = opDb[q]!;
    const a = samplesOf(q), b = samplesOf(q);
    a.forEach((s, i) => {
      // Deterministic: the same seed gives the same sample tensors.
      const ta = tensorsIn(s.args), tb = tensorsIn(b[i]!.args);
      ta.forEach((t, j) => assert.deepEqual(Array.from(toFloat64Array(t)), Array.from(toFloat64Array(tb[j]!)), `${s.name}: sample not deterministic`));
      manualSeed(1234);
      let out: unknown;
      try {
        out = op(...s.args, s.kwargs ?? {});
      } catch (e) {
        assert.fail(`${q} [${s.name}] fails eagerly: ${(e as Error).message}`);
      }
      const outs = (Array.isArray(out) ? out : [out]) as Tensor[];
      assert.ok(outs.every((o) => o instanceof Tensor), `${s.name}: output is not a tensor`);
      if (flags.inplace) {
        const mutated = op.schema.args.find((x) => x.mutable)!;
        assert.equal(outs[0], s.kwargs?.[mutated.name] ?? s.args[op.schema.args.indexOf(mutated)], `${s.name}: in-place op must return its mutated argument`);
      }
      // contiguous is a view only when self is already contiguous (PyTorch's contiguous copies otherwise).
      if (flags.view && !(q === "aten.contiguous.default" && !(s.args[0] as Tensor).isContiguous())) {
        const self = s.args[0] as Tensor;
        for (const o of outs) assert.equal(o.storage, self.storage, `${s.name}: view op output must alias self's storage`);
      }
      if (flags.random && !flags.inplace) {
        // Same seed, same values; the stats hook holds.
        const again = (() => { manualSeed(1234); return op(...samplesOf(q)[i]!.args, samplesOf(q)[i]!.kwargs ?? {}); })();
        const againOuts = (Array.isArray(again) ? again : [again]) as Tensor[];
        outs.forEach((o, j) => assert.deepEqual(Array.from(toFloat64Array(againOuts[j]!)), Array.from(toFloat64Array(o)), `${s.name}: seeded rerun differs`));
      }
      if (info.stats) info.stats(outs, s);
    });
    if (flags.differentiable) {
      // Some float sample must produce a grad-requiring output when its float inputs require grad.
      const s = samplesOf(q).find((x) => tensorsIn(x.args).some((t) => t.dtype.name === "float64" || t.dtype.name === "float32"));
      if (s && !flags.inplace) {
        for (const t of tensorsIn(s.args)) if (t.dtype.isFloatingPoint) t.requiresGrad = true;
        const out = op(...s.args, s.kwargs ?? {});
        const outs = (Array.isArray(out) ? out : [out]) as Tensor[];
        assert.ok(outs.some((o) => o.requiresGrad), `${q}: differentiable op's output does not require grad`);
      }
    } else if (typeof op.def.derivative === "string") {
      const s = samplesOf(q).find((x) => tensorsIn(x.args).some((t) => t.dtype.name === "float32" || t.dtype.name === "float64"));
      if (s) {
        for (const t of tensorsIn(s.args)) if (t.dtype.isFloatingPoint) t.requiresGrad = true;
        const out = op(...s.args, s.kwargs ?? {});
        const outs = (Array.isArray(out) ? out : [out]) as Tensor[];
        assert.ok(outs.every((o) => !o.requiresGrad), `${q}: non-differentiable op's output requires grad`);
      }
    }
  });
}
