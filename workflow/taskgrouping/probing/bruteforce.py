"""Brute-force reference: full per-sample gradients of every probed shared parameter.

Memory grows as n x #params: for tests and the benchmark, never for the pipeline.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.general import per_sample_gradients
from taskgrouping.probing.layers import ProbePlan


def bruteforce_distances(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         plan: ProbePlan, kind: str, step_size: float) -> np.ndarray:
    """T x T distances (l1: eta/n sum L1; sign: mean fraction of disagreeing signs)."""
    params = {name: p.detach() for name, p in plan.all_parameters.items()}
    grads = [per_sample_gradients(model, params, x, y[:, t], t) for t in range(len(model.tasks))]
    result = np.zeros((len(grads), len(grads)))
    for i, j in itertools.combinations(range(len(grads)), 2):
        if kind == "l1":
            total = (grads[i] - grads[j]).abs().sum(dtype=torch.float64)
            value = step_size * float(total) / len(x)
        else:
            value = float((torch.sign(grads[i]) != torch.sign(grads[j])).double().mean())
        result[i, j] = result[j, i] = value
    return result
