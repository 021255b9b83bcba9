// wasm/math_scope: the context vectorised math emitters write into: the function being built (temporary v128 and
// i32 locals, reused across emitter calls), the module (shared helper functions and constant tables, added once
// per module), whether to fuse multiply-adds (f32x4.relaxed_madd, when the engine has relaxed SIMD), and small
// helpers for multiply-adds and Horner polynomials. In: a ModuleBuilder + FunctionBuilder (+ the fma choice).
// Out: MathScope.

import type { FunctionBuilder, ModuleBuilder } from "./emitter.js";
import { wasmFeatures } from "./features.js";

const helpers = new WeakMap<ModuleBuilder, Map<string, FunctionBuilder>>();

let fmaOverride: boolean | null = null;

/**
 * Whether new MathScopes fuse multiply-adds: `on` forces it (true needs relaxed SIMD), null goes back to the
 * default (relaxed SIMD available and not turned off by COIL_WASM_RELAXED=0). For tests of both paths; modules
 * built before keep their choice.
 */
export function setMathFma(on: boolean | null): void {
  if (on && !wasmFeatures().relaxedSimd) throw new Error("wasm math: fused multiply-add needs relaxed SIMD, which this engine lacks");
  fmaOverride = on;
}

/** The default of MathScope.fma. */
export function mathFma(): boolean {
  return fmaOverride ?? wasmFeatures().relaxedSimd;
}

export class MathScope {
  private readonly freeV: number[] = [];
  private readonly freeI: number[] = [];
  /**
   * Fused multiply-add: a*b + c as one f32x4.relaxed_madd (one rounding where the CPU has FMA, V8 lowers it to
   * mul + add where not). Otherwise the portable f32x4.mul then f32x4.add.
   */
  readonly fma: boolean;

  constructor(readonly m: ModuleBuilder, readonly f: FunctionBuilder, opts: { fma?: boolean } = {}) {
    this.fma = opts.fma ?? mathFma();
  }

  /** A v128 temporary; give it back with done() when the emitted sequence no longer needs it. */
  v(): number {
    return this.freeV.pop() ?? this.f.local("v128");
  }
  /** An i32 temporary. */
  i(): number {
    return this.freeI.pop() ?? this.f.local("i32");
  }
  done(...vs: number[]): void {
    for (const x of vs) {
      const t = this.f.locals[x - this.f.params.length];
      if (t === "v128") this.freeV.push(x);
      else if (t === "i32") this.freeI.push(x);
    }
  }
  /** Pop the stack into a fresh v128 temporary and return it. */
  save(): number {
    const t = this.v();
    this.f.set(t);
    return t;
  }

  /** A module-level helper function, built once per module. */
  helper(name: string, build: (m: ModuleBuilder) => FunctionBuilder): FunctionBuilder {
    let byName = helpers.get(this.m);
    if (!byName) helpers.set(this.m, (byName = new Map()));
    let fn = byName.get(name);
    if (!fn) byName.set(name, (fn = build(this.m)));
    return fn;
  }

  /** With a and b on the stack: push a*b + c (c pushed by `c`), fused when this.fma. */
  madd(c: () => void): void {
    if (this.fma) { c(); this.f.op("f32x4.relaxed_madd"); return; }
    this.f.op("f32x4.mul");
    c();
    this.f.op("f32x4.add");
  }
  /** With a on the stack: push a*k + c for constants k, c (fused when this.fma). */
  maddK(k: number, c: number): void {
    this.f.f32x4(k);
    this.madd(() => this.f.f32x4(c));
  }
  /** With a on the stack: push a*k + (local c). Cody-Waite steps c - j*P are maddL(-P, c) on j. */
  maddL(k: number, c: number): void {
    this.f.f32x4(k);
    this.madd(() => this.f.get(c));
  }
  /** Horner in f32x4: coefficients highest degree first; pushes p(x). */
  polyF32(x: number, coeffs: number[]): void {
    const f = this.f;
    f.f32x4(coeffs[0]!);
    for (const c of coeffs.slice(1)) { f.get(x); this.madd(() => f.f32x4(c)); }
  }
  /** Horner in f64x2. */
  polyF64(x: number, coeffs: number[]): void {
    const f = this.f;
    f.f64x2(coeffs[0]!);
    for (const c of coeffs.slice(1)) f.get(x).op("f64x2.mul").f64x2(c).op("f64x2.add");
  }
}
