// tools/fuzz/campaign: runs a fuzzing campaign (generate -> check on every backend -> shrink failures),
// groups failures by signature, and saves/loads regression files (program data as JSON).
// In: count, seed, backends. Out: a CampaignReport with figures and the shrunk, printed failures.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "./generate.js";
import { check, BACKENDS, type Outcome } from "./check.js";
import { shrink } from "./shrink.js";
import { printProgram, type Program } from "./program.js";

export interface Failure {
  backend: string;
  seed: number;
  outcome: Outcome;
  /** Shrunk program (or the original when shrinking is off). */
  program: Program;
  printed: string;
  /** How many programs failed with this signature on this backend. */
  count: number;
}
export interface CampaignReport {
  programs: number;
  runs: number;
  ok: number;
  mismatches: number;
  errors: number;
  /** Generated programs the eager run rejected (should stay 0: the generator validates). */
  invalid: number;
  bySignature: Record<string, number>;
  failures: Failure[];
  elapsedMs: number;
}
export interface CampaignOptions {
  count: number;
  seed: number;
  backends?: readonly string[];
  /** Shrink the first failure of each signature (default true). */
  shrink?: boolean;
  shrinkBudget?: number;
  /** Failures for which this returns true are recorded unshrunk (e.g. known open bugs in CI). */
  skipShrink?: (backend: string, outcome: Outcome) => boolean;
  onProgress?: (done: number) => void;
}

/** Seed of program i of a campaign. */
export const programSeed = (seed: number, i: number): number => ((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);

export function runCampaign(opts: CampaignOptions): CampaignReport {
  const t0 = Date.now();
  const backends = opts.backends ?? BACKENDS;
  const rep: CampaignReport = { programs: 0, runs: 0, ok: 0, mismatches: 0, errors: 0, invalid: 0, bySignature: {}, failures: [], elapsedMs: 0 };
  const firstBySig = new Map<string, Failure>();
  for (let i = 0; i < opts.count; i++) {
    const seed = programSeed(opts.seed, i);
    const p = generate(seed);
    rep.programs++;
    for (const backend of backends) {
      const o = check(p, backend);
      rep.runs++;
      rep.bySignature[o.signature] = (rep.bySignature[o.signature] ?? 0) + 1;
      if (o.kind === "ok") { rep.ok++; continue; }
      if (o.kind === "invalid") { rep.invalid++; continue; }
      if (o.kind === "mismatch") rep.mismatches++; else rep.errors++;
      const key = `${backend}|${o.signature}`;
      const seen = firstBySig.get(key);
      if (seen) { seen.count++; continue; }
      let program = p;
      if ((opts.shrink ?? true) && !opts.skipShrink?.(backend, o)) program = shrink(p, (q) => check(q, backend).signature === o.signature, opts.shrinkBudget ?? 200).program;
      const f: Failure = { backend, seed, outcome: check(program, backend), program, printed: printProgram(program, backend), count: 1 };
      firstBySig.set(key, f);
      rep.failures.push(f);
    }
    opts.onProgress?.(i + 1);
  }
  rep.elapsedMs = Date.now() - t0;
  return rep;
}

// ---- regressions ----

export interface Regression {
  backend: string;
  program: Program;
  /** The failure when it was found. */
  signature: string;
  detail: string;
  /** "open": a known, unfixed bug (replayed as a todo test); "fixed": must pass. */
  status: "open" | "fixed";
  note?: string;
}

export const regressionHash = (backend: string, p: Program): string =>
  createHash("sha1").update(backend + JSON.stringify(p)).digest("hex").slice(0, 12);

/** Save a failure as a regression file; returns null when one with the same backend and signature exists. */
export function saveRegression(dir: string, f: Failure, note?: string): string | null {
  mkdirSync(dir, { recursive: true });
  if (loadRegressions(dir).some(({ reg }) => reg.backend === f.backend && reg.signature === f.outcome.signature)) return null;
  const r: Regression = { backend: f.backend, program: f.program, signature: f.outcome.signature, detail: f.outcome.detail.split("\n")[0]!, status: "open", ...(note ? { note } : {}) };
  const file = join(dir, `${regressionHash(f.backend, f.program)}.json`);
  writeFileSync(file, JSON.stringify(r) + "\n");
  return file;
}

export function loadRegressions(dir: string): { file: string; reg: Regression }[] {
  let names: string[] = [];
  try { names = readdirSync(dir).filter((n) => n.endsWith(".json")).sort(); } catch { return []; }
  return names.map((n) => ({ file: n, reg: JSON.parse(readFileSync(join(dir, n), "utf8")) as Regression }));
}

/** Human-readable summary. */
export function formatReport(rep: CampaignReport): string {
  const lines = [
    `programs: ${rep.programs}  runs: ${rep.runs}  ok: ${rep.ok}  mismatches: ${rep.mismatches}  errors: ${rep.errors}  invalid: ${rep.invalid}  elapsed: ${(rep.elapsedMs / 1000).toFixed(1)} s`,
    `by kind:`,
    ...Object.entries(rep.bySignature).sort((a, b) => b[1] - a[1]).map(([s, n]) => `  ${String(n).padStart(6)}  ${s}`),
  ];
  for (const f of rep.failures) {
    lines.push("", `--- ${f.outcome.kind} on ${f.backend} (${f.count}x, first seed ${f.seed}): ${f.outcome.detail.split("\n")[0]}`, f.printed);
  }
  return lines.join("\n");
}
