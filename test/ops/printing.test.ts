// Printing tests: coil's tensor reprs against PyTorch's (fixture from tools/golden/printing.py), the
// Node inspect hook, print options and the Python-compatible number formatting helpers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Tensor } from "../../src/tensor/tensor.js";
import type { DTypeName } from "../../src/tensor/dtype.js";
import "../../src/index.js";
import { tensorToString, pyFixed, pyExp, setPrintOptions, getPrintOptions } from "../../src/frontend/printing.js";
import { decode } from "../golden/harness.js";

interface PCase { name: string; shape: number[]; dtype: DTypeName; values: (number | string)[]; requiresGrad: boolean; op: string | null; expected: string }
const here = dirname(fileURLToPath(import.meta.url));
const cases = (JSON.parse(readFileSync(join(here, "../golden/fixtures/printing.json"), "utf8")) as { cases: PCase[] }).cases;

for (const c of cases) {
  test(`printing: ${c.name}`, () => {
    let t = Tensor.fromValues(c.values.map(decode), c.shape, c.dtype);
    if (c.requiresGrad) t.requiresGrad = true;
    if (c.op) t = (t as unknown as Record<string, () => Tensor>)[c.op]!.call(t);
    assert.equal(tensorToString(t), c.expected);
    assert.equal(String(t), c.expected);
  });
}

test("printing: util.inspect uses the custom hook", () => {
  const t = Tensor.fromValues([1, 2], [2], "int64");
  assert.equal(inspect(t), "tensor([1, 2])");
  assert.equal(`${t}`, "tensor([1, 2])");
});

test("printing: non-contiguous views print logical order", () => {
  const t = Tensor.fromValues([1, 2, 3, 4, 5, 6], [2, 3], "int64").t();
  assert.equal(String(t), "tensor([[1, 4],\n        [2, 5],\n        [3, 6]])");
});

test("printing: precision option", () => {
  const saved = getPrintOptions();
  try {
    setPrintOptions({ precision: 2 });
    assert.equal(String(Tensor.fromValues([0.12345, 1.5], [2], "float64")), "tensor([0.12, 1.50], dtype=coil.float64)");
  } finally { setPrintOptions(saved); }
});

test("printing: Python-compatible float formatting", () => {
  assert.equal(pyFixed(0.125, 2), "0.12");
  assert.equal(pyFixed(0.375, 2), "0.38");
  assert.equal(pyFixed(-0, 4), "-0.0000");
  assert.equal(pyFixed(2.5, 0), "2");
  assert.equal(pyExp(123456, 4), "1.2346e+05");
  assert.equal(pyExp(1e-5, 4), "1.0000e-05");
  assert.equal(pyExp(NaN, 4), "nan");
  assert.equal(pyFixed(-Infinity, 4), "-inf");
});
