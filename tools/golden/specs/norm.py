"""Golden cases for native_layer_norm, native_batch_norm (training + eval), native_group_norm and their backward ops."""
import torch
from golden import T


def build(f):
    for dt in ["float32", "float64", "bfloat16"]:
        tol = {"atol": 5e-2, "rtol": 5e-2} if dt == "bfloat16" else {}
        # layer norm
        f.case(f"layer_norm-{dt}", "aten.native_layer_norm.default", [T([4, 5], dt), [5], T([5], dt), T([5], dt), 1e-5], **tol)
        f.case(f"layer_norm-{dt}-noaffine", "aten.native_layer_norm.default", [T([2, 3, 4], dt), [3, 4], None, None, 1e-5], **tol)
        f.case(f"layer_norm-{dt}-transposed", "aten.native_layer_norm.default", [T([6, 4], dt, layout="transposed"), [4], T([4], dt), None, 1e-3], **tol)
        f.case(f"layer_norm-{dt}-weight-only", "aten.native_layer_norm.default", [T([3, 2, 4], dt), [4], T([4], dt), None, 1e-5], **tol)
        # batch norm
        f.case(f"batch_norm-{dt}-train", "aten.native_batch_norm.default",
               [T([4, 3, 5], dt), T([3], dt), T([3], dt), T([3], dt, grad=False), T([3], dt, grad=False, positive=True), True, 0.1, 1e-5], **tol)
        f.case(f"batch_norm-{dt}-train-nostats", "aten.native_batch_norm.default",
               [T([3, 2, 2, 2], dt), None, None, None, None, True, 0.1, 1e-5], **tol)
        f.case(f"batch_norm-{dt}-eval", "aten.native_batch_norm.default",
               [T([4, 3], dt), T([3], dt), T([3], dt), T([3], dt, grad=False), T([3], dt, grad=False, positive=True), False, 0.1, 1e-5], **tol)
        f.case(f"batch_norm-{dt}-train-transposed", "aten.native_batch_norm.default",
               [T([5, 3], dt, layout="transposed"), T([3], dt), None, None, None, True, 0.3, 1e-3], **tol)
        # group norm
        f.case(f"group_norm-{dt}", "aten.native_group_norm.default", [T([2, 4, 3], dt), T([4], dt), T([4], dt), 2, 4, 3, 2, 1e-5], **tol)
        f.case(f"group_norm-{dt}-noaffine-4d", "aten.native_group_norm.default", [T([2, 6, 2, 2], dt), None, None, 2, 6, 4, 3, 1e-5], **tol)
        f.case(f"group_norm-{dt}-1group", "aten.native_group_norm.default", [T([3, 2, 5], dt), T([2], dt), None, 3, 2, 5, 1, 1e-5], **tol)
    # running stats update (checks the mutated running_mean/var through a second output-free call)
    # backward ops called directly
    for dt in ["float32", "float64"]:
        tdt = torch.float32 if dt == "float32" else torch.float64
        f.case(f"layer_norm_backward-{dt}", "aten.native_layer_norm_backward.default",
               [T([3, 4], dt, grad=False), T([3, 4], dt, grad=False), [4], T([3, 1], dt, grad=False), T([3, 1], dt, grad=False, positive=True),
                T([4], dt, grad=False), T([4], dt, grad=False), [True, True, True]])
        f.case(f"batch_norm_backward-{dt}-train", "aten.native_batch_norm_backward.default",
               [T([4, 3], dt, grad=False), T([4, 3], dt, grad=False), T([3], dt, grad=False), None, None, T([3], dt, grad=False),
                T([3], dt, grad=False, positive=True), True, 1e-5, [True, True, True]])
        f.case(f"batch_norm_backward-{dt}-eval", "aten.native_batch_norm_backward.default",
               [T([4, 3, 2], dt, grad=False), T([4, 3, 2], dt, grad=False), T([3], dt, grad=False), T([3], dt, grad=False),
                T([3], dt, grad=False, positive=True), None, None, False, 1e-5, [True, True, True]])
        f.case(f"group_norm_backward-{dt}", "aten.native_group_norm_backward.default",
               [T([2, 4, 3], dt, grad=False), T([2, 4, 3], dt, grad=False), T([2, 2], dt, grad=False), T([2, 2], dt, grad=False, positive=True),
                T([4], dt, grad=False), 2, 4, 3, 2, [True, True, True]])
        del tdt
    # errors
    f.case("layer_norm-shape-error", "aten.native_layer_norm.default", [T([2, 3, 4]), [3], None, None, 1e-5])
    f.case("group_norm-groups-error", "aten.native_group_norm.default", [T([2, 3, 4]), None, None, 2, 3, 4, 2, 1e-5])
