"""step() runs in C++ without the GIL: another Python thread makes progress
while a long step runs, and the constraint callables (which take the GIL
back) still run on the calling thread."""
import threading
import time

import torch

import galt


def test_other_python_threads_run_during_a_step():
    torch.manual_seed(0)
    w = torch.randn(2_000_000, requires_grad=True)
    opt = galt.Optimizer([w], lr=1e-3)
    callers = []

    def value():
        callers.append(threading.get_ident())
        return w.pow(2).mean() - 0.5  # violated: every step solves for it

    opt.add_constraint("norm_cap", value=value, lambda_init=1.0)
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        progress, elapsed = 0, 0.0
        for _ in range(5):
            opt.zero_grad()
            w.sum().backward()
            # With the GIL held through step() the spinner could not run in it.
            before, t0 = count[0], time.perf_counter()
            opt.step()
            elapsed += time.perf_counter() - t0
            progress += count[0] - before
    finally:
        stop.set()
        spinner.join()
    assert opt.stats()["blocks"]["block0"]["active_edges"] == 1
    assert elapsed > 0.01, "the step was too short to tell"
    assert progress > 1000, f"the spinner advanced {progress} times in {elapsed:.3f} s of step()"
    assert set(callers) == {threading.get_ident()}
