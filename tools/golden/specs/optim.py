"""Golden trajectories for coil.optim: parameters after each of 5 steps of SGD / Adam / AdamW (several
option sets, param groups) on a fixed float64 loss. Replayed by test/optim/optim.golden.test.ts.

loss(w, b) = sum((x @ w + b)^2) + 0.1 * sum(w^3)
"""
import torch
from golden import NAMES, _flat


def enc(t):
    return {"shape": list(t.shape), "dtype": NAMES[t.dtype], "values": _flat(t)}


def build(f):
    g = torch.Generator().manual_seed(7)
    x = torch.rand((5, 3), generator=g, dtype=torch.float64) * 2 - 1
    w0 = torch.rand((3, 4), generator=g, dtype=torch.float64) * 2 - 1
    b0 = torch.rand((4,), generator=g, dtype=torch.float64) * 2 - 1

    def run(name, make, groups=False):
        w = w0.clone().requires_grad_(True)
        b = b0.clone().requires_grad_(True)
        opt = make([w, b])
        traj = []
        for _ in range(5):
            opt.zero_grad()
            y = x @ w + b
            loss = (y * y).sum() + 0.1 * (w * w * w).sum()
            loss.backward()
            opt.step()
            traj.append({"w": enc(w.detach()), "b": enc(b.detach()), "loss": loss.item()})
        f.cases.append({"name": name, "trajectory": traj})

    f.cases.append({"name": "inputs", "x": enc(x), "w": enc(w0), "b": enc(b0)})
    O = torch.optim
    run("SGD", lambda p: O.SGD(p, lr=0.05))
    run("SGD-momentum", lambda p: O.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01))
    run("SGD-nesterov", lambda p: O.SGD(p, lr=0.05, momentum=0.8, nesterov=True))
    run("SGD-maximize", lambda p: O.SGD(p, lr=0.01, maximize=True))
    run("SGD-groups", lambda p: O.SGD([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.01, "momentum": 0.5}], lr=0.05))
    run("Adam", lambda p: O.Adam(p, lr=0.1))
    run("Adam-wd-amsgrad", lambda p: O.Adam(p, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True))
    run("AdamW", lambda p: O.AdamW(p, lr=0.1))
    run("AdamW-amsgrad", lambda p: O.AdamW(p, lr=0.05, weight_decay=0.2, amsgrad=True))
