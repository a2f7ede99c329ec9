"""A convex QP with a known minimiser and multipliers, stated from Python
with every sense:

    min ½‖x − a‖², a = (1, 2, 3, 4)
    s.t. x0 + x1 == 1      (ν = 1)
         x2 >= 3.5         (active: μ = 0.5)
         x3 <= 10          (inactive: μ = 0)

KKT: x − a + ν(1, 1, 0, 0) − μ e2 = 0 gives x* = (0, 1, 3.5, 4)."""
import math

import pytest
import torch

import galt


def minimise(opt, x, a, steps=6000, lr=0.05):
    for step in range(steps):
        # A decaying step size lets Adam settle (constant-η Adam hovers).
        opt.param_groups[0]["lr"] = lr * 0.999 ** step
        opt.zero_grad()
        (0.5 * (x - a).pow(2).sum()).backward()
        opt.step()


@pytest.mark.parametrize("penalty", ["classical", "avbd"])
def test_reaches_the_known_kkt_point(penalty):
    x = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    a = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    opt = galt.Optimizer([x], lr=0.05, weight_decay=0.0, inner_steps=5, penalty=penalty)
    opt.add_constraint("sum", value=lambda: x[0] + x[1], sense="==", margin=1.0, channel="task")
    opt.add_constraint("floor2", value=lambda: x[2], sense=">=", margin=3.5)
    opt.add_constraint("cap3", value=lambda: x[3], sense="<=", margin=10.0)
    minimise(opt, x, a)
    expected = torch.tensor([0.0, 1.0, 3.5, 4.0], dtype=torch.float64)
    assert (x.detach() - expected).abs().max().item() < 1e-5, x
    edges = opt.stats()["edges"]
    assert edges["sum"]["lambda"] == pytest.approx(1.0, abs=1e-4)
    assert edges["floor2"]["lambda"] == pytest.approx(0.5, abs=1e-4)
    assert edges["cap3"]["lambda"] == 0.0
    # ">=" is posed as margin − value <= 0: C is that, here ≈ 0 and active.
    assert edges["floor2"]["C"] == pytest.approx(0.0, abs=1e-5) and edges["floor2"]["active"]
    assert edges["cap3"]["C"] == pytest.approx(4.0 - 10.0, abs=1e-5)
    assert not edges["cap3"]["active"]
    assert math.isfinite(edges["sum"]["measured_change"])


def test_proxy_constraint_reaches_the_proxys_kkt_point():
    # The step follows the surrogate x2 − 0.5, λ the proxy x2 + 0.2 − 0.5 (a
    # plain float: no gradient); the KKT point is the proxy's, x2 = 0.3, where
    # the PHR force λ + ρ·C_surrogate is its multiplier a2 − x2 = 2.7.
    x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    a = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    opt = galt.Optimizer([x], lr=0.05, weight_decay=0.0, inner_steps=5)
    opt.add_proxy_constraint("cap2", surrogate=lambda: x[2], value=lambda: x[2].item() + 0.2,
                             margin=0.5)
    logged = []
    for step in range(6000):
        opt.param_groups[0]["lr"] = 0.05 * 0.999 ** step
        opt.zero_grad()
        (0.5 * (x - a).pow(2).sum()).backward()
        opt.step()
        update = opt.stats()["edges"]["cap2"].get("dual_update")
        if update is not None and step > 5000:
            logged.append(update["value"] - update["surrogate"])
    assert logged and all(d == pytest.approx(0.2, abs=1e-9) for d in logged)
    assert x[2].item() == pytest.approx(0.3, abs=1e-4)
    edge = opt.stats()["edges"]["cap2"]
    assert edge["lambda"] + edge["rho"] * (x[2].item() - 0.5) == pytest.approx(2.7, abs=1e-3)
