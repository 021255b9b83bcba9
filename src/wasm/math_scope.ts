// wasm/math_scope: the context vectorised math emitters write into: the function being built (temporary v128 and
// i32 locals, reused across emitter calls), the module (shared helper functions and constant tables, added once
// per module), and small helpers for constants and Horner polynomials. In: a ModuleBuilder + FunctionBuilder.
// Out: MathScope.

import type { FunctionBuilder, ModuleBuilder } from "./emitter.js";

const helpers = new WeakMap<ModuleBuilder, Map<string, FunctionBuilder>>();

export class MathScope {
  private readonly freeV: number[] = [];
  private readonly freeI: number[] = [];

  constructor(readonly m: ModuleBuilder, readonly f: FunctionBuilder) {}

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

  /** Horner in f32x4: coefficients highest degree first; pushes p(x). */
  polyF32(x: number, coeffs: number[]): void {
    const f = this.f;
    f.f32x4(coeffs[0]!);
    for (const c of coeffs.slice(1)) f.get(x).op("f32x4.mul").f32x4(c).op("f32x4.add");
  }
  /** Horner in f64x2. */
  polyF64(x: number, coeffs: number[]): void {
    const f = this.f;
    f.f64x2(coeffs[0]!);
    for (const c of coeffs.slice(1)) f.get(x).op("f64x2.mul").f64x2(c).op("f64x2.add");
  }
}
