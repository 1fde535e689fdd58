"""Brute-force reference: full per-sample gradients of every probed shared parameter.

Memory grows as n x #params: for tests and the benchmark, never for the pipeline.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.layers import ProbePlan


def per_sample_gradients(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         task_index: int, plan: ProbePlan) -> torch.Tensor:
    """n x #probed-params per-sample gradients of task `task_index`."""
    names = [f"{name.removeprefix('encoder.')}.{pname}"
             for name, module in (*plan.fast, *plan.general)
             for pname, _ in module.named_parameters(recurse=False)]
    encoder_params = dict(model.encoder.named_parameters())
    params = {name: encoder_params[name].detach() for name in names}
    head = model.heads[task_index]
    loss_of = model.tasks[task_index].kind.per_sample_loss

    def sample_loss(p: dict[str, torch.Tensor], xs: torch.Tensor, ys: torch.Tensor):
        shared = functional_call(model.encoder, p, (xs.unsqueeze(0),))
        return loss_of(head(shared), ys.unsqueeze(0)).sum()

    grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
    return torch.cat([g.reshape(len(x), -1) for g in grads.values()], dim=1).detach()


def bruteforce_distances(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         plan: ProbePlan, kind: str, step_size: float) -> np.ndarray:
    """T x T distances (l1: eta/n sum L1; sign: mean fraction of disagreeing signs)."""
    grads = [per_sample_gradients(model, x, y[:, t], t, plan) for t in range(len(model.tasks))]
    result = np.zeros((len(grads), len(grads)))
    for i, j in itertools.combinations(range(len(grads)), 2):
        if kind == "l1":
            total = (grads[i] - grads[j]).abs().sum(dtype=torch.float64)
            value = step_size * float(total) / len(x)
        else:
            value = float((torch.sign(grads[i]) != torch.sign(grads[j])).double().mean())
        result[i, j] = result[j, i] = value
    return result
