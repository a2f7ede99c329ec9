"""`galt bench constrained` (C++) and `python3 -m galt.bench_constrained`
(torch + this module) are the same benchmark: on a small run with fixed
settings they agree bit for bit, method by method (same random draws, same
kernels, the same galt::Optimizer underneath)."""
import json
import os
import subprocess
import sys

import pytest

ARGS = ["--train-rows", "3000", "--epochs", "1", "--seeds", "11,12",
        "--setting", "gda.dual_lr=1", "--setting", "alm.rho=10",
        "--setting", "galt.inner_steps=10", "--setting", "galt.rho_max=1000"]
KEYS = ["test_acc", "test_recall", "train_recall_last", "recall_last_epoch"]


@pytest.mark.skipif(not os.environ.get("GALT_BINARY"), reason="GALT_BINARY not set (ctest sets it)")
def test_python_and_cpp_agree(tmp_path):
    env = dict(os.environ, GALT_THREADS="1", OMP_NUM_THREADS="1")
    cpp, py = tmp_path / "cpp.json", tmp_path / "py.json"
    subprocess.run([os.environ["GALT_BINARY"], "bench", "constrained", "--json", str(cpp)] + ARGS,
                   check=True, env=env)
    subprocess.run([sys.executable, "-m", "galt.bench_constrained", "--json", str(py)] + ARGS,
                   check=True, env=env)
    a, b = json.loads(cpp.read_text()), json.loads(py.read_text())
    assert a["methods"].keys() == b["methods"].keys() == {"adam", "gda", "alm", "galt"}
    for m in a["methods"]:
        for k in KEYS:
            assert a["methods"][m][k]["values"] == b["methods"][m][k]["values"], (m, k)
        assert a["methods"][m]["lambda_trace"] == b["methods"][m]["lambda_trace"], m
        assert a["methods"][m]["feasible_seeds"] == b["methods"][m]["feasible_seeds"], m
    # The constrained methods did something: λ moved and recall rose over Adam's.
    for m in ("gda", "alm", "galt"):
        assert max(max(t) for t in a["methods"][m]["lambda_trace"]) > 0.0, m
        assert (a["methods"][m]["train_recall_last"]["mean"]
                > a["methods"]["adam"]["train_recall_last"]["mean"]), m
