// inductor/ir/indexing: symbolic integer index expressions (Inductor's sympy indexing, in small form).
// An Expr is a canonical affine sum `c + k1*a1 + k2*a2 ...` over atoms: index variables (x0, x1, ...,
// r0, ...), `a // d` and `a % d` with positive constant d. Construction simplifies: constants fold,
// like terms collect, and floordiv/mod use the variables' ranges ((4*x0 + x1) // 4 -> x0 when x1 < 4).
// In: variables with ranges, integer constants. Out: simplified, printable, comparable expressions.

/** Range of every index variable: 0 <= v < size. Set once per loop nest by whoever creates the vars. */
export type VarRanges = ReadonlyMap<string, number>;

type Atom =
  | { kind: "var"; name: string }
  | { kind: "floordiv"; arg: Expr; div: number }
  | { kind: "mod"; arg: Expr; div: number };

function atomKey(a: Atom): string {
  if (a.kind === "var") return a.name;
  return a.kind === "floordiv" ? `(${a.arg.key} // ${a.div})` : `(${a.arg.key} % ${a.div})`;
}

/** An immutable affine combination of atoms. Build with sym(), cst(), add(), mul(), floordiv(), mod(). */
export class Expr {
  /** Canonical text (terms sorted by atom key): equal expressions have equal keys. */
  readonly key: string;
  constructor(readonly constant: number, readonly terms: ReadonlyMap<string, { coef: number; atom: Atom }>) {
    const parts = [...terms.keys()].sort().map((k) => { const c = terms.get(k)!.coef; return c === 1 ? k : `${c}*${k}`; });
    if (constant !== 0 || parts.length === 0) parts.push(String(constant));
    this.key = parts.join(" + ");
  }
  isConstant(): boolean { return this.terms.size === 0; }
  toString(): string { return this.key; }
  /** Names of the variables this expression reads. */
  freeVars(): Set<string> {
    const out = new Set<string>();
    for (const { atom } of this.terms.values()) {
      if (atom.kind === "var") out.add(atom.name);
      else for (const v of atom.arg.freeVars()) out.add(v);
    }
    return out;
  }
  /** Coefficient of variable `name` when it appears only linearly (not inside // or %), else null. */
  linearCoef(name: string): number | null {
    for (const { atom } of this.terms.values()) if (atom.kind !== "var" && atom.arg.freeVars().has(name)) return null;
    return this.terms.get(name)?.coef ?? 0;
  }
}

export const cst = (v: number): Expr => {
  if (!Number.isInteger(v)) throw new RangeError(`indexing: constant ${v} is not an integer`);
  return new Expr(v, new Map());
};
export const sym = (name: string): Expr => atomExpr({ kind: "var", name });
const atomExpr = (a: Atom): Expr => new Expr(0, new Map([[atomKey(a), { coef: 1, atom: a }]]));

export function add(...xs: (Expr | number)[]): Expr {
  let c = 0;
  const terms = new Map<string, { coef: number; atom: Atom }>();
  for (const x0 of xs) {
    const x = typeof x0 === "number" ? cst(x0) : x0;
    c += x.constant;
    for (const [k, t] of x.terms) {
      const coef = (terms.get(k)?.coef ?? 0) + t.coef;
      if (coef === 0) terms.delete(k); else terms.set(k, { coef, atom: t.atom });
    }
  }
  return recombine(new Expr(c, terms));
}

/** k*d*(a // d) + k*(a % d) == k*a: undoes the split a view's unflatten made. */
function recombine(x: Expr): Expr {
  for (const [key, t] of x.terms) {
    if (t.atom.kind !== "mod") continue;
    const { arg, div } = t.atom;
    const q = x.terms.get(`(${arg.key} // ${div})`);
    if (!q || q.coef !== t.coef * div) continue;
    const rest = new Map(x.terms);
    rest.delete(key);
    rest.delete(`(${arg.key} // ${div})`);
    return add(new Expr(x.constant, rest), mul(arg, t.coef));
  }
  return x;
}

/** Multiply by an integer constant (index arithmetic never multiplies two variables). */
export function mul(x: Expr, k: number): Expr {
  if (!Number.isInteger(k)) throw new RangeError(`indexing: scale ${k} is not an integer`);
  if (k === 0) return cst(0);
  const terms = new Map<string, { coef: number; atom: Atom }>();
  for (const [key, t] of x.terms) terms.set(key, { coef: t.coef * k, atom: t.atom });
  return new Expr(x.constant * k, terms);
}

/** [min, max] of an expression given the ranges of its variables (Infinity when unknown). */
export function bounds(x: Expr, ranges: VarRanges): [number, number] {
  let lo = x.constant, hi = x.constant;
  for (const { coef, atom } of x.terms.values()) {
    const [alo, ahi] = atomBounds(atom, ranges);
    if (coef >= 0) { lo += coef * alo; hi += coef * ahi; } else { lo += coef * ahi; hi += coef * alo; }
  }
  return [lo, hi];
}

function atomBounds(a: Atom, ranges: VarRanges): [number, number] {
  if (a.kind === "var") {
    const n = ranges.get(a.name);
    return n === undefined ? [-Infinity, Infinity] : [0, Math.max(n - 1, 0)];
  }
  const [lo, hi] = bounds(a.arg, ranges);
  if (a.kind === "floordiv") return [Math.floor(lo / a.div), Math.floor(hi / a.div)];
  return lo >= 0 && hi < a.div ? [lo, hi] : [0, a.div - 1];
}

/** Split x into (part whose coefficients and constant are multiples of d, the rest). */
function splitMultiples(x: Expr, d: number): [Expr, Expr] {
  const a: Expr[] = [], b: Expr[] = [];
  for (const t of x.terms.values()) (t.coef % d === 0 ? a : b).push(mul(atomExpr(t.atom), t.coef));
  const cq = Math.floor(x.constant / d) * d;
  return [add(cst(cq), ...a), add(cst(x.constant - cq), ...b)];
}

/** Floor division by a positive constant, simplified with the variables' ranges. */
export function floordiv(x: Expr, d: number, ranges: VarRanges = new Map()): Expr {
  if (!Number.isInteger(d) || d <= 0) throw new RangeError(`indexing: floordiv by ${d}`);
  if (d === 1) return x;
  if (x.isConstant()) return cst(Math.floor(x.constant / d));
  const [mult, rest] = splitMultiples(x, d);
  const q = divideExact(mult, d);
  const [lo, hi] = bounds(rest, ranges);
  if (lo >= 0 && hi < d) return q; // the rest never reaches the next multiple
  if (rest.isConstant()) return add(q, Math.floor(rest.constant / d));
  const g = commonFactor(x, d, ranges);
  if (g) return floordiv(divideExact(g.mult, g.g), d / g.g, ranges); // (5*x0 + x1) // 20 -> x0 // 4 when x1 < 5
  // (a // m) // n == a // (m*n)
  if (rest.terms.size === 1 && rest.constant === 0) {
    const t = [...rest.terms.values()][0]!;
    if (t.coef === 1 && t.atom.kind === "floordiv") return add(q, floordiv(t.atom.arg, t.atom.div * d, ranges));
  }
  return add(q, atomExpr({ kind: "floordiv", arg: rest, div: d }));
}

/** Non-negative modulo by a positive constant (index expressions are non-negative). */
export function mod(x: Expr, d: number, ranges: VarRanges = new Map()): Expr {
  if (!Number.isInteger(d) || d <= 0) throw new RangeError(`indexing: mod by ${d}`);
  if (d === 1) return cst(0);
  if (x.isConstant()) return cst(((x.constant % d) + d) % d);
  const [, rest] = splitMultiples(x, d);
  const [lo, hi] = bounds(rest, ranges);
  if (lo >= 0 && hi < d) return rest;
  const g = commonFactor(rest, d, ranges);
  if (g) return add(mul(mod(divideExact(g.mult, g.g), d / g.g, ranges), g.g), g.rest); // (5*x0 + x1) % 20 -> 5*(x0 % 4) + x1
  return atomExpr({ kind: "mod", arg: rest, div: d });
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

/** A factor g of d (1 < g < d) such that x = g*(...) + rest with 0 <= rest < g. */
function commonFactor(x: Expr, d: number, ranges: VarRanges): { g: number; mult: Expr; rest: Expr } | null {
  const cands = [...new Set([...x.terms.values()].map((t) => gcd(t.coef, d)))].filter((g) => g > 1 && g < d).sort((a, b) => b - a);
  for (const g of cands) {
    const [mult, rest] = splitMultiples(x, g);
    const [lo, hi] = bounds(rest, ranges);
    if (lo >= 0 && hi < g) return { g, mult, rest };
  }
  return null;
}

function divideExact(x: Expr, d: number): Expr {
  const terms = new Map<string, { coef: number; atom: Atom }>();
  for (const [k, t] of x.terms) terms.set(k, { coef: t.coef / d, atom: t.atom });
  return new Expr(x.constant / d, terms);
}

/** Substitute variables by expressions and re-simplify with `ranges` (the new variables' ranges). */
export function subs(x: Expr, repl: ReadonlyMap<string, Expr>, ranges: VarRanges = new Map()): Expr {
  const parts: Expr[] = [cst(x.constant)];
  for (const { coef, atom } of x.terms.values()) {
    let e: Expr;
    if (atom.kind === "var") e = repl.get(atom.name) ?? atomExpr(atom);
    else {
      const arg = subs(atom.arg, repl, ranges);
      e = atom.kind === "floordiv" ? floordiv(arg, atom.div, ranges) : mod(arg, atom.div, ranges);
    }
    parts.push(mul(e, coef));
  }
  return add(...parts);
}

/** Linear index from per-dimension indices and strides: offset + sum(idx[i] * stride[i]). */
export function linearIndex(idx: readonly Expr[], strides: readonly number[], offset = 0): Expr {
  return add(cst(offset), ...idx.map((e, i) => mul(e, strides[i]!)));
}

/** Per-dimension indices of a flat (row-major) index over `sizes`. */
export function unflatten(flat: Expr, sizes: readonly number[], ranges: VarRanges): Expr[] {
  const out: Expr[] = [];
  let inner = 1;
  for (let i = sizes.length - 1; i >= 0; i--) {
    const q = floordiv(flat, inner, ranges);
    out.unshift(i === 0 ? q : mod(q, sizes[i]!, ranges));
    inner *= sizes[i]!;
  }
  return out;
}

/** Print for a target language: `fdiv(a, d)` and `fmod(a, d)` render the two non-affine atoms. */
export function printExpr(x: Expr, p: { v?: (name: string) => string; fdiv: (a: string, d: number) => string; fmod: (a: string, d: number) => string }): string {
  const parts: string[] = [];
  const keys = [...x.terms.keys()].sort();
  for (const k of keys) {
    const { coef, atom } = x.terms.get(k)!;
    const s = atom.kind === "var" ? (p.v ? p.v(atom.name) : atom.name)
      : atom.kind === "floordiv" ? p.fdiv(printExpr(atom.arg, p), atom.div) : p.fmod(printExpr(atom.arg, p), atom.div);
    const term = coef === 1 ? s : coef === -1 ? `-${s}` : `${coef}*${s}`;
    parts.push(parts.length && !term.startsWith("-") ? `+ ${term}` : parts.length ? `- ${term.slice(1)}` : term);
  }
  if (x.constant !== 0 || parts.length === 0) {
    parts.push(parts.length ? (x.constant < 0 ? `- ${-x.constant}` : `+ ${x.constant}`) : String(x.constant));
  }
  return parts.join(" ");
}

/** Variables named like Inductor's: prefix + number (x0, x1, ... / r0, r1, ...). */
export function makeVars(prefix: string, sizes: readonly number[]): { vars: Expr[]; ranges: Map<string, number> } {
  const ranges = new Map<string, number>();
  const vars = sizes.map((s, i) => { ranges.set(`${prefix}${i}`, s); return sym(`${prefix}${i}`); });
  return { vars, ranges };
}
