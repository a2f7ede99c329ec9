"""Without active constraints galt.Optimizer takes torch.optim.AdamW's step,
bit for bit, over 100 steps from Python (the C++ core's claim, DESIGN §2.4,
seen through the binding: same tensors, same hyper-parameters)."""
import copy

import torch

import galt


def make_pair(seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    return ref, copy.deepcopy(ref)


def train_pair(ref, net, ref_opt, galt_opt, steps=100, schedulers=()):
    for step in range(steps):
        x, y = torch.randn(32, 8), torch.randint(0, 3, (32,))
        for model, opt in ((ref, ref_opt), (net, galt_opt)):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        for s in schedulers:
            s.step()
        for p, q in zip(ref.parameters(), net.parameters()):
            assert torch.equal(p, q), f"diverged at step {step}"


def test_one_group_equals_adamw_bit_for_bit():
    ref, net = make_pair()
    train_pair(ref, net, torch.optim.AdamW(ref.parameters(), lr=3e-3, foreach=False),
               galt.Optimizer(net.parameters(), lr=3e-3))


def test_parameter_groups_and_hyper_parameters_as_in_torch():
    ref, net = make_pair(1)

    def groups(m):
        return [{"params": m[0].parameters(), "lr": 1e-2, "betas": (0.8, 0.99)},
                {"params": m[2].parameters(), "weight_decay": 0.1, "eps": 1e-6}]

    ref_opt = torch.optim.AdamW(groups(ref), lr=3e-3, foreach=False)
    galt_opt = galt.Optimizer(groups(net), lr=3e-3)
    assert [g["lr"] for g in galt_opt.param_groups] == [1e-2, 3e-3]
    # A torch scheduler edits param_groups; the core must follow it.
    schedulers = [torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5)
                  for o in (ref_opt, galt_opt)]
    train_pair(ref, net, ref_opt, galt_opt, schedulers=schedulers)
    assert galt_opt.param_groups[0]["lr"] < 1e-2


def test_inactive_constraint_leaves_the_step_unchanged():
    ref, net = make_pair(2)
    opt = galt.Optimizer(net.parameters(), lr=3e-3)
    # C = 1e-6·‖w‖² − 1 < 0 with λ = 0: inactive, though its Jacobian is not zero.
    opt.add_constraint("slack", value=lambda: net[0].weight.pow(2).sum() * 1e-6 - 1.0)
    train_pair(ref, net, torch.optim.AdamW(ref.parameters(), lr=3e-3, foreach=False), opt)
    edge = opt.stats()["edges"]["slack"]
    assert not edge["active"] and edge["C"] < 0


def test_closure_is_called_like_torch_optim():
    ref, net = make_pair(3)
    opt = galt.Optimizer(net.parameters())
    x, y = torch.randn(4, 8), torch.randint(0, 3, (4,))

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() > 0
    assert not torch.equal(next(ref.parameters()), next(net.parameters()))
