// bench/run: the benchmark suite (`npm run bench [-- --filter cos --quick]`). In: CLI flags. Out: a table
// on stdout (machine, median time per workload and system, GFLOP/s, ratios vs coil eager and vs the best
// peer, output check vs coil eager; "coil compiled" is the default CPU backend, the WebAssembly codegen, and
// "coil js" the JavaScript codegen) and the same data as JSON in bench/results/latest.json (filtered or
// --quick runs write bench/results/latest-partial.json instead, so a partial run never replaces a full one).

import * as os from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { measure, once, maxAbsDiff, type Budget, type Timing } from "./harness.js";
import { workloads, SYSTEMS, PEERS, type SystemName, type Workload } from "./workloads/index.js";
import { ORT_VERSION } from "./peers/ort.js";
import { TFJS_VERSION } from "./peers/tfjs.js";
import { JAX_VERSION } from "./peers/jax.js";
import { config } from "../src/inductor.js";

interface Args { filters: string[]; quick: boolean; systems: SystemName[]; out: string | null }

function usage(): never {
  console.log(`usage: npm run bench [-- --filter <text>[,<text>...]] [--quick] [--systems <name>,...] [--out <file.json>]
  --filter   run only rows whose name contains one of the texts (case-insensitive), e.g. --filter cos,matmul
  --quick    short budget (few repetitions): a smoke run, not numbers to report
  --systems  columns to run, from: ${SYSTEMS.join(", ")}
  --out      JSON file to write (default bench/results/latest.json, or latest-partial.json for filtered/quick runs)`);
  process.exit(0);
}

function parseArgs(argv: string[]): Args {
  const a: Args = { filters: [], quick: false, systems: [...SYSTEMS], out: null };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!, v = (): string => { const x = argv[++i]; if (x === undefined) throw new Error(`bench: ${k} needs a value`); return x; };
    if (k === "--filter") a.filters.push(...v().split(",").map((s) => s.trim().toLowerCase()).filter(Boolean));
    else if (k === "--quick") a.quick = true;
    else if (k === "--systems") {
      const names = v().split(",").map((s) => s.trim());
      for (const n of names) if (!SYSTEMS.includes(n as SystemName)) throw new Error(`bench: unknown system '${n}'; expected ${SYSTEMS.join(", ")}`);
      a.systems = names as SystemName[];
    } else if (k === "--out") a.out = v();
    else if (k === "--help" || k === "-h") usage();
    else throw new Error(`bench: unknown argument '${k}' (try --help)`);
  }
  return a;
}

function budget(w: Workload, quick: boolean): Budget {
  if (quick) return { warmup: 1, minReps: w.heavy ? 1 : 3, minTimeMs: w.heavy ? 0 : 100, maxReps: 50 };
  return w.heavy ? { warmup: 1, minReps: 3, minTimeMs: 1500, maxReps: 20 } : { warmup: 3, minReps: 10, minTimeMs: 500, maxReps: 2000 };
}

interface Cell {
  medianMs?: number; minMs?: number; reps?: number;
  gflops?: number;
  /** coil eager time / this time (> 1: faster than coil eager). */
  speedupVsCoilEager?: number;
  /** best peer time / this time (> 1: faster than the best peer). */
  speedupVsBestPeer?: number;
  /** max |output - coil eager output| (for training rows: of the first step's loss). */
  maxAbsDiff?: number;
  checkOk?: boolean;
  error?: string;
}
interface Row { workload: string; flops?: number; single?: boolean; bestPeer?: string; cells: Partial<Record<SystemName, Cell>> }

const isTTY = process.stderr.isTTY === true;
function progress(s: string): void {
  if (isTTY) process.stderr.write(`\r\x1b[2K${s}`);
  else process.stderr.write(`${s}\n`);
}

function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return "";
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}
const fmtX = (r: number | undefined): string => (r === undefined ? "" : `${r >= 10 ? r.toFixed(0) : r.toPrecision(2)}x`);

async function runRow(w: Workload, args: Args, index: number, total: number): Promise<Row> {
  const row: Row = { workload: w.id, cells: {} };
  if (w.flops) row.flops = w.flops;
  if (w.single) row.single = true;
  let ref: ArrayLike<number> | null = null;
  const refScale = (): number => { let m = 1; if (ref) for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]!)); return m; };
  const lowPrecision = /bfloat16|float16/.test(w.id);
  for (const sys of SYSTEMS) {
    const make = w.systems[sys];
    if (!make || !args.systems.includes(sys)) continue;
    progress(`[${index + 1}/${total}] ${w.id} · ${sys} ...`);
    const cell: Cell = {};
    row.cells[sys] = cell;
    try {
      const impl = await make();
      let t: Timing;
      if (w.single) { const ms = await once(impl.run); t = { medianMs: ms, minMs: ms, meanMs: ms, reps: 1 }; }
      else t = await measure(impl.run, budget(w, args.quick));
      cell.medianMs = t.medianMs; cell.minMs = t.minMs; cell.reps = t.reps;
      if (w.flops) cell.gflops = w.flops / (t.medianMs * 1e6);
      if (!w.single) {
        const out = await impl.output();
        if (sys === "coil eager") ref = Array.from(out);
        else if (ref) {
          cell.maxAbsDiff = maxAbsDiff(out, ref);
          cell.checkOk = cell.maxAbsDiff <= (lowPrecision ? 5e-2 : 2e-3) * refScale();
        }
      }
    } catch (e) {
      cell.error = (e instanceof Error ? e.message : String(e)).split("\n")[0]!.slice(0, 300);
    }
  }
  const eager = row.cells["coil eager"]?.medianMs;
  let best: number | undefined;
  for (const p of PEERS) {
    const ms = row.cells[p]?.medianMs;
    if (ms !== undefined && row.cells[p]?.checkOk !== false && (best === undefined || ms < best)) { best = ms; row.bestPeer = p; }
  }
  for (const c of Object.values(row.cells)) {
    if (c.medianMs === undefined) continue;
    if (eager !== undefined) c.speedupVsCoilEager = eager / c.medianMs;
    if (best !== undefined) c.speedupVsBestPeer = best / c.medianMs;
  }
  return row;
}

function table(rows: Row[], systems: SystemName[]): string {
  const head = ["workload", ...systems, "compiled vs eager", "compiled vs best peer"];
  const lines: string[][] = [head];
  for (const r of rows) {
    const cells = systems.map((s) => {
      const c = r.cells[s];
      if (!c) return "—";
      if (c.error) return "error";
      let txt = fmtMs(c.medianMs);
      if (c.gflops !== undefined) txt += ` (${c.gflops.toPrecision(3)} GF/s)`;
      if (c.checkOk === false) txt += " !diff";
      return txt;
    });
    const cc = r.cells["coil compiled"];
    const vsPeer = cc?.speedupVsBestPeer !== undefined && r.bestPeer ? `${fmtX(cc.speedupVsBestPeer)} (${r.bestPeer})` : "";
    lines.push([r.workload, ...cells, r.single ? "" : fmtX(cc?.speedupVsCoilEager), r.single ? "" : vsPeer]);
  }
  const widths = head.map((_, j) => Math.max(...lines.map((l) => l[j]!.length)));
  const fmt = (l: string[]) => `| ${l.map((c, j) => c.padEnd(widths[j]!)).join(" | ")} |`;
  return [fmt(lines[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.slice(1).map(fmt)].join("\n");
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = path.dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(fs.readFileSync(path.join(here, "..", "package.json"), "utf8")) as { version: string };
  const all = workloads();
  const chosen = args.filters.length ? all.filter((w) => args.filters.some((f) => w.id.toLowerCase().includes(f))) : all;
  if (chosen.length === 0) throw new Error(`bench: no workload matches --filter ${args.filters.join(",")}; workloads:\n  ${all.map((w) => w.id).join("\n  ")}`);
  const cpus = os.cpus();
  const machine = {
    cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version, platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30), loadavgAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  };
  const versions = { coil: pkg.version, "onnxruntime-node": ORT_VERSION, "tfjs-core/tfjs-backend-wasm": TFJS_VERSION, "@jax-js/jax": JAX_VERSION };
  console.log(`coil bench · ${machine.cpu} · ${machine.cores} cores · Node ${machine.node} · load ${machine.loadavgAtStart.join(" ")}${args.quick ? " · QUICK (not for reporting)" : ""}`);
  const rows: Row[] = [];
  const t0 = performance.now();
  for (let i = 0; i < chosen.length; i++) rows.push(await runRow(chosen[i]!, args, i, chosen.length));
  progress("");
  if (isTTY) process.stderr.write("\r\x1b[2K");
  const systems = SYSTEMS.filter((s) => args.systems.includes(s) && rows.some((r) => r.cells[s]));
  console.log(table(rows, systems));
  const errors = rows.flatMap((r) => Object.entries(r.cells).filter(([, c]) => c.error).map(([s, c]) => `  ${r.workload} · ${s}: ${c.error}`));
  if (errors.length) console.log(`errors:\n${errors.join("\n")}`);
  const bad = rows.flatMap((r) => Object.entries(r.cells).filter(([, c]) => c.checkOk === false).map(([s, c]) => `  ${r.workload} · ${s}: max abs diff ${c.maxAbsDiff}`));
  if (bad.length) console.log(`outputs that differ from coil eager (!diff):\n${bad.join("\n")}`);
  console.log("times: median per call; GF/s = GFLOP/s; 'vs' ratios > 1 mean coil compiled is faster. coil compiled = compile() on the default CPU backend (config.cpuBackend, here " +
    `"${config.cpuBackend}"), coil js = the JavaScript codegen. ort = onnxruntime-node default threads, ort 1t = one intra-op thread.`);
  const partial = args.filters.length > 0 || args.quick;
  const out = args.out ?? path.join(here, "results", partial ? "latest-partial.json" : "latest.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const json = {
    date: new Date().toISOString(), machine: { ...machine, loadavgAtEnd: os.loadavg().map((x) => +x.toFixed(2)) }, versions,
    options: { filters: args.filters, quick: args.quick, systems: args.systems, cpuBackend: config.cpuBackend }, totalSeconds: +((performance.now() - t0) / 1000).toFixed(1), rows,
  };
  fs.writeFileSync(out, JSON.stringify(json, null, 2) + "\n");
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
