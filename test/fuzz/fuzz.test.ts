// test/fuzz/fuzz.test: CI-sized differential fuzzing (eager vs compile on every backend in BACKENDS) with
// a fixed seed, and a replay of every saved regression in test/fuzz/regressions (inductor ones on both CPU
// code generators, inductor:js and inductor:wasm). Known open compiler bugs
// (regressions with status "open") are reported as todo; any other failure fails with the shrunk program.
// In: tools/fuzz. Out: pass/fail.

import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { runCampaign, loadRegressions, formatReport, regressionHash, type Failure } from "../../tools/fuzz/campaign.js";
import * as coil from "../../src/index.js";
import { check, runEager, compareTensors } from "../../tools/fuzz/check.js";
import { generate } from "../../tools/fuzz/generate.js";
import { jsSource, printProgram, type Program } from "../../tools/fuzz/program.js";

const dir = join(dirname(fileURLToPath(import.meta.url)), "regressions");
const regressions = loadRegressions(dir);
const open = regressions.filter((r) => r.reg.status === "open");
/** Open compile errors are known by signature; a value mismatch only by its exact shrunk program. */
const knownErrors = new Set(open.filter((r) => !r.reg.signature.startsWith("mismatch")).map((r) => `${r.reg.backend}|${r.reg.signature}`));
const knownMismatches = new Set(open.filter((r) => r.reg.signature.startsWith("mismatch")).map((r) => r.file.replace(/\.json$/, "")));
const isKnown = (f: Failure) => f.outcome.kind === "mismatch"
  ? knownMismatches.has(regressionHash(f.backend, f.program))
  : knownErrors.has(`${f.backend}|${f.outcome.signature}`);

test("fuzz: generator is deterministic per seed and produces valid programs", () => {
  for (const seed of [1, 2, 3, 99]) assert.equal(jsSource(generate(seed)), jsSource(generate(seed)));
  assert.notEqual(jsSource(generate(1)), jsSource(generate(2)));
});

/** Evaluate a printed repro (TypeScript with its types stripped) and return its eager outputs. */
function runPrinted(p: Program): coil.Tensor[] {
  const ts = printProgram(p, "aot_eager").split("\n")
    .filter((l) => !/^(import |const eager|const compiled|eager\.forEach|\/\/)/.test(l))
    .join("\n").replace(/: coil\.Tensor/g, "");
  const { fn, inputs } = new Function("coil", `${ts}\nreturn { fn, inputs };`)(coil) as { fn: (...x: coil.Tensor[]) => coil.Tensor[]; inputs: () => coil.Tensor[] };
  return fn(...inputs());
}

test("fuzz: printed repros reproduce the program exactly (inputs incl. 0-size dims, layouts, outputs)", () => {
  let zeroSized = 0;
  for (let seed = 0; seed < 60; seed++) {
    const p = generate(seed * 31 + 7);
    if (p.inputs.some((i) => i.shape.includes(0))) zeroSized++;
    const want = runEager(p).outs, got = runPrinted(p);
    assert.equal(got.length, want.length, `seed ${seed}: output count`);
    want.forEach((w, i) => assert.equal(compareTensors(`output ${i}`, w, got[i]!, [0, 0]), null, `seed ${seed}:\n${printProgram(p, "aot_eager")}`));
  }
  assert.ok(zeroSized > 0, "no program with a 0-size input was checked");
});

test("fuzz: 250 programs, seed 20261126, eager vs compiled agree (outputs and input grads)", () => {
  const rep = runCampaign({ count: 250, seed: 20261126, shrinkBudget: 120, skipShrink: (b, o) => o.kind === "error" && knownErrors.has(`${b}|${o.signature}`) });
  assert.equal(rep.invalid, 0, "the generator produced programs the eager run rejects");
  const unexpected = rep.failures.filter((f) => !isKnown(f));
  const knownHits = rep.failures.length - unexpected.length;
  if (knownHits) console.log(`# fuzz: ${knownHits} failure kinds match known open regressions (see test/fuzz/regressions)`);
  assert.ok(rep.ok > rep.runs / 2, `too few programs passed: ${rep.ok}/${rep.runs}`);
  if (unexpected.length) assert.fail(`fuzzing found ${unexpected.length} new failure kinds:\n${formatReport({ ...rep, failures: unexpected })}`);
});

/** A regression found on one CPU code generator (inductor:js / inductor:wasm) is replayed on both. */
const replayOn = (backend: string): string[] => (backend.startsWith("inductor:") ? ["inductor:js", "inductor:wasm"] : [backend]);

for (const { file, reg } of regressions) for (const backend of replayOn(reg.backend)) {
  const found = backend === reg.backend ? "" : `, found on ${reg.backend}`;
  test(`fuzz regression ${file} (${backend}${found}, ${reg.status})`, { todo: reg.status === "open" ? reg.note ?? reg.signature : undefined }, () => {
    const o = check(reg.program, backend);
    assert.notEqual(o.kind, "invalid", `regression program no longer runs eagerly: ${o.detail}`);
    assert.equal(o.kind, "ok", `${o.detail}\n${jsSource(reg.program)}`);
  });
}
