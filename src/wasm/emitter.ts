// wasm/emitter: a small, dependency-free WebAssembly binary module builder (types, imported memory, functions with
// locals, core + SIMD + relaxed-SIMD + atomics instructions, structured control with label objects, exports).
// In: instructions emitted through FunctionBuilder methods. Out: module bytes, a compiled WebAssembly.Module and a
// WAT-like listing per function (for COIL_LOGS=output_code).

import { OPS, VALTYPE, type ValType, type PlainOp, type MemOp, type LaneOp, type MemLaneOp, type OpInfo } from "./opcodes.js";

export type { ValType } from "./opcodes.js";

/** Unsigned LEB128 (u32). */
export function uleb(out: number[], v: number): void {
  v >>>= 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Signed LEB128 (i32 / small i64 values that fit a JS number exactly). */
export function sleb(out: number[], v: number): void {
  v = Math.trunc(v);
  for (;;) {
    const b = v & 0x7f;
    v = Math.floor(v / 128);
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function utf8(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

const f32buf = new DataView(new ArrayBuffer(8));

/** A control-structure label; pass it to br / br_if instead of counting depths by hand. */
export interface Label { readonly id: number; readonly kind: "block" | "loop" | "if" }

export class FunctionBuilder {
  readonly locals: ValType[] = [];
  readonly code: number[] = [];
  private readonly lines: string[] = [];
  private readonly names: string[] = [];
  private readonly ctl: Label[] = [];
  private nextLabel = 0;

  constructor(readonly index: number, readonly name: string, readonly params: ValType[], readonly results: ValType[], paramNames: string[] = []) {
    for (let i = 0; i < params.length; i++) this.names.push(paramNames[i] ?? `p${i}`);
  }

  /** Declare a local; returns its index (params come first). */
  local(type: ValType, name?: string): number {
    this.locals.push(type);
    const idx = this.params.length + this.locals.length - 1;
    this.names.push(name ?? `l${idx}`);
    return idx;
  }

  private emit(bytes: number[], text: string): this {
    for (const b of bytes) this.code.push(b);
    this.lines.push("  ".repeat(this.ctl.length + 1) + text);
    return this;
  }

  private encodeOp(info: OpInfo, out: number[]): void {
    if (info.prefix !== null) {
      out.push(info.prefix);
      uleb(out, info.code);
    } else out.push(info.code);
  }

  /** An instruction without immediates, e.g. f.op("f32x4.add"). */
  op(name: PlainOp): this {
    const out: number[] = [];
    this.encodeOp(OPS[name], out);
    return this.emit(out, name);
  }

  /** A load/store/atomic with a memarg: byte offset (static) and alignment log2 (defaults to natural). */
  mem(name: MemOp, offset = 0, alignLog2?: number): this {
    const info: OpInfo = OPS[name];
    const out: number[] = [];
    this.encodeOp(info, out);
    const align = alignLog2 ?? info.align ?? 0;
    uleb(out, align);
    uleb(out, offset);
    return this.emit(out, `${name}${offset ? ` offset=${offset}` : ""}${align !== info.align ? ` align=${1 << align}` : ""}`);
  }

  /** extract_lane / replace_lane. */
  lane(name: LaneOp, lane: number): this {
    const out: number[] = [];
    this.encodeOp(OPS[name], out);
    out.push(lane);
    return this.emit(out, `${name} ${lane}`);
  }

  /** load/store of one lane with a memarg. */
  memLane(name: MemLaneOp, lane: number, offset = 0): this {
    const info: OpInfo = OPS[name];
    const out: number[] = [];
    this.encodeOp(info, out);
    uleb(out, info.align ?? 0);
    uleb(out, offset);
    out.push(lane);
    return this.emit(out, `${name}${offset ? ` offset=${offset}` : ""} ${lane}`);
  }

  get(i: number): this { const o = [0x20]; uleb(o, i); return this.emit(o, `local.get $${this.names[i]}`); }
  set(i: number): this { const o = [0x21]; uleb(o, i); return this.emit(o, `local.set $${this.names[i]}`); }
  tee(i: number): this { const o = [0x22]; uleb(o, i); return this.emit(o, `local.tee $${this.names[i]}`); }

  i32(v: number): this { const o = [0x41]; sleb(o, v | 0); return this.emit(o, `i32.const ${v | 0}`); }
  f32(v: number): this {
    f32buf.setFloat32(0, v, true);
    const o = [0x43, f32buf.getUint8(0), f32buf.getUint8(1), f32buf.getUint8(2), f32buf.getUint8(3)];
    return this.emit(o, `f32.const ${Math.fround(v)}`);
  }
  f64(v: number): this {
    f32buf.setFloat64(0, v, true);
    const o = [0x44];
    for (let i = 0; i < 8; i++) o.push(f32buf.getUint8(i));
    return this.emit(o, `f64.const ${v}`);
  }
  /** v128.const from four f32 lanes. */
  f32x4(a: number, b = a, c = a, d = a): this {
    const o = [0xfd, 0x0c];
    for (const v of [a, b, c, d]) {
      f32buf.setFloat32(0, v, true);
      for (let i = 0; i < 4; i++) o.push(f32buf.getUint8(i));
    }
    return this.emit(o, `v128.const f32x4 ${[a, b, c, d].map(Math.fround).join(" ")}`);
  }
  /** i64.const (exact for |v| < 2^53 as a number, any value as a bigint). */
  i64(v: number | bigint): this {
    const o = [0x42];
    let x = BigInt.asIntN(64, BigInt(v));
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      if ((x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0)) { o.push(b); break; }
      o.push(b | 0x80);
    }
    return this.emit(o, `i64.const ${BigInt.asIntN(64, BigInt(v))}`);
  }
  /** v128.const from two f64 lanes. */
  f64x2(a: number, b = a): this {
    const o = [0xfd, 0x0c];
    for (const v of [a, b]) {
      f32buf.setFloat64(0, v, true);
      for (let i = 0; i < 8; i++) o.push(f32buf.getUint8(i));
    }
    return this.emit(o, `v128.const f64x2 ${a} ${b}`);
  }
  /** v128.const from four i32 lanes. */
  i32x4(a: number, b = a, c = a, d = a): this {
    const o = [0xfd, 0x0c];
    for (const v of [a, b, c, d]) {
      f32buf.setInt32(0, v | 0, true);
      for (let i = 0; i < 4; i++) o.push(f32buf.getUint8(i));
    }
    return this.emit(o, `v128.const i32x4 ${[a, b, c, d].map((x) => x | 0).join(" ")}`);
  }
  /** i8x16.shuffle of the two v128 operands (lanes 0..31). */
  shuffle(lanes: number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31)) throw new RangeError(`i8x16.shuffle: need 16 lanes in 0..31, got [${lanes}]`);
    return this.emit([0xfd, 0x0d, ...lanes], `i8x16.shuffle ${lanes.join(" ")}`);
  }
  /** Shuffle expressed in f32 lanes (0..7 over the two operands). */
  shuffle32(l0: number, l1: number, l2: number, l3: number): this {
    return this.shuffle([l0, l1, l2, l3].flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
  }

  private open(kind: Label["kind"], opcode: number, result?: ValType): Label {
    const label: Label = { id: this.nextLabel++, kind };
    this.emit([opcode, result ? VALTYPE[result] : 0x40], `${kind}${result ? ` (result ${result})` : ""} ;; @${label.id}`);
    this.ctl.push(label);
    return label;
  }
  block(result?: ValType): Label { return this.open("block", 0x02, result); }
  loop(result?: ValType): Label { return this.open("loop", 0x03, result); }
  /** if ... (else ...) end; returns the builder for chaining (branch out of an if through an enclosing block). */
  if_(result?: ValType): this { this.open("if", 0x04, result); return this; }
  else_(): this {
    const top = this.ctl.pop();
    if (!top || top.kind !== "if") throw new Error("wasm emitter: else without if");
    this.emit([0x05], "else");
    this.ctl.push(top);
    return this;
  }
  end(): this {
    if (!this.ctl.pop()) throw new Error(`wasm emitter: unbalanced end in ${this.name}`);
    return this.emit([0x0b], "end");
  }
  private depth(l: Label): number {
    const i = this.ctl.indexOf(l);
    if (i < 0) throw new Error(`wasm emitter: branch to a label that is not open (@${l.id}) in ${this.name}`);
    return this.ctl.length - 1 - i;
  }
  br(l: Label): this { const o = [0x0c]; uleb(o, this.depth(l)); return this.emit(o, `br @${l.id}`); }
  brIf(l: Label): this { const o = [0x0d]; uleb(o, this.depth(l)); return this.emit(o, `br_if @${l.id}`); }
  call(fn: FunctionBuilder): this { const o = [0x10]; uleb(o, fn.index); return this.emit(o, `call $${fn.name}`); }

  /** Emit a memory.copy (dst, src, n on the stack). */
  memoryCopy(): this { return this.emit([0xfc, 0x0a, 0x00, 0x00], "memory.copy"); }
  /** Emit a memory.fill (dst, byte, n on the stack). */
  memoryFill(): this { return this.emit([0xfc, 0x0b, 0x00], "memory.fill"); }

  /**
   * for (i = start; i < end; i += step) body(). start/end push one i32 each; body may br to the returned
   * break label (exit) via the callback's argument. Signed comparison.
   */
  for_(i: number, start: () => void, end: () => void, step: number, body: (exit: Label) => void): this {
    start();
    this.set(i);
    const exit = this.block();
    const top = this.loop();
    this.get(i);
    end();
    this.op("i32.ge_s").brIf(exit);
    body(exit);
    this.get(i).i32(step).op("i32.add").set(i);
    this.br(top).end().end();
    return this;
  }

  /** Convenience: local i32 arithmetic `dst = a + b*c` style helpers are left to callers; this returns the WAT text. */
  listing(): string {
    const sig = [...this.params.map((t, i) => `(param $${this.names[i]} ${t})`), ...this.results.map((t) => `(result ${t})`)].join(" ");
    const locs = this.locals.map((t, i) => `  (local $${this.names[this.params.length + i]} ${t})`);
    return [`(func $${this.name} ${sig}`, ...locs, ...this.lines, ")"].join("\n");
  }

  /** The function body bytes (locals + code + end). */
  body(): number[] {
    if (this.ctl.length) throw new Error(`wasm emitter: ${this.ctl.length} unclosed block(s) in ${this.name}`);
    const out: number[] = [];
    // run-length encode the locals
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(VALTYPE[t]);
    }
    for (const b of this.code) out.push(b);
    out.push(0x0b);
    return out;
  }
}

export interface MemoryImport { shared: boolean; maxPages: number; minPages?: number }

/** A module: one imported memory (env.memory), functions, exports. */
export class ModuleBuilder {
  readonly funcs: FunctionBuilder[] = [];
  private readonly exports: { name: string; fn: FunctionBuilder }[] = [];
  private readonly data: { offset: number; bytes: Uint8Array }[] = [];

  constructor(readonly memory: MemoryImport, readonly name = "module") {}

  /** Declare a function (its index is fixed now, so others may call it before its body is written). */
  func(name: string, params: ValType[], results: ValType[] = [], opts: { export?: boolean; paramNames?: string[] } = {}): FunctionBuilder {
    const f = new FunctionBuilder(this.funcs.length, name, params, results, opts.paramNames);
    this.funcs.push(f);
    if (opts.export) this.exports.push({ name, fn: f });
    return f;
  }

  /**
   * An active data segment written into the imported memory at instantiation (every instantiation, on every
   * thread: use it only for constant tables in the reserved low region, see memory.ts RESERVED).
   */
  addData(offset: number, bytes: Uint8Array): void {
    this.data.push({ offset, bytes });
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]) => {
      out.push(id);
      uleb(out, content.length);
      for (const b of content) out.push(b);
    };
    // types (deduplicated)
    const sigKeys: string[] = [];
    const typeOf = this.funcs.map((f) => {
      const key = `${f.params.join(",")}->${f.results.join(",")}`;
      let i = sigKeys.indexOf(key);
      if (i < 0) i = sigKeys.push(key) - 1;
      return i;
    });
    const types: number[] = [];
    uleb(types, sigKeys.length);
    for (const key of sigKeys) {
      const [p, r] = key.split("->") as [string, string];
      const ps = p ? (p.split(",") as ValType[]) : [];
      const rs = r ? (r.split(",") as ValType[]) : [];
      types.push(0x60);
      uleb(types, ps.length);
      for (const t of ps) types.push(VALTYPE[t]);
      uleb(types, rs.length);
      for (const t of rs) types.push(VALTYPE[t]);
    }
    section(1, types);
    // import env.memory
    const imp: number[] = [];
    uleb(imp, 1);
    utf8(imp, "env");
    utf8(imp, "memory");
    imp.push(0x02, this.memory.shared ? 0x03 : 0x01);
    uleb(imp, this.memory.minPages ?? 1);
    uleb(imp, this.memory.maxPages);
    section(2, imp);
    const fsec: number[] = [];
    uleb(fsec, this.funcs.length);
    for (const t of typeOf) uleb(fsec, t);
    section(3, fsec);
    const ex: number[] = [];
    uleb(ex, this.exports.length);
    for (const e of this.exports) {
      utf8(ex, e.name);
      ex.push(0x00);
      uleb(ex, e.fn.index);
    }
    section(7, ex);
    const code: number[] = [];
    uleb(code, this.funcs.length);
    for (const f of this.funcs) {
      const b = f.body();
      uleb(code, b.length);
      for (const x of b) code.push(x);
    }
    section(10, code);
    if (this.data.length) {
      const d: number[] = [];
      uleb(d, this.data.length);
      for (const seg of this.data) {
        d.push(0x00, 0x41);
        sleb(d, seg.offset);
        d.push(0x0b);
        uleb(d, seg.bytes.length);
        for (const b of seg.bytes) d.push(b);
      }
      section(11, d);
    }
    return new Uint8Array(out);
  }

  /** Compile synchronously (Node allows any size on the main thread; browsers only in workers or small modules). */
  compile(): WebAssembly.Module {
    const bytes = this.toBytes();
    try {
      return new WebAssembly.Module(bytes);
    } catch (e) {
      throw new Error(`wasm emitter: module '${this.name}' failed to compile: ${(e as Error).message}\n${this.listing()}`);
    }
  }

  listing(): string {
    return `(module $${this.name}\n  (import "env" "memory" (memory ${this.memory.minPages ?? 1} ${this.memory.maxPages}${this.memory.shared ? " shared" : ""}))\n` +
      this.funcs.map((f) => f.listing()).join("\n") + "\n" + this.exports.map((e) => `(export "${e.name}" (func $${e.fn.name}))`).join("\n") + "\n)";
  }
}
