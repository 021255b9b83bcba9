"""Golden cases for indexing: index_select, index_add, gather, scatter, scatter_add, index.Tensor
(int/bool indices, None entries, broadcasting, non-adjacent advanced indices), index_put, masked_fill."""
import torch
from golden import T

FL = ["float32", "float64", "bfloat16"]


def I(shape, hi, lo=None, values=None):
    return T(shape, "int64", integer_range=(lo if lo is not None else -hi, hi), values=values)


def B(shape, values=None):
    return T(shape, "bool", values=values)


def build(f):
    for dt in FL:
        f.case(f"index_select-{dt}", "aten.index_select.default", [T([4, 3], dt), 0, I([5], 4, 0)])
        f.case(f"index_select-{dt}-neg-dim", "aten.index_select.default", [T([3, 4], dt, layout="transposed"), -1, I([2], 4, 0)])
        f.case(f"gather-{dt}", "aten.gather.default", [T([3, 4], dt), 1, I([3, 2], 4, 0)])
        f.case(f"gather-{dt}-smaller", "aten.gather.default", [T([4, 5], dt, layout="transposed"), 0, I([2, 3], 4, 0)])
        f.case(f"scatter-src-{dt}", "aten.scatter.src", [T([3, 5], dt), 1, I([3, 2], 5, 0, values=[[0, 4], [1, 2], [3, 0]]), T([3, 2], dt)])
        f.case(f"scatter-value-{dt}", "aten.scatter.value", [T([3, 5], dt), 0, I([2, 5], 3, 0), 2.5])
        f.case(f"scatter_add-{dt}", "aten.scatter_add.default", [T([3, 4], dt), 0, I([5, 4], 3, 0), T([5, 4], dt)])
        f.case(f"index_add-{dt}", "aten.index_add.default", [T([4, 3], dt), 0, I([5], 4, 0), T([5, 3], dt)], {"alpha": 2})
        f.case(f"index-{dt}-int", "aten.index.Tensor", [T([5, 4], dt), [I([3], 5)]])
        f.case(f"index-{dt}-none-int", "aten.index.Tensor", [T([3, 5, 2], dt), [None, I([2, 2], 5)]])
        f.case(f"index-{dt}-broadcast", "aten.index.Tensor", [T([4, 5], dt), [I([3, 1], 4), I([2], 5)]])
        f.case(f"index-{dt}-nonadjacent", "aten.index.Tensor", [T([3, 4, 5], dt), [I([2], 3), None, I([2], 5)]])
        f.case(f"index-{dt}-bool", "aten.index.Tensor", [T([3, 4], dt), [B([3], values=[1, 0, 1])]])
        f.case(f"index-{dt}-bool2d", "aten.index.Tensor", [T([3, 4, 2], dt, layout="transposed"), [B([3, 4])]])
        f.case(f"index_put-{dt}", "aten.index_put.default", [T([5, 3], dt), [I([2], 5, 0, values=[0, 3])], T([3], dt)])
        f.case(f"index_put-{dt}-acc", "aten.index_put.default", [T([5], dt), [I([6], 5, 0, values=[0, 1, 1, 4, 0, 0])], T([6], dt), True])
        f.case(f"index_put-{dt}-2idx", "aten.index_put.default", [T([3, 4], dt), [I([2], 3, 0, values=[0, 2]), I([2], 4, 0, values=[1, 3])], T([], dt)])
        f.case(f"masked_fill-scalar-{dt}", "aten.masked_fill.Scalar", [T([3, 4], dt, layout="transposed"), B([4]), -1.5])
        f.case(f"masked_fill-tensor-{dt}", "aten.masked_fill.Tensor", [T([3, 4], dt), B([3, 4]), T([], dt)])
    for dt in ["int64", "int32", "uint8", "bool", "float16"]:
        f.case(f"index_select-{dt}", "aten.index_select.default", [T([4, 3], dt), 1, I([4], 3, 0)])
        f.case(f"gather-{dt}", "aten.gather.default", [T([3, 4], dt), 1, I([3, 4], 4, 0)])
        f.case(f"index-{dt}", "aten.index.Tensor", [T([4, 3], dt), [I([2, 2], 4)]])
        f.case(f"masked_fill-{dt}", "aten.masked_fill.Scalar", [T([3, 2], dt), B([3, 2]), 1])
        f.case(f"scatter-value-{dt}", "aten.scatter.value", [T([2, 3], dt), 1, I([2, 1], 3, 0), 1])
    f.case("index_select-int32-index", "aten.index_select.default", [T([4, 3]), 0, T([2], "int32", integer_range=(0, 4))])
    f.case("index_select-0d-index", "aten.index_select.default", [T([4, 3]), 0, I([], 4, 0)])
    f.case("index_select-empty", "aten.index_select.default", [T([4, 3]), 0, I([0], 4, 0)])
    f.case("index-empty-index", "aten.index.Tensor", [T([4, 3]), [I([0], 4)]])
    f.case("index-bool-none", "aten.index.Tensor", [T([2, 3]), [None, B([3], values=[0, 1, 1])]])
    f.case("index-bool-all-false", "aten.index.Tensor", [T([3, 2]), [B([3], values=[0, 0, 0])]])
    f.case("index-int-and-bool", "aten.index.Tensor", [T([3, 4]), [I([2], 3, 0), B([4], values=[1, 0, 0, 1])]])
    f.case("masked_fill-broadcast-self", "aten.masked_fill.Scalar", [T([1, 4]), B([3, 4]), 0.5])
    f.case("gather-0d", "aten.gather.default", [T([]), 0, I([], 1, 0)])
    # errors
    f.case("index_select-error-oob", "aten.index_select.default", [T([4, 3]), 0, I([2], 1, 0, values=[1, 4])])
    f.case("index_select-error-float", "aten.index_select.default", [T([4, 3]), 0, T([2])])
    f.case("gather-error-oob", "aten.gather.default", [T([3, 4]), 1, I([3, 1], 1, 0, values=[[0], [4], [1]])])
    f.case("gather-error-ndim", "aten.gather.default", [T([3, 4]), 1, I([3], 4, 0)])
    f.case("scatter-error-oob", "aten.scatter.src", [T([3, 4]), 0, I([1, 2], 1, 0, values=[[0, 3]]), T([1, 2])])
    f.case("index-error-oob", "aten.index.Tensor", [T([3, 4]), [I([2], 1, 0, values=[0, 3])]])
    f.case("index-error-neg-oob", "aten.index.Tensor", [T([3, 4]), [None, I([1], 1, 0, values=[-5])]])
    f.case("index-error-too-many", "aten.index.Tensor", [T([3]), [I([1], 1, 0), I([1], 1, 0)]])
    f.case("index-error-bool-shape", "aten.index.Tensor", [T([3, 4]), [B([4])]])
    f.case("index-error-broadcast", "aten.index.Tensor", [T([3, 4]), [I([2], 3, 0), I([3], 4, 0)]])
    f.case("index_put-error-oob", "aten.index_put.default", [T([3]), [I([1], 1, 0, values=[3])], T([1])])
    f.case("index_put-error-shape", "aten.index_put.default", [T([3, 2]), [I([2], 3, 0)], T([3, 2])])
    f.case("masked_fill-error-mask-dtype", "aten.masked_fill.Scalar", [T([3]), T([3]), 0.0])
    f.case("masked_fill-error-value-dim", "aten.masked_fill.Tensor", [T([3]), B([3]), T([3])])
