// tools/lint: coil's architecture lint. Checks that every source file opens with a header comment,
// stays under the size budget, and imports only downstream stages (the pipeline's arrows).
// In: src/**/*.ts. Out: exit code 1 and one line per violation.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, dirname, resolve } from "node:path";

/** Stages in pipeline order; a file may import its own stage and any stage listed before it. */
const ORDER = ["utils", "wasm", "tensor", "ops", "autograd", "frontend", "nn", "optim", "fx", "dynamo", "aot", "inductor", "platform"];
/** Exceptions: fx is a foundation that knows nothing of tensors' ops; platform is imported by anyone. */
const ALWAYS_OK = new Set(["platform"]);
const MAX_LINES = 700;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const src = join(root, "src");
const problems: string[] = [];
for (const file of walk(src)) {
  const rel = relative(src, file);
  const stage = rel.includes("/") ? rel.split("/")[0]! : "(entry)";
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  if (!lines[0]!.startsWith("//")) problems.push(`${rel}:1: missing header comment (stage, what goes in, what comes out)`);
  if (lines.length > MAX_LINES) problems.push(`${rel}: ${lines.length} lines (budget ${MAX_LINES}); split the file`);
  if (stage === "(entry)") continue;
  const myRank = ORDER.indexOf(stage);
  const re = /^\s*(?:import|export)\s[^"']*?from\s+["'](\.[^"']+)["']/gm;
  for (const m of text.matchAll(re)) {
    const target = relative(src, resolve(dirname(file), m[1]!));
    const tStage = target.split("/")[0]!;
    if (target.startsWith("..") || !target.includes("/")) {
      problems.push(`${rel}: imports ${m[1]} outside src stages`);
      continue;
    }
    if (tStage === stage || ALWAYS_OK.has(tStage)) continue;
    const tRank = ORDER.indexOf(tStage);
    if (tRank < 0 || myRank < 0) problems.push(`${rel}: unknown stage in import ${m[1]}`);
    else if (tRank > myRank) problems.push(`${rel}: imports upstream stage '${tStage}' (${m[1]}); imports must point down the pipeline: ${ORDER.join(" < ")}`);
  }
}
if (problems.length) {
  console.error(problems.join("\n"));
  console.error(`lint: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`lint: ok (${walk(src).length} files)`);
