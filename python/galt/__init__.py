"""galt: constraint-native training for PyTorch.

``galt.Optimizer`` is a ``torch.optim.Optimizer``: AdamW (the same step as
``torch.optim.AdamW`` while no constraint is active) that also holds
constraints, each with its own augmented-Lagrangian multiplier λ and penalty
ρ, and corrects every parameter group towards them in each step. The work is
done by the C++ library (``galt::Optimizer``, include/galt/solve/optimizer.h);
this package is its Python face. See python/README.md.

    opt = galt.Optimizer(model.parameters(), lr=1e-3)
    opt.add_constraint("safety", value=lambda: forbidden_mass(model, probe),
                       sense="<=", margin=0.02)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    print(opt.stats()["edges"]["safety"])
"""

import torch  # first: loads the libtorch the extension links

from . import _galt
from . import rates
from ._galt import InputError

__all__ = ["Optimizer", "InputError", "rates"]

_SOLVER_KEYS = ("inner_steps", "rho_init", "rho_max", "penalty", "trust_radius")


def _check_group(group):
    lr, (beta1, beta2) = group["lr"], group["betas"]
    if not lr >= 0.0:
        raise ValueError(f"invalid learning rate: {lr}")
    if not group["eps"] >= 0.0:
        raise ValueError(f"invalid eps: {group['eps']}")
    if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
        raise ValueError(f"invalid betas: {group['betas']} (each in [0, 1))")
    if not group["weight_decay"] >= 0.0:
        raise ValueError(f"invalid weight_decay: {group['weight_decay']}")


class Optimizer(torch.optim.Optimizer):
    """AdamW plus constraints solved by augmented Lagrangian.

    ``params`` and the AdamW arguments are those of ``torch.optim.AdamW``
    (parameter groups too; each group is one block of the constraint graph
    and may carry a ``"name"``, else it is ``"block<i>"``). The solver's own
    settings (docs/SOLVER.md): ``inner_steps`` (steps between dual updates),
    ``rho_init``, ``rho_max``, ``penalty`` ("classical" or "avbd") and
    ``trust_radius`` (in AdamW-sized steps; 0 = unbounded).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 **solver):
        unknown = set(solver) - set(_SOLVER_KEYS)
        if unknown:
            raise TypeError(f"galt.Optimizer: unknown argument(s) {sorted(unknown)}; "
                            f"solver options are {', '.join(_SOLVER_KEYS)}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, name=None)
        super().__init__(params, defaults)
        self._core = _galt.Core(self.param_groups, solver)

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        try:
            _check_group(group)
            names = [g["name"] for g in self.param_groups if g["name"] is not None]
            if len(names) != len(set(names)):
                raise ValueError(f"parameter group name {group['name']!r} is used twice")
        except ValueError:
            self.param_groups.pop()
            raise
        if hasattr(self, "_core"):  # torch's __init__ adds the first groups
            self._core.add_param_group(group)

    def add_constraint(self, name, value, sense="<=", channel="safety", margin=0.0, *,
                       blocks=None, lambda_init=0.0, rho_init=0.0, rho_max=0.0, layer=-1):
        """Adds the constraint ``value() <sense> margin``.

        ``value`` is called once per step and returns a one-element tensor
        computed from the parameters with autograd (its gradient is the
        constraint's Jacobian). ``sense`` is "<=", ">=" or "=="; ``channel``
        one of forward, task, safety, memory, action. ``blocks``: names of the
        parameter groups it touches (default: all). ``rho_init``/``rho_max``
        ≤ 0 take the optimizer's. Returns None; the constraint is known by its
        name from then on (``stats()``, ``remove_constraint``).
        """
        self._core.add_constraint(name, value, None, sense, channel, float(margin),
                                  list(blocks or []), float(lambda_init), float(rho_init),
                                  float(rho_max), int(layer))

    def add_proxy_constraint(self, name, surrogate, value, sense="<=", channel="safety",
                             margin=0.0, *, blocks=None, lambda_init=0.0, rho_init=0.0,
                             rho_max=0.0, layer=-1, batch_proxy=False):
        """A proxy constraint (Cotter et al. 2019): ``value()`` — any number,
        e.g. a rate that has no gradient, or the metric on held-out rows —
        drives λ and ρ, while the step follows the Jacobian of the
        differentiable ``surrogate()``. Arguments as in ``add_constraint``;
        the margin applies to both. ``batch_proxy``: the step corrects
        the proxy's violation (along the surrogate's Jacobian) instead of the
        surrogate's own — right when the surrogate is on another scale than
        the proxy, as a rate's softmax relaxation is (the ``galt.rates``
        helpers set it; docs/SOLVER.md, "Proxy constraints").
        """
        self._core.add_constraint(name, surrogate, value, sense, channel, float(margin),
                                  list(blocks or []), float(lambda_init), float(rho_init),
                                  float(rho_max), int(layer), bool(batch_proxy))

    def remove_constraint(self, name):
        """Removes a constraint; returns its (λ, ρ) at removal."""
        return self._core.remove_constraint(name)

    @property
    def constraints(self):
        """The constraints' names, in the order they were added."""
        return self._core.constraint_names()

    def step(self, closure=None):
        """One step: AdamW moments from the gradients in ``.grad``, then the
        constraints' values and Jacobians, the dual update every
        ``inner_steps`` steps, and each group's constrained step. A
        constraint that fails (raises, NaN, not a single number, not
        connected to the parameters) raises naming it, before anything is
        updated."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for i, group in enumerate(self.param_groups):  # lr schedulers edit these
            self._core.set_group_options(i, group)
        self._core.step()
        return loss

    def begin_task(self):
        """A new task begins: the multipliers are warm-started (docs/SOLVER.md)."""
        self._core.begin_task()

    def stats(self):
        """What the last step did. ``edges[name]``: C (the constraint's value
        minus its margin, in the "<=" form: a ">=" constraint's C is margin −
        value), lambda, rho, active, force, predicted_change (J·s of this
        step), measured_change (C now − C at the previous step) with
        previous_predicted_change (what the previous step predicted for it),
        and after a dual update dual_update (value — the proxy's for a proxy
        constraint —, surrogate, lambda/rho before and after). ``blocks[name]``:
        active_edges, trust_radius, clipped, condition, damped."""
        return self._core.stats()

    def brief_report(self):
        return self._core.brief_report()

    def state_dict(self):
        """Hyper-parameters per group (as torch.optim: "params" are indices)
        and, under "galt", the core's state: moments, λ and ρ per constraint,
        trust radii, step counters."""
        groups, index = [], 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            packed["params"] = list(range(index, index + len(g["params"])))
            index += len(g["params"])
            groups.append(packed)
        return {"param_groups": groups, "galt": self._core.save()}

    def load_state_dict(self, state_dict):
        """Restores a state_dict() into an optimizer over the same parameter
        groups; λ and ρ are restored for the constraints already added with
        the same names."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: {len(groups)} parameter groups saved, "
                             f"the optimizer has {len(self.param_groups)}")
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError("load_state_dict: a saved group has "
                                 f"{len(saved['params'])} tensors, the optimizer's has "
                                 f"{len(group['params'])}")
        self._core.load(state_dict["galt"])  # first: it refuses a corrupt state
        for saved, group in zip(groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        for i, group in enumerate(self.param_groups):
            self._core.set_group_options(i, group)
