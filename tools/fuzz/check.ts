// tools/fuzz/check: runs a program eagerly and compiled on one backend and compares outputs and input
// gradients with per-dtype tolerances (torch.testing.assert_close's defaults, widened by a chain factor).
// In: a Program and a backend name. Out: an Outcome (ok / mismatch / error / invalid) with a signature.

import * as coil from "../../src/index.js";
import { config } from "../../src/inductor.js";
import { FUZZ_OPS } from "./ops.js";
import { lossWeight, makeInputs, programFn, type Program } from "./program.js";

/**
 * Backends every campaign runs, in one place. A name is a compile backend, optionally with an inductor
 * config variant after a colon naming the CPU code generator: "inductor:js" (JavaScript) or "inductor:wasm"
 * (WebAssembly SIMD, the default where available). A bare "inductor" runs whichever is the default
 * (config.cpuBackend, COIL_CPU_BACKEND), so campaigns and regressions name one. Inductor runs also get a
 * random set of the built-in passes (pattern matcher, DCE) picked from the program itself, so the set
 * is reproducible with the program.
 */
export const BACKENDS: readonly string[] = ["inductor:js", "inductor:wasm", "aot_eager"];

const VARIANTS: Record<string, Record<string, unknown>> = { "": {}, js: { cpuBackend: "js" }, wasm: { cpuBackend: "wasm" } };

/** The built-in passes switched on for this program (a stable hash of its text picks them). */
export function passSet(p: Program): { patternMatcher: boolean; dce: boolean } {
  let h = 2166136261;
  for (const ch of JSON.stringify(p)) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return { patternMatcher: (h & 1) === 0, dce: (h & 2) === 0 };
}

function compileWith<T>(p: Program, name: string, fn: (backend: string) => T): T {
  const [backend, variant = ""] = name.split(":") as [string, string?];
  const overrides = VARIANTS[variant];
  if (!overrides) throw new Error(`fuzz: unknown backend variant '${name}' (known: ${Object.keys(VARIANTS).filter(Boolean).join(", ")})`);
  if (backend !== "inductor") return fn(backend);
  return config.patch({ ...passSet(p), ...overrides } as never, () => fn(backend));
}

export interface RunResult { outs: coil.Tensor[]; grads: (coil.Tensor | null)[] }

function run(p: Program, fn: (...xs: coil.Tensor[]) => coil.Tensor[]): RunResult {
  const { bases, views } = makeInputs(p);
  const outs = fn(...views);
  if (!Array.isArray(outs) || outs.some((o) => !(o instanceof coil.Tensor))) throw new Error("fuzz: program did not return a list of tensors");
  let grads: (coil.Tensor | null)[] = [];
  if (p.train) {
    let loss: coil.Tensor | null = null;
    outs.forEach((o, j) => {
      if (!o.requiresGrad || !o.dtype.isFloatingPoint) return;
      const term = o.mul(lossWeight(o, j)).sum().to("float64");
      loss = loss ? loss.add(term) : term;
    });
    if (loss) (loss as coil.Tensor).backward();
    grads = bases.map((b) => b.grad);
  }
  return { outs, grads };
}

export function runEager(p: Program): RunResult {
  return run(p, programFn(p));
}

export function runCompiled(p: Program, backend: string): RunResult {
  return compileWith(p, backend, (b) => run(p, coil.compile(programFn(p), { backend: b })));
}

/** (rtol, atol) per dtype as torch.testing.assert_close. */
const BASE_TOL: Record<string, [number, number]> = {
  float64: [1e-7, 1e-7], float32: [1.3e-6, 1e-5], bfloat16: [1.6e-2, 1e-5], float16: [1e-3, 1e-5],
};

/**
 * Chain factor: long reduction chains reorder sums, so each reduction/matmul/conv/norm op in the
 * program widens the tolerance by 1x, each other op by 0.25x; gradients get twice that.
 */
export function tolerance(p: Program, dtype: string, grad: boolean): [number, number] {
  const base = BASE_TOL[dtype];
  if (!base) return [0, 0];
  let f = 1;
  for (const o of p.ops) f += ["reduction", "matmul", "conv", "norm"].includes(FUZZ_OPS[o.op]!.kind) ? 1 : 0.25;
  if (grad) f *= 2;
  return [base[0] * f, base[1] * f];
}

/** null when close, else a description of the first difference. */
export function compareTensors(what: string, e: coil.Tensor, c: coil.Tensor, tol: [number, number]): string | null {
  if (e.dtype !== c.dtype) return `${what}: dtype ${e.dtype.name} (eager) vs ${c.dtype.name} (compiled)`;
  if (e.shape.length !== c.shape.length || e.shape.some((d, i) => d !== c.shape[i])) return `${what}: shape [${e.shape.join(", ")}] (eager) vs [${c.shape.join(", ")}] (compiled)`;
  const a = e.toArray(), b = c.toArray();
  const [rtol, atol] = tol;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return `${what}: NaN mismatch at flat index ${i}: ${x} (eager) vs ${y} (compiled)`;
      continue;
    }
    if (x === y) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y) || Math.abs(x - y) > atol + rtol * Math.abs(x)) {
      return `${what}: value mismatch at flat index ${i}: ${x} (eager) vs ${y} (compiled), rtol=${rtol.toExponential(2)} atol=${atol.toExponential(2)}`;
    }
  }
  return null;
}

export type OutcomeKind = "ok" | "mismatch" | "error" | "invalid";
export interface Outcome {
  kind: OutcomeKind;
  detail: string;
  /** Stable key for grouping and shrinking: kind + what differs / error class and message shape. */
  signature: string;
}

const normalise = (msg: string) => msg.split("\n")[0]!.replace(/\.\w+ is not a function/, ".<method> is not a function").replace(/\d+(\.\d+)?(e[-+]?\d+)?/g, "N").replace(/\[[^\]]*\]/g, "[..]").slice(0, 90);

/** Run p eagerly and compiled with `backend`, and compare. */
export function check(p: Program, backend: string): Outcome {
  let eager: RunResult;
  try {
    eager = runEager(p);
  } catch (e) {
    return { kind: "invalid", detail: String(e), signature: "invalid" };
  }
  let comp: RunResult;
  try {
    comp = runCompiled(p, backend);
  } catch (e) {
    const err = e as Error;
    return { kind: "error", detail: err?.stack ?? String(e), signature: `error:${err?.name ?? "?"}:${normalise(err?.message ?? String(e))}` };
  }
  if (eager.outs.length !== comp.outs.length) return { kind: "mismatch", detail: `output count ${eager.outs.length} vs ${comp.outs.length}`, signature: "mismatch:count" };
  for (let j = 0; j < eager.outs.length; j++) {
    const d = compareTensors(`output ${j}`, eager.outs[j]!, comp.outs[j]!, tolerance(p, eager.outs[j]!.dtype.name, false));
    if (d) return { kind: "mismatch", detail: d, signature: `mismatch:output:${d.split(":")[1]!.trim().split(" ")[0]}` };
  }
  for (let i = 0; i < eager.grads.length; i++) {
    const ge = eager.grads[i] ?? null, gc = comp.grads[i] ?? null;
    if ((ge === null) !== (gc === null)) return { kind: "mismatch", detail: `grad of input ${i}: ${ge ? "present" : "null"} (eager) vs ${gc ? "present" : "null"} (compiled)`, signature: "mismatch:grad:presence" };
    if (ge && gc) {
      const d = compareTensors(`grad of input ${i}`, ge, gc, tolerance(p, ge.dtype.name, true));
      if (d) return { kind: "mismatch", detail: d, signature: `mismatch:grad:${d.split(":")[1]!.trim().split(" ")[0]}` };
    }
  }
  return { kind: "ok", detail: "", signature: "ok" };
}
