"""Constraint callables that go wrong raise a Python exception naming the
constraint, and the step updates nothing: not the parameters, not the
moments, not λ or ρ."""
import math

import pytest
import torch

import galt


def setup(value, proxy=None):
    torch.manual_seed(0)
    w = torch.randn(5, requires_grad=True)
    opt = galt.Optimizer([w], lr=1e-2, inner_steps=1)
    if proxy is None:
        opt.add_constraint("bad", value=lambda: value(w))
    else:
        opt.add_proxy_constraint("bad", surrogate=lambda: w.sum(), value=proxy)
    return w, opt


def step(opt, w):
    opt.zero_grad()
    (w - 1.0).pow(2).sum().backward()
    opt.step()


def assert_refused(w, opt, exc, match):
    before = w.detach().clone()
    with pytest.raises(exc, match=match) as info:
        step(opt, w)
    assert "'bad'" in str(info.value)
    assert torch.equal(w.detach(), before), "a refused step updated the parameters"
    return info


@pytest.mark.parametrize("value, exc, match", [
    (lambda w: w * 2.0, ValueError, r"single number.*\[5\]"),
    (lambda w: w.sum() * math.nan, ValueError, "NaN"),
    (lambda w: w.detach().sum(), ValueError, "not connected"),
    (lambda w: torch.ones(1, requires_grad=True).sum(), ValueError, "not connected"),
    (lambda w: float(w.sum()), TypeError, "must return a torch.Tensor, got float"),
])
def test_bad_values_are_refused_on_the_first_step(value, exc, match):
    w, opt = setup(value)
    assert_refused(w, opt, exc, match)


def test_value_under_no_grad_is_not_connected():
    def value(w):
        with torch.no_grad():
            return w.sum()

    w, opt = setup(value)
    assert_refused(w, opt, ValueError, "not connected")


def test_a_raising_callable_becomes_a_runtime_error_with_its_cause():
    def value(w):
        raise ZeroDivisionError("boom")

    w, opt = setup(value)
    info = assert_refused(w, opt, RuntimeError, "value callable raised ZeroDivisionError: boom")
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_interrupts_pass_through_unchanged():
    def value(w):
        raise KeyboardInterrupt

    w, opt = setup(value)
    with pytest.raises(KeyboardInterrupt):
        step(opt, w)


def test_failure_after_good_steps_keeps_moments_and_multipliers():
    fail = [False]

    def value(w):
        if fail[0]:
            raise ValueError("data missing")
        return w.sum() + 10.0  # violated (<= 0): λ grows every step

    w, opt = setup(value)
    for _ in range(5):
        step(opt, w)
    good = opt.state_dict()["galt"]
    fail[0] = True
    info = assert_refused(w, opt, RuntimeError, "raised ValueError: data missing")
    assert opt.state_dict()["galt"] == good, "a refused step changed the optimizer's state"
    assert isinstance(info.value.__cause__, ValueError)
    fail[0] = False
    step(opt, w)  # and it carries on afterwards
    assert opt.stats()["edges"]["bad"]["lambda"] > 0


@pytest.mark.parametrize("proxy, exc, match", [
    (lambda: math.nan, ValueError, "NaN"),
    (lambda: torch.ones(3), ValueError, r"single number.*\[3\]"),
    (lambda: "high", TypeError, "number or a one-element tensor, got str"),
])
def test_bad_proxy_values_are_refused(proxy, exc, match):
    w, opt = setup(None, proxy=proxy)
    step(opt, w)  # the first step runs no dual update, so no proxy call
    good = opt.state_dict()["galt"]
    assert_refused(w, opt, exc, match)
    assert opt.state_dict()["galt"] == good


def test_bad_arguments_are_refused_when_added():
    w = torch.zeros(2, requires_grad=True)
    opt = galt.Optimizer([w])
    with pytest.raises(ValueError, match="sense '<'"):
        opt.add_constraint("c", value=lambda: w.sum(), sense="<")
    with pytest.raises(ValueError, match="channel 'safe'"):
        opt.add_constraint("c", value=lambda: w.sum(), channel="safe")
    with pytest.raises(TypeError, match="value must be callable"):
        opt.add_constraint("c", value=w.sum())
    with pytest.raises(galt.InputError, match="unknown block 'nope'"):
        opt.add_constraint("c", value=lambda: w.sum(), blocks=["nope"])
    opt.add_constraint("c", value=lambda: w.sum())
    with pytest.raises(galt.InputError, match="duplicate name"):
        opt.add_constraint("c", value=lambda: w.sum())
    with pytest.raises(TypeError, match="unknown argument"):
        galt.Optimizer([w], inner_step=3)
    with pytest.raises(ValueError, match="invalid learning rate"):
        galt.Optimizer([w], lr=-1.0)
