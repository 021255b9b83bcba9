"""Golden cases for aten.convolution / convolution_backward (1-d, 2-d, 3-d, stride, padding, dilation,
groups, transposed, bfloat16, non-contiguous inputs, errors)."""
from golden import T

CONV = "aten.convolution.default"


def conv(f, name, x, w, b, stride, padding, dilation, transposed, output_padding, groups, **kw):
    f.case(name, CONV, [x, w, b, stride, padding, dilation, transposed, output_padding, groups], **kw)


def build(f):
    A32 = dict(atol=1e-4, rtol=1e-4)
    for dt in ["float32", "float64"]:
        kw = A32 if dt == "float32" else {}
        conv(f, f"conv2d-{dt}-basic", T([2, 3, 6, 5], dt), T([4, 3, 3, 3], dt), T([4], dt), [1, 1], [0, 0], [1, 1], False, [0, 0], 1, **kw)
        conv(f, f"conv2d-{dt}-stride-pad", T([1, 2, 7, 8], dt), T([3, 2, 3, 2], dt), T([3], dt), [2, 3], [1, 2], [1, 1], False, [0, 0], 1, **kw)
        conv(f, f"conv2d-{dt}-dilation", T([1, 2, 9, 9], dt), T([2, 2, 3, 3], dt), None, [1, 1], [2, 2], [2, 3], False, [0, 0], 1, **kw)
        conv(f, f"conv2d-{dt}-groups", T([2, 4, 5, 5], dt), T([6, 2, 3, 3], dt), T([6], dt), [1, 1], [1, 1], [1, 1], False, [0, 0], 2, **kw)
        conv(f, f"conv2d-{dt}-depthwise", T([1, 3, 6, 6], dt), T([3, 1, 3, 3], dt), T([3], dt), [2, 2], [1, 1], [1, 1], False, [0, 0], 3, **kw)
        conv(f, f"conv2d-{dt}-1x1", T([2, 4, 3, 3], dt), T([5, 4, 1, 1], dt), T([5], dt), [1, 1], [0, 0], [1, 1], False, [0, 0], 1, **kw)
        conv(f, f"conv1d-{dt}", T([2, 3, 10], dt), T([4, 3, 3], dt), T([4], dt), [2], [1], [1], False, [0], 1, **kw)
        conv(f, f"conv1d-{dt}-dilated-groups", T([1, 4, 12], dt), T([4, 2, 3], dt), None, [1], [0], [3], False, [0], 2, **kw)
        conv(f, f"conv-transpose2d-{dt}", T([1, 3, 4, 4], dt), T([3, 2, 3, 3], dt), T([2], dt), [2, 2], [1, 1], [1, 1], True, [1, 1], 1, **kw)
        conv(f, f"conv-transpose2d-{dt}-groups-dilation", T([2, 4, 3, 5], dt), T([4, 3, 2, 3], dt), T([6], dt), [1, 2], [0, 1], [2, 1], True, [0, 1], 2, **kw)
        conv(f, f"conv-transpose1d-{dt}", T([2, 2, 5], dt), T([2, 3, 4], dt), None, [3], [1], [1], True, [2], 1, **kw)
        conv(f, f"conv3d-{dt}", T([1, 2, 4, 5, 4], dt), T([3, 2, 2, 3, 2], dt), T([3], dt), [1, 2, 1], [1, 0, 1], [1, 1, 2], False, [0, 0, 0], 1, **kw)
    conv(f, "conv2d-float32-noncontig", T([2, 3, 5, 6], layout="transposed"), T([2, 3, 3, 3], layout="transposed"), T([2]), [1, 1], [1, 1], [1, 1], False, [0, 0], 1, **A32)
    conv(f, "conv2d-float32-bigger", T([1, 8, 12, 12]), T([8, 8, 3, 3]), T([8]), [1, 1], [1, 1], [1, 1], False, [0, 0], 1, **A32)
    conv(f, "conv2d-bfloat16", T([1, 2, 5, 5], "bfloat16"), T([3, 2, 3, 3], "bfloat16"), T([3], "bfloat16"), [1, 1], [1, 1], [1, 1], False, [0, 0], 1, grad=False, atol=5e-2, rtol=2e-2)
    conv(f, "conv2d-stride-param-broadcast", T([1, 1, 5, 5], "float64"), T([1, 1, 2, 2], "float64"), None, [2], [1], [1], False, [0], 1)
    # convolution_backward called directly (all outputs requested)
    f.case("convolution_backward-float64", "aten.convolution_backward.default",
           [T([2, 4, 3, 3], "float64", grad=False), T([2, 3, 5, 5], "float64", grad=False), T([4, 3, 3, 3], "float64", grad=False),
            [4], [2, 2], [1, 1], [1, 1], False, [0, 0], 1, [True, True, True]])
    f.case("convolution_backward-transposed-float64", "aten.convolution_backward.default",
           [T([1, 4, 8, 8], "float64", grad=False), T([1, 4, 4, 4], "float64", grad=False), T([4, 2, 3, 3], "float64", grad=False),
            [4], [2, 2], [1, 1], [1, 1], True, [1, 1], 2, [True, True, True]])
    # errors
    conv(f, "error-channels", T([1, 4, 5, 5]), T([2, 3, 3, 3]), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    conv(f, "error-kernel-too-big", T([1, 1, 2, 2]), T([1, 1, 3, 3]), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    conv(f, "error-groups", T([1, 4, 5, 5]), T([3, 2, 3, 3]), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 2)
    conv(f, "error-bias", T([1, 3, 5, 5]), T([2, 3, 3, 3]), T([3]), [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    conv(f, "error-weight-dim", T([1, 3, 5, 5]), T([2, 3, 3]), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    conv(f, "error-dtype", T([1, 3, 5, 5]), T([2, 3, 3, 3], "float64"), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
    conv(f, "error-transposed-output-padding", T([1, 2, 4, 4]), T([2, 2, 3, 3]), None, [1, 1], [0, 0], [1, 1], True, [1, 1], 1)
