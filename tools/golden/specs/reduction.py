"""Golden cases for reductions, scans, softmax and sorting: sum, mean, prod, amax/amin, max/min, argmax/argmin,
var/std, logsumexp, any/all, linalg_vector_norm, cumsum/cumprod, _softmax/_log_softmax (+ backward), sort, topk."""
from golden import T

F = ["float32", "float64", "bfloat16"]
INF = float("inf")


def build(f):
    bt = {"atol": 2e-2, "rtol": 2e-2}
    for dt in F:
        tol = bt if dt == "bfloat16" else {}
        # sum / mean
        f.case(f"sum-{dt}-0d", "aten.sum.default", [T([], dt)])
        f.case(f"sum-{dt}-transposed", "aten.sum.default", [T([5, 3], dt, layout="transposed")], **tol)
        f.case(f"sum-dim-{dt}-neg", "aten.sum.dim_IntList", [T([3, 4, 2], dt), [-1]], **tol)
        f.case(f"sum-dim-{dt}-transposed", "aten.sum.dim_IntList", [T([4, 3, 2], dt, layout="transposed"), [0, 1], True], **tol)
        f.case(f"sum-dim-{dt}-outer", "aten.sum.dim_IntList", [T([6, 5], dt), [0]], **tol)
        f.case(f"mean-{dt}", "aten.mean.default", [T([3, 4], dt)], **tol)
        f.case(f"mean-dim-{dt}", "aten.mean.dim", [T([3, 4, 5], dt), [0, -1], True], **tol)
        f.case(f"mean-dim-{dt}-transposed", "aten.mean.dim", [T([4, 5], dt, layout="transposed"), [1]], **tol)
        if dt != "bfloat16":  # prod_cpu has no BFloat16 kernel in torch 1.13
            f.case(f"prod-{dt}", "aten.prod.default", [T([2, 3], dt, low=0.5, high=1.5)], **tol)
            f.case(f"prod-dim-{dt}", "aten.prod.dim_int", [T([3, 4], dt), 1], **tol)
            f.case(f"prod-dim-{dt}-zeros", "aten.prod.dim_int", [T([3, 3], dt, values=[0, 2, 3, 0, 0, 1, 4, 5, 6]), 1, True])
        # amax / amin / max / min / argmax
        for op in ["amax", "amin"]:
            f.case(f"{op}-{dt}-all", f"aten.{op}.default", [T([3, 4], dt)])
            f.case(f"{op}-{dt}-dims", f"aten.{op}.default", [T([3, 4, 2], dt), [0, 2], True])
            f.case(f"{op}-{dt}-transposed", f"aten.{op}.default", [T([4, 3], dt, layout="transposed"), [-1]])
            f.case(f"{op}-{dt}-ties", f"aten.{op}.default", [T([2, 3], dt, values=[1, 3, 3, -2, -2, 0]), [1]])
        for op in ["max", "min"]:
            f.case(f"{op}-{dt}", f"aten.{op}.default", [T([3, 5], dt)])
            f.case(f"{op}-dim-{dt}", f"aten.{op}.dim", [T([3, 5], dt), 1])
            f.case(f"{op}-dim-{dt}-keepdim-neg", f"aten.{op}.dim", [T([3, 4, 2], dt), -2, True])
            f.case(f"{op}-dim-{dt}-transposed", f"aten.{op}.dim", [T([4, 3], dt, layout="transposed"), 0])
        for op in ["argmax", "argmin"]:
            f.case(f"{op}-{dt}", f"aten.{op}.default", [T([3, 5], dt)])
            f.case(f"{op}-dim-{dt}", f"aten.{op}.default", [T([3, 5], dt), 1, True])
            f.case(f"{op}-dim-{dt}-transposed", f"aten.{op}.default", [T([4, 3], dt, layout="transposed"), 0])
        # var / std
        for op in ["var", "std"]:
            f.case(f"{op}-{dt}-all", f"aten.{op}.correction", [T([3, 4], dt), None], {"correction": 1}, **tol)
            f.case(f"{op}-{dt}-dim-c0", f"aten.{op}.correction", [T([3, 4], dt), [1]], {"correction": 0}, **tol)
            f.case(f"{op}-{dt}-dims-keepdim", f"aten.{op}.correction", [T([3, 4, 5], dt), [0, 2]], {"correction": 2, "keepdim": True}, **tol)
            f.case(f"{op}-{dt}-transposed", f"aten.{op}.correction", [T([5, 4], dt, layout="transposed"), [0]], {"correction": 1}, **tol)
        f.case(f"logsumexp-{dt}", "aten.logsumexp.default", [T([3, 4], dt), [1]], **tol)
        f.case(f"logsumexp-{dt}-dims-keepdim", "aten.logsumexp.default", [T([3, 4, 2], dt), [0, -1], True], **tol)
        # norms
        for ordv in [2, 1, 3, 0.5]:
            f.case(f"norm-{dt}-ord{ordv}", "aten.linalg_vector_norm.default", [T([3, 4], dt), ordv], **tol)
            f.case(f"norm-{dt}-ord{ordv}-dim", "aten.linalg_vector_norm.default", [T([3, 4], dt, layout="transposed"), ordv, [1], True], **tol)
        f.case(f"norm-{dt}-inf", "aten.linalg_vector_norm.default", [T([3, 4], dt), INF, [0]], **tol)
        f.case(f"norm-{dt}-neginf", "aten.linalg_vector_norm.default", [T([3, 4], dt), -INF, [1]], **tol)
        f.case(f"norm-{dt}-ord0", "aten.linalg_vector_norm.default", [T([3, 4], dt, values=[0, 1, 2, 0, 3, 0, 1, 1, 0, 0, 0, 2]), 0, [1]], grad=False)
        # scans
        f.case(f"cumsum-{dt}", "aten.cumsum.default", [T([3, 4], dt), 1], **tol)
        f.case(f"cumsum-{dt}-transposed-neg", "aten.cumsum.default", [T([4, 3], dt, layout="transposed"), -2], **tol)
        f.case(f"cumprod-{dt}", "aten.cumprod.default", [T([3, 4], dt, low=0.5, high=1.5), 1], **tol)
        f.case(f"cumprod-{dt}-dim0", "aten.cumprod.default", [T([4, 3], dt, low=0.5, high=1.5, layout="transposed"), 0], **tol)
        # softmax
        for op in ["_softmax", "_log_softmax"]:
            f.case(f"{op}-{dt}", f"aten.{op}.default", [T([3, 5], dt), 1, False], **tol)
            f.case(f"{op}-{dt}-dim0-transposed", f"aten.{op}.default", [T([4, 3], dt, layout="transposed"), 0, False], **tol)
            f.case(f"{op}-{dt}-3d-neg", f"aten.{op}.default", [T([2, 3, 4], dt), -2, False], **tol)
            f.case(f"{op}-{dt}-0d", f"aten.{op}.default", [T([], dt), 0, False])
        f.case(f"_softmax-{dt}-neginf", "aten._softmax.default", [T([2, 3], dt, values=[0, -INF, 1, -INF, 2, 3]), 1, False], grad=False)
        # sort / topk
        f.case(f"sort-{dt}", "aten.sort.default", [T([3, 6], dt)])
        f.case(f"sort-{dt}-desc-dim0", "aten.sort.default", [T([5, 3], dt, layout="transposed"), 0, True])
        f.case(f"sort-stable-{dt}-ties", "aten.sort.stable", [T([2, 5], dt, values=[1, 0, 1, 0, 2, 3, 3, 1, 3, 1])], {"stable": True, "dim": 1, "descending": True})
        f.case(f"sort-stable-{dt}-ties-asc", "aten.sort.stable", [T([2, 5], dt, values=[1, 0, 1, 0, 2, 3, 3, 1, 3, 1])], {"stable": True})
        f.case(f"topk-{dt}", "aten.topk.default", [T([3, 6], dt), 2])
        f.case(f"topk-{dt}-smallest-dim0", "aten.topk.default", [T([5, 3], dt, layout="transposed"), 3, 0, False])
    f.case("sort-float32-nan", "aten.sort.default", [T([6], values=[1, float("nan"), -1, 3, float("nan"), 0])], grad=False)
    f.case("sort-float32-nan-desc", "aten.sort.default", [T([6], values=[1, float("nan"), -1, 3, float("nan"), 0]), 0, True], grad=False)
    f.case("max-float32-nan", "aten.max.dim", [T([2, 3], values=[1, float("nan"), 2, 0, 5, 1]), 1], grad=False)
    f.case("argmax-float32-nan", "aten.argmax.default", [T([2, 3], values=[1, float("nan"), 2, 0, 5, 1]), 1])
    f.case("logsumexp-float32-inf", "aten.logsumexp.default", [T([3, 2], values=[-INF, -INF, INF, 1, 2, 3]), [1]], grad=False)
    # backward ops called directly
    for op in ["_softmax_backward_data", "_log_softmax_backward_data"]:
        for dt in ["float32", "float64"]:
            f.case(f"{op}-{dt}", f"aten.{op}.default", [T([3, 4], dt, grad=False), T([3, 4], dt, grad=False, low=0.05, high=0.5), 1, dt == "float32" and __import__("torch").float32 or __import__("torch").float64])
    # integer and bool dtypes
    for dt in ["int64", "int32", "bool", "uint8"]:
        f.case(f"sum-{dt}", "aten.sum.default", [T([3, 4], dt)])
        f.case(f"sum-dim-{dt}", "aten.sum.dim_IntList", [T([3, 4], dt), [1], True])
        f.case(f"prod-dim-{dt}", "aten.prod.dim_int", [T([3, 4], dt, integer_range=(-3, 4) if dt != "uint8" and dt != "bool" else None), 1])
        f.case(f"amax-{dt}", "aten.amax.default", [T([3, 4], dt), [0]])
        f.case(f"max-dim-{dt}", "aten.max.dim", [T([3, 4], dt), 1])
        if dt != "bool":  # argmin_cpu has no Bool kernel in torch 1.13
            f.case(f"argmin-{dt}", "aten.argmin.default", [T([3, 4], dt), 0])
        f.case(f"any-{dt}", "aten.any.default", [T([3, 4], dt)])
        f.case(f"all-dim-{dt}", "aten.all.dim", [T([3, 4], dt), 1, True])
        f.case(f"cumsum-{dt}", "aten.cumsum.default", [T([3, 4], dt), 1])
        f.case(f"sort-{dt}-stable", "aten.sort.stable", [T([3, 5], dt)], {"stable": True, "dim": 1})
        if dt != "bool":  # distinct values: PyTorch leaves the order of tied topk indices unspecified
            f.case(f"topk-{dt}", "aten.topk.default", [T([3, 7], dt, values=[(i * 5) % 21 for i in range(21)]), 3])
    for dt in ["float32", "float64"]:
        f.case(f"any-{dt}", "aten.any.dim", [T([3, 4], dt, values=[0, 0, 1.5, 0, 0, 0, 0, 0, -1, 2, 3, 4]), 1])
        f.case(f"all-{dt}", "aten.all.default", [T([3, 4], dt)])
    f.case("sum-dtype-kwarg", "aten.sum.dim_IntList", [T([3, 4], "int32"), [0]], {"dtype": __import__("torch").float64})
    f.case("sum-float32-to-float64", "aten.sum.default", [T([3, 4])], {"dtype": __import__("torch").float64})
    f.case("mean-dtype-kwarg", "aten.mean.dim", [T([3, 4], "int64"), [1]], {"dtype": __import__("torch").float32})
    f.case("cumsum-dtype-kwarg", "aten.cumsum.default", [T([3, 4], "int64"), 0], {"dtype": __import__("torch").float64})
    f.case("logsumexp-int64", "aten.logsumexp.default", [T([3, 4], "int64"), [1]])
    # empty and 0-d
    f.case("sum-empty", "aten.sum.dim_IntList", [T([0, 3]), [0]])
    f.case("sum-empty-all", "aten.sum.default", [T([0, 3])])
    f.case("prod-empty", "aten.prod.dim_int", [T([2, 0]), 1])
    f.case("mean-empty", "aten.mean.dim", [T([0, 3]), [0]], grad=False)
    f.case("amax-0d", "aten.amax.default", [T([])])
    f.case("max-dim-0d", "aten.max.dim", [T([]), 0])
    f.case("argmax-0d", "aten.argmax.default", [T([])])
    f.case("var-0d", "aten.var.correction", [T([]), None], {"correction": 0})
    f.case("any-empty", "aten.any.default", [T([0, 2], "bool")])
    f.case("all-empty", "aten.all.default", [T([0, 2], "bool")])
    f.case("norm-empty", "aten.linalg_vector_norm.default", [T([0, 3]), 2])
    f.case("cumsum-0d", "aten.cumsum.default", [T([]), 0])
    f.case("cumsum-empty", "aten.cumsum.default", [T([0, 3]), 1])
    f.case("softmax-empty", "aten._softmax.default", [T([0, 3]), 1, False])
    f.case("sort-0d", "aten.sort.default", [T([])])
    f.case("topk-k0", "aten.topk.default", [T([3, 4]), 0])
    f.case("mean-all-dims-none", "aten.mean.dim", [T([3, 4]), None, True])
    f.case("sum-dim-empty-list", "aten.sum.dim_IntList", [T([3, 4]), []])
    # errors
    f.case("sum-bad-dim", "aten.sum.dim_IntList", [T([3, 4]), [2]])
    f.case("mean-int-error", "aten.mean.default", [T([3, 4], "int64")])
    f.case("amax-empty-error", "aten.amax.default", [T([0, 3]), [0]])
    f.case("max-empty-error", "aten.max.default", [T([0, 3])])
    f.case("max-dim-bad-dim", "aten.max.dim", [T([3, 4]), -3])
    f.case("argmax-empty-error", "aten.argmax.default", [T([0, 3])])
    f.case("var-int-error", "aten.var.correction", [T([3, 4], "int64"), [1]], {"correction": 1})
    f.case("norm-int-error", "aten.linalg_vector_norm.default", [T([3, 4], "int64")])
    f.case("norm-inf-empty-error", "aten.linalg_vector_norm.default", [T([0, 3]), INF])
    f.case("cumsum-bad-dim", "aten.cumsum.default", [T([3, 4]), 2])
    f.case("softmax-bad-dim", "aten._softmax.default", [T([3, 4]), -3, False])
    f.case("sort-bad-dim", "aten.sort.default", [T([3, 4]), 2])
    f.case("topk-k-too-large", "aten.topk.default", [T([3, 4]), 5])
    f.case("logsumexp-dup-dims", "aten.logsumexp.default", [T([3, 4]), [1, -1]])
