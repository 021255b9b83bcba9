// test/reliability/harness: the bad-input campaign's table runner. Each case builds fresh inputs, runs
// one wrong call, and checks that an Error of the right class is thrown whose message matches (names the
// op or entry point, shapes/dtypes, stage), and that inputs (data, shape, version) and the inductor
// config are unchanged afterwards. In: case tables. Out: node:test tests and a case count.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Tensor } from "../../src/tensor/tensor.js";
import { config } from "../../src/inductor/config.js";

export interface BadCase {
  /** Entry point under test, e.g. "coil.mm" or "compile". */
  entry: string;
  /** What is wrong. */
  what: string;
  inputs?: () => Tensor[];
  run: (ts: Tensor[]) => unknown;
  /** The message must match every pattern. */
  msg: RegExp | RegExp[];
  type?: typeof Error | typeof TypeError | typeof RangeError;
  /** A known gap: reported as a todo test until coil gets it right. */
  todo?: string;
}

function snapshotTensor(t: Tensor) {
  return { data: t.isFake ? null : [...t.toArray()].map(String), shape: [...t.shape], strides: [...t.strides], version: t.version, grad: t.grad ? [...t.grad.toArray()] : null };
}

function configSnapshot(): Record<string, unknown> {
  return { ...config.snapshot() } as Record<string, unknown>;
}

/** Run one case; returns nothing, throws an AssertionError describing what went wrong. */
export function checkBadCase(c: BadCase): void {
  const ts = c.inputs?.() ?? [];
  const before = ts.map(snapshotTensor);
  const cfg = configSnapshot();
  let thrown: unknown = undefined, threw = false;
  try {
    c.run(ts);
  } catch (e) {
    threw = true;
    thrown = e;
  }
  assert.ok(threw, `${c.entry} (${c.what}): expected an error, but the call succeeded`);
  assert.ok(thrown instanceof (c.type ?? Error), `${c.entry} (${c.what}): expected ${(c.type ?? Error).name}, got ${(thrown as Error)?.constructor?.name}: ${String((thrown as Error)?.message ?? thrown)}`);
  const message = (thrown as Error).message;
  for (const re of Array.isArray(c.msg) ? c.msg : [c.msg]) assert.match(message, re, `${c.entry} (${c.what}): message does not match ${re}`);
  ts.forEach((t, i) => assert.deepEqual(snapshotTensor(t), before[i], `${c.entry} (${c.what}): input ${i} changed (data, shape, strides, version or grad)`));
  const after = configSnapshot();
  for (const k of Object.keys(cfg)) assert.equal(after[k], cfg[k], `${c.entry} (${c.what}): config.${k} changed`);
}

/** Register every case as a test; returns the number of cases. */
export function runBadCases(group: string, cases: readonly BadCase[]): number {
  for (const c of cases) {
    test(`${group}: ${c.entry}: ${c.what}`, c.todo ? { todo: c.todo } : {}, () => checkBadCase(c));
  }
  return cases.length;
}
