"""Golden cases for 2-d pooling: max_pool2d_with_indices, avg_pool2d, _adaptive_avg_pool2d and their
backward ops (kernel/stride/padding/dilation/ceil_mode variations, 3-D inputs, errors)."""
from golden import T

MP = "aten.max_pool2d_with_indices.default"
AP = "aten.avg_pool2d.default"
AAP = "aten._adaptive_avg_pool2d.default"


def build(f):
    for dt in ["float32", "float64"]:
        f.case(f"maxpool-{dt}-2x2", MP, [T([2, 3, 6, 6], dt), [2, 2]])
        f.case(f"maxpool-{dt}-3x3-s2-p1", MP, [T([1, 2, 7, 8], dt), [3, 3], [2, 2], [1, 1]])
        f.case(f"maxpool-{dt}-dilation-ceil", MP, [T([1, 2, 9, 10], dt), [3, 2], [2, 3], [1, 0], [2, 1], True])
        f.case(f"maxpool-{dt}-3d-input", MP, [T([3, 5, 5], dt), [2, 2], [1, 1]])
        f.case(f"avgpool-{dt}-2x2", AP, [T([2, 3, 6, 6], dt), [2, 2]])
        f.case(f"avgpool-{dt}-pad-exclude", AP, [T([1, 2, 7, 7], dt), [3, 3], [2, 2], [1, 1], False, False])
        f.case(f"avgpool-{dt}-pad-include-ceil", AP, [T([1, 2, 8, 7], dt), [3, 2], [2, 2], [1, 1], True, True])
        f.case(f"avgpool-{dt}-divisor", AP, [T([1, 1, 5, 5], dt), [2, 2], [1, 1], [0, 0], False, True, 3])
        f.case(f"adaptive-{dt}-uneven", AAP, [T([2, 3, 7, 5], dt), [3, 2]])
        f.case(f"adaptive-{dt}-global", AAP, [T([2, 4, 5, 6], dt), [1, 1]])
        f.case(f"adaptive-{dt}-upsample", AAP, [T([1, 2, 3, 3], dt), [5, 4]])
    f.case("maxpool-float32-noncontig", MP, [T([2, 3, 5, 6], layout="transposed"), [2, 3], [1, 2]])
    f.case("avgpool-float32-noncontig", AP, [T([2, 3, 5, 6], layout="transposed"), [2, 2], [1, 1], [1, 1]])
    f.case("maxpool-nan", MP, [T([1, 1, 2, 4], "float64", values=[1, float("nan"), 3, 4, 5, 6, float("nan"), 8], grad=False), [2, 2]])
    f.case("maxpool-bfloat16", MP, [T([1, 2, 4, 4], "bfloat16"), [2, 2]])
    f.case("avgpool-bfloat16", AP, [T([1, 2, 4, 4], "bfloat16"), [2, 2]])
    f.case("avgpool_backward-float64", "aten.avg_pool2d_backward.default",
           [T([1, 2, 3, 3], "float64"), T([1, 2, 6, 6], "float64", grad=False), [3, 3], [2, 2], [1, 1], False, True, None])
    f.case("adaptive_backward-float64", "aten._adaptive_avg_pool2d_backward.default", [T([1, 2, 3, 2], "float64"), T([1, 2, 7, 5], "float64", grad=False)])
    f.case("error-maxpool-pad", MP, [T([1, 1, 5, 5]), [2, 2], [1, 1], [2, 2]])
    f.case("error-maxpool-too-small", MP, [T([1, 1, 2, 2]), [3, 3]])
    f.case("error-maxpool-2d-input", MP, [T([5, 5]), [2, 2]])
    f.case("error-avgpool-pad", AP, [T([1, 1, 5, 5]), [2, 2], [1, 1], [2, 2]])
