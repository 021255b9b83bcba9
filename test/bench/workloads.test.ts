// test/bench/workloads: smoke test of the benchmark suite's coil workload functions (bench/workloads/
// coil_fns.ts) on small sizes against plain-JS references, so `npm run bench` times the right programs;
// and of the coil columns: "coil compiled" compiles on the default CPU backend (the WebAssembly codegen where
// SIMD exists), "coil js" on the JavaScript codegen, both equal to coil eager. No timing assertions.
// In: seeded small inputs. Out: node:test results.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import * as C from "../../bench/workloads/coil_fns.js";
import { randn, maxAbsDiff } from "../../bench/harness.js";
import { SYSTEMS, workloads } from "../../bench/workloads/index.js";
import { config } from "../../src/inductor.js";
import { runAndGetArtifacts } from "../../src/inductor/codegen/index.js";

const out = (t: coil.Tensor): number[] => Array.from(t.toArray());
const close = (got: number[], want: number[], tol = 1e-4): void => {
  assert.equal(got.length, want.length);
  const d = maxAbsDiff(got, want);
  assert.ok(d <= tol, `max abs diff ${d} > ${tol}`);
};
/** erf, Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x), t = 1 / (1 + 0.3275911 * a);
  return s * (1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a));
}

test("bench workloads: cos3, matmul, conv+relu, softmax, layer_norm+gelu match plain JS", () => {
  const x = randn(50, 1);
  close(out(C.cos3(C.fromF32(x, [50]))), Array.from(x, (v) => Math.cos(Math.cos(Math.cos(v)))));

  const [M, K, N] = [3, 5, 4], a = randn(M * K, 2), b = randn(K * N, 3);
  const mm: number[] = [];
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) { let s = 0; for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!; mm.push(s); }
  close(out(C.matmul(C.fromF32(a, [M, K]), C.fromF32(b, [K, N]))), mm);

  const [Ci, Co, H, W] = [2, 3, 5, 4], cx = randn(Ci * H * W, 4), cw = randn(Co * Ci * 9, 5), cb = randn(Co, 6);
  const conv: number[] = [];
  for (let o = 0; o < Co; o++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    let s = cb[o]!;
    for (let c = 0; c < Ci; c++) for (let dh = 0; dh < 3; dh++) for (let dw = 0; dw < 3; dw++) {
      const ih = h + dh - 1, iw = w + dw - 1;
      if (ih >= 0 && ih < H && iw >= 0 && iw < W) s += cx[(c * H + ih) * W + iw]! * cw[((o * Ci + c) * 3 + dh) * 3 + dw]!;
    }
    conv.push(Math.max(0, s));
  }
  close(out(C.convRelu(C.fromF32(cx, [1, Ci, H, W]), C.fromF32(cw, [Co, Ci, 3, 3]), C.fromF32(cb, [Co]))), conv);

  const [R, D] = [3, 6], sx = randn(R * D, 7), g = randn(D, 8), be = randn(D, 9);
  const sm: number[] = [], lg: number[] = [];
  for (let r = 0; r < R; r++) {
    const row = Array.from(sx.subarray(r * D, (r + 1) * D));
    const mx = Math.max(...row), e = row.map((v) => Math.exp(v - mx)), z = e.reduce((p, q) => p + q, 0);
    sm.push(...e.map((v) => v / z));
    const mean = row.reduce((p, q) => p + q, 0) / D, vr = row.reduce((p, q) => p + (q - mean) ** 2, 0) / D;
    lg.push(...row.map((v, j) => { const n = ((v - mean) / Math.sqrt(vr + 1e-5)) * g[j]! + be[j]!; return 0.5 * n * (1 + erf(n / Math.SQRT2)); }));
  }
  close(out(C.softmaxRows(C.fromF32(sx, [R, D]))), sm);
  close(out(C.layerNormGelu(C.fromF32(sx, [R, D]), C.fromF32(g, [D]), C.fromF32(be, [D]))), lg);
});

test("bench workloads: MLP matches its parameters, encoder train steps lower the loss", () => {
  coil.manualSeed(0);
  const sizes = [6, 5, 4, 3], m = C.makeMlp(sizes), p = C.paramsOf(m), x = randn(2 * 6, 10);
  let h: number[][] = [Array.from(x.subarray(0, 6)), Array.from(x.subarray(6))];
  [0, 2, 4].forEach((li, k) => {
    const w = p.get(`${li}.weight`)!, b = p.get(`${li}.bias`)!.data, [o, i] = w.shape as [number, number];
    h = h.map((row) => Array.from({ length: o }, (_, r) => {
      let s = b[r]!;
      for (let c = 0; c < i; c++) s += w.data[r * i + c]! * row[c]!;
      return k < 2 ? Math.max(0, s) : s;
    }));
  });
  close(out(m.call(C.fromF32(x, [2, 6]))), h.flat());

  coil.manualSeed(1);
  const enc = C.makeEncoder({ dModel: 8, nhead: 2, ff: 16 }), opt = new coil.optim.SGD(enc.parameters(), { lr: 0.05 });
  const ex = C.fromF32(randn(2 * 3 * 8, 11), [2, 3, 8]), et = C.fromF32(randn(2 * 3 * 8, 12), [2, 3, 8]);
  const losses = [0, 1, 2, 3].map(() => C.trainStep((t) => enc.call(t), opt, ex, et));
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[3]! < losses[0]!, `loss did not decrease: ${losses.join(", ")}`);
});

test("bench columns: coil compiled is the default CPU backend, coil js the JavaScript codegen; both equal coil eager", async () => {
  assert.ok(SYSTEMS.includes("coil js") && !SYSTEMS.includes("coil wasm" as never), SYSTEMS.join(", "));
  const row = workloads().find((w) => w.id === "cos(cos(cos(x))) 1M")!;
  const eager = Array.from(await (await row.systems["coil eager"]!()).output());
  for (const [sys, format] of [["coil compiled", `cpu-${config.cpuBackend}/1`], ["coil js", "cpu-js/1"]] as const) {
    const impl = await row.systems[sys]!();
    const { result, artifacts } = runAndGetArtifacts(() => impl.output());
    assert.deepEqual(artifacts.map((a) => a.format), [format], `${sys}: compiled for ${format}`);
    close(Array.from(await result), eager, 1e-6);
    impl.run(); // the timed call (its output released on the Wasm backend) still runs
  }
  const withJs = workloads().filter((w) => w.systems["coil js"]).map((w) => w.id);
  assert.ok(withJs.length >= 8, withJs.join(", "));
});
