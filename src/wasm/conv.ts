// wasm/conv: float32 2-d convolution (NCHW, OIHW weights, stride/padding/dilation/groups) on the wasm GEMM:
// one batched-over-groups GEMM per image whose B packing gathers the im2col panels straight from the image (no
// im2col buffer; packing runs on every thread), with the bias as a row bias and the activation fused; depthwise convolutions
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

// the depthwise kernel's module (the general convolutions run on the GEMM module: see GemmPtrArgs.convB)
export function buildConvModule(shared: boolean): ModuleBuilder {
  const m = new ModuleBuilder({ shared, maxPages: MAX_PAGES }, "coil_conv");
  emitDepthwise(m);
  emitPad(m);
  return m;
}

// pad(src, dst, planes, H, W, ph, pw): dst planes of (H + 2ph) x (W + 2pw) = src planes (H x W) with zero borders;
// inline v128 loops (memory.copy and memory.fill are runtime calls in V8, ~30 ns each, per row here)
function emitPad(m: ModuleBuilder): void {
  const names = ["src", "dst", "planes", "H", "W", "ph", "pw"];
  const f = m.func("pad", names.map(() => "i32" as const), [], { export: true, paramNames: names });
  const [src, dst, planes, H, W, ph, pw] = [0, 1, 2, 3, 4, 5, 6] as const;
  const L = (n: string) => f.local("i32", n);
  const p = L("p"), y = L("y"), WP = L("WP"), HP = L("HP"), d = L("d"), sp = L("sp"), i = L("i"), n = L("n"), from = L("from"), to = L("to");
  // bytes [0, n) at `to` from `from` (or zeros when fromZero): v128 steps, then 4-byte steps
  const run = (zero: boolean) => {
    f.i32(0).set(i);
    const ex = f.block(), lp = f.loop();
    f.get(i).i32(16).op("i32.add").get(n).op("i32.gt_s").brIf(ex);
    f.get(to).get(i).op("i32.add");
    if (zero) f.i32x4(0); else f.get(from).get(i).op("i32.add").mem("v128.load", 0, 2);
    f.mem("v128.store", 0, 2);
    f.get(i).i32(16).op("i32.add").set(i);
    f.br(lp).end().end();
    const ex2 = f.block(), lp2 = f.loop();
    f.get(i).get(n).op("i32.ge_s").brIf(ex2);
    f.get(to).get(i).op("i32.add");
    if (zero) f.f32(0); else f.get(from).get(i).op("i32.add").mem("f32.load");
    f.mem("f32.store");
    f.get(i).i32(4).op("i32.add").set(i);
    f.br(lp2).end().end();
  };
  f.get(W).get(pw).i32(2).op("i32.mul").op("i32.add").set(WP);
  f.get(H).get(ph).i32(2).op("i32.mul").op("i32.add").set(HP);
  f.get(dst).set(d);
  f.get(src).set(sp);
  f.for_(p, () => f.i32(0), () => f.get(planes), 1, () => {
    f.for_(y, () => f.i32(0), () => f.get(HP), 1, () => {
      f.get(y).get(ph).op("i32.lt_s").get(y).get(ph).get(H).op("i32.add").op("i32.ge_s").op("i32.or").if_();
      f.get(d).set(to); f.get(WP).i32(4).op("i32.mul").set(n); run(true);
      f.else_();
      f.get(d).set(to); f.get(pw).i32(4).op("i32.mul").set(n); run(true);
      f.get(d).get(pw).i32(4).op("i32.mul").op("i32.add").set(to); f.get(sp).set(from); f.get(W).i32(4).op("i32.mul").set(n); run(false);
      f.get(to).get(n).op("i32.add").set(to); f.get(pw).i32(4).op("i32.mul").set(n); run(true);
      f.get(sp).get(W).i32(4).op("i32.mul").op("i32.add").set(sp);
      f.end();
      f.get(d).get(WP).i32(4).op("i32.mul").op("i32.add").set(d);
    });
  });
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

function convModule(pool: ThreadPool): KernelModule {
  let km = modules.get(pool);
  if (!km) modules.set(pool, (km = pool.load(buildConvModule(pool.mem.shared).toBytes())));
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
    const yp = mem.malloc(out.length * 4); blocks.push(yp);
    const clampAct = o.activation === undefined || o.activation === "none" || o.activation === "relu" || o.activation === "relu6" || typeof o.activation === "object";
    if (groups === C && CO === C && CIg === 1 && clampAct) {
      // depthwise: pad each plane once, then the direct f32x4 kernel (a grouped GEMM would have M = 1)
      const PH = (OH - 1) * sh + (KH - 1) * dh + 1, PWd = Math.max((OW - 1) * sw + (KW - 1) * dw + 1, W + pw) + 4;
      const padp = mem.malloc((C * PH * PWd + 16) * 4); blocks.push(padp);
      const dwk = convModule(pool).instance.exports.depthwise as (...a: number[]) => void;
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
    // one GEMM per image, batched over groups: C_g (COg x P) = W_g (COg x K) @ im2col(x_g) (K x P); im2col is
    // never materialised: packing gathers B's panels straight from the image (1x1 stride-1 unpadded: B is x)
    const direct = KH === 1 && KW === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
    // the input goes into wasm memory zero-padded (the copy is needed anyway): packing then never meets a border,
    // so every 8-column panel inside an output row is two v128 copies (the per-element border path cost 2x the GEMM)
    const HP = H + 2 * ph, WP = W + 2 * pw;
    const xraw = mem.putF32(x);
    blocks.push(xraw);
    let xp = xraw;
    if (ph || pw) {
      xp = mem.malloc(N * C * HP * WP * 4);
      blocks.push(xp);
      (convModule(pool).instance.exports.pad as (...a: number[]) => void)(xraw, xp, N * C, H, W, ph, pw);
    }
    for (let n = 0; n < N; n++) {
      const xn = xp + n * C * HP * WP * 4;
      sgemmPtr({
        M: COg, N: P, K, batch: groups,
        A: { ptr: weight.ptr, rs: K, cs: 1, bs: COg * K },
        B: { ptr: xn, rs: P, cs: 1, bs: CIg * HP * WP },
        ...(direct ? {} : { convB: { C: CIg, H: HP, W: WP, KH, KW, sh, sw, dh, dw, OH, OW } }),
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
