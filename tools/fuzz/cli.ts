// tools/fuzz/cli: `npm run fuzz -- --count N --seed S [--backend b] [--no-shrink] [--save]` runs a
// differential fuzzing campaign (eager vs compile) and prints programs run, mismatches, errors by kind,
// elapsed time and each failure's shrunk program as runnable TypeScript. --save writes regression files;
// `npm run fuzz -- --mark-fixed` marks saved open regressions that now pass as "fixed".
// In: argv. Out: a report on stdout; exit code 1 when anything failed.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCampaign, formatReport, saveRegression, loadRegressions } from "./campaign.js";
import { BACKENDS, check } from "./check.js";

const REG_DIR = "test/fuzz/regressions";

// --mark-fixed: replay the open regressions and mark the ones that now pass as "fixed".
if (process.argv.includes("--mark-fixed")) {
  let fixed = 0, open = 0;
  for (const { file, reg } of loadRegressions(REG_DIR)) {
    if (reg.status !== "open") continue;
    if (check(reg.program, reg.backend).kind === "ok") {
      writeFileSync(join(REG_DIR, file), JSON.stringify({ ...reg, status: "fixed" }) + "\n");
      console.log(`fixed: ${file} (${reg.backend}) ${reg.signature}`);
      fixed++;
    } else open++;
  }
  console.log(`${fixed} regressions marked fixed, ${open} still open`);
  process.exit(0);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const count = Number(arg("count") ?? 200);
const seed = Number(arg("seed") ?? 1);
const backend = arg("backend");
if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
  console.error("usage: npm run fuzz -- --count N --seed S [--backend b] [--no-shrink] [--save]");
  process.exit(2);
}
if (backend !== undefined && !BACKENDS.includes(backend)) console.error(`note: backend '${backend}' is not in the default list (${BACKENDS.join(", ")})`);
const rep = runCampaign({
  count, seed, backends: backend ? [backend] : BACKENDS, shrink: !process.argv.includes("--no-shrink"),
  onProgress: (n) => { if (n % 100 === 0) process.stderr.write(`  ${n}/${count}\n`); },
});
console.log(formatReport(rep));
if (process.argv.includes("--save")) for (const f of rep.failures) {
  const file = saveRegression(REG_DIR, f);
  console.log(file ? `saved ${file}` : `already saved: ${f.backend} ${f.outcome.signature}`);
}
process.exit(rep.mismatches + rep.errors > 0 ? 1 : 0);
