"""Golden cases for the pointwise family: unary, binary, comparison, logical/bitwise, where, clamp,
backward ops and in-place ops, across dtypes, broadcasting, transposed inputs, 0-d/empty tensors,
NaN/Inf inputs and error cases."""
from golden import T

FLOATS = ["float32", "float64", "bfloat16"]
NAN_INF = [float("nan"), float("inf"), -float("inf"), 0.0, -1.5, 2.0]

UNARY_ANY = ["neg", "exp", "exp2", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "abs", "expm1",
             "floor", "ceil", "round", "trunc", "sign", "relu", "silu", "reciprocal"]
UNARY_POS = ["log", "log2", "log1p", "sqrt", "rsqrt"]


def build(f):
    for dt in FLOATS:
        for op in UNARY_ANY + UNARY_POS:
            pos = op in UNARY_POS
            name = f"aten.{op}.default"
            g = not (dt == "bfloat16" and op in ("sign", "floor", "ceil", "round", "trunc"))
            f.case(f"{op}-{dt}", name, [T([3, 4], dt, positive=pos)], grad=g)
            f.case(f"{op}-{dt}-transposed", name, [T([4, 3], dt, layout="transposed", positive=pos)], grad=g)
        f.case(f"gelu-{dt}", "aten.gelu.default", [T([3, 5], dt, low=-3, high=3)])
        f.case(f"gelu-tanh-{dt}", "aten.gelu.default", [T([3, 5], dt, low=-3, high=3)], {"approximate": "tanh"})
        f.case(f"hardtanh-{dt}", "aten.hardtanh.default", [T([4, 5], dt), -0.5, 0.75], grad=dt != "bfloat16")
        f.case(f"clamp-{dt}", "aten.clamp.default", [T([4, 5], dt), -0.5, 0.75])
        f.case(f"clamp-min-only-{dt}", "aten.clamp.default", [T([4, 5], dt), -0.5])
        f.case(f"clamp-max-only-{dt}", "aten.clamp.default", [T([4, 5], dt)], {"max": 0.25})
        f.case(f"clamp-Tensor-{dt}", "aten.clamp.Tensor", [T([4, 5], dt), T([5], dt, low=-1, high=0), T([4, 1], dt, low=0, high=1)])
        for op in ["add", "sub"]:
            f.case(f"{op}-{dt}-broadcast-alpha", f"aten.{op}.Tensor", [T([3, 1], dt), T([4], dt)], {"alpha": 2})
            f.case(f"{op}-Scalar-{dt}", f"aten.{op}.Scalar", [T([3, 4], dt), 1.5])
            f.case(f"{op}-{dt}-transposed", f"aten.{op}.Tensor", [T([3, 4], dt, layout="transposed"), T([3, 4], dt)])
        f.case(f"rsub-Scalar-{dt}", "aten.rsub.Scalar", [T([3, 4], dt), 1.5])
        f.case(f"mul-{dt}-broadcast", "aten.mul.Tensor", [T([2, 3, 1], dt), T([1, 4], dt)])
        f.case(f"mul-Scalar-{dt}", "aten.mul.Scalar", [T([3, 4], dt), -0.75])
        f.case(f"div-{dt}-broadcast", "aten.div.Tensor", [T([2, 3], dt), T([3], dt, positive=True)])
        f.case(f"div-Scalar-{dt}", "aten.div.Scalar", [T([3, 4], dt), 0.3])
        for mode in ["trunc", "floor"]:
            f.case(f"div-{mode}-{dt}", "aten.div.Tensor_mode", [T([3, 4], dt, low=-6, high=6), T([4], dt, positive=True)], {"rounding_mode": mode})
            f.case(f"div-Scalar-{mode}-{dt}", "aten.div.Scalar_mode", [T([3, 4], dt, low=-6, high=6), 0.7], {"rounding_mode": mode})
        f.case(f"pow-Tensor_Tensor-{dt}", "aten.pow.Tensor_Tensor", [T([3, 4], dt, positive=True), T([4], dt)])
        f.case(f"pow-Tensor_Scalar-{dt}", "aten.pow.Tensor_Scalar", [T([3, 4], dt), 3])
        f.case(f"pow-Tensor_Scalar-frac-{dt}", "aten.pow.Tensor_Scalar", [T([3, 4], dt, positive=True), 0.5])
        f.case(f"pow-Scalar-{dt}", "aten.pow.Scalar", [2.5, T([3, 4], dt)])
        f.case(f"remainder-{dt}", "aten.remainder.Tensor", [T([3, 4], dt, low=-5, high=5), T([4], dt, values=[1.5, -2.0, 0.75, -0.5])])
        f.case(f"remainder-Scalar-{dt}", "aten.remainder.Scalar", [T([3, 4], dt, low=-5, high=5), -1.5])
        f.case(f"fmod-{dt}", "aten.fmod.Tensor", [T([3, 4], dt, low=-5, high=5), T([4], dt, values=[1.5, -2.0, 0.75, -0.5])])
        f.case(f"fmod-Scalar-{dt}", "aten.fmod.Scalar", [T([3, 4], dt, low=-5, high=5), 1.25])
        f.case(f"maximum-{dt}", "aten.maximum.default", [T([3, 4], dt), T([3, 1], dt)])
        f.case(f"minimum-{dt}", "aten.minimum.default", [T([3, 4], dt, layout="transposed"), T([4], dt)])
        f.case(f"atan2-{dt}", "aten.atan2.default", [T([3, 4], dt), T([4], dt)])
        for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
            f.case(f"{op}-{dt}", f"aten.{op}.Tensor", [T([3, 4], dt, values=[0, 1, 2, 3] * 3), T([4], dt, values=[1, 1, 3, 2])])
            f.case(f"{op}-Scalar-{dt}", f"aten.{op}.Scalar", [T([3, 4], dt), 0.25])
        f.case(f"where-{dt}", "aten.where.self", [T([3, 4], "bool"), T([3, 4], dt), T([4], dt)])
        f.case(f"sigmoid_backward-{dt}", "aten.sigmoid_backward.default", [T([3, 4], dt), T([3, 4], dt, low=0, high=1)])
        f.case(f"tanh_backward-{dt}", "aten.tanh_backward.default", [T([3, 4], dt), T([3, 4], dt, low=-1, high=1)])
        f.case(f"gelu_backward-{dt}", "aten.gelu_backward.default", [T([3, 4], dt), T([3, 4], dt)], grad=False)
        f.case(f"gelu_backward-tanh-{dt}", "aten.gelu_backward.default", [T([3, 4], dt), T([3, 4], dt)], {"approximate": "tanh"}, grad=False)
        f.case(f"silu_backward-{dt}", "aten.silu_backward.default", [T([3, 4], dt), T([3, 4], dt)], grad=False)
        if dt != "bfloat16":  # torch 1.13 has no bfloat16 hardtanh_backward kernel
            f.case(f"hardtanh_backward-{dt}", "aten.hardtanh_backward.default", [T([3, 4], dt), T([3, 4], dt), -0.5, 0.5])
        f.case(f"threshold_backward-{dt}", "aten.threshold_backward.default", [T([3, 4], dt), T([3, 4], dt), 0.1])

    # 0-d and empty tensors
    for op in ["exp", "neg", "sigmoid", "abs"]:
        f.case(f"{op}-0d", f"aten.{op}.default", [T([], "float32")])
        f.case(f"{op}-empty", f"aten.{op}.default", [T([0, 3], "float32")])
    f.case("add-0d-and-dim", "aten.add.Tensor", [T([], "float64"), T([2, 3], "float32")])
    f.case("mul-empty-broadcast", "aten.mul.Tensor", [T([0, 1], "float32"), T([4], "float32")])
    f.case("where-0d", "aten.where.self", [T([], "bool"), T([2], "float32"), T([], "float32")])

    # NaN / Inf
    for dt in ["float32", "float64"]:
        f.case(f"isnan-{dt}", "aten.isnan.default", [T([6], dt, values=NAN_INF)])
        f.case(f"isinf-{dt}", "aten.isinf.default", [T([6], dt, values=NAN_INF)])
        f.case(f"maximum-nan-{dt}", "aten.maximum.default", [T([6], dt, values=NAN_INF), T([6], dt, values=[1.0, float("nan"), 0.0, 0.0, 3.0, 1.0])], grad=False)
        f.case(f"minimum-nan-{dt}", "aten.minimum.default", [T([6], dt, values=NAN_INF), T([6], dt, values=[1.0, float("nan"), 0.0, 0.0, 3.0, 1.0])], grad=False)
        f.case(f"clamp-nan-{dt}", "aten.clamp.default", [T([6], dt, values=NAN_INF), -1.0, 1.0], grad=False)
        f.case(f"relu-nan-{dt}", "aten.relu.default", [T([6], dt, values=NAN_INF)], grad=False)
        f.case(f"logical_not-nan-{dt}", "aten.logical_not.default", [T([6], dt, values=NAN_INF)])
        f.case(f"exp-inf-{dt}", "aten.exp.default", [T([6], dt, values=NAN_INF)], grad=False)
        f.case(f"div-zero-{dt}", "aten.div.Tensor", [T([6], dt, values=NAN_INF), T([6], dt, values=[0.0, 0.0, 0.0, 0.0, 0.0, -0.0])], grad=False)
        f.case(f"div-floor-zero-{dt}", "aten.div.Tensor_mode", [T([3], dt, values=[1.0, -1.0, 0.0]), T([3], dt, values=[0.0, 0.0, 0.0])], {"rounding_mode": "floor"}, grad=False)
        f.case(f"pow-special-{dt}", "aten.pow.Tensor_Tensor", [T([4], dt, values=[1.0, 0.0, -2.0, 2.0]), T([4], dt, values=[float("nan"), 0.0, 3.0, -1.0])], grad=False)
        f.case(f"eq-nan-{dt}", "aten.eq.Tensor", [T([6], dt, values=NAN_INF), T([6], dt, values=NAN_INF)])

    # integer and bool dtypes
    for dt in ["int64", "int32", "uint8"]:
        f.case(f"add-{dt}", "aten.add.Tensor", [T([3, 4], dt), T([4], dt)], {"alpha": 3})
        f.case(f"mul-{dt}", "aten.mul.Tensor", [T([3, 4], dt), T([3, 4], dt)])
        f.case(f"div-true-{dt}", "aten.div.Tensor", [T([3, 4], dt), T([4], dt, values=[1, 2, 3, 4])])
        f.case(f"div-floor-{dt}", "aten.div.Tensor_mode", [T([3, 4], dt), T([4], dt, values=[1, 2, 3, 4])], {"rounding_mode": "floor"})
        f.case(f"abs-{dt}", "aten.abs.default", [T([3, 4], dt)])
        f.case(f"bitwise_and-{dt}", "aten.bitwise_and.Tensor", [T([3, 4], dt), T([4], dt)])
        f.case(f"bitwise_or-{dt}", "aten.bitwise_or.Scalar", [T([3, 4], dt), 6])
        f.case(f"bitwise_xor-{dt}", "aten.bitwise_xor.Tensor", [T([3, 4], dt), T([3, 4], dt)])
        f.case(f"bitwise_not-{dt}", "aten.bitwise_not.default", [T([3, 4], dt)])
        f.case(f"maximum-{dt}", "aten.maximum.default", [T([3, 4], dt), T([4], dt)])
        f.case(f"clamp-{dt}", "aten.clamp.default", [T([3, 4], dt), -2, 3])
        f.case(f"pow-{dt}", "aten.pow.Tensor_Scalar", [T([3, 4], dt, integer_range=(0, 5)), 3])
        f.case(f"sign-{dt}", "aten.sign.default", [T([3, 4], dt)])
        f.case(f"gt-Scalar-{dt}", "aten.gt.Scalar", [T([3, 4], dt), 1])
        f.case(f"exp-{dt}", "aten.exp.default", [T([3, 4], dt, integer_range=(0, 4))])
        f.case(f"sqrt-{dt}", "aten.sqrt.default", [T([3, 4], dt, integer_range=(0, 10))])
    f.case("remainder-int64", "aten.remainder.Tensor", [T([3, 4], "int64", integer_range=(-9, 10)), T([4], "int64", values=[2, -3, 4, -5])])
    f.case("fmod-int64", "aten.fmod.Tensor", [T([3, 4], "int64", integer_range=(-9, 10)), T([4], "int64", values=[2, -3, 4, -5])])
    f.case("div-trunc-int64", "aten.div.Tensor_mode", [T([3, 4], "int64", integer_range=(-9, 10)), T([4], "int64", values=[2, -3, 4, -5])], {"rounding_mode": "trunc"})
    f.case("div-floor-int64-neg", "aten.div.Tensor_mode", [T([3, 4], "int64", integer_range=(-9, 10)), T([4], "int64", values=[2, -3, 4, -5])], {"rounding_mode": "floor"})
    f.case("add-int-float-promotion", "aten.add.Tensor", [T([3], "int64"), T([3], "float32")])
    f.case("add-int32-0d-float64", "aten.add.Tensor", [T([3], "int32"), T([], "float64")])
    f.case("mul-Scalar-int-float", "aten.mul.Scalar", [T([3], "int64"), 0.5])
    f.case("add-bfloat16-float32", "aten.add.Tensor", [T([3], "bfloat16"), T([3], "float32")])
    f.case("logical_and", "aten.logical_and.default", [T([3, 4], "bool"), T([4], "bool")])
    f.case("logical_or-float", "aten.logical_or.default", [T([3, 4], "float32", values=[0, 1, 0.5, 0] * 3), T([4], "int64", values=[0, 0, 1, 1])])
    f.case("logical_xor", "aten.logical_xor.default", [T([3, 4], "bool"), T([3, 4], "bool")])
    f.case("logical_not-int", "aten.logical_not.default", [T([3, 4], "int64")])
    f.case("bitwise_and-bool", "aten.bitwise_and.Tensor", [T([3, 4], "bool"), T([4], "bool")])
    f.case("bitwise_not-bool", "aten.bitwise_not.default", [T([3, 4], "bool")])
    f.case("add-bool", "aten.add.Tensor", [T([3, 4], "bool"), T([4], "bool")])
    f.case("where-mixed", "aten.where.self", [T([3, 4], "bool"), T([3, 4], "int64"), T([4], "float32")])
    f.case("eq-int-float", "aten.eq.Tensor", [T([4], "int64", values=[1, 2, 3, 4]), T([4], "float32", values=[1, 2.5, 3, 0])])

    # in-place ops (outputs are the mutated self)
    for dt in ["float32", "float64", "bfloat16"]:
        f.case(f"add_-{dt}", "aten.add_.Tensor", [T([3, 4], dt, grad=False), T([4], dt, grad=False)], {"alpha": 2})
        f.case(f"sub_-Scalar-{dt}", "aten.sub_.Scalar", [T([3, 4], dt, grad=False), 0.5])
        f.case(f"mul_-{dt}-transposed", "aten.mul_.Tensor", [T([3, 4], dt, layout="transposed", grad=False), T([3, 4], dt, grad=False)])
        f.case(f"div_-{dt}", "aten.div_.Tensor", [T([3, 4], dt, grad=False), T([3, 1], dt, positive=True, grad=False)])
        f.case(f"clamp_-{dt}", "aten.clamp_.default", [T([3, 4], dt, grad=False), -0.5, 0.5])
        f.case(f"relu_-{dt}", "aten.relu_.default", [T([3, 4], dt, grad=False)])
        f.case(f"fill_-{dt}", "aten.fill_.Scalar", [T([3, 4], dt, grad=False), 1.25])
        f.case(f"zero_-{dt}", "aten.zero_.default", [T([3, 4], dt, layout="transposed", grad=False)])
        f.case(f"copy_-{dt}", "aten.copy_.default", [T([3, 4], dt, layout="transposed", grad=False), T([4], "float64", grad=False)])
    f.case("copy_-float-to-int", "aten.copy_.default", [T([3, 4], "int64"), T([3, 4], "float32", low=-5, high=5, grad=False)])
    f.case("copy_-to-bool", "aten.copy_.default", [T([4], "bool"), T([4], "float32", values=[0, 0.5, -1, 0], grad=False)])
    f.case("add_-int-Scalar", "aten.add_.Scalar", [T([3], "int64"), 2])

    # errors
    f.case("add-broadcast-error", "aten.add.Tensor", [T([2, 3]), T([4])])
    f.case("mul-broadcast-error", "aten.mul.Tensor", [T([2, 3]), T([2, 2])])
    f.case("where-broadcast-error", "aten.where.self", [T([3], "bool"), T([2, 3]), T([4])])
    f.case("add_-broadcast-error", "aten.add_.Tensor", [T([3], grad=False), T([2, 3], grad=False)])
    f.case("add_-cast-error", "aten.add_.Tensor", [T([3], "int64"), T([3], "float32", grad=False)])
    f.case("sub-bool-error", "aten.sub.Tensor", [T([3], "bool"), T([3], "bool")])
    f.case("neg-bool-error", "aten.neg.default", [T([3], "bool")])
    f.case("bitwise_and-float-error", "aten.bitwise_and.Tensor", [T([3]), T([3])])
    f.case("div-int-zero-error", "aten.div.Tensor_mode", [T([3], "int64"), T([3], "int64", values=[1, 0, 2])], {"rounding_mode": "floor"})
    f.case("pow-int-negative-error", "aten.pow.Tensor_Scalar", [T([3], "int64"), -1])
    f.case("clamp-none-error", "aten.clamp.default", [T([3])])
    f.case("where-cond-dtype-error", "aten.where.self", [T([3], "int64"), T([3]), T([3])])
    f.case("gelu-int-error", "aten.gelu.default", [T([3], "int64")])
