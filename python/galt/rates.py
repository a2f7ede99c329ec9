"""Rate constraints for ``Optimizer.add_proxy_constraint`` (the C++ side is
include/galt/graph/rate_constraints.h; the same rates, surrogates and signs).

A rate counts argmax decisions, so it has no gradient: each helper returns the
keyword arguments of a proxy constraint whose exact rate on the batch drives
λ and ρ, while the step follows a differentiable surrogate — the rate with the
decision [argmax = c] relaxed to the softmax probability p_c::

    opt.add_proxy_constraint("recall_shirt", **galt.rates.recall_at_least(batch, 6, 0.7))

``batch()`` returns ``(logits, labels)`` — or ``(logits, labels, groups)``
with groups 0/1 for the gap — as the model sees them now: logits [N, C] with
autograd, integer labels [N]. It is called twice per step (surrogate, then
exact rate), so it should return the current step's rows. A rate with no
relevant rows (no positives, no negatives, an empty group) is vacuous: met,
with a zero surrogate gradient.
"""

import torch

__all__ = ["recall", "false_positive_rate", "positive_rate_gap",
           "recall_at_least", "false_positive_rate_at_most", "positive_rate_gap_at_most"]


def _check_rate(r):
    if not 0.0 <= r <= 1.0:
        raise ValueError(f"the bound {r} is not a rate in [0, 1]")


def _share(hit, mask, empty):
    n = int(mask.sum())
    return empty if n == 0 else float((hit & mask).sum()) / n


def _mean(v, mask, empty):
    n = mask.sum()
    if int(n) == 0:
        return v.sum() * 0.0 + empty
    return (v * mask.to(v.dtype)).sum() / n.to(v.dtype)


def recall(logits, labels, cls):
    """Share of label-``cls`` rows whose argmax is ``cls`` (1 if none)."""
    return _share(logits.argmax(1) == cls, labels == cls, 1.0)


def false_positive_rate(logits, labels, cls):
    """Share of other rows whose argmax is ``cls`` (0 if none)."""
    return _share(logits.argmax(1) == cls, labels != cls, 0.0)


def positive_rate_gap(logits, groups, cls):
    """|share of group 0 decided ``cls`` − share of group 1| (0 if a group is empty)."""
    d = logits.argmax(1) == cls
    g0, g1 = groups == 0, groups == 1
    if int(g0.sum()) == 0 or int(g1.sum()) == 0:
        return 0.0
    return abs(_share(d, g0, 0.0) - _share(d, g1, 0.0))


def recall_at_least(batch, cls, r):
    """recall(cls) ≥ r, posed as −recall ≤ −r; surrogate −mean p_cls over the positives."""
    _check_rate(r)

    def surrogate():
        logits, labels = batch()[:2]
        return -_mean(torch.softmax(logits, 1)[:, cls], labels == cls, 1.0)

    def value():
        with torch.no_grad():
            logits, labels = batch()[:2]
            return -recall(logits, labels, cls)

    return dict(surrogate=surrogate, value=value, sense="<=", margin=-r, channel="task",
                batch_proxy=True)


def false_positive_rate_at_most(batch, cls, r):
    """FPR(cls) ≤ r; surrogate mean p_cls over the other rows."""
    _check_rate(r)

    def surrogate():
        logits, labels = batch()[:2]
        return _mean(torch.softmax(logits, 1)[:, cls], labels != cls, 0.0)

    def value():
        with torch.no_grad():
            logits, labels = batch()[:2]
            return false_positive_rate(logits, labels, cls)

    return dict(surrogate=surrogate, value=value, sense="<=", margin=r, channel="task",
                batch_proxy=True)


def positive_rate_gap_at_most(batch, cls, r):
    """|PPR₀(cls) − PPR₁(cls)| ≤ r; surrogate |mean p_cls over group 0 − over group 1|."""
    _check_rate(r)

    def surrogate():
        logits, _, groups = batch()
        p = torch.softmax(logits, 1)[:, cls]
        g0, g1 = groups == 0, groups == 1
        if int(g0.sum()) == 0 or int(g1.sum()) == 0:
            return p.sum() * 0.0
        return (_mean(p, g0, 0.0) - _mean(p, g1, 0.0)).abs()

    def value():
        with torch.no_grad():
            logits, _, groups = batch()
            return positive_rate_gap(logits, groups, cls)

    return dict(surrogate=surrogate, value=value, sense="<=", margin=r, channel="task",
                batch_proxy=True)
