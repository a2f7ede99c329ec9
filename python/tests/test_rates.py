"""galt.rates: the exact rates and surrogates on a hand-made batch (the same
numbers as tests/graph/rate_constraints_test.cpp), and a recall constraint
met by the last iterate of a small imbalanced problem."""
import pytest
import torch

import galt
from galt import rates

# Six rows, three classes; argmax 0, 1, 1, 2, 1, 0.
LOGITS = torch.tensor([[3.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 1.0, 0.5],
                       [0.0, 0.0, 4.0], [1.0, 2.0, 0.0], [2.0, 1.0, 0.0]])
LABELS = torch.tensor([0, 1, 2, 2, 1, 1])
GROUPS = torch.tensor([0, 0, 0, 1, 1, 1])


def test_exact_rates_and_surrogates():
    assert rates.recall(LOGITS, LABELS, 1) == pytest.approx(2 / 3)
    assert rates.false_positive_rate(LOGITS, LABELS, 1) == pytest.approx(1 / 3)
    assert rates.positive_rate_gap(LOGITS, GROUPS, 1) == pytest.approx(1 / 3)
    p1 = torch.softmax(LOGITS, 1)[:, 1]
    batch = lambda: (LOGITS, LABELS, GROUPS)  # noqa: E731
    rec = rates.recall_at_least(batch, 1, 0.9)
    assert rec["value"]() - rec["margin"] == pytest.approx(0.9 - 2 / 3)
    assert float(rec["surrogate"]()) - rec["margin"] == pytest.approx(
        0.9 - float(p1[[1, 4, 5]].mean()), abs=1e-6)
    fpr = rates.false_positive_rate_at_most(batch, 1, 0.1)
    assert float(fpr["surrogate"]()) == pytest.approx(float(p1[[0, 2, 3]].mean()), abs=1e-6)
    gap = rates.positive_rate_gap_at_most(batch, 1, 0.05)
    assert float(gap["surrogate"]()) == pytest.approx(
        abs(float(p1[:3].mean()) - float(p1[3:].mean())), abs=1e-6)
    with pytest.raises(ValueError):
        rates.recall_at_least(batch, 1, 1.5)


def test_vacuous_recall_is_met_with_zero_gradient():
    logits = LOGITS.clone().requires_grad_(True)
    rec = rates.recall_at_least(lambda: (logits, torch.zeros(6, dtype=torch.long)), 1, 0.9)
    assert rec["value"]() == -1.0
    rec["surrogate"]().backward()
    assert float(logits.grad.abs().sum()) == 0.0


def test_recall_constraint_is_met_by_the_last_iterate():
    torch.manual_seed(3)
    x = torch.cat([torch.randn(400, 2), torch.randn(40, 2) + torch.tensor([1.5, 0.0])])
    y = torch.cat([torch.zeros(400, dtype=torch.long), torch.ones(40, dtype=torch.long)])

    def train(constrained):
        model = torch.nn.Linear(2, 2)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        opt = galt.Optimizer(model.parameters(), lr=0.05, weight_decay=0.0)
        if constrained:
            opt.add_proxy_constraint("recall_1", **rates.recall_at_least(lambda: (model(x), y), 1, 0.8))
        for _ in range(1500):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        with torch.no_grad():
            return rates.recall(model(x), y, 1)

    free, held = train(False), train(True)
    assert free < 0.5
    assert held >= 0.8, f"constrained recall {held} (unconstrained {free})"
