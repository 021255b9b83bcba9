// wasm/gemm_kernels: emits the SIMD GEMM module: packing of A (MR-row panels, alpha folded in) and B (NR-column
// panels) from any strides, or of B as the implicit im2col matrix of an image (convolutions), a 4x8 register-blocked
// f32x4 micro-kernel with a fused epilogue (beta*C, column bias, row bias, clamp/relu/math activations, residual),
// the macro-kernel over a packed block with edge tiles, and the cache-blocked per-task driver
// `gemm_task(task, args, tid)` the thread pool calls (B packed per task, or prepacked once). In: features (relaxed
// SIMD), memory import shape. Out: a ModuleBuilder with exports gemm_task, pack_a, pack_b, pack_b_conv, macro, kernel.

import { ModuleBuilder, type FunctionBuilder } from "./emitter.js";
import { MathScope, emitUnary } from "./math.js";

/** Rows of the micro-kernel tile. 5 (10 accumulators, A broadcast by shuffles) runs spill-free but measured no
 * faster than 4 on this machine; 6 spills (V8 keeps 15 xmm registers). The packing and kernel accept 4-6. */
export const MR: number = 4;
export const NR = 8;
export const KC = 256;
export const MC = 120; // a multiple of MR (4, 5 or 6)
export const NC = 512;

/** Argument block (i32/f32 slots, 4 bytes each) read by gemm_task. */
export const ARG = {
  M: 0, N: 1, K: 2, A: 3, rsA: 4, csA: 5, B: 6, rsB: 7, csB: 8, C: 9, ldc: 10, alpha: 11, beta: 12,
  biasN: 13, biasM: 14, res: 15, ldr: 16, act: 17, lo: 18, hi: 19, ws: 20, wsStride: 21,
  mTiles: 22, nTiles: 23, chunkM: 24, chunkN: 25, batch: 26, bsA: 27, bsB: 28, bsC: 29, bsR: 30, bsBiasN: 31, bsBiasM: 32,
  conv: 33, packedB: 34, bsPackedB: 35,
} as const;
export const ARG_SLOTS = 36;

/**
 * Convolution geometry block (i32 slots) for ARG.conv: B is then the implicit im2col matrix of the image at B
 * (K = C*KH*KW rows, N = OH*OW columns), gathered straight into packed panels by pack_b_conv. The image is
 * already zero-padded (no padding slots): every gathered element is inside it.
 */
export const CONV = { C: 0, H: 1, W: 2, KH: 3, KW: 4, sh: 5, sw: 6, dh: 7, dw: 8, OH: 9, OW: 10 } as const;
export const CONV_SLOTS = 11;

/** Activation codes of the epilogue (>= 2 go through the vectorised math emitters). */
export const ACT = { none: 0, clamp: 1, gelu: 2, gelu_tanh: 3, silu: 4, sigmoid: 5, tanh: 6 } as const;

/** The macro-kernel's scratch area (bytes): edge tiles of C and the residual (MR x NR), bias edges, epilogue block. */
export const SCRATCH = { tileC: 0, tileR: 8 * NR * 4, bn: 16 * NR * 4, bm: 17 * NR * 4, ep: 17 * NR * 4 + 8 * 4, bytes: 17 * NR * 4 + 8 * 4 + 64 } as const;

/** Per-thread workspace layout (bytes). */
export const WS = { packA: 0, packB: MC * KC * 4, scratch: MC * KC * 4 + KC * NC * 4 } as const;
export const WS_BYTES = WS.scratch + SCRATCH.bytes;

export function buildGemmModule(opts: { shared: boolean; maxPages: number; relaxed: boolean }): ModuleBuilder {
  const m = new ModuleBuilder({ shared: opts.shared, maxPages: opts.maxPages }, "coil_sgemm");
  const actVec = emitActVec(m);
  const kernel = emitKernel(m, opts.relaxed, MR, actVec);
  const packA = emitPackA(m);
  const packB = emitPackB(m);
  const packBConv = emitPackBConv(m);
  const macro = emitMacro(m, kernel);
  emitTask(m, packA, packB, packBConv, macro);
  return m;
}

// act_vec(v, kind) -> v128: the activations with codes >= 2, one inlined math sequence per kind
function emitActVec(m: ModuleBuilder): FunctionBuilder {
  const f = m.func("act_vec", ["v128", "i32"], ["v128"], { paramNames: ["v", "kind"] });
  const s = new MathScope(m, f);
  const out = f.local("v128", "out");
  f.get(0).set(out);
  const kinds: [number, () => void][] = [
    [ACT.gelu, () => emitUnary(s, "gelu", 0)],
    [ACT.gelu_tanh, () => emitUnary(s, "gelu_tanh", 0)],
    [ACT.silu, () => { f.get(0); emitUnary(s, "sigmoid", 0); f.op("f32x4.mul"); }],
    [ACT.sigmoid, () => emitUnary(s, "sigmoid", 0)],
    [ACT.tanh, () => emitUnary(s, "tanh", 0)],
  ];
  for (const [code, emit] of kinds) {
    f.get(1).i32(code).op("i32.eq").if_();
    emit();
    f.set(out);
    f.end();
  }
  f.get(out);
  return f;
}

/** min(a, b) of two i32 locals/expressions already on the stack via select. */
function minI32(f: FunctionBuilder, a: () => void, b: () => void): void {
  a(); b(); a(); b(); f.op("i32.lt_s").op("select");
}

/** Epilogue block (bytes from its pointer) the kernel reads after its k loop: readC, beta, last, ldr, act, lo, hi. */
export const EP = { readC: 0, beta: 4, last: 8, ldr: 12, act: 16, lo: 20, hi: 24 } as const;

// kernel(a, b, c, ldc, kc, bn, bm, res, ep): MR x 8 tile; pointers/ld in bytes. The epilogue's scalars are read from
// memory at `ep` after the k loop, not passed as parameters: f32 parameters (beta, lo, hi) live in xmm registers
// across the loop, and with 12 accumulators V8 (15 allocatable xmm on x64) then spills inside the loop.
export function emitKernel(m: ModuleBuilder, relaxed: boolean, MR_ = MR, actVec?: FunctionBuilder): FunctionBuilder {
  const MR = MR_;
  const names = ["a", "b", "c", "ldc", "kc", "bn", "bm", "res", "ep"];
  const f = m.func("kernel", names.map(() => "i32" as const), [], { export: true, paramNames: names });
  const [a, b, c, ldc, kc, bn, bm, res, ep] = names.map((_, i) => i) as [number, number, number, number, number, number, number, number, number];
  const acc: number[] = [];
  for (let r = 0; r < MR; r++) for (let h = 0; h < 2; h++) acc.push(f.local("v128", `acc${r}_${h}`));
  const b0 = f.local("v128", "b0"), b1 = f.local("v128", "b1"), av = f.local("v128", "av"), v = f.local("v128", "v");
  const avec = f.local("v128", "avec");
  const aEnd = f.local("i32", "aEnd"), rowC = f.local("i32", "rowC"), rowR = f.local("i32", "rowR");
  const readC = f.local("i32", "readC"), last = f.local("i32", "last"), ldr = f.local("i32", "ldr"), act = f.local("i32", "act");
  const betaV = f.local("v128", "betaV"), loV = f.local("v128", "loV"), hiV = f.local("v128", "hiV");
  for (const x of acc) f.f32x4(0).set(x);
  f.get(a).get(kc).i32(MR * 4).op("i32.mul").op("i32.add").set(aEnd);
  // rows 2-3 of a 4-row tile are splat from a second pointer a2 = a + 8 at offsets 0 and 4: V8 folds only offset 0
  // and a hoisted base + 4 into vbroadcastss addresses, and computed a + 8 and a + 12 with two leaq per k
  const a2 = f.local("i32", "a2");
  f.get(a).i32(8).op("i32.add").set(a2);
  // one k step at offset u (in k steps) from a and b; the pointers advance after the steps
  const step = (u: number) => {
    f.get(b).mem("v128.load", u * NR * 4).set(b0);
    f.get(b).mem("v128.load", u * NR * 4 + 16).set(b1);
    // rows 0-3 of A: one v128 load and lane broadcasts (pure shuffles, which V8 schedules next to their use; it
    // hoists every load of the iteration to its top, so MR splat loads would all be live at once)
    if (MR > 4) f.get(a).mem("v128.load", u * MR * 4, 2).set(avec);
    for (let r = 0; r < MR; r++) {
      if (MR > 4 && r < 4) f.get(avec).get(avec).shuffle32(r, r, r, r).set(av);
      else if (MR === 4 && r >= 2) f.get(a2).mem("v128.load32_splat", (u * MR + r - 2) * 4).set(av);
      else f.get(a).mem("v128.load32_splat", (u * MR + r) * 4).set(av);
      for (let h = 0; h < 2; h++) {
        const x = acc[r * 2 + h]!;
        if (relaxed) f.get(av).get(h ? b1 : b0).get(x).op("f32x4.relaxed_madd").set(x);
        else f.get(x).get(av).get(h ? b1 : b0).op("f32x4.mul").op("f32x4.add").set(x);
      }
    }
  };
  // one k step per iteration: unrolling by 2 measured 2x slower (V8 hoists both steps' loads: 20 live xmm, spills)
  const exit = f.block();
  const top = f.loop();
  f.get(a).get(aEnd).op("i32.ge_u").brIf(exit);
  step(0);
  f.get(a).i32(MR * 4).op("i32.add").set(a);
  if (MR === 4) f.get(a2).i32(MR * 4).op("i32.add").set(a2);
  f.get(b).i32(NR * 4).op("i32.add").set(b);
  f.br(top).end().end();
  // epilogue
  f.get(ep).mem("i32.load", EP.readC).set(readC);
  f.get(ep).mem("i32.load", EP.last).set(last);
  f.get(ep).mem("i32.load", EP.ldr).set(ldr);
  f.get(ep).mem("i32.load", EP.act).set(act);
  f.get(ep).mem("v128.load32_splat", EP.beta).set(betaV);
  f.get(ep).mem("v128.load32_splat", EP.lo).set(loV);
  f.get(ep).mem("v128.load32_splat", EP.hi).set(hiV);
  f.get(c).set(rowC);
  f.get(res).set(rowR);
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      const x = acc[r * 2 + h]!;
      f.get(x).set(v);
      f.get(readC).if_();
      f.get(v).get(rowC).mem("v128.load", h * 16).get(betaV).op("f32x4.mul").op("f32x4.add").set(v);
      f.end();
      f.get(last).if_();
      {
        f.get(bn).if_();
        f.get(v).get(bn).mem("v128.load", h * 16).op("f32x4.add").set(v);
        f.end();
        f.get(bm).if_();
        f.get(v).get(bm).mem("v128.load32_splat", r * 4).op("f32x4.add").set(v);
        f.end();
        f.get(act).i32(ACT.clamp).op("i32.eq").if_();
        f.get(v).get(hiV).op("f32x4.min").get(loV).op("f32x4.max").set(v);
        f.end();
        if (actVec) {
          f.get(act).i32(ACT.gelu).op("i32.ge_s").if_();
          f.get(v).get(act).call(actVec).set(v);
          f.end();
        }
        f.get(res).if_();
        f.get(v).get(rowR).mem("v128.load", h * 16).op("f32x4.add").set(v);
        f.end();
      }
      f.end();
      f.get(rowC).get(v).mem("v128.store", h * 16);
    }
    f.get(rowC).get(ldc).op("i32.add").set(rowC);
    f.get(rowR).get(ldr).op("i32.add").set(rowR);
  }
  return f;
}

// pack_a(dst, src, rs, cs, mc, kc, alpha): rs/cs in elements; dst panels of MR rows: dst[(p*kc + k)*MR + r].
// Fast paths for full panels: column-contiguous A (rs = 1: one v128 per k) and row-contiguous A (cs = 1: 4x4
// blocks transposed with shuffles); a scalar loop with zero padding otherwise.
function emitPackA(m: ModuleBuilder): FunctionBuilder {
  if (MR < 4 || MR > 6) throw new Error("pack_a fast paths assume MR = 4, 5 or 6");
  const names = ["dst", "src", "rs", "cs", "mc", "kc", "alpha"];
  const f = m.func("pack_a", ["i32", "i32", "i32", "i32", "i32", "i32", "f32"], [], { export: true, paramNames: names });
  const [dst, src, rs, cs, mc, kc, alpha] = [0, 1, 2, 3, 4, 5, 6] as const;
  const i = f.local("i32", "i"), k = f.local("i32", "k"), rows = f.local("i32", "rows");
  const rowPtr = f.local("i32", "rowPtr"), p = f.local("i32", "p"), d = f.local("i32", "d");
  const av = f.local("v128", "alphaV");
  const rv = [0, 1, 2, 3, 4, 5].map((j) => f.local("v128", `r${j}`));
  const tv = [0, 1, 2, 3].map((j) => f.local("v128", `t${j}`));
  f.get(alpha).op("f32x4.splat").set(av);
  f.get(rs).i32(4).op("i32.mul").set(rs);
  f.get(cs).i32(4).op("i32.mul").set(cs);
  f.get(dst).set(d);
  const scalarK = (from: () => void, full: boolean) => {
    f.for_(k, from, () => f.get(kc), 1, () => {
      f.get(rowPtr).get(k).get(cs).op("i32.mul").op("i32.add").set(p);
      for (let rr = 0; rr < MR; rr++) {
        f.get(d);
        if (full) f.get(p).mem("f32.load").get(alpha).op("f32.mul");
        else {
          f.i32(rr).get(rows).op("i32.lt_s").if_("f32");
          f.get(p).mem("f32.load").get(alpha).op("f32.mul");
          f.else_().f32(0).end();
        }
        f.mem("f32.store", rr * 4);
        if (rr < MR - 1) f.get(p).get(rs).op("i32.add").set(p);
      }
      f.get(d).i32(MR * 4).op("i32.add").set(d);
    });
  };
  f.for_(i, () => f.i32(0), () => f.get(mc), MR, () => {
    minI32(f, () => f.i32(MR), () => f.get(mc).get(i).op("i32.sub"));
    f.set(rows);
    f.get(src).get(i).get(rs).op("i32.mul").op("i32.add").set(rowPtr);
    f.get(rows).i32(MR).op("i32.eq").get(rs).i32(4).op("i32.eq").op("i32.and").if_();
    {
      f.for_(k, () => f.i32(0), () => f.get(kc), 1, () => {
        f.get(d).get(rowPtr).get(k).get(cs).op("i32.mul").op("i32.add").mem("v128.load", 0, 2).get(av).op("f32x4.mul").mem("v128.store", 0, 2);
        if (MR === 6) f.get(d).get(rowPtr).get(k).get(cs).op("i32.mul").op("i32.add").mem("v128.load64_zero", 16, 2).get(av).op("f32x4.mul").memLane("v128.store64_lane", 0, 16);
        if (MR === 5) f.get(d).get(rowPtr).get(k).get(cs).op("i32.mul").op("i32.add").mem("f32.load", 16).get(alpha).op("f32.mul").mem("f32.store", 16);
        f.get(d).i32(MR * 4).op("i32.add").set(d);
      });
    }
    f.else_();
    f.get(rows).i32(MR).op("i32.eq").get(cs).i32(4).op("i32.eq").op("i32.and").if_();
    {
      f.i32(0).set(k);
      const exit = f.block();
      const top = f.loop();
      f.get(k).i32(4).op("i32.add").get(kc).op("i32.gt_s").brIf(exit);
      for (let r = 0; r < MR; r++) {
        f.get(rowPtr).get(k).i32(4).op("i32.mul").op("i32.add");
        if (r) f.get(rs).i32(r).op("i32.mul").op("i32.add");
        f.mem("v128.load", 0, 2).set(rv[r]!);
      }
      f.get(rv[0]!).get(rv[1]!).shuffle32(0, 4, 1, 5).set(tv[0]!);
      f.get(rv[2]!).get(rv[3]!).shuffle32(0, 4, 1, 5).set(tv[1]!);
      f.get(rv[0]!).get(rv[1]!).shuffle32(2, 6, 3, 7).set(tv[2]!);
      f.get(rv[2]!).get(rv[3]!).shuffle32(2, 6, 3, 7).set(tv[3]!);
      const outs: [number, number, number[]][] = [[0, 1, [0, 1, 4, 5]], [0, 1, [2, 3, 6, 7]], [2, 3, [0, 1, 4, 5]], [2, 3, [2, 3, 6, 7]]];
      // rows 0-3 of k+j: one v128 at d + j*MR*4; rows 4-5 (MR = 6): a 64-bit lane of a 2x4 interleave
      outs.forEach(([x, y, l], j) => {
        f.get(d).get(tv[x]!).get(tv[y]!).shuffle32(l[0]!, l[1]!, l[2]!, l[3]!).get(av).op("f32x4.mul").mem("v128.store", j * MR * 4, 2);
      });
      if (MR === 6) {
        f.get(rv[4]!).get(rv[5]!).shuffle32(0, 4, 1, 5).get(av).op("f32x4.mul").set(tv[0]!);
        f.get(rv[4]!).get(rv[5]!).shuffle32(2, 6, 3, 7).get(av).op("f32x4.mul").set(tv[1]!);
        for (let j = 0; j < 4; j++) f.get(d).get(tv[j >> 1]!).memLane("v128.store64_lane", j & 1, j * MR * 4 + 16);
      }
      if (MR === 5) {
        f.get(rv[4]!).get(av).op("f32x4.mul").set(tv[0]!);
        for (let j = 0; j < 4; j++) f.get(d).get(tv[0]!).memLane("v128.store32_lane", j, j * MR * 4 + 16);
      }
      f.get(d).i32(4 * MR * 4).op("i32.add").set(d);
      f.get(k).i32(4).op("i32.add").set(k);
      f.br(top).end().end();
      scalarK(() => f.get(k), true);
    }
    f.else_();
    scalarK(() => f.i32(0), false);
    f.end();
    f.end();
  });
  return f;
}

// pack_b(dst, src, rs, cs, kc, nc): dst panels of NR columns: dst[(p*kc + k)*NR + c]
function emitPackB(m: ModuleBuilder): FunctionBuilder {
  const names = ["dst", "src", "rs", "cs", "kc", "nc"];
  const f = m.func("pack_b", ["i32", "i32", "i32", "i32", "i32", "i32"], [], { export: true, paramNames: names });
  const [dst, src, rs, cs, kc, nc] = [0, 1, 2, 3, 4, 5] as const;
  const j = f.local("i32", "j"), k = f.local("i32", "k"), cols = f.local("i32", "cols");
  const colPtr = f.local("i32", "colPtr"), p = f.local("i32", "p"), d = f.local("i32", "d");
  const cv = Array.from({ length: NR }, (_, c) => f.local("v128", `c${c}`));
  const tv = [0, 1, 2, 3].map((t) => f.local("v128", `t${t}`));
  f.get(rs).i32(4).op("i32.mul").set(rs);
  f.get(cs).i32(4).op("i32.mul").set(cs);
  f.get(dst).set(d);
  f.for_(j, () => f.i32(0), () => f.get(nc), NR, () => {
    minI32(f, () => f.i32(NR), () => f.get(nc).get(j).op("i32.sub"));
    f.set(cols);
    f.get(src).get(j).get(cs).op("i32.mul").op("i32.add").set(colPtr);
    // fast path: unit column stride (4 bytes) and a full panel: two v128 copies per k
    f.get(cols).i32(NR).op("i32.eq").get(cs).i32(4).op("i32.eq").op("i32.and").if_();
    f.for_(k, () => f.i32(0), () => f.get(kc), 1, () => {
      f.get(colPtr).get(k).get(rs).op("i32.mul").op("i32.add").set(p);
      f.get(d).get(p).mem("v128.load", 0, 2).mem("v128.store", 0, 2);
      f.get(d).get(p).mem("v128.load", 16, 2).mem("v128.store", 16, 2);
      f.get(d).i32(NR * 4).op("i32.add").set(d);
    });
    f.else_();
    // scalar k loop from `from` to kc (zero padding past `cols`)
    const scalarK = (from: () => void) => {
      f.for_(k, from, () => f.get(kc), 1, () => {
        f.get(colPtr).get(k).get(rs).op("i32.mul").op("i32.add").set(p);
        for (let cc = 0; cc < NR; cc++) {
          f.get(d);
          f.i32(cc).get(cols).op("i32.lt_s").if_("f32");
          f.get(p).mem("f32.load");
          f.else_().f32(0).end();
          f.mem("f32.store", cc * 4);
          if (cc < NR - 1) f.get(p).get(cs).op("i32.add").set(p);
        }
        f.get(d).i32(NR * 4).op("i32.add").set(d);
      });
    };
    // transposed B (rs = 1): 4 k values of a column are contiguous; two 4x4 shuffle transposes per 4 k
    f.get(cols).i32(NR).op("i32.eq").get(rs).i32(4).op("i32.eq").op("i32.and").if_();
    {
      f.i32(0).set(k);
      const exit = f.block();
      const top = f.loop();
      f.get(k).i32(4).op("i32.add").get(kc).op("i32.gt_s").brIf(exit);
      for (let c = 0; c < NR; c++) {
        f.get(colPtr).get(k).i32(4).op("i32.mul").op("i32.add");
        if (c) f.get(cs).i32(c).op("i32.mul").op("i32.add");
        f.mem("v128.load", 0, 2).set(cv[c]!);
      }
      for (let half = 0; half < 2; half++) {
        const [r0, r1, r2, r3] = cv.slice(half * 4, half * 4 + 4) as [number, number, number, number];
        f.get(r0).get(r1).shuffle32(0, 4, 1, 5).set(tv[0]!);
        f.get(r2).get(r3).shuffle32(0, 4, 1, 5).set(tv[1]!);
        f.get(r0).get(r1).shuffle32(2, 6, 3, 7).set(tv[2]!);
        f.get(r2).get(r3).shuffle32(2, 6, 3, 7).set(tv[3]!);
        const outs: [number, number, number[]][] = [[0, 1, [0, 1, 4, 5]], [0, 1, [2, 3, 6, 7]], [2, 3, [0, 1, 4, 5]], [2, 3, [2, 3, 6, 7]]];
        outs.forEach(([x, y, l], kk) => {
          f.get(d).get(tv[x]!).get(tv[y]!).shuffle32(l[0]!, l[1]!, l[2]!, l[3]!).mem("v128.store", kk * NR * 4 + half * 16);
        });
      }
      f.get(d).i32(4 * NR * 4).op("i32.add").set(d);
      f.get(k).i32(4).op("i32.add").set(k);
      f.br(top).end().end();
      scalarK(() => f.get(k));
    }
    f.else_();
    scalarK(() => f.i32(0));
    f.end();
    f.end();
  });
  return f;
}

// pack_b_conv(dst, x, geom, pc, kc, jc, nc): the packed panels of rows pc..pc+kc and columns jc..jc+nc of the
// im2col matrix of the (already zero-padded) image x (C x H x W), without materialising it: row k = (c, ki, kj),
// column j = (oy, ox), element x[c, oy*sh + ki*dh, ox*sw + kj*dw]. The source pointer advances incrementally
// along the output row; a panel of 8 columns inside one output row with stride 1 is two v128 copies, others (rows
// of fewer than 8 left, stride > 1, the last partial panel) go element by element.
function emitPackBConv(m: ModuleBuilder): FunctionBuilder {
  const names = ["dst", "x", "geom", "pc", "kc", "jc", "nc"];
  const f = m.func("pack_b_conv", names.map(() => "i32" as const), [], { export: true, paramNames: names });
  const [dst, x, geom, pc, kc, jc, nc] = [0, 1, 2, 3, 4, 5, 6] as const;
  const L = (n: string) => f.local("i32", n);
  const G: Record<string, number> = {};
  for (const key of Object.keys(CONV)) G[key] = L(key);
  const k = L("k"), kk = L("kk"), ki = L("ki"), kj = L("kj"), d = L("d"), pstride = L("pstride"), j = L("j");
  const oy0 = L("oy0"), ox0 = L("ox0"), ox = L("ox"), src = L("src"), rowStep = L("rowStep"), colStep = L("colStep"), khw = L("khw");
  const l = L("l"), dl = L("dl"), fast = L("fast");
  const g = (key: keyof typeof CONV) => f.get(G[key]!);
  for (const [key, slot] of Object.entries(CONV)) f.get(geom).mem("i32.load", slot * 4).set(G[key]!);
  g("KH"); g("KW"); f.op("i32.mul").set(khw);
  f.get(kc).i32(NR * 4).op("i32.mul").set(pstride);
  f.get(jc); g("OW"); f.op("i32.div_u").set(oy0);
  f.get(jc); g("OW"); f.op("i32.rem_u").set(ox0);
  g("sw"); f.i32(4).op("i32.mul").set(colStep);
  // after OW columns the pointer has moved OW*sw elements; the next output row starts sh input rows down
  g("sh"); g("W"); f.op("i32.mul"); g("OW"); g("sw"); f.op("i32.mul").op("i32.sub").i32(4).op("i32.mul").set(rowStep);
  g("sw"); f.i32(1).op("i32.eq").set(fast);
  f.for_(k, () => f.i32(0), () => f.get(kc), 1, () => {
    // kk = (c*KH + ki)*KW + kj: src = x + ((c*H + oy0*sh + ki*dh)*W + ox0*sw + kj*dw)*4
    f.get(pc).get(k).op("i32.add").set(kk);
    f.get(kk).get(khw).op("i32.rem_u").tee(kj); g("KW"); f.op("i32.div_u").set(ki);
    f.get(kj); g("KW"); f.op("i32.rem_u").set(kj);
    f.get(x);
    f.get(kk).get(khw).op("i32.div_u"); g("H"); f.op("i32.mul");
    f.get(oy0); g("sh"); f.op("i32.mul").op("i32.add").get(ki); g("dh"); f.op("i32.mul").op("i32.add"); g("W"); f.op("i32.mul");
    f.get(ox0); g("sw"); f.op("i32.mul").op("i32.add").get(kj); g("dw"); f.op("i32.mul").op("i32.add");
    f.i32(4).op("i32.mul").op("i32.add").set(src);
    f.get(ox0).set(ox);
    f.get(dst).get(k).i32(NR * 4).op("i32.mul").op("i32.add").set(d);
    f.for_(j, () => f.i32(0), () => f.get(nc), NR, () => {
      f.get(fast).get(ox).i32(NR).op("i32.add"); g("OW"); f.op("i32.le_s").op("i32.and");
      f.get(nc).get(j).op("i32.sub").i32(NR).op("i32.ge_s").op("i32.and");
      f.if_();
      {
        f.get(d).get(src).mem("v128.load", 0, 2).mem("v128.store", 0, 2);
        f.get(d).get(src).mem("v128.load", 16, 2).mem("v128.store", 16, 2);
        f.get(src).i32(NR * 4).op("i32.add").set(src);
        f.get(ox).i32(NR).op("i32.add").tee(ox); g("OW"); f.op("i32.eq").if_();
        f.i32(0).set(ox);
        f.get(src).get(rowStep).op("i32.add").set(src);
        f.end();
      }
      f.else_();
      {
        // element by element; lanes past nc are zero
        f.get(d).set(dl);
        f.for_(l, () => f.i32(0), () => f.i32(NR), 1, () => {
          f.get(dl);
          f.get(j).get(l).op("i32.add").get(nc).op("i32.lt_s").if_("f32");
          f.get(src).mem("f32.load");
          f.else_().f32(0).end();
          f.mem("f32.store");
          f.get(dl).i32(4).op("i32.add").set(dl);
          f.get(src).get(colStep).op("i32.add").set(src);
          f.get(ox).i32(1).op("i32.add").tee(ox); g("OW"); f.op("i32.eq").if_();
          f.i32(0).set(ox);
          f.get(src).get(rowStep).op("i32.add").set(src);
          f.end();
        });
      }
      f.end();
      f.get(d).get(pstride).op("i32.add").set(d);
    });
  });
  return f;
}

// macro(pa, pb, c, ldc, mc, nc, kc, readC, beta, last, bn, bm, res, ldr, act, lo, hi, scratch): all tiles of a block
function emitMacro(m: ModuleBuilder, kernel: FunctionBuilder): FunctionBuilder {
  const names = ["pa", "pb", "c", "ldc", "mc", "nc", "kc", "readC", "beta", "last", "bn", "bm", "res", "ldr", "act", "lo", "hi", "scratch"];
  const types = ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "f32", "i32", "i32", "i32", "i32", "i32", "i32", "f32", "f32", "i32"] as const;
  const f = m.func("macro", [...types], [], { export: true, paramNames: names });
  const P = Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, number>;
  const i = f.local("i32", "i"), j = f.local("i32", "j"), mr = f.local("i32", "mr"), nr = f.local("i32", "nr");
  const cP = f.local("i32", "cP"), rP = f.local("i32", "rP"), bnP = f.local("i32", "bnP"), bmP = f.local("i32", "bmP");
  const x = f.local("i32", "x"), y = f.local("i32", "y");
  const tileC = () => f.get(P.scratch!);
  const tileR = () => f.get(P.scratch!).i32(SCRATCH.tileR).op("i32.add");
  const bn8 = () => f.get(P.scratch!).i32(SCRATCH.bn).op("i32.add");
  const bm8 = () => f.get(P.scratch!).i32(SCRATCH.bm).op("i32.add");
  // copy an mr x nr tile: dst[y*dstLd + x*4] = src[y*srcLd + x*4]
  const copyTile = (dst: () => void, dstLd: () => void, srcp: () => void, srcLd: () => void) => {
    f.for_(y, () => f.i32(0), () => f.get(mr), 1, () => {
      f.for_(x, () => f.i32(0), () => f.get(nr), 1, () => {
        dst(); f.get(y); dstLd(); f.op("i32.mul").op("i32.add").get(x).i32(4).op("i32.mul").op("i32.add");
        srcp(); f.get(y); srcLd(); f.op("i32.mul").op("i32.add").get(x).i32(4).op("i32.mul").op("i32.add");
        f.mem("f32.load").mem("f32.store");
      });
    });
  };
  const epAt = () => f.get(P.scratch!).i32(SCRATCH.ep).op("i32.add");
  // the kernel's epilogue block: the tile-independent scalars, written once per macro call (ldr per call site)
  epAt(); f.get(P.readC!).mem("i32.store", EP.readC);
  epAt(); f.get(P.beta!).mem("f32.store", EP.beta);
  epAt(); f.get(P.last!).mem("i32.store", EP.last);
  epAt(); f.get(P.act!).mem("i32.store", EP.act);
  epAt(); f.get(P.lo!).mem("f32.store", EP.lo);
  epAt(); f.get(P.hi!).mem("f32.store", EP.hi);
  const callKernel = (c: () => void, ldc: () => void, bn: () => void, bm: () => void, res: () => void, ldr: () => void) => {
    epAt(); ldr(); f.mem("i32.store", EP.ldr);
    f.get(P.pa!).get(i).get(P.kc!).op("i32.mul").i32(4).op("i32.mul").op("i32.add");
    f.get(P.pb!).get(j).get(P.kc!).op("i32.mul").i32(4).op("i32.mul").op("i32.add");
    c(); ldc(); f.get(P.kc!);
    bn(); bm(); res(); epAt();
    f.call(kernel);
  };
  f.for_(j, () => f.i32(0), () => f.get(P.nc!), NR, () => {
    minI32(f, () => f.i32(NR), () => f.get(P.nc!).get(j).op("i32.sub"));
    f.set(nr);
    f.for_(i, () => f.i32(0), () => f.get(P.mc!), MR, () => {
      minI32(f, () => f.i32(MR), () => f.get(P.mc!).get(i).op("i32.sub"));
      f.set(mr);
      f.get(P.c!).get(i).get(P.ldc!).op("i32.mul").op("i32.add").get(j).i32(4).op("i32.mul").op("i32.add").set(cP);
      f.get(P.res!).if_("i32");
      f.get(P.res!).get(i).get(P.ldr!).op("i32.mul").op("i32.add").get(j).i32(4).op("i32.mul").op("i32.add");
      f.else_().i32(0).end().set(rP);
      f.get(P.bn!).if_("i32");
      f.get(P.bn!).get(j).i32(4).op("i32.mul").op("i32.add");
      f.else_().i32(0).end().set(bnP);
      f.get(P.bm!).if_("i32");
      f.get(P.bm!).get(i).i32(4).op("i32.mul").op("i32.add");
      f.else_().i32(0).end().set(bmP);
      f.get(mr).i32(MR).op("i32.eq").get(nr).i32(NR).op("i32.eq").op("i32.and").if_();
      callKernel(() => f.get(cP), () => f.get(P.ldc!), () => f.get(bnP), () => f.get(bmP), () => f.get(rP), () => f.get(P.ldr!));
      f.else_();
      {
        f.get(P.readC!).if_();
        copyTile(tileC, () => f.i32(32), () => f.get(cP), () => f.get(P.ldc!));
        f.end();
        f.get(P.last!).if_();
        f.get(rP).if_();
        copyTile(tileR, () => f.i32(32), () => f.get(rP), () => f.get(P.ldr!));
        f.end();
        f.get(bnP).if_();
        f.for_(x, () => f.i32(0), () => f.get(nr), 1, () => {
          bn8(); f.get(x).i32(4).op("i32.mul").op("i32.add").get(bnP).get(x).i32(4).op("i32.mul").op("i32.add").mem("f32.load").mem("f32.store");
        });
        f.end();
        f.get(bmP).if_();
        f.for_(x, () => f.i32(0), () => f.get(mr), 1, () => {
          bm8(); f.get(x).i32(4).op("i32.mul").op("i32.add").get(bmP).get(x).i32(4).op("i32.mul").op("i32.add").mem("f32.load").mem("f32.store");
        });
        f.end();
        f.end();
        const orZero = (p: number, val: () => void) => () => { f.get(p).if_("i32"); val(); f.else_().i32(0).end(); };
        callKernel(tileC, () => f.i32(32), orZero(bnP, bn8), orZero(bmP, bm8), orZero(rP, tileR), () => f.i32(32));
        copyTile(() => f.get(cP), () => f.get(P.ldc!), tileC, () => f.i32(32));
      }
      f.end();
    });
  });
  return f;
}

// gemm_task(task, args, tid): one (batch, M chunk, N chunk) tile of the problem, cache-blocked
function emitTask(m: ModuleBuilder, packA: FunctionBuilder, packB: FunctionBuilder, packBConv: FunctionBuilder, macro: FunctionBuilder): void {
  const f = m.func("gemm_task", ["i32", "i32", "i32"], [], { export: true, paramNames: ["task", "args", "tid"] });
  const [task, args, tid] = [0, 1, 2] as const;
  const L = (n: string) => f.local("i32", n);
  const bt = L("bt"), mt = L("mt"), nt = L("nt"), m0 = L("m0"), m1 = L("m1"), n0 = L("n0"), n1 = L("n1");
  const jc = L("jc"), pc = L("pc"), ic = L("ic"), nc = L("nc"), kc = L("kc"), mc = L("mc");
  const pb = L("pb");
  const A = L("A"), B = L("B"), C = L("C"), R = L("R"), bnB = L("bnB"), bmB = L("bmB"), ws = L("ws"), last = L("last");
  const arg = (slot: number) => f.get(args).mem("i32.load", slot * 4);
  const argF = (slot: number) => f.get(args).mem("f32.load", slot * 4);
  const tilesPer = L("tilesPer");
  // bt = task / (mTiles*nTiles); rem -> mt, nt
  arg(ARG.mTiles); arg(ARG.nTiles); f.op("i32.mul").set(tilesPer);
  f.get(task).get(tilesPer).op("i32.div_u").set(bt);
  f.get(task).get(tilesPer).op("i32.rem_u").tee(mt);
  arg(ARG.nTiles); f.op("i32.rem_u").set(nt);
  f.get(mt); arg(ARG.nTiles); f.op("i32.div_u").set(mt);
  f.get(mt); arg(ARG.chunkM); f.op("i32.mul").set(m0);
  minI32(f, () => { f.get(m0); arg(ARG.chunkM); f.op("i32.add"); }, () => arg(ARG.M));
  f.set(m1);
  f.get(nt); arg(ARG.chunkN); f.op("i32.mul").set(n0);
  minI32(f, () => { f.get(n0); arg(ARG.chunkN); f.op("i32.add"); }, () => arg(ARG.N));
  f.set(n1);
  // batch offsets (bytes)
  const boff = (base: number, bs: number, dst: number) => {
    arg(base); f.get(bt); arg(bs); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").set(dst);
  };
  boff(ARG.A, ARG.bsA, A); boff(ARG.B, ARG.bsB, B); boff(ARG.C, ARG.bsC, C);
  arg(ARG.res); f.if_("i32"); boff(ARG.res, ARG.bsR, R); f.get(R); f.else_().i32(0).end().set(R);
  arg(ARG.biasN); f.if_("i32"); boff(ARG.biasN, ARG.bsBiasN, bnB); f.get(bnB); f.else_().i32(0).end().set(bnB);
  arg(ARG.biasM); f.if_("i32"); boff(ARG.biasM, ARG.bsBiasM, bmB); f.get(bmB); f.else_().i32(0).end().set(bmB);
  arg(ARG.ws); f.get(tid); arg(ARG.wsStride); f.op("i32.mul").op("i32.add").set(ws);
  const elemOff = (base: number, row: () => void, rs: number, col: () => void, cs: number) => {
    f.get(base); row(); arg(rs); f.op("i32.mul"); col(); arg(cs); f.op("i32.mul").op("i32.add").i32(4).op("i32.mul").op("i32.add");
  };
  f.for_(jc, () => f.get(n0), () => f.get(n1), NC, () => {
    minI32(f, () => f.i32(NC), () => f.get(n1).get(jc).op("i32.sub"));
    f.set(nc);
    // do { ... } while (pc < K): runs once when K == 0 so beta/bias/activation still apply
    f.i32(0).set(pc);
    const pcLoop = f.loop();
    {
      minI32(f, () => f.i32(KC), () => { arg(ARG.K); f.get(pc).op("i32.sub"); });
      f.set(kc);
      f.get(pc).get(kc).op("i32.add"); arg(ARG.K); f.op("i32.ge_s").set(last);
      // pb: this (jc, pc) block of packed B: inside a prepacked B (ARG.packedB: per batch, per K block of KC rows,
      // all N columns as NR-wide panels, so the block at column jc starts jc*kc floats in), else packed now
      arg(ARG.packedB); f.if_("i32");
      arg(ARG.packedB);
      f.get(bt); arg(ARG.bsPackedB); f.op("i32.mul");
      f.get(pc); arg(ARG.N); f.i32(NR - 1).op("i32.add").i32(-NR).op("i32.and").op("i32.mul").op("i32.add");
      f.get(jc).get(kc).op("i32.mul").op("i32.add").i32(4).op("i32.mul").op("i32.add");
      f.else_(); f.get(ws).i32(WS.packB).op("i32.add"); f.end();
      f.set(pb);
      arg(ARG.packedB); f.if_(); f.else_();
      arg(ARG.conv); f.if_();
      {
        // B is the implicit im2col matrix of the image at B (this batch's channel group)
        f.get(ws).i32(WS.packB).op("i32.add").get(B); arg(ARG.conv); f.get(pc).get(kc).get(jc).get(nc).call(packBConv);
      }
      f.else_();
      f.get(ws).i32(WS.packB).op("i32.add");
      elemOff(B, () => f.get(pc), ARG.rsB, () => f.get(jc), ARG.csB);
      arg(ARG.rsB); arg(ARG.csB); f.get(kc).get(nc).call(packB);
      f.end();
      f.end();
      f.for_(ic, () => f.get(m0), () => f.get(m1), MC, () => {
        minI32(f, () => f.i32(MC), () => f.get(m1).get(ic).op("i32.sub"));
        f.set(mc);
        f.get(ws).i32(WS.packA).op("i32.add");
        elemOff(A, () => f.get(ic), ARG.rsA, () => f.get(pc), ARG.csA);
        arg(ARG.rsA); arg(ARG.csA); f.get(mc).get(kc); argF(ARG.alpha); f.call(packA);
        // macro(pa, pb, c, ldc, mc, nc, kc, readC, beta, last, bn, bm, res, ldr, act, lo, hi, scratch)
        f.get(ws).i32(WS.packA).op("i32.add");
        f.get(pb);
        f.get(C).get(ic); arg(ARG.ldc); f.op("i32.mul").get(jc).op("i32.add").i32(4).op("i32.mul").op("i32.add");
        arg(ARG.ldc); f.i32(4).op("i32.mul");
        f.get(mc).get(nc).get(kc);
        // readC: pc > 0 (accumulate) or beta != 0; beta: 1 after the first block
        f.get(pc).i32(0).op("i32.gt_s"); argF(ARG.beta); f.f32(0).op("f32.ne").op("i32.or");
        f.get(pc).i32(0).op("i32.gt_s").if_("f32").f32(1).else_(); argF(ARG.beta); f.end();
        f.get(last);
        f.get(bnB).if_("i32").get(bnB).get(jc).i32(4).op("i32.mul").op("i32.add").else_().i32(0).end();
        f.get(bmB).if_("i32").get(bmB).get(ic).i32(4).op("i32.mul").op("i32.add").else_().i32(0).end();
        f.get(R).if_("i32").get(R).get(ic); arg(ARG.ldr); f.op("i32.mul").get(jc).op("i32.add").i32(4).op("i32.mul").op("i32.add").else_().i32(0).end();
        arg(ARG.ldr); f.i32(4).op("i32.mul");
        arg(ARG.act); argF(ARG.lo); argF(ARG.hi);
        f.get(ws).i32(WS.scratch).op("i32.add");
        f.call(macro);
      });
      f.get(pc).i32(KC).op("i32.add").tee(pc);
      arg(ARG.K); f.op("i32.lt_s").brIf(pcLoop);
    }
    f.end();
  });
}
