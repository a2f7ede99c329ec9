"""A Fashion-MNIST classifier trained under a recall constraint: recall of
"shirt" (class 6, the class an unconstrained model misses most) >= 0.7.

Recall (argmax) has no gradient, so it is a proxy constraint: the recall on
held-out training rows drives λ, and the step follows a differentiable
surrogate, the mean probability the model gives shirts on a probe batch.
batch_proxy=True: the step corrects the recall's shortfall (not the
probability's, which is on another scale) along the surrogate's gradient.
With it, 2000 steps give test accuracy 0.865 and test shirt recall 0.742
(without it, recall 0.678).
Data: Debian's dataset-fashion-mnist. Usage: /usr/bin/python3 fashion_recall.py [STEPS]"""
import gzip
import sys

import numpy as np
import torch

import galt

DIR, SHIRT = "/usr/share/datasets/fashion-mnist", 6


def idx(name, offset):  # IDX: a big-endian header of `offset` bytes, then uint8
    with gzip.open(f"{DIR}/{name}-ubyte.gz") as f:
        return torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=offset).copy())


def load(split):
    images = idx(f"{split}-images-idx3", 16).view(-1, 784).float() / 255
    return images, idx(f"{split}-labels-idx1", 8).long()


def recall(x, y):
    with torch.no_grad():
        return (model(x[y == SHIRT]).argmax(1) == SHIRT).float().mean().item()


torch.manual_seed(0)
(x, y), (x_test, y_test) = load("train"), load("t10k")
x_hold, y_hold, x, y = x[:5000], y[:5000], x[5000:], y[5000:]  # the proxy's rows
probe = x[y == SHIRT][:256]
model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
opt = galt.Optimizer(model.parameters(), lr=1e-3, inner_steps=20)
opt.add_proxy_constraint("shirt_recall", sense=">=", margin=0.7, channel="task", batch_proxy=True,
                         surrogate=lambda: model(probe).softmax(1)[:, SHIRT].mean(),
                         value=lambda: recall(x_hold, y_hold))
steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
for step in range(1, steps + 1):
    i = torch.randint(0, len(x), (128,))
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(x[i]), y[i]).backward()
    opt.step()
    if step % 250 == 0 or step == steps:
        e = opt.stats()["edges"]["shirt_recall"]
        print(f"step {step}: held-out shirt recall {recall(x_hold, y_hold):.3f}, "
              f"λ {e['lambda']:.3f}, ρ {e['rho']:.2f}")
with torch.no_grad():
    accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
print(f"test accuracy {accuracy:.3f}, test shirt recall {recall(x_test, y_test):.3f} (>= 0.7)")
