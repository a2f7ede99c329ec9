"""state_dict() / load_state_dict(): a round trip restores λ, ρ, the AdamW
moments and the trust radii, so a restored optimizer takes the steps the
original would have taken."""
import copy
import io

import pytest
import torch

import galt


def make(net, **solver):
    opt = galt.Optimizer([{"params": net[0].parameters(), "name": "fc1"},
                          {"params": net[2].parameters(), "name": "fc2", "lr": 2e-2}],
                         lr=1e-2, inner_steps=3, **solver)
    # Violated from the start (the output mean is pulled to 0.5): λ, ρ and
    # the trust radii all move.
    probe = torch.randn(16, 4, generator=torch.Generator().manual_seed(5))
    opt.add_constraint("mean_cap", value=lambda: net(probe).mean(), margin=-0.5)
    return opt


def train(net, opt, batches):
    for x, y in batches:
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x), y).backward()
        opt.step()


def test_round_trip_restores_multipliers_moments_and_trust_radii():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    batches = [(torch.randn(16, 4), torch.randn(16, 2) + 1.0) for _ in range(40)]
    opt = make(net)
    train(net, opt, batches[:30])
    before = opt.stats()
    assert before["edges"]["mean_cap"]["lambda"] > 0

    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    other_net = copy.deepcopy(net)
    other = make(other_net, trust_radius=0.7)  # the saved radii must replace 0.7
    other.param_groups[1]["lr"] = 1.0           # and the saved hyper-parameters this
    buffer.seek(0)
    other.load_state_dict(torch.load(buffer))
    assert other.param_groups[1]["lr"] == 2e-2

    # Both now take the same 10 steps: equal λ, ρ, moments and radii give
    # equal parameters and equal statistics.
    train(net, opt, batches[30:])
    train(other_net, other, batches[30:])
    for p, q in zip(net.parameters(), other_net.parameters()):
        assert torch.equal(p, q)
    a, b = opt.stats(), other.stats()
    assert a["step"] == b["step"] == 40
    for key in ("C", "lambda", "rho"):
        assert a["edges"]["mean_cap"][key] == b["edges"]["mean_cap"][key]
    for name in ("fc1", "fc2"):
        assert a["blocks"][name]["trust_radius"] == b["blocks"][name]["trust_radius"]
    assert b["blocks"]["fc1"]["trust_radius"] != 0.7


def test_mismatched_or_corrupt_state_is_refused():
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    state = make(net).state_dict()
    single = galt.Optimizer(net.parameters())
    with pytest.raises(ValueError, match="2 parameter groups saved"):
        single.load_state_dict(state)
    with pytest.raises(galt.InputError, match="not a saved galt optimizer"):
        make(net).load_state_dict({**state, "galt": b"not an archive"})
