"""Golden-fixture library: runs aten ops on real PyTorch and writes JSON fixtures for coil's tests.

In: case specs from tools/golden/specs/*.py. Out: test/golden/fixtures/<family>.json.
Run with Debian's python3-torch: `/usr/bin/python3 tools/golden/generate.py [family...]`.
"""
import json
import math
import os

import torch

DTYPES = {
    "float64": torch.float64, "float32": torch.float32, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32,
    "uint8": torch.uint8, "bool": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


def _enc(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return v


def _flat(t):
    t = t.detach()
    if t.dtype in (torch.bfloat16, torch.float16):
        t = t.float()
    if t.dtype == torch.bool:
        return [1 if x else 0 for x in t.reshape(-1).tolist()]
    return [_enc(float(x)) if t.is_floating_point() else int(x) for x in t.reshape(-1).tolist()]


class T:
    """A tensor input spec: shape, dtype, layout ('contiguous' | 'transposed' | 'expanded'), grad."""

    def __init__(self, shape, dtype="float32", layout="contiguous", grad=None, low=-2.0, high=2.0, values=None, positive=False, integer_range=None):
        self.shape, self.dtype, self.layout = list(shape), dtype, layout
        self.grad = grad
        self.low, self.high, self.values, self.positive = low, high, values, positive
        self.integer_range = integer_range


class Family:
    def __init__(self, name, seed=0):
        self.name = name
        self.cases = []
        self.gen = torch.Generator().manual_seed(seed)

    def _make(self, spec):
        dt = DTYPES[spec.dtype]
        shape = spec.shape
        if spec.values is not None:
            base = torch.tensor(spec.values, dtype=torch.float64).reshape(shape)
        elif not dt.is_floating_point:
            lo, hi = spec.integer_range or ((0, 2) if dt == torch.bool else (-5, 6) if dt != torch.uint8 else (0, 10))
            base = torch.randint(lo, hi, shape, generator=self.gen).to(torch.float64)
        else:
            base = torch.rand(shape, generator=self.gen, dtype=torch.float64) * (spec.high - spec.low) + spec.low
            if spec.positive:
                base = base.abs() + 0.1
        logical = base.to(dt)
        if spec.layout == "transposed" and len(shape) >= 2:
            phys = logical.permute(*reversed(range(len(shape)))).contiguous()
            t = phys.permute(*reversed(range(len(shape))))
        elif spec.layout == "expanded":
            t = logical
        else:
            t = logical.clone()
        req = spec.grad if spec.grad is not None else dt.is_floating_point
        if req:
            t = t.detach().requires_grad_(True) if spec.layout != "transposed" else t.detach().requires_grad_(True)
        return t, {"shape": shape, "dtype": spec.dtype, "layout": spec.layout, "values": _flat(logical), "requiresGrad": bool(req)}

    def case(self, name, op, args, kwargs=None, grad=True, atol=None, rtol=None, outputs_grad=None):
        """Record one call of torch.ops.<op> (op like 'aten.add.Tensor'); args may contain T specs and lists of them."""
        kwargs = kwargs or {}
        tensors, enc_tensors = [], []

        def conv(a):
            if isinstance(a, T):
                t, e = self._make(a)
                tensors.append(t)
                enc_tensors.append(e)
                return t, {"tensor": len(tensors) - 1}
            if isinstance(a, (list, tuple)):
                pairs = [conv(x) for x in a]
                return [p[0] for p in pairs], [p[1] for p in pairs]
            if isinstance(a, torch.dtype):
                return a, {"dtype": NAMES[a]}
            return a, _enc(a) if isinstance(a, float) else a

        real_args, enc_args = zip(*[conv(a) for a in args]) if args else ((), ())
        real_kwargs, enc_kwargs = {}, {}
        for k, v in kwargs.items():
            real_kwargs[k], enc_kwargs[k] = conv(v)
        ns, opname, overload = op.split(".")
        fn = getattr(getattr(getattr(torch.ops, ns), opname), overload)
        try:
            out = fn(*real_args, **real_kwargs)
        except Exception as e:  # record expected errors too
            self.cases.append({"name": name, "op": op, "tensors": enc_tensors, "args": list(enc_args), "kwargs": enc_kwargs, "error": str(e).split("\n")[0]})
            return
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        enc_outs = [{"shape": list(o.shape), "dtype": NAMES[o.dtype], "values": _flat(o)} for o in outs]
        entry = {"name": name, "op": op, "tensors": enc_tensors, "args": list(enc_args), "kwargs": enc_kwargs, "outputs": enc_outs}
        if atol is not None:
            entry["atol"] = atol
        if rtol is not None:
            entry["rtol"] = rtol
        diff = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
        if grad and diff and any(t.requires_grad for t in tensors):
            gouts = [torch.rand(o.shape, generator=self.gen, dtype=torch.float64).to(o.dtype) - 0.5 for o in diff]
            ins = [t for t in tensors if t.requires_grad]
            gs = torch.autograd.grad(diff, ins, gouts, allow_unused=True)
            entry["gradOutputs"] = [{"shape": list(g.shape), "dtype": NAMES[g.dtype], "values": _flat(g)} for g in gouts]
            it = iter(gs)
            entry["grads"] = [(lambda g: None if g is None else {"shape": list(g.shape), "dtype": NAMES[g.dtype], "values": _flat(g)})(next(it)) if t.requires_grad else None for t in tensors]
        self.cases.append(entry)

    def write(self, root):
        path = os.path.join(root, "test", "golden", "fixtures", f"{self.name}.json")
        with open(path, "w") as f:
            json.dump({"family": self.name, "torch": torch.__version__, "cases": self.cases}, f, separators=(",", ":"))
        print(f"wrote {path}: {len(self.cases)} cases")
