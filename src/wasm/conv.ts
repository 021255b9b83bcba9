// wasm/conv: float32 2-d convolution (NCHW, OIHW weights, stride/padding/dilation/groups) on the wasm GEMM:
// im2col in wasm (v128 row copies for stride 1), then one batched-over-groups GEMM per image with the bias as a
// row bias and the activation fused; 1x1 stride-1 unpadded convolutions skip im2col; depthwise convolutions
// (groups = C = Cout) with a clamp-type activation run a direct f32x4 kernel over zero-padded planes. In: input and weight
// Float32Arrays with shapes (or a prepacked weight kept in wasm memory). Out: the NCHW output Float32Array.

import { ModuleBuilder } from "./emitter.js";
import { MAX_PAGES, wasmMemory } from "./memory.js";
import { threadPool, type KernelModule, type ThreadPool } from "./threads.js";
import { sgemmPtr, type Activation } from "./gemm.js";

type Pair = number | [number, number];
const pair = (v: Pair | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : v);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  /** Per output channel. */
  bias?: Float32Array;
  activation?: Activation;
  threads?: number;
  /** Destination (N*Cout*OH*OW, NCHW); allocating a fresh large Float32Array costs more than the convolution. */
  out?: Float32Array;
}

const modules = new WeakMap<ThreadPool, KernelModule>();

// im2col(src, dst, C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW): dst[(c*KH*KW + ki*KW + kj), oy*OW + ox]
export function buildIm2col(shared: boolean): ModuleBuilder {
  const m = new ModuleBuilder({ shared, maxPages: MAX_PAGES }, "coil_im2col");
  const names = ["src", "dst", "C", "H", "W", "KH", "KW", "sh", "sw", "ph", "pw", "dh", "dw", "OH", "OW"];
  const f = m.func("im2col", names.map(() => "i32" as const), [], { export: true, paramNames: names });
  const P = Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, number>;
  const g = (n: string) => f.get(P[n]!);
  const L = (n: string) => f.local("i32", n);
  const c = L("c"), ki = L("ki"), kj = L("kj"), oy = L("oy"), ox = L("ox"), iy = L("iy"), ix = L("ix");
  const d = L("d"), srcRow = L("srcRow"), lo = L("lo"), hi = L("hi"), off = L("off");
  const cd = L("cd"), cs = L("cs"), cn = L("cn"), ci = L("ci");
  // short rows: inline v128 copy / zero loops (memory.copy and memory.fill are runtime calls in V8, ~30 ns each)
  const copy = (dst: () => void, src: (() => void) | null, nBytes: () => void) => {
    dst(); f.set(cd);
    if (src) { src(); f.set(cs); }
    nBytes(); f.set(cn);
    f.i32(0).set(ci);
    const exit = f.block();
    const top = f.loop();
    f.get(ci).i32(16).op("i32.add").get(cn).op("i32.gt_s").brIf(exit);
    f.get(cd).get(ci).op("i32.add");
    if (src) f.get(cs).get(ci).op("i32.add").mem("v128.load", 0, 2);
    else f.i32x4(0);
    f.mem("v128.store", 0, 2);
    f.get(ci).i32(16).op("i32.add").set(ci);
    f.br(top).end().end();
    const exit2 = f.block();
    const top2 = f.loop();
    f.get(ci).get(cn).op("i32.ge_s").brIf(exit2);
    f.get(cd).get(ci).op("i32.add");
    if (src) f.get(cs).get(ci).op("i32.add").mem("f32.load");
    else f.f32(0);
    f.mem("f32.store");
    f.get(ci).i32(4).op("i32.add").set(ci);
    f.br(top2).end().end();
  };
  const clamp = (val: () => void, lo_: () => void, hi_: () => void, dst: number) => {
    // dst = min(max(val, lo), hi)
    val(); lo_(); val(); lo_(); f.op("i32.gt_s").op("select").set(dst);
    f.get(dst); hi_(); f.get(dst); hi_(); f.op("i32.lt_s").op("select").set(dst);
  };
  g("dst").set(d);
  f.for_(c, () => f.i32(0), () => g("C"), 1, () => {
    f.for_(ki, () => f.i32(0), () => g("KH"), 1, () => {
      f.for_(kj, () => f.i32(0), () => g("KW"), 1, () => {
        // off = kj*dw - pw: ix = ox*sw + off
        f.get(kj); g("dw"); f.op("i32.mul"); g("pw"); f.op("i32.sub").set(off);
        f.for_(oy, () => f.i32(0), () => g("OH"), 1, () => {
          f.get(oy); g("sh"); f.op("i32.mul"); g("ph"); f.op("i32.sub").get(ki); g("dh"); f.op("i32.mul").op("i32.add").set(iy);
          f.get(iy).i32(0).op("i32.lt_s").get(iy); g("H"); f.op("i32.ge_s").op("i32.or").if_();
          copy(() => f.get(d), null, () => { g("OW"); f.i32(4).op("i32.mul"); });
          f.else_();
          {
            // srcRow = src + ((c*H + iy)*W)*4
            g("src"); f.get(c); g("H"); f.op("i32.mul").get(iy).op("i32.add"); g("W"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").set(srcRow);
            g("sw").i32(1).op("i32.eq").if_();
            {
              // valid ox: -off <= ox < W - off
              clamp(() => f.i32(0).get(off).op("i32.sub"), () => f.i32(0), () => g("OW"), lo);
              clamp(() => { g("W"); f.get(off).op("i32.sub"); }, () => f.get(lo), () => g("OW"), hi);
              copy(() => f.get(d), null, () => f.get(lo).i32(4).op("i32.mul"));
              copy(() => f.get(d).get(lo).i32(4).op("i32.mul").op("i32.add"),
                () => f.get(srcRow).get(lo).get(off).op("i32.add").i32(4).op("i32.mul").op("i32.add"),
                () => f.get(hi).get(lo).op("i32.sub").i32(4).op("i32.mul"));
              copy(() => f.get(d).get(hi).i32(4).op("i32.mul").op("i32.add"), null, () => { g("OW"); f.get(hi).op("i32.sub").i32(4).op("i32.mul"); });
            }
            f.else_();
            f.for_(ox, () => f.i32(0), () => g("OW"), 1, () => {
              f.get(ox); g("sw"); f.op("i32.mul").get(off).op("i32.add").set(ix);
              f.get(d).get(ox).i32(4).op("i32.mul").op("i32.add");
              f.get(ix).i32(0).op("i32.ge_s").get(ix); g("W"); f.op("i32.lt_s").op("i32.and").if_("f32");
              f.get(srcRow).get(ix).i32(4).op("i32.mul").op("i32.add").mem("f32.load");
              f.else_().f32(0).end();
              f.mem("f32.store");
            });
            f.end();
          }
          f.end();
          f.get(d); g("OW"); f.i32(4).op("i32.mul").op("i32.add").set(d);
        });
      });
    });
  });
  emitDepthwise(m);
  return m;
}

// depthwise(pad, dst, w, bias, C, H, W, KH, KW, sh, sw, dh, dw, OH, OW, PW, lo, hi): groups == C == Cout; `pad`
// holds the zero-padded input planes (C x PH x PW); f32x4 over 4 output columns when sw == 1, scalar otherwise
function emitDepthwise(m: ModuleBuilder): void {
  const names = ["pad", "dst", "w", "bias", "C", "H", "W", "KH", "KW", "sh", "sw", "dh", "dw", "OH", "OW", "PW", "lo", "hi"];
  const types = names.map((n) => (n === "lo" || n === "hi" ? "f32" as const : "i32" as const));
  const f = m.func("depthwise", types, [], { export: true, paramNames: names });
  const P = Object.fromEntries(names.map((n, i) => [n, i])) as Record<string, number>;
  const g = (n: string) => f.get(P[n]!);
  const L = (n: string) => f.local("i32", n);
  const c = L("c"), oy = L("oy"), ox = L("ox"), ki = L("ki"), kj = L("kj"), plane = L("plane"), wp = L("wp"), row = L("row"), dp = L("dp"), rem = L("rem");
  const acc = f.local("v128", "acc"), b = f.local("v128", "b"), sacc = f.local("f32", "sacc");
  const PH = L("PH");
  // PH = (OH - 1)*sh + (KH - 1)*dh + 1 rows are enough; the caller sizes the plane as PH x PW
  g("OH"); f.i32(1).op("i32.sub"); g("sh"); f.op("i32.mul"); g("KH"); f.i32(1).op("i32.sub"); g("dh"); f.op("i32.mul").op("i32.add").i32(1).op("i32.add").set(PH);
  f.for_(c, () => f.i32(0), () => g("C"), 1, () => {
    g("pad"); f.get(c).get(PH).op("i32.mul"); g("PW"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").set(plane);
    g("w"); f.get(c); g("KH"); f.op("i32.mul"); g("KW"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").set(wp);
    g("bias"); f.if_("v128"); g("bias"); f.get(c).i32(4).op("i32.mul").op("i32.add").mem("v128.load32_splat"); f.else_().f32x4(0).end().set(b);
    g("dst"); f.get(c); g("OH"); f.op("i32.mul"); g("OW"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").set(dp);
    f.for_(oy, () => f.i32(0), () => g("OH"), 1, () => {
      g("sw"); f.i32(1).op("i32.eq").if_();
      f.for_(ox, () => f.i32(0), () => g("OW"), 4, () => {
        f.get(b).set(acc);
        f.for_(ki, () => f.i32(0), () => g("KH"), 1, () => {
          // row = plane + ((oy*sh + ki*dh)*PW + ox)*4
          f.get(plane).get(oy); g("sh"); f.op("i32.mul").get(ki); g("dh"); f.op("i32.mul").op("i32.add"); g("PW"); f.op("i32.mul").get(ox).op("i32.add").i32(4).op("i32.mul").op("i32.add").set(row);
          f.for_(kj, () => f.i32(0), () => g("KW"), 1, () => {
            f.get(acc).get(row).get(kj); g("dw"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").mem("v128.load", 0, 2);
            f.get(wp).get(ki); g("KW"); f.op("i32.mul").get(kj).op("i32.add").i32(4).op("i32.mul").op("i32.add").mem("v128.load32_splat");
            f.op("f32x4.mul").op("f32x4.add").set(acc);
          });
        });
        f.get(acc); g("hi"); f.op("f32x4.splat").op("f32x4.min"); g("lo"); f.op("f32x4.splat").op("f32x4.max").set(acc);
        g("OW"); f.get(ox).op("i32.sub").set(rem);
        f.get(rem).i32(4).op("i32.ge_s").if_();
        f.get(dp).get(ox).i32(4).op("i32.mul").op("i32.add").get(acc).mem("v128.store", 0, 2);
        f.else_();
        for (let l = 0; l < 3; l++) {
          f.get(rem).i32(l).op("i32.gt_s").if_();
          f.get(dp).get(ox).i32(4).op("i32.mul").op("i32.add").get(acc).memLane("v128.store32_lane", l, l * 4);
          f.end();
        }
        f.end();
      });
      f.else_();
      f.for_(ox, () => f.i32(0), () => g("OW"), 1, () => {
        f.get(b).lane("f32x4.extract_lane", 0).set(sacc);
        f.for_(ki, () => f.i32(0), () => g("KH"), 1, () => {
          f.get(plane).get(oy); g("sh"); f.op("i32.mul").get(ki); g("dh"); f.op("i32.mul").op("i32.add"); g("PW"); f.op("i32.mul").get(ox); g("sw"); f.op("i32.mul").op("i32.add").i32(4).op("i32.mul").op("i32.add").set(row);
          f.for_(kj, () => f.i32(0), () => g("KW"), 1, () => {
            f.get(sacc).get(row).get(kj); g("dw"); f.op("i32.mul").i32(4).op("i32.mul").op("i32.add").mem("f32.load");
            f.get(wp).get(ki); g("KW"); f.op("i32.mul").get(kj).op("i32.add").i32(4).op("i32.mul").op("i32.add").mem("f32.load");
            f.op("f32.mul").op("f32.add").set(sacc);
          });
        });
        f.get(dp).get(ox).i32(4).op("i32.mul").op("i32.add").get(sacc); g("hi"); f.op("f32.min"); g("lo"); f.op("f32.max").mem("f32.store");
      });
      f.end();
      f.get(dp); g("OW"); f.i32(4).op("i32.mul").op("i32.add").set(dp);
    });
  });
}

function im2colModule(pool: ThreadPool): KernelModule {
  let km = modules.get(pool);
  if (!km) modules.set(pool, (km = pool.load(buildIm2col(pool.mem.shared).toBytes())));
  return km;
}

/** A weight (and bias) copied into wasm memory once, for repeated convolutions. free() releases it. */
export class Conv2dWeight {
  readonly ptr: number;
  readonly biasPtr: number;
  constructor(w: Float32Array, readonly shape: [number, number, number, number], bias?: Float32Array) {
    const [co, ci, kh, kw] = shape;
    if (w.length !== co * ci * kh * kw) throw new RangeError(`conv2d: weight has ${w.length} elements, shape [${shape}] needs ${co * ci * kh * kw}`);
    if (bias && bias.length !== co) throw new RangeError(`conv2d: bias has ${bias.length} elements, need ${co}`);
    const mem = wasmMemory();
    this.ptr = mem.putF32(w);
    this.biasPtr = bias ? mem.putF32(bias) : 0;
  }
  free(): void {
    const mem = wasmMemory();
    mem.free(this.ptr);
    if (this.biasPtr) mem.free(this.biasPtr);
  }
}

export function conv2dOutputShape(x: [number, number, number, number], w: [number, number, number, number], o: Conv2dOptions): [number, number, number, number] {
  const [sh, sw] = pair(o.stride, 1), [ph, pw] = pair(o.padding, 0), [dh, dw] = pair(o.dilation, 1);
  const oh = Math.floor((x[2] + 2 * ph - dh * (w[2] - 1) - 1) / sh) + 1;
  const ow = Math.floor((x[3] + 2 * pw - dw * (w[3] - 1) - 1) / sw) + 1;
  return [x[0], w[0], oh, ow];
}

/** y = act(conv2d(x, w) + bias), NCHW float32. `w` is a Float32Array (copied per call) or a prepacked Conv2dWeight. */
export function conv2d(x: Float32Array, xShape: [number, number, number, number], w: Float32Array | Conv2dWeight, wShape: [number, number, number, number], o: Conv2dOptions = {}): { data: Float32Array; shape: [number, number, number, number] } {
  const [N, C, H, W] = xShape, [CO, CIg, KH, KW] = wShape;
  const groups = o.groups ?? 1;
  const [sh, sw] = pair(o.stride, 1), [ph, pw] = pair(o.padding, 0), [dh, dw] = pair(o.dilation, 1);
  if (x.length !== N * C * H * W) throw new RangeError(`conv2d: input has ${x.length} elements, shape [${xShape}] needs ${N * C * H * W}`);
  if (C !== CIg * groups || CO % groups !== 0) throw new RangeError(`conv2d: input [${xShape}] and weight [${wShape}] do not match groups=${groups}`);
  if (![sh, sw, dh, dw].every((v) => Number.isInteger(v) && v >= 1) || ph < 0 || pw < 0) throw new RangeError(`conv2d: bad stride/padding/dilation ${[sh, sw, ph, pw, dh, dw]}`);
  const shape = conv2dOutputShape(xShape, wShape, o);
  const [, , OH, OW] = shape;
  if (OH <= 0 || OW <= 0) throw new RangeError(`conv2d: output would be empty (${OH}x${OW}) for input [${xShape}] and kernel [${wShape}]`);
  const size = N * CO * OH * OW;
  if (o.out && o.out.length < size) throw new RangeError(`conv2d: out has ${o.out.length} elements, need ${size}`);
  const out = o.out ? o.out.subarray(0, size) : new Float32Array(size);
  if (out.length === 0) return { data: out, shape };
  const mem = wasmMemory();
  const pool = threadPool();
  const owned = !(w instanceof Conv2dWeight);
  const weight = w instanceof Conv2dWeight ? w : new Conv2dWeight(w, wShape, o.bias);
  const biasPtr = weight.biasPtr || (o.bias && !owned ? mem.putF32(o.bias) : 0);
  const blocks: number[] = [];
  try {
    const K = CIg * KH * KW, P = OH * OW, COg = CO / groups;
    const xp = mem.putF32(x); blocks.push(xp);
    const yp = mem.malloc(out.length * 4); blocks.push(yp);
    const clampAct = o.activation === undefined || o.activation === "none" || o.activation === "relu" || o.activation === "relu6" || typeof o.activation === "object";
    if (groups === C && CO === C && CIg === 1 && clampAct) {
      // depthwise: pad each plane once, then the direct f32x4 kernel (a grouped GEMM would have M = 1)
      const PH = (OH - 1) * sh + (KH - 1) * dh + 1, PWd = Math.max((OW - 1) * sw + (KW - 1) * dw + 1, W + pw) + 4;
      const padp = mem.malloc((C * PH * PWd + 16) * 4); blocks.push(padp);
      const dwk = im2colModule(pool).instance.exports.depthwise as (...a: number[]) => void;
      const [lo, hi] = o.activation === "relu" ? [0, Infinity] : o.activation === "relu6" ? [0, 6] : typeof o.activation === "object" ? o.activation.clamp : [-Infinity, Infinity];
      for (let n = 0; n < N; n++) {
        const pv = mem.f32View(padp, C * PH * PWd);
        pv.fill(0);
        for (let c = 0; c < C; c++)
          for (let y = 0; y < H && y + ph < PH; y++) {
            const srcOff = ((n * C + c) * H + y) * W;
            pv.set(x.subarray(srcOff, srcOff + Math.min(W, PWd - pw)), (c * PH + y + ph) * PWd + pw);
          }
        dwk(padp, yp + n * CO * OH * OW * 4, weight.ptr, biasPtr, C, H, W, KH, KW, sh, sw, dh, dw, OH, OW, PWd, lo, hi);
      }
      out.set(mem.f32View(yp, out.length));
      return { data: out, shape };
    }
    const direct = KH === 1 && KW === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
    const col = direct ? 0 : mem.malloc(C * KH * KW * P * 4);
    if (col) blocks.push(col);
    const im2col = direct ? null : (im2colModule(pool).instance.exports.im2col as (...a: number[]) => void);
    for (let n = 0; n < N; n++) {
      const xn = xp + n * C * H * W * 4;
      if (im2col) im2col(xn, col, C, H, W, KH, KW, sh, sw, ph, pw, dh, dw, OH, OW);
      const B = direct ? xn : col;
      sgemmPtr({
        M: COg, N: P, K, batch: groups,
        A: { ptr: weight.ptr, rs: K, cs: 1, bs: COg * K },
        B: { ptr: B, rs: P, cs: 1, bs: K * P },
        C: { ptr: yp + n * CO * P * 4, ld: P, bs: COg * P },
        ...(biasPtr ? { biasM: { ptr: biasPtr, bs: COg } } : {}),
        activation: o.activation, threads: o.threads,
      });
    }
    out.set(mem.f32View(yp, out.length));
    return { data: out, shape };
  } finally {
    for (const p of blocks) mem.free(p);
    if (owned) weight.free();
    else if (biasPtr && biasPtr !== weight.biasPtr) mem.free(biasPtr);
  }
}
