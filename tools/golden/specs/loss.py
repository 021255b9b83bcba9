"""Golden cases for embedding and losses: embedding(+dense backward), nll_loss_forward/backward,
mse_loss(+backward), binary_cross_entropy_with_logits (reductions, weights, ignore_index, errors)."""
from golden import T

NLL = "aten.nll_loss_forward.default"
BCE = "aten.binary_cross_entropy_with_logits.default"


def tgt(shape, C, values=None):
    return T(shape, "int64", integer_range=(0, C), values=values)


def build(f):
    for dt in ["float32", "float64"]:
        f.case(f"embedding-{dt}", "aten.embedding.default", [T([6, 3], dt), tgt([2, 4], 6)])
        f.case(f"embedding-{dt}-padding-idx", "aten.embedding.default", [T([5, 4], dt), T([7], "int64", values=[0, 2, 2, 4, 1, 2, 0]), 2])
        f.case(f"embedding-{dt}-scale-grad", "aten.embedding.default", [T([5, 2], dt), T([6], "int64", values=[1, 1, 3, 1, 0, 3]), -1, True])
        for red in [0, 1, 2]:
            f.case(f"nll-{dt}-red{red}", NLL, [T([5, 4], dt), tgt([5], 4), None, red, -100])
            f.case(f"nll-{dt}-weight-ignore-red{red}", NLL, [T([6, 3], dt), T([6], "int64", values=[0, 2, 1, 2, 1, 0]), T([3], dt, positive=True, grad=False), red, 1])
            f.case(f"mse-{dt}-red{red}", "aten.mse_loss.default", [T([3, 4], dt), T([3, 4], dt), red])
            f.case(f"bce-logits-{dt}-red{red}", BCE, [T([4, 3], dt, low=-5, high=5), T([4, 3], dt, low=0, high=1), None, None, red])
        f.case(f"nll-{dt}-1d", NLL, [T([5], dt), T([], "int64", values=3), None, 1, -100])
        f.case(f"bce-logits-{dt}-weights", BCE, [T([4, 3], dt, low=-5, high=5), T([4, 3], dt, low=0, high=1), T([3], dt, positive=True, grad=False), T([3], dt, positive=True, grad=False), 1])
    f.case("mse-float64-broadcast", "aten.mse_loss.default", [T([3, 1], "float64"), T([4], "float64"), 2])
    f.case("mse-float32-noncontig", "aten.mse_loss.default", [T([4, 3], layout="transposed"), T([4, 3]), 1])
    f.case("nll-float64-all-ignored", NLL, [T([2, 3], "float64"), T([2], "int64", values=[1, 1]), None, 1, 1])
    f.case("embedding-bfloat16", "aten.embedding.default", [T([4, 3], "bfloat16"), tgt([3], 4)])
    f.case("embedding_dense_backward", "aten.embedding_dense_backward.default", [T([3, 2, 4], "float64", grad=False), T([3, 2], "int64", values=[0, 1, 1, 4, 0, 4]), 6, 4, False])
    f.case("nll_loss_backward", "aten.nll_loss_backward.default",
           [T([], "float64", grad=False), T([3, 4], "float64", grad=False), T([3], "int64", values=[3, 0, 2]), None, 1, -100, T([], "float64", values=3.0, grad=False)])
    f.case("mse_loss_backward", "aten.mse_loss_backward.default", [T([2, 3], "float64", grad=False), T([2, 3], "float64", grad=False), T([2, 3], "float64", grad=False), 0])
    f.case("error-nll-target-oob", NLL, [T([2, 3]), T([2], "int64", values=[0, 5]), None, 1, -100])
    f.case("error-nll-batch", NLL, [T([3, 4]), tgt([2], 4), None, 1, -100])
    f.case("error-nll-weight", NLL, [T([3, 4]), tgt([3], 4), T([3], grad=False), 1, -100])
    f.case("error-nll-3d", NLL, [T([2, 3, 4]), tgt([2], 3), None, 1, -100])
    f.case("error-embedding-index", "aten.embedding.default", [T([4, 3]), T([2], "int64", values=[1, 4])])
    f.case("error-embedding-float-index", "aten.embedding.default", [T([4, 3]), T([2], values=[1.0, 2.0], grad=False)])
    f.case("error-bce-shape", BCE, [T([3, 2]), T([2, 3]), None, None, 1])
    f.case("error-mse-broadcast", "aten.mse_loss.default", [T([3]), T([4]), 1])
