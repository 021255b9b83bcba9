"""Golden cases for matrix products: mm, bmm, addmm, baddbmm, dot (dtypes, layouts, errors)."""
from golden import T


def build(f):
    for dt in ["float32", "float64", "bfloat16"]:
        # torch 1.13's CPU bfloat16 matmul accumulates in bfloat16 (several ulps off); coil accumulates
        # in float32/float64 like PyTorch 2.x, so bfloat16 cases get a looser tolerance.
        kw = dict(atol=0.1, rtol=0.03) if dt == "bfloat16" else {}
        f.case(f"mm-{dt}", "aten.mm.default", [T([7, 9], dt), T([9, 5], dt)], **kw)
        f.case(f"mm-{dt}-transposed-both", "aten.mm.default", [T([6, 13], dt, layout="transposed"), T([13, 10], dt, layout="transposed")], **kw)
        f.case(f"bmm-{dt}", "aten.bmm.default", [T([3, 5, 4], dt), T([3, 4, 6], dt)], **kw)
        f.case(f"addmm-{dt}-bias-row", "aten.addmm.default", [T([6], dt), T([5, 7], dt), T([7, 6], dt)], **kw)
        f.case(f"dot-{dt}", "aten.dot.default", [T([11], dt), T([11], dt)], **kw)
    f.case("mm-float32-large", "aten.mm.default", [T([37, 70]), T([70, 45])], atol=1e-4)
    f.case("mm-float64-large-transposed", "aten.mm.default", [T([33, 300], "float64", layout="transposed"), T([300, 29], "float64")])
    f.case("mm-int64", "aten.mm.default", [T([3, 4], "int64"), T([4, 2], "int64")])
    f.case("mm-empty-k", "aten.mm.default", [T([3, 0]), T([0, 4])])
    f.case("bmm-float32-transposed", "aten.bmm.default", [T([2, 4, 3], layout="transposed"), T([2, 3, 5], layout="transposed")])
    f.case("addmm-float64-beta-alpha", "aten.addmm.default", [T([4, 3], "float64"), T([4, 5], "float64"), T([5, 3], "float64")], {"beta": 0.5, "alpha": 2.0})
    f.case("addmm-float64-col-bias", "aten.addmm.default", [T([4, 1], "float64"), T([4, 5], "float64"), T([5, 3], "float64")], {"beta": 2})
    f.case("addmm-float32-beta0-nan", "aten.addmm.default", [T([2, 3], values=[float("nan")] * 6, grad=False), T([2, 2]), T([2, 3])], {"beta": 0})
    f.case("baddbmm-float64", "aten.baddbmm.default", [T([1, 4, 5], "float64"), T([3, 4, 2], "float64"), T([3, 2, 5], "float64")], {"beta": 0.25, "alpha": -1.5})
    f.case("mm-shape-error", "aten.mm.default", [T([2, 3]), T([4, 5])])
    f.case("mm-dtype-error", "aten.mm.default", [T([2, 3]), T([3, 5], "float64")])
    f.case("mm-rank-error", "aten.mm.default", [T([2, 3, 1]), T([3, 5])])
    f.case("bmm-batch-error", "aten.bmm.default", [T([2, 3, 4]), T([3, 4, 5])])
    f.case("bmm-inner-error", "aten.bmm.default", [T([2, 3, 4]), T([2, 5, 5])])
    f.case("addmm-self-error", "aten.addmm.default", [T([3, 3]), T([2, 4]), T([4, 3])])
    f.case("dot-size-error", "aten.dot.default", [T([3]), T([4])])
    f.case("dot-rank-error", "aten.dot.default", [T([3, 1]), T([3])])
