// Tests for the loop-level IR: index expression simplification and printing, views as index arithmetic,
// inner functions printed through the ops handler.
import { test } from "node:test";
import assert from "node:assert/strict";
import { add, bounds, cst, floordiv, makeVars, mod, mul, printExpr, subs, sym, unflatten, linearIndex } from "../../src/inductor/ir/indexing.js";
import { Pointwise, Reduction } from "../../src/inductor/ir/nodes.js";
import { PrintHandler, ReadsRecorder } from "../../src/inductor/ir/ops.js";
import { InputBuffer } from "../../src/inductor/ir/nodes.js";
import { FixedLayout } from "../../src/inductor/ir/layout.js";
import { expand, permute, select, slice, unsqueeze, viewAs } from "../../src/inductor/ir/views.js";
import { float32 } from "../../src/tensor/dtype.js";

const x0 = sym("x0"), x1 = sym("x1"), x2 = sym("x2");
const py = { fdiv: (a: string, d: number) => `(${a})//${d}`, fmod: (a: string, d: number) => `(${a})%${d}` };

test("constant folding and collecting like terms", () => {
  assert.equal(add(cst(2), cst(3)).key, "5");
  assert.equal(add(x0, x0, mul(x1, 3), cst(1), mul(x0, -2)).key, "3*x1 + 1");
  assert.equal(mul(add(x0, 2), 4).key, "4*x0 + 8");
  assert.ok(add(x0, mul(x0, -1)).isConstant());
});

test("floordiv and mod use the variables' ranges", () => {
  const r = new Map([["x0", 5], ["x1", 4]]);
  const e = add(mul(x0, 4), x1);
  assert.equal(floordiv(e, 4, r).key, "x0");
  assert.equal(mod(e, 4, r).key, "x1");
  // without ranges nothing can be dropped
  assert.equal(floordiv(e, 4).key, "(x1 // 4) + x0");
  // x1 may reach 4 when its range is 6: keep the division
  assert.notEqual(floordiv(e, 4, new Map([["x0", 5], ["x1", 6]])).key, "x0");
  assert.equal(floordiv(cst(-7), 2).key, "-4");
  assert.equal(mod(cst(-7), 3).key, "2");
  assert.equal(floordiv(floordiv(x0, 2), 3).key, "(x0 // 6)");
});

test("unflatten of a row-major flat index simplifies back to the variables", () => {
  const { vars, ranges } = makeVars("x", [3, 4, 5]);
  const flat = linearIndex(vars, [20, 5, 1]);
  const idx = unflatten(flat, [3, 4, 5], ranges);
  assert.deepEqual(idx.map((e) => e.key), ["x0", "x1", "x2"]);
  // a view [12, 5] of [3, 4, 5]: x0 of the view splits into two dims
  const { vars: v2, ranges: r2 } = makeVars("x", [12, 5]);
  const idx2 = unflatten(linearIndex(v2, [5, 1]), [3, 4, 5], r2);
  assert.deepEqual(idx2.map((e) => printExpr(e, py)), ["(x0)//4", "(x0)%4", "x1"]);
});

test("bounds, substitution and printing", () => {
  const r = new Map([["x0", 10], ["x1", 3]]);
  assert.deepEqual(bounds(add(mul(x0, 2), mul(x1, -1), 1), r), [-1, 19]);
  const e = subs(add(mul(x0, 3), x2), new Map([["x0", add(x1, 1)]]));
  assert.equal(e.key, "3*x1 + x2 + 3");
  assert.equal(printExpr(add(mul(x0, -2), 7), py), "-2*x0 + 7");
  assert.equal(add(mul(x0, 4), x1).linearCoef("x0"), 4);
  assert.equal(floordiv(x0, 4).linearCoef("x0"), null);
  assert.throws(() => floordiv(x0, 0), /floordiv by 0/);
});

function input(size: number[], stride: number[]): InputBuffer {
  const b = new InputBuffer(new FixedLayout("cpu", float32, size, stride));
  b.name = "arg0_1";
  return b;
}

function printLoads(node: { makeLoader(): (ops: ReadsRecorder, idx: ReturnType<typeof makeVars>["vars"]) => unknown; getSize(): readonly number[] }): string[] {
  const rec = new ReadsRecorder();
  node.makeLoader()(rec, makeVars("x", node.getSize()).vars);
  return rec.reads.map((r) => `${r.name}[${printExpr(r.index, py)}]`);
}

test("views are index arithmetic over their base", () => {
  const a = input([4, 6], [6, 1]);
  assert.deepEqual(printLoads(permute(a, [1, 0])), ["arg0_1[x0 + 6*x1]"]);
  assert.deepEqual(printLoads(slice(a, 1, 2, 2, 2)), ["arg0_1[6*x0 + 2*x1 + 2]"]);
  assert.deepEqual(printLoads(select(a, 0, 3)), ["arg0_1[x0 + 18]"]);
  assert.deepEqual(printLoads(expand(unsqueeze(select(a, 1, 0), 1), [4, 5])), ["arg0_1[6*x0]"]);
  assert.deepEqual(printLoads(viewAs(a, [24])), ["arg0_1[x0]"]);
  assert.deepEqual(printLoads(viewAs(a, [2, 2, 6])), ["arg0_1[12*x0 + 6*x1 + x2]"]);
  // a transposed input viewed flat needs floordiv/mod
  assert.deepEqual(printLoads(viewAs(permute(a, [1, 0]), [24])), ["arg0_1[6*(x0)%4 + (x0)//4]"]);
});

test("Pointwise and Reduction print their inner functions", () => {
  const a = input([4, 6], [6, 1]);
  const load = a.makeLoader();
  const pw = new Pointwise("cpu", float32, [4, 6], (ops, idx) => ops.op("cos", [load(ops, idx)], float32));
  assert.equal(String(pw), "Pointwise(float32, ranges=[4,6], cos(load(arg0_1, 6*x0 + x1)))");
  const red = new Reduction("cpu", float32, float32, [4], [6], "sum", (ops, idx, ridx) => load(ops, [idx[0]!, ridx[0]!]));
  assert.equal(String(red), "Reduction(sum, float32, ranges=[4], reduction_ranges=[6], load(arg0_1, r0 + 6*x0))");
  assert.equal(String(new PrintHandler().toDtype("v", float32)), "to_dtype(v, float32)");
});
