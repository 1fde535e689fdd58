"""Brute-force reference: full per-sample gradients of every probed shared parameter.

One `torch.autograd.grad` call per sample and task, independent of both probing paths
(the general path uses torch.func). Memory grows as n x #params: for tests and the
benchmark, never for the pipeline.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.layers import ProbePlan
from taskgrouping.tasks import split_targets


def per_sample_gradients(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         task_index: int, plan: ProbePlan) -> torch.Tensor:
    """n x #probed-params: each sample's gradient, one backward pass per sample."""
    params = list(plan.all_parameters.values())
    loss_of = model.tasks[task_index].loss
    rows = []
    for s in range(len(x)):
        logits = model(x[s : s + 1])[task_index]
        grads = torch.autograd.grad(loss_of(logits, y[s : s + 1]).sum(), params)
        rows.append(torch.cat([g.flatten() for g in grads]))
    return torch.stack(rows)


def balanced(grads: torch.Tensor, target: torch.Tensor, binary: bool) -> torch.Tensor:
    """A binary task's gradients weighted so its positives and negatives weigh half each."""
    if not binary:
        return grads
    labels = target.reshape(len(grads)).double()
    rate = float(labels[~labels.isnan()].mean())
    if not 0 < rate < 1:
        return grads
    weights = torch.where(labels == 1, 0.5 / rate, torch.where(labels == 0, 0.5 / (1 - rate), 1.0))
    return grads * weights[:, None]


def scaled(grads: torch.Tensor, kind: str, scale: str) -> torch.Tensor:
    """n x #params gradients divided as the scaled variants define (docs/method.md)."""
    grads = grads.double()
    if scale == "none":
        return grads
    norms = grads.norm(dim=1) if kind == "l2" else grads.abs().sum(dim=1)
    if scale == "task":
        mean = (norms**2).mean().sqrt() if kind == "l2" else norms.mean()
        norms = mean.expand(len(grads))
    return grads / torch.where(norms > 0, norms, torch.ones_like(norms))[:, None]


def bruteforce_distances(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         plan: ProbePlan, kind: str, step_size: float, scale: str = "none",
                         balance: str = "none") -> np.ndarray:
    """T x T distances (l1: eta/n sum L1; sign: mean fraction of disagreeing signs;
    l2: eta^2/n sum 1/2 squared L2), each task's gradients balanced, then scaled, first."""
    grads = [scaled(balanced(per_sample_gradients(model, x, target, t, plan).double(), target,
                             balance == "classes" and model.tasks[t].kind.name == "binary"),
                    kind, scale)
             for t, target in enumerate(split_targets(model.tasks, y))]
    result = np.zeros((len(grads), len(grads)))
    for i, j in itertools.combinations(range(len(grads)), 2):
        if kind == "l1":
            total = (grads[i] - grads[j]).abs().sum(dtype=torch.float64)
            value = step_size * float(total) / len(x)
        elif kind == "l2":
            total = ((grads[i] - grads[j]) ** 2).sum() / 2
            value = step_size**2 * float(total) / len(x)
        else:
            value = float((torch.sign(grads[i]) != torch.sign(grads[j])).double().mean())
        result[i, j] = result[j, i] = value
    return result
