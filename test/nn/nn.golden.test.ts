// test/nn/nn.golden: replays PyTorch module/functional fixtures (tools/golden/specs/nn.py): loads each
// torch state dict into the matching coil module, compares outputs, buffers after forward, and the
// gradients of inputs and parameters.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as coil from "../../src/index.js";
import { Tensor } from "../../src/tensor/tensor.js";
import { loadFixture, makeTensor, assertClose } from "../golden/harness.js";

const { nn } = coil;
const F = nn.functional;

interface Enc { shape: number[]; dtype: "float64"; values: number[]; requiresGrad?: boolean }
interface NnCase {
  kind: "module" | "functional"; name: string; train?: boolean; state?: Record<string, Enc>; stateAfter?: Record<string, Enc>;
  inputs: Enc[]; kwargs?: Record<string, unknown>; outputs: Enc[]; gradOutput?: Enc; inputGrads?: (Enc | null)[];
  paramGrads?: Record<string, Enc>; fn?: string; opts?: Record<string, unknown>; aliases?: number[];
}

const factories: Record<string, () => coil.nn.Module> = {
  "Linear": () => new nn.Linear(4, 3),
  "Linear-nobias": () => new nn.Linear(4, 3, { bias: false }),
  "Bilinear": () => new nn.Bilinear(3, 4, 2),
  "Conv1d": () => new nn.Conv1d(2, 4, 3, { stride: 2, padding: 1 }),
  "Conv2d": () => new nn.Conv2d(3, 4, 3, { padding: 1 }),
  "Conv2d-groups": () => new nn.Conv2d(4, 6, [3, 2], { stride: 2, groups: 2, dilation: [1, 2] }),
  "ConvTranspose2d": () => new nn.ConvTranspose2d(3, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
  "ReLU": () => new nn.ReLU(),
  "GELU": () => new nn.GELU(),
  "GELU-tanh": () => new nn.GELU("tanh"),
  "SiLU": () => new nn.SiLU(),
  "Sigmoid": () => new nn.Sigmoid(),
  "Tanh": () => new nn.Tanh(),
  "Softmax": () => new nn.Softmax(1),
  "LayerNorm": () => new nn.LayerNorm(4),
  "LayerNorm-2d": () => new nn.LayerNorm([3, 4]),
  "BatchNorm1d-train": () => new nn.BatchNorm1d(3),
  "BatchNorm1d-train-3d": () => new nn.BatchNorm1d(3, { momentum: 0.3 }),
  "BatchNorm2d-eval": () => new nn.BatchNorm2d(3),
  "BatchNorm2d-train": () => new nn.BatchNorm2d(3),
  "GroupNorm": () => new nn.GroupNorm(2, 4),
  "Embedding": () => new nn.Embedding(10, 3, { paddingIdx: 0 }),
  "MaxPool2d": () => new nn.MaxPool2d(2),
  "MaxPool2d-stride-pad": () => new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  "AvgPool2d": () => new nn.AvgPool2d(2, { stride: 1 }),
  "AvgPool2d-pad": () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }),
  "AdaptiveAvgPool2d": () => new nn.AdaptiveAvgPool2d([2, 3]),
  "Flatten": () => new nn.Flatten(),
  "Sequential-MLP": () => new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)),
  "Sequential-CNN": () => new nn.Sequential(new nn.Conv2d(1, 3, 3), new nn.BatchNorm2d(3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Flatten(), new nn.Linear(12, 2)),
  "MHA": () => new nn.MultiheadAttention(8, 2),
  "MHA-floatmask": () => new nn.MultiheadAttention(8, 2),
  "MHA-batchfirst-kpm": () => new nn.MultiheadAttention(8, 4, { batchFirst: true }),
  "MHA-boolmask-noweights": () => new nn.MultiheadAttention(8, 2, { batchFirst: true }),
  "TransformerEncoderLayer": () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 }),
  "TransformerEncoderLayer-normfirst-gelu": () => new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 12, dropout: 0, activation: "gelu", batchFirst: true, normFirst: true }),
};

const TOL = { atol: 1e-9, rtol: 1e-7 };

function decodeKwargs(kw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(kw).map(([k, v]) => [k, v && typeof v === "object" && "shape" in (v as object) ? makeTensor(v as Enc) : v]));
}

function runFunctional(c: NnCase, ins: Tensor[]): Tensor {
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.opts ?? {})) opts[k] = (k === "weight" || k === "posWeight" || k === "attnMask") ? ins[v as number] : v;
  switch (c.fn) {
    case "crossEntropy": return F.crossEntropy(ins[0]!, ins[1]!, opts);
    case "nllLoss": return F.nllLoss(ins[0]!, ins[1]!, opts);
    case "mseLoss": return F.mseLoss(ins[0]!, ins[1]!, opts);
    case "binaryCrossEntropyWithLogits": return F.binaryCrossEntropyWithLogits(ins[0]!, ins[1]!, opts);
    case "pad": return F.pad(ins[0]!, opts.pad as number[], "constant", opts.value as number);
    case "logSoftmax": return F.logSoftmax(ins[0]!, opts.dim as number);
    case "scaledDotProductAttention": return F.scaledDotProductAttention(ins[0]!, ins[1]!, ins[2]!, opts);
    default: throw new Error(`unknown functional ${c.fn}`);
  }
}

for (const c of loadFixture("nn") as unknown as NnCase[]) {
  test(`nn golden: ${c.kind} ${c.name}`, () => {
    const made = c.inputs.map((e) => makeTensor(e as never));
    // the same torch tensor passed twice (self-attention q = k = v) is one coil tensor too
    const ins = made.map((t, i) => made[c.aliases?.[i] ?? i]!);
    let out: Tensor;
    let extra: Tensor[] = [];
    let m: coil.nn.Module | null = null;
    if (c.kind === "module") {
      const make = factories[c.name];
      assert.ok(make, `no coil factory for ${c.name}`);
      m = make().to("float64").train(c.train ?? true);
      const sd = new Map(Object.entries(c.state!).map(([k, v]) => [nn.torchKeyToCoil(k), makeTensor(v as never)]));
      m.loadStateDict(sd);
      const r = m.call(...ins, ...(c.kwargs && Object.keys(c.kwargs).length ? [decodeKwargs(c.kwargs)] : [])) as Tensor | [Tensor, Tensor | null];
      if (Array.isArray(r)) { out = r[0]; extra = r[1] ? [r[1]] : []; } else out = r;
    } else {
      out = runFunctional(c, ins);
    }
    assertClose(out, c.outputs[0]! as never, "output", TOL);
    extra.forEach((e, i) => assertClose(e, c.outputs[i + 1]! as never, `output ${i + 1}`, TOL));
    if (m && c.stateAfter) {
      const after = m.stateDict();
      for (const [k, v] of Object.entries(c.stateAfter)) assertClose(after.get(nn.torchKeyToCoil(k))!, v as never, `state ${k} after forward`, TOL);
    }
    if (c.gradOutput) {
      const params = m ? [...m.namedParameters()] : [];
      const diffIns = ins.filter((t, i) => t.requiresGrad && ins.indexOf(t) === i);
      const gs = coil.autograd.grad([out], [...diffIns, ...params.map(([, p]) => p)], [makeTensor(c.gradOutput as never)], { allowUnused: true });
      c.inputGrads!.forEach((g, i) => { if (g) assertClose(gs[i]!, g as never, `grad of input ${i}`, TOL); });
      const byName = new Map(params.map(([k], i) => [k, gs[diffIns.length + i]]));
      for (const [k, g] of Object.entries(c.paramGrads ?? {})) {
        const got = byName.get(nn.torchKeyToCoil(k));
        assert.ok(got, `grad of parameter ${k} missing`);
        assertClose(got!, g as never, `grad of parameter ${k}`, TOL);
      }
    }
  });
}
