"""The constrained-classification benchmark from Python: the same problem,
methods, seeds and JSON as ``galt bench constrained`` (the C++ command,
bench/constrained/), written with torch and this package, so a PyTorch user
can read it line by line and so the two can be compared (docs/CONSTRAINED.md).

Fashion-MNIST, MLP 784-256-10 (ReLU), Adam lr 1e-3, batch 128, 3 epochs;
constraint: recall of class 0 ≥ 0.95 on the training batches, by the proxy
scheme — the batch's recall (argmax) drives λ, the mean softmax probability
of class 0 over the batch's class-0 rows (the surrogate) drives the step.

    /usr/bin/python3 -m galt.bench_constrained --json OUT [--methods adam,gda,alm,galt]
        [--seeds 11,12,13,14,15] [--epochs 3] [--train-rows N] [--setting METHOD.KEY=V ...]

Without ``--setting`` for a method, its setting is chosen as the C++ command
chooses it: on a validation split carved from the training data (10 %,
stratified), with selection seed 100, over the same grid (four points per
constrained method); ``--setting`` fixes it instead (tests use that).
"""

import argparse
import datetime
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import galt

FASHION = "/usr/share/datasets/fashion-mnist"
CLS, BOUND, BATCH, LR = 0, 0.95, 128, 1e-3
SPLIT_SEED, SELECTION_SEED, VALIDATION = 0, 100, 0.1
# The grids (the same as bench/constrained/constrained_benchmark.cpp).
GRIDS = {
    "adam": [{}],
    "gda": [{"dual_lr": v} for v in (0.01, 0.1, 1.0, 10.0)],
    "alm": [{"rho": v} for v in (0.1, 1.0, 10.0, 100.0)],
    "galt": [{"inner_steps": k, "rho_max": r} for k in (1, 10) for r in (10.0, 1000.0)],
}
TRACE_EVERY = 10


def _idx(name, offset):
    with gzip.open(f"{FASHION}/{name}-ubyte.gz") as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=offset).copy())


def load(split):
    images = _idx(f"{split}-images-idx3", 16).view(-1, 784).float() / 255
    return images, _idx(f"{split}-labels-idx1", 8).long()


def validation_split(x, y):
    """Per class, a seeded permutation of its rows; the first 10 % (rounded)
    are validation. Rows keep their order in both parts."""
    g = torch.Generator().manual_seed(SPLIT_SEED)
    val = torch.zeros(len(y), dtype=torch.bool)
    for c in range(10):
        rows = (y == c).nonzero().flatten()
        n = int(round(VALIDATION * len(rows)))
        val[rows[torch.randperm(len(rows), generator=g)[:n]]] = True
    return (x[~val], y[~val]), (x[val], y[val])


def recall(logits, y):
    return galt.rates.recall(logits, y, CLS)


def evaluate(model, x, y):
    with torch.no_grad():
        logits = model(x)
    return float((logits.argmax(1) == y).float().mean()), recall(logits, y)


def surrogate_c(logits, y):
    """C of the surrogate in the "<=" form: BOUND − mean p_0 over class-0 rows."""
    mask = y == CLS
    if int(mask.sum()) == 0:
        return logits.sum() * 0.0
    return BOUND - logits.softmax(1)[mask, CLS].mean()


def run(method, setting, seed, train, evaluation, epochs):
    (x, y), (x_eval, y_eval) = train, evaluation
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    with torch.no_grad():  # torch's default law, drawn explicitly (recall_problem.cpp says why)
        for layer in (model[0], model[2]):
            bound = 1.0 / math.sqrt(layer.weight.shape[1])
            layer.weight.uniform_(-bound, bound)
            layer.bias.uniform_(-bound, bound)
    lam, batch = 0.0, {}
    if method == "galt":
        opt = galt.Optimizer(model.parameters(), lr=LR, weight_decay=0.0,
                             inner_steps=setting["inner_steps"], rho_max=setting["rho_max"])
        rows = lambda: (model(batch["x0"]), batch["y0"])  # noqa: E731
        opt.add_proxy_constraint("recall0", **galt.rates.recall_at_least(rows, CLS, BOUND))
    else:
        opt = torch.optim.Adam(model.parameters(), lr=LR)
    lambdas, batch_recalls, seconds = [], [], 0.0
    steps_per_epoch = math.ceil(len(y) / BATCH)
    for _ in range(epochs):
        order = torch.randperm(len(y))
        start = time.perf_counter()
        for b in range(steps_per_epoch):
            i = order[b * BATCH:(b + 1) * BATCH]
            xb, yb = x[i], y[i]
            opt.zero_grad()
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            r = recall(logits.detach(), yb)
            if method == "gda":
                loss = loss + lam * surrogate_c(logits, yb)
            elif method == "alm":  # the PHR force on the proxy's C, along the surrogate
                loss = loss + max(0.0, lam + setting["rho"] * (BOUND - r)) * surrogate_c(logits, yb)
            if method == "galt":
                mask = yb == CLS
                batch["x0"], batch["y0"] = xb[mask], yb[mask]
            loss.backward()
            opt.step()
            if method == "gda":
                lam = max(0.0, lam + setting["dual_lr"] * (BOUND - r))
            elif method == "alm":
                lam = max(0.0, lam + setting["rho"] * (BOUND - r))
            elif method == "galt":
                lam = opt.stats()["edges"]["recall0"]["lambda"]
            batch_recalls.append(r)
            if len(batch_recalls) % TRACE_EVERY == 0:
                lambdas.append(lam)
        seconds += time.perf_counter() - start
    acc, rec = evaluate(model, x_eval, y_eval)
    _, train_rec = evaluate(model, x, y)
    return {"seed": seed, "eval_acc": acc, "eval_recall": rec, "train_recall_last": train_rec,
            "recall_last_epoch": sum(batch_recalls[-steps_per_epoch:]) / steps_per_epoch,
            "seconds_per_epoch": seconds / epochs, "lambda_trace": lambdas}


def select(method, train, validation, epochs, log):
    """The grid point whose validation run is feasible on its training rows
    with the best validation accuracy; if none is, the highest training
    recall (the rule of the C++ command; the first of equal points)."""
    best, best_key, rows = None, None, []
    for setting in GRIDS[method]:
        r = run(method, setting, SELECTION_SEED, train, validation, epochs)
        feasible = r["train_recall_last"] >= BOUND
        key = (feasible, r["eval_acc"] if feasible else r["train_recall_last"])
        log(f"select {method} {setting}: val acc {r['eval_acc']:.4f}, "
            f"train recall {r['train_recall_last']:.4f}")
        rows.append({"setting": setting, "validation_acc": r["eval_acc"],
                     "validation_recall": r["eval_recall"],
                     "train_recall_last": r["train_recall_last"], "feasible": feasible})
        if best_key is None or key > best_key:
            best, best_key = setting, key
    return best, rows


def summary(values):
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) \
        if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "values": values}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--json", required=True)
    p.add_argument("--methods", default="adam,gda,alm,galt")
    p.add_argument("--seeds", default="11,12,13,14,15")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-rows", type=int, default=0, help="first N training rows (0: all)")
    p.add_argument("--setting", action="append", default=[], help="METHOD.KEY=V: no selection")
    a = p.parse_args(argv)
    methods, seeds = a.methods.split(","), [int(s) for s in a.seeds.split(",")]
    fixed = {}
    for s in a.setting:
        name, value = s.split("=")
        m, key = name.split(".")
        fixed.setdefault(m, {})[key] = float(value) if key != "inner_steps" else int(value)
    log = lambda m: print(f"[bench constrained] {m}", file=sys.stderr)  # noqa: E731
    torch.set_num_threads(1)
    x, y = load("train")
    if a.train_rows:
        x, y = x[:a.train_rows], y[:a.train_rows]
    test = load("t10k")
    fit, validation = validation_split(x, y)
    out = {"command": "python3 -m galt.bench_constrained", "problem": {
        "dataset": "fashion-mnist", "model": "mlp-784-256-10", "lr": LR, "batch": BATCH,
        "epochs": a.epochs, "constraint": f"recall(class {CLS}) >= {BOUND}",
        "train_rows": len(y)}, "methods": {}}
    for m in methods:
        entry = {}
        if m in fixed or m == "adam":
            setting = fixed.get(m, {})
            entry["selected_by"] = "fixed (--setting)" if m in fixed else "none (no setting)"
        else:
            setting, entry["selection"] = select(m, fit, validation, a.epochs, log)
            entry["selected_by"] = "validation"
        runs = [run(m, setting, s, (x, y), test, a.epochs) for s in seeds]
        for r in runs:
            log(f"{m} seed {r['seed']}: test acc {r['eval_acc']:.4f}, "
                f"test recall {r['eval_recall']:.4f}, train recall {r['train_recall_last']:.4f}, "
                f"{r['seconds_per_epoch']:.2f} s/epoch")
        entry.update({
            "setting": setting, "seeds": seeds,
            "test_acc": summary([r["eval_acc"] for r in runs]),
            "test_recall": summary([r["eval_recall"] for r in runs]),
            "train_recall_last": summary([r["train_recall_last"] for r in runs]),
            "recall_last_epoch": summary([r["recall_last_epoch"] for r in runs]),
            "seconds_per_epoch": summary([r["seconds_per_epoch"] for r in runs]),
            "feasible_seeds": sum(r["train_recall_last"] >= BOUND for r in runs),
            "lambda_trace_every": TRACE_EVERY,
            "lambda_trace": [r["lambda_trace"] for r in runs]})
        out["methods"][m] = entry
    out["provenance"] = {  # as the C++ command's (galt/report/provenance.h)
        "commit": galt._galt.build_commit, "dirty": galt._galt.build_dirty,
        "command": " ".join(["python3 -m galt.bench_constrained"] + sys.argv[1:]),
        "config": "", "hardware_threads": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
    with open(a.json, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
