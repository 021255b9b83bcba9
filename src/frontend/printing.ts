// frontend/printing: PyTorch-style tensor printing (torch/_tensor_str.py): Tensor.prototype.toString and
// the Node inspect hook (Symbol.for('nodejs.util.inspect.custom')), so console.log(x) prints like
// `tensor([0.9788, 0.9953], dtype=coil.bfloat16)`. Same rules as PyTorch: int/fixed/scientific mode from
// the nonzero finite values, `...` summarisation above 1000 elements (3 edge items), 80-column wrapping,
// dtype/size/requires_grad/grad_fn suffixes. In: tensors. Out: strings. setPrintOptions mirrors
// torch.set_printoptions (precision, threshold, edgeitems, linewidth, sciMode).

import { Tensor, toFloat64Array } from "../tensor/tensor.js";
import { defaultFloatDtype } from "../tensor/dtype.js";

export interface PrintOptions { precision: number; threshold: number; edgeitems: number; linewidth: number; sciMode: boolean | null }
const OPTS: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };

export function setPrintOptions(o: Partial<PrintOptions>): void { Object.assign(OPTS, o); }
export function getPrintOptions(): PrintOptions { return { ...OPTS }; }

// ---- Python-compatible float formatting ('{:.Nf}', '{:.Ne}'; round-half-even on exact binary values) ----
function nonFinite(v: number): string | null {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return null;
}

/** Correct round-half-even of the exact decimal expansion (JS rounds exact ties up). */
function halfEven(v: number, p: number, fmt: (x: number, d: number) => string): string {
  const r = fmt(v, p);
  const exact = fmt(v, Math.min(p + 40, 100));
  const mant = exact.split("e")[0]!;
  const dot = mant.indexOf(".");
  const tail = dot < 0 ? "" : mant.slice(dot + 1 + p);
  if (!/^50*$/.test(tail)) return r;
  const kept = mant.slice(0, p === 0 ? dot : dot + 1 + p);
  const last = Number(kept[kept.length - 1]);
  if (last % 2 === 0) return p === 0 ? kept : kept + (exact.includes("e") ? "e" + exact.split("e")[1] : "");
  return r;
}

export function pyFixed(v: number, p: number): string {
  const nf = nonFinite(v);
  if (nf) return nf;
  let s = Math.abs(v) >= 1e21 ? BigInt(Math.round(v)).toString() + (p ? "." + "0".repeat(p) : "") : halfEven(Math.abs(v), p, (x, d) => x.toFixed(d));
  if (v < 0 || Object.is(v, -0)) s = "-" + s;
  return s;
}

export function pyExp(v: number, p: number): string {
  const nf = nonFinite(v);
  if (nf) return nf;
  let s = halfEven(Math.abs(v), p, (x, d) => x.toExponential(d));
  const [m, e] = s.split("e") as [string, string];
  const sign = e[0] === "-" ? "-" : "+";
  const digits = e.replace(/^[+-]/, "");
  s = `${m}e${sign}${digits.length < 2 ? "0" + digits : digits}`;
  if (v < 0 || Object.is(v, -0)) s = "-" + s;
  return s;
}

// ---- the formatter (port of _Formatter) ----
class Formatter {
  readonly floating: boolean;
  readonly isBool: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;
  constructor(t: Tensor, values: Float64Array) {
    this.floating = t.dtype.isFloatingPoint;
    this.isBool = t.dtype.name === "bool";
    if (!this.floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
    } else {
      const nz: number[] = [];
      for (const v of values) if (Number.isFinite(v) && v !== 0) nz.push(v);
      if (nz.length) {
        let mn = Infinity, mx = 0;
        for (const v of nz) { const a = Math.abs(v); if (a < mn) mn = a; if (a > mx) mx = a; }
        this.intMode = nz.every((v) => v === Math.ceil(v));
        const p = OPTS.precision;
        if (this.intMode) {
          if (mx / mn > 1000 || mx > 1e8) {
            this.sciMode = true;
            for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyExp(v, p).length);
          } else for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, 0).length + 1);
        } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
          this.sciMode = true;
          for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyExp(v, p).length);
        } else for (const v of nz) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, p).length);
      }
      if (OPTS.sciMode !== null) this.sciMode = OPTS.sciMode;
    }
  }
  private plain(v: number): string {
    return this.isBool ? (v ? "True" : "False") : String(v);
  }
  format(v: number): string {
    let r: string;
    if (this.floating) {
      if (this.sciMode) r = pyExp(v, OPTS.precision);
      else if (this.intMode) { r = pyFixed(v, 0); if (Number.isFinite(v)) r += "."; }
      else r = pyFixed(v, OPTS.precision);
    } else r = this.plain(v);
    return r.length < this.maxWidth ? " ".repeat(this.maxWidth - r.length) + r : r;
  }
}

/** A lightweight n-d view over logical values (row-major) for the recursive printer. */
interface NdView { shape: number[]; values: Float64Array; offset: number }
const sub = (v: NdView, i: number): NdView => {
  const inner = v.shape.slice(1).reduce((p, s) => p * s, 1);
  return { shape: v.shape.slice(1), values: v.values, offset: v.offset + i * inner };
};

function summarizedValues(v: NdView): number[] {
  const e = OPTS.edgeitems;
  if (v.shape.length === 0) return [v.values[v.offset]!];
  const n = v.shape[0]!;
  const idx = n > 2 * e ? [...Array(e).keys(), ...Array.from({ length: e }, (_, k) => n - e + k)] : [...Array(n).keys()];
  if (v.shape.length === 1) return idx.map((i) => v.values[v.offset + i]!);
  return idx.flatMap((i) => summarizedValues(sub(v, i)));
}

function vectorStr(v: NdView, indent: number, summarize: boolean, f: Formatter): string {
  const elementLength = f.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((OPTS.linewidth - indent) / elementLength));
  const n = v.shape[0]!, e = OPTS.edgeitems;
  const at = (i: number) => f.format(v.values[v.offset + i]!);
  let data: string[];
  if (summarize && !e) data = ["..."];
  else if (summarize && n > 2 * e) data = [...Array.from({ length: e }, (_, i) => at(i)), " ...", ...Array.from({ length: e }, (_, i) => at(n - e + i))];
  else data = Array.from({ length: n }, (_, i) => at(i));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function strWithFormatter(v: NdView, indent: number, summarize: boolean, f: Formatter): string {
  const dim = v.shape.length;
  if (dim === 0) return f.format(v.values[v.offset]!);
  if (dim === 1) return vectorStr(v, indent, summarize, f);
  const n = v.shape[0]!, e = OPTS.edgeitems;
  let slices: string[];
  if (summarize && n > 2 * e) {
    slices = [...Array.from({ length: e }, (_, i) => strWithFormatter(sub(v, i), indent + 1, summarize, f)), "...",
      ...Array.from({ length: e }, (_, i) => strWithFormatter(sub(v, n - e + i), indent + 1, summarize, f))];
  } else slices = Array.from({ length: n }, (_, i) => strWithFormatter(sub(v, i), indent + 1, summarize, f));
  return "[" + slices.join("," + "\n".repeat(dim - 1) + " ".repeat(indent + 1)) + "]";
}

function addSuffixes(s: string, suffixes: string[], indent: number): string {
  const parts = [s];
  let lastLineLen = s.length - s.lastIndexOf("\n") + 1;
  for (const suf of suffixes) {
    if (lastLineLen + suf.length + 2 > OPTS.linewidth) {
      parts.push(",\n" + " ".repeat(indent) + suf);
      lastLineLen = indent + suf.length;
    } else {
      parts.push(", " + suf);
      lastLineLen += suf.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** PyTorch's repr of a tensor, with `coil.` for dtypes. */
export function tensorToString(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  if (t.device !== "cpu") suffixes.push(`device='${t.device}'`);
  let body: string;
  const d = t.dtype;
  const defaultish = d === defaultFloatDtype.current || d.name === "int64" || d.name === "bool";
  if (t.isFake) {
    body = "...";
    suffixes.push(`size=(${t.shape.join(", ")}${t.ndim === 1 ? "," : ""})`);
    if (!defaultish) suffixes.push(`dtype=${d}`);
    suffixes.push("fake=True");
  } else if (t.numel() === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")}${t.ndim === 1 ? "," : ""})`);
    if (d !== defaultFloatDtype.current) suffixes.push(`dtype=${d}`);
    body = "[]";
  } else {
    if (!defaultish) suffixes.push(`dtype=${d}`);
    const values = toFloat64Array(t);
    const view: NdView = { shape: t.shape.slice(), values, offset: 0 };
    const summarize = t.numel() > OPTS.threshold;
    const f = new Formatter(t, summarize ? Float64Array.from(summarizedValues(view)) : values);
    body = strWithFormatter(view, indent, summarize, f);
  }
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}

Object.defineProperty(Tensor.prototype, "toString", {
  value: function (this: Tensor) { return tensorToString(this); }, writable: true, configurable: true,
});
Object.defineProperty(Tensor.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value: function (this: Tensor) { return tensorToString(this); }, writable: true, configurable: true,
});
