"""Golden cases for the seed's ops (cos, sin, relu, mm, add, mul, sum) across dtypes and layouts."""
from golden import T


def build(f):
    for dt in ["float32", "float64", "bfloat16"]:
        for op in ["aten.cos.default", "aten.sin.default", "aten.neg.default", "aten.relu.default"]:
            f.case(f"{op}-{dt}", op, [T([3, 4], dt)])
            f.case(f"{op}-{dt}-transposed", op, [T([4, 3], dt, layout="transposed")])
            f.case(f"{op}-{dt}-0d", op, [T([], dt)])
            f.case(f"{op}-{dt}-empty", op, [T([0, 3], dt)])
        f.case(f"mm-{dt}", "aten.mm.default", [T([5, 4], dt), T([4, 3], dt)])
        f.case(f"mm-{dt}-transposed", "aten.mm.default", [T([5, 4], dt, layout="transposed"), T([4, 3], dt)])
        f.case(f"add-{dt}-broadcast", "aten.add.Tensor", [T([3, 1], dt), T([4], dt)], {"alpha": 2})
        f.case(f"mul-{dt}-broadcast", "aten.mul.Tensor", [T([2, 3, 1], dt), T([1, 4], dt)])
        f.case(f"sum-{dt}", "aten.sum.default", [T([3, 4], dt)])
        f.case(f"sum-dim-{dt}", "aten.sum.dim_IntList", [T([3, 4, 2], dt), [0, 2], True])
    f.case("add-int-float-promotion", "aten.add.Tensor", [T([3], "int64"), T([3], "float32")])
    f.case("mul-int32-int64", "aten.mul.Tensor", [T([3], "int32"), T([3], "int64")])
    f.case("mm-shape-error", "aten.mm.default", [T([2, 3]), T([4, 5])])
