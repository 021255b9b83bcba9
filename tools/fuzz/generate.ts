// tools/fuzz/generate: seeded generator of random valid programs over FUZZ_OPS. It builds the program
// op by op while running it eagerly on real tensors, so each op's shape/dtype rules (coil's own meta
// rules and kernels) decide validity: an op that throws is dropped and another one drawn.
// In: a seed. Out: a Program that runs eagerly (forward, and backward for training programs).

import * as coil from "../../src/index.js";
import { Rng } from "./rng.js";
import { FUZZ_OPS, type OperandReq } from "./ops.js";
import { makeInputs, type InputSpec, type Layout, type OpCall, type Program, type DTypeName } from "./program.js";
import { runEager } from "./check.js";

const MAX_NUMEL = 2048;
const OP_NAMES = Object.keys(FUZZ_OPS);
const exprCache = new Map<string, (c: typeof coil, ...t: coil.Tensor[]) => unknown>();

/** Evaluate one op expression on tensors t0, t1, ... */
export function evalOp(op: string, ts: coil.Tensor[], params: OpCall["params"]): unknown {
  const names = ts.map((_, i) => `t${i}`);
  const expr = FUZZ_OPS[op]!.expr(names, params);
  let f = exprCache.get(expr);
  if (!f) {
    f = new Function("coil", ...names, `return ${expr};`) as (c: typeof coil, ...t: coil.Tensor[]) => unknown;
    exprCache.set(expr, f);
  }
  return f(coil, ...ts);
}

function randomShape(r: Rng): number[] {
  const rank = r.weighted([[0, 0.08], [1, 0.22], [2, 0.35], [3, 0.2], [4, 0.15]] as const);
  return Array.from({ length: rank }, () => r.weighted([[0, 0.04], [1, 0.2], [2, 0.25], [3, 0.25], [4, 0.16], [5, 0.1]] as const));
}

function randomSpec(r: Rng, shape: number[], dtype: DTypeName, train: boolean): InputSpec {
  const n = shape.length;
  const layouts: [Layout, number][] = [["contiguous", 0.55], ["strided", n >= 1 ? 0.15 : 0], ["transposed", n >= 2 ? 0.2 : 0], ["expanded", n >= 1 && shape.some((d) => d > 1) ? 0.1 : 0]];
  const layout = r.weighted(layouts);
  const spec: InputSpec = { shape, dtype, layout, requiresGrad: train && isFloat(dtype) && r.bool(0.8), seed: r.seed() };
  if (layout === "expanded") spec.expandDims = shape.map((d, i) => (d > 1 && r.bool(0.5) ? i : -1)).filter((i) => i >= 0);
  return spec;
}
const isFloat = (d: string) => d === "float32" || d === "float64" || d === "bfloat16";
const randomDtype = (r: Rng, train: boolean): DTypeName =>
  r.weighted(train ? [["float32", 0.6], ["float64", 0.3], ["bfloat16", 0.1]] as const : [["float32", 0.5], ["float64", 0.2], ["bfloat16", 0.1], ["int64", 0.12], ["bool", 0.08]] as const);

type Ref = { kind: "input"; i: number } | { kind: "op"; k: number };

/** One attempt at a program; null when the eager validation of the whole program fails. */
function attempt(r: Rng): Program | null {
  const train = r.bool(0.35);
  const inputs: InputSpec[] = [];
  const ops: { op: string; args: Ref[]; params: OpCall["params"] }[] = [];
  const refs: Ref[] = [];
  const vals: coil.Tensor[] = [];
  const inputRooted: boolean[] = [];
  const addInput = (spec: InputSpec): number => {
    inputs.push(spec);
    const single: Program = { inputs: [spec], ops: [], outputs: [], train };
    vals.push(makeInputs(single).views[0]!);
    refs.push({ kind: "input", i: inputs.length - 1 });
    inputRooted.push(true);
    return vals.length - 1;
  };
  const nFirst = r.int(1, 2);
  for (let i = 0; i < nFirst; i++) addInput(randomSpec(r, randomShape(r), randomDtype(r, train), train));
  const nOps = r.int(1, 8);
  const weights = OP_NAMES.map((n) => [n, FUZZ_OPS[n]!.weight] as const);
  for (let step = 0, tries = 0; step < nOps && tries < nOps * 12; tries++) {
    const name = r.weighted(weights);
    const def = FUZZ_OPS[name]!;
    const first = r.bool(0.6) ? vals.length - 1 : r.int(0, vals.length - 1);
    if (def.inplace && inputRooted[first]) continue;
    const x = vals[first]!;
    const g = def.gen(r, { shape: x.shape, dtype: x.dtype.name });
    if (!g) continue;
    const nInputsBefore = inputs.length, nValsBefore = vals.length;
    const argIds = [first];
    for (const req of g.operands ?? []) argIds.push(resolveOperand(r, req, vals, () => addInput(randomSpec(r, req.shape, req.dtype, train))));
    let out: unknown;
    try {
      out = evalOp(name, argIds.map((a) => vals[a]!), g.params);
    } catch {
      out = undefined;
    }
    if (!(out instanceof coil.Tensor) || out.numel() > MAX_NUMEL) {
      inputs.length = nInputsBefore; vals.length = nValsBefore; refs.length = nValsBefore; inputRooted.length = nValsBefore;
      continue;
    }
    ops.push({ op: name, args: argIds.map((a) => refs[a]!), params: g.params });
    vals.push(out);
    refs.push({ kind: "op", k: ops.length - 1 });
    inputRooted.push(def.aliases ? inputRooted[first]! : false);
    step++;
  }
  if (ops.length === 0) return null;
  const id = (ref: Ref) => (ref.kind === "input" ? ref.i : inputs.length + ref.k);
  const opIds = refs.filter((x) => x.kind === "op").map(id);
  const outputs = [opIds[opIds.length - 1]!];
  for (const o of opIds.slice(0, -1)) if (r.bool(0.2)) outputs.push(o);
  const p: Program = { inputs, ops: ops.map((o) => ({ op: o.op, args: o.args.map(id), params: o.params })), outputs, train };
  try {
    runEager(p);
  } catch {
    return null;
  }
  return p;
}

function resolveOperand(r: Rng, req: OperandReq, vals: coil.Tensor[], fresh: () => number): number {
  if (r.bool(0.4)) {
    const same = vals.map((v, i) => [v, i] as const).filter(([v]) => v.dtype.name === req.dtype && v.shape.length === req.shape.length && v.shape.every((d, i) => d === req.shape[i]));
    if (same.length) return r.pick(same)[1];
  }
  return fresh();
}

/** A random valid program for this seed (deterministic). */
export function generate(seed: number): Program {
  const r = new Rng(seed);
  for (let i = 0; i < 20; i++) {
    const p = attempt(new Rng(r.seed()));
    if (p) return p;
  }
  // Fall back to the smallest valid program so callers always get one.
  return { inputs: [{ shape: [3], dtype: "float32", layout: "contiguous", requiresGrad: false, seed }], ops: [{ op: "cos", args: [0], params: [] }], outputs: [1], train: false };
}
