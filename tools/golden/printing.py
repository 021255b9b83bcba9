"""Expected PyTorch reprs for coil's printing tests: /usr/bin/python3 tools/golden/printing.py.

Writes test/golden/fixtures/printing.json: each case has the logical values, shape, dtype, whether it
requires grad, an optional op applied afterwards (for grad_fn), and torch's repr with 'torch.' -> 'coil.'.
"""
import json
import math
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = {torch.float32: "float32", torch.float64: "float64", torch.bfloat16: "bfloat16", torch.float16: "float16",
         torch.int64: "int64", torch.int32: "int32", torch.uint8: "uint8", torch.bool: "bool"}
g = torch.Generator().manual_seed(0)
cases = []


def enc(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def add(name, t, op=None):
    base = t
    vals = [enc(float(x)) for x in t.detach().reshape(-1).to(torch.float64).tolist()] if t.numel() else []
    out = getattr(t, op)() if op else t
    cases.append({"name": name, "shape": list(t.shape), "dtype": NAMES[t.dtype], "values": vals,
                  "requiresGrad": base.requires_grad, "op": op, "expected": repr(out).replace("torch.", "coil.")})


add("f32-vec", torch.tensor([0.9788, 0.9953]))
add("bf16-vec", torch.tensor([0.9788, 0.9953], dtype=torch.bfloat16))
add("f16-mat", torch.rand(2, 3, generator=g).half())
add("int64-mat", torch.tensor([[1, 2], [3, 4]]))
add("int32-vec", torch.tensor([1, -20, 300], dtype=torch.int32))
add("uint8", torch.tensor([0, 255, 7], dtype=torch.uint8))
add("bool", torch.tensor([True, False, True]))
add("scalar-float-int", torch.tensor(3.))
add("scalar-float", torch.tensor(-2.5))
add("scalar-int", torch.tensor(7))
add("scalar-bool", torch.tensor(False))
add("float-ints", torch.tensor([1., 2., -3.]))
add("requires-grad", torch.tensor([1., 2.], requires_grad=True))
add("grad-fn-cos", torch.tensor([1., 2.], requires_grad=True), op="cos")
add("f64", torch.tensor([1.5, 2.25], dtype=torch.float64))
add("sci-small", torch.tensor([1e-5, 1.0, 2.0]))
add("sci-large", torch.tensor([1e9, 1.0]))
add("sci-int-range", torch.tensor([1., 5000.]))
add("sci-ratio", torch.tensor([0.001, 12.5]))
add("nonfinite", torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]))
add("nonfinite-int-mode", torch.tensor([float("nan"), 2.0, -float("inf")]))
add("zeros", torch.zeros(2, 2))
add("neg-zero", torch.tensor([-0.0, 1.5]))
add("empty", torch.zeros(0))
add("empty-2d", torch.zeros(2, 0))
add("empty-int", torch.zeros(0, dtype=torch.int64))
add("randn-3d", torch.randn(2, 3, 4, generator=g))
add("wrap-line", torch.randn(30, generator=g))
add("wrap-int", torch.arange(40) * 1000)
add("summarize-1d", torch.arange(2000, dtype=torch.float32) / 7)
add("summarize-2d", torch.arange(1200).reshape(40, 30))
add("summarize-3d", torch.randn(12, 10, 11, generator=g))
add("round-ties", torch.tensor([0.125, 0.375, 2.5, 0.0625], dtype=torch.float64))
add("long-suffix", torch.randn(4, 9, generator=g, dtype=torch.float64).to(torch.bfloat16).requires_grad_())
add("big-values", torch.tensor([123456.789, -0.5]))
add("bf16-mat-grad", torch.randn(3, 3, generator=g).to(torch.bfloat16).requires_grad_())

with open(os.path.join(ROOT, "test", "golden", "fixtures", "printing.json"), "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=0)
print(f"wrote printing.json: {len(cases)} cases")
