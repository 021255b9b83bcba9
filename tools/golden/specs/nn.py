"""Golden cases for coil.nn: modules built in torch (float64), their state dicts, inputs, outputs and
gradients (inputs and parameters), plus nn.functional losses/attention. Replayed by test/nn/nn.golden.test.ts.

Case kinds: "module" (ctor name + state dict, forward with inputs/kwargs, grads) and "functional".
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from golden import NAMES, _flat


def enc(t):
    return {"shape": list(t.shape), "dtype": NAMES[t.dtype], "values": _flat(t)}


class NN:
    def __init__(self, f):
        self.f = f
        self.g = torch.Generator().manual_seed(1234)

    def rand(self, *shape, lo=-1.0, hi=1.0, grad=True):
        t = torch.rand(tuple(shape), generator=self.g, dtype=torch.float64) * (hi - lo) + lo
        return t.requires_grad_(grad)

    def module(self, name, m, inputs, kwargs=None, train=True, randomize=False, output_index=None, encode_kwargs=None):
        """Record m(*inputs, **kwargs); `output_index` picks the tensor output (MHA returns a tuple)."""
        kwargs = kwargs or {}
        m = m.double()
        if randomize:
            with torch.no_grad():
                for p in m.parameters():
                    p.copy_(self.rand(*p.shape, grad=False))
        m.train(train)
        state = {k: enc(v) for k, v in m.state_dict().items()}
        out = m(*inputs, **kwargs)
        extra = []
        if isinstance(out, tuple):
            extra = [o for o in out[1:] if o is not None]
            out = out[0]
        entry = {"kind": "module", "name": name, "train": train, "state": state,
                 "inputs": [enc(x) | {"requiresGrad": bool(x.requires_grad)} for x in inputs],
                 "kwargs": encode_kwargs or {}, "outputs": [enc(out)] + [enc(e) for e in extra],
                 "aliases": [next(j for j, y in enumerate(inputs) if y is x) for x in inputs]}
        if out.requires_grad:
            go = self.rand(*out.shape, grad=False)
            params = [(k, p) for k, p in m.named_parameters()]
            diff_inputs = [x for i, x in enumerate(inputs) if x.requires_grad and all(y is not x for y in inputs[:i])]
            gs = torch.autograd.grad([out], diff_inputs + [p for _, p in params], [go], allow_unused=True)
            entry["gradOutput"] = enc(go)
            entry["inputGrads"] = [enc(g) if g is not None else None for g in gs[:len(diff_inputs)]]
            entry["paramGrads"] = {k: enc(g) for (k, _), g in zip(params, gs[len(diff_inputs):]) if g is not None}
        entry["stateAfter"] = {k: enc(v) for k, v in m.state_dict().items()}
        self.f.cases.append(entry)

    def functional(self, name, fn, inputs, opts=None, compute=None):
        opts = opts or {}
        out = compute(*inputs)
        entry = {"kind": "functional", "name": name, "fn": fn, "opts": opts,
                 "inputs": [enc(x) | {"requiresGrad": bool(x.requires_grad)} for x in inputs], "outputs": [enc(out)]}
        diff = [x for x in inputs if x.requires_grad]
        if out.requires_grad and diff:
            go = self.rand(*out.shape, grad=False)
            gs = torch.autograd.grad([out], diff, [go])
            entry["gradOutput"] = enc(go)
            entry["inputGrads"] = [enc(g) for g in gs]
        self.f.cases.append(entry)


def build(f):
    torch.manual_seed(0)
    n = NN(f)
    r = n.rand
    n.module("Linear", nn.Linear(4, 3), [r(2, 5, 4)])
    n.module("Linear-nobias", nn.Linear(4, 3, bias=False), [r(3, 4)])
    n.module("Bilinear", nn.Bilinear(3, 4, 2), [r(5, 3), r(5, 4)])
    n.module("Conv1d", nn.Conv1d(2, 4, 3, stride=2, padding=1), [r(2, 2, 9)])
    n.module("Conv2d", nn.Conv2d(3, 4, 3, padding=1), [r(2, 3, 6, 6)])
    n.module("Conv2d-groups", nn.Conv2d(4, 6, (3, 2), stride=2, groups=2, dilation=(1, 2)), [r(1, 4, 7, 6)])
    n.module("ConvTranspose2d", nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1), [r(1, 3, 4, 4)])
    for act in ["ReLU", "GELU", "GELU-tanh", "SiLU", "Sigmoid", "Tanh", "Softmax"]:
        m = {"ReLU": nn.ReLU(), "GELU": nn.GELU(), "GELU-tanh": nn.GELU(approximate="tanh"), "SiLU": nn.SiLU(),
             "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "Softmax": nn.Softmax(dim=1)}[act]
        n.module(act, m, [r(3, 4, lo=-3, hi=3)])
    n.module("LayerNorm", nn.LayerNorm(4), [r(2, 3, 4)], randomize=True)
    n.module("LayerNorm-2d", nn.LayerNorm([3, 4]), [r(2, 3, 4)], randomize=True)
    n.module("BatchNorm1d-train", nn.BatchNorm1d(3), [r(4, 3)], randomize=True)
    n.module("BatchNorm1d-train-3d", nn.BatchNorm1d(3, momentum=0.3), [r(4, 3, 5)], randomize=True)
    bn = nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn.running_mean.copy_(r(3, grad=False))
        bn.running_var.copy_(r(3, lo=0.5, hi=2.0, grad=False))
    n.module("BatchNorm2d-eval", bn, [r(2, 3, 4, 4)], train=False)
    n.module("BatchNorm2d-train", nn.BatchNorm2d(3), [r(2, 3, 4, 4)], randomize=True)
    n.module("GroupNorm", nn.GroupNorm(2, 4), [r(2, 4, 3, 3)], randomize=True)
    idx = torch.tensor([[0, 3, 9, 3], [1, 0, 2, 7]])
    n.module("Embedding", nn.Embedding(10, 3, padding_idx=0), [idx])
    n.module("MaxPool2d", nn.MaxPool2d(2), [r(1, 2, 5, 5)])
    n.module("MaxPool2d-stride-pad", nn.MaxPool2d(3, stride=2, padding=1), [r(2, 2, 6, 6)])
    n.module("AvgPool2d", nn.AvgPool2d(2, stride=1), [r(1, 2, 4, 5)])
    n.module("AvgPool2d-pad", nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), [r(1, 2, 6, 6)])
    n.module("AdaptiveAvgPool2d", nn.AdaptiveAvgPool2d((2, 3)), [r(1, 2, 5, 7)])
    n.module("Flatten", nn.Flatten(), [r(2, 3, 2, 2)])
    n.module("Sequential-MLP", nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), [r(5, 4)])
    n.module("Sequential-CNN", nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 2)),
             [r(2, 1, 6, 6)], randomize=True)

    q, kv = r(5, 2, 8), r(4, 2, 8)
    n.module("MHA", nn.MultiheadAttention(8, 2), [q, kv, kv], randomize=True)
    fmask = r(5, 4, grad=False)
    n.module("MHA-floatmask", nn.MultiheadAttention(8, 2), [r(5, 2, 8), r(4, 2, 8), r(4, 2, 8)], {"attn_mask": fmask},
             randomize=True, encode_kwargs={"attnMask": enc(fmask)})
    x = r(2, 5, 8)
    kpm = torch.tensor([[False, False, False, True, True], [False, False, False, False, False]])
    n.module("MHA-batchfirst-kpm", nn.MultiheadAttention(8, 4, batch_first=True), [x, x, x], {"key_padding_mask": kpm},
             randomize=True, encode_kwargs={"keyPaddingMask": enc(kpm)})
    causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    y = r(2, 5, 8)
    n.module("MHA-boolmask-noweights", nn.MultiheadAttention(8, 2, batch_first=True), [y, y, y],
             {"attn_mask": causal, "need_weights": False}, randomize=True, encode_kwargs={"attnMask": enc(causal), "needWeights": False})
    n.module("TransformerEncoderLayer", nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), [r(5, 2, 8)], randomize=True)
    z = r(2, 5, 8)
    n.module("TransformerEncoderLayer-normfirst-gelu", nn.TransformerEncoderLayer(8, 2, dim_feedforward=12, dropout=0.0, activation="gelu",
             batch_first=True, norm_first=True), [z], {"src_key_padding_mask": kpm}, randomize=True,
             encode_kwargs={"srcKeyPaddingMask": enc(kpm)})

    # ---- functional ----
    logits, tgt = r(4, 5, lo=-2, hi=2), torch.tensor([1, 0, 4, 2])
    n.functional("crossEntropy", "crossEntropy", [logits, tgt], {}, lambda a, b: F.cross_entropy(a, b))
    w = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.2], dtype=torch.float64)
    n.functional("crossEntropy-weight", "crossEntropy", [r(4, 5), tgt, w], {"weight": 2}, lambda a, b, c: F.cross_entropy(a, b, weight=c))
    tgt_ign = torch.tensor([1, -100, 4, 2])
    n.functional("crossEntropy-ignore-sum", "crossEntropy", [r(4, 5), tgt_ign], {"reduction": "sum"}, lambda a, b: F.cross_entropy(a, b, reduction="sum"))
    n.functional("crossEntropy-smoothing", "crossEntropy", [r(4, 5), tgt], {"labelSmoothing": 0.1}, lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1))
    probs = torch.softmax(r(4, 5, grad=False), 1)
    n.functional("crossEntropy-probs", "crossEntropy", [r(4, 5), probs], {}, lambda a, b: F.cross_entropy(a, b))
    t3 = torch.tensor([[1, 0, 2], [2, 2, 0]])
    n.functional("crossEntropy-3d-none", "crossEntropy", [r(2, 3, 3), t3], {"reduction": "none"}, lambda a, b: F.cross_entropy(a, b, reduction="none"))
    n.functional("nllLoss", "nllLoss", [r(4, 5), tgt], {}, lambda a, b: F.nll_loss(a, b))
    n.functional("mseLoss", "mseLoss", [r(3, 4), r(3, 4, grad=False)], {}, lambda a, b: F.mse_loss(a, b))
    n.functional("mseLoss-sum", "mseLoss", [r(3, 4), r(3, 4, grad=False)], {"reduction": "sum"}, lambda a, b: F.mse_loss(a, b, reduction="sum"))
    pw = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    n.functional("bceWithLogits", "binaryCrossEntropyWithLogits", [r(4, 3, lo=-3, hi=3), r(4, 3, lo=0, hi=1, grad=False)], {},
                 lambda a, b: F.binary_cross_entropy_with_logits(a, b))
    n.functional("bceWithLogits-posweight", "binaryCrossEntropyWithLogits", [r(4, 3, lo=-3, hi=3), r(4, 3, lo=0, hi=1, grad=False), pw],
                 {"posWeight": 2}, lambda a, b, c: F.binary_cross_entropy_with_logits(a, b, pos_weight=c))
    n.functional("pad", "pad", [r(2, 3, 4)], {"pad": [1, 2, 0, 1], "value": 0.5}, lambda a: F.pad(a, [1, 2, 0, 1], value=0.5))
    n.functional("logSoftmax", "logSoftmax", [r(3, 4)], {"dim": 0}, lambda a: F.log_softmax(a, 0))

    # scaled_dot_product_attention reference (torch 1.13 predates F.scaled_dot_product_attention)
    def sdpa(q, k, v, mask=None, causal=False):
        s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        if causal:
            s = s.masked_fill(~torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril(), float("-inf"))
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else s + mask
        return torch.softmax(s, -1) @ v
    n.functional("sdpa", "scaledDotProductAttention", [r(2, 3, 4, 8), r(2, 3, 6, 8), r(2, 3, 6, 5)], {}, sdpa)
    n.functional("sdpa-causal", "scaledDotProductAttention", [r(2, 4, 8), r(2, 4, 8), r(2, 4, 8)], {"isCausal": True},
                 lambda a, b, c: sdpa(a, b, c, causal=True))
    bm = torch.tensor([[True, True, False], [True, False, True]])
    n.functional("sdpa-boolmask", "scaledDotProductAttention", [r(1, 2, 4), r(1, 3, 4), r(1, 3, 4), bm], {"attnMask": 3},
                 lambda a, b, c, m: sdpa(a, b, c, mask=m))
