// test/browser/browser: coil's Wasm backend in a real browser (optional: skipped, saying why, when
// /usr/bin/chromium is absent, as in CI). tools/browser/run.ts builds dist/, serves it with COOP/COEP and runs
// headless chromium on a page that compiles a function on 2 Web Workers: the Web host is chosen, the workers
// start, kernels compile asynchronously only (warmup), tasks run on the workers, results equal eager and equal
// on 1 and 2 threads. Served without COOP/COEP the page falls back to one thread (no SharedArrayBuffer).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CHROMIUM = "/usr/bin/chromium";
const root = fileURLToPath(new URL("../../", import.meta.url));
const skip = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: the in-browser test is optional (apt-get install chromium to run it)`;

function runPage(flags: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ["--import", "tsx", "tools/browser/run.ts", ...flags], { cwd: root, encoding: "utf8", timeout: 400000 });
  const line = r.stdout.trim().split("\n").pop() ?? "";
  assert.equal(r.status, 0, `tools/browser/run.ts failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  return JSON.parse(line) as Record<string, unknown>;
}

test("in chromium with cross-origin isolation: 2 Web Workers, async compiles only, equal results", { skip, timeout: 600000 }, () => {
  const r = runPage([]);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.crossOriginIsolated, true);
  assert.equal(r.host, "web");
  assert.equal(r.mainCanBlock, false);
  assert.deepEqual(r.ready, { host: "web", threads: 2 });
  assert.ok((r.asyncCompiles as number) >= 1, "kernels compiled asynchronously in warmup");
  assert.equal(r.syncCompiles, 0, "nothing compiled synchronously on the main thread");
  assert.ok((r.parallelRuns as number) >= 1, "kernels ran on the workers");
  assert.ok((r.maxDiffEager as number) < 1e-4, `max diff from eager ${r.maxDiffEager}`);
  assert.equal(r.equal1and2, true, "1 and 2 threads give bitwise equal results");
});

test("in chromium without COOP/COEP: no SharedArrayBuffer, one thread, still correct", { skip, timeout: 600000 }, () => {
  const r = runPage(["--no-build", "--isolated=0"]);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.crossOriginIsolated, false);
  assert.equal(r.host, "single-thread");
  assert.deepEqual(r.ready, { host: "single-thread", threads: 1 });
  assert.equal(r.parallelRuns, 0);
  assert.ok((r.maxDiffEager as number) < 1e-4);
});
