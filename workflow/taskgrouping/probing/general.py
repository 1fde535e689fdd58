"""The general path: per-sample gradients in chunks, for layers that do not factorise.

Convolutions (the gradient is a sum over positions), normalisation and attention
layers have no per-task factor shared by all tasks, so their per-sample gradients are
computed with torch.func `vmap(grad(...))`, a chunk of samples at a time, and the
pairwise distances are accumulated per chunk. Peak memory is
tasks x chunk x (general parameters), whatever the number of probe samples; the L1
(or, for l2, half squared L2) of every pair is a blockwise `torch.cdist` per chunk.
Scaled variants divide each task's per-sample gradients by divisors known beforehand
(`taskgrouping.probing.scaling`), so the chunks still add up.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from taskgrouping.devices import free_memory_mb
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.blockwise import pairwise_half_squared, pairwise_l1
from taskgrouping.probing.layers import ProbePlan
from taskgrouping.progress import progress
from taskgrouping.tasks import split_targets


def per_sample_gradients(model: MultiTaskModel, params: dict[str, torch.Tensor],
                          x: torch.Tensor, y: torch.Tensor, task_index: int) -> torch.Tensor:
    """Each sample's gradient of task `task_index`'s loss w.r.t. `params` (n x their size)."""
    head = model.heads[task_index]
    loss_of = model.tasks[task_index].loss

    def sample_loss(p: dict[str, torch.Tensor], xs: torch.Tensor, ys: torch.Tensor):
        shared = functional_call(model.encoder, p, (xs.unsqueeze(0),))
        return loss_of(head(shared), ys.unsqueeze(0)).sum()

    grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
    return torch.cat([g.reshape(len(x), -1) for g in grads.values()], dim=1).detach()


# Share of a GPU's free memory the chunk's gradients may take: the rest holds the model,
# one task's per-sample gradients before they are copied in, vmap's activations per
# sample and the distance blocks.
GPU_SHARE = 0.5


def chunk_samples(plan: ProbePlan, tasks: int, samples: int, chunk_size: int | None,
                  memory_mb: float, device: torch.device | None = None) -> int:
    """Probe samples per chunk: `chunk_size`, or (null) as many as fit in `memory_mb` on
    the CPU, in half the free memory of a GPU.

    A chunk holds tasks x chunk x (general parameters) float32 gradients at once, so a
    fixed chunk that suits a small CNN asks a ResNet-18 for gigabytes per sample. On the
    CPU the choice reads the config alone, never the machine: a run is the same
    everywhere. A GPU's kernels differ from the CPU's anyway, and its memory is what
    bounds the chunk, so there the chunk follows what the device has free.
    """
    if chunk_size is not None:
        return chunk_size
    size = plan.parameter_count()[1]
    if size == 0:
        return max(samples, 1)
    per_sample = tasks * size * 4
    free = free_memory_mb(device) if device is not None else None
    budget, key = ((free * GPU_SHARE, "the GPU's free memory") if free is not None
                   else (memory_mb, f"samplewise.general_memory_mb {memory_mb:g}"))
    fit = int(budget * 2**20 // per_sample)
    if fit < 1:
        raise ValueError(
            f"{key} ({budget:,.0f} MB) holds no probe sample of the general path: {tasks} "
            f"tasks x {size:,} parameters x 4 bytes = {per_sample / 2**20:,.0f} MB each; "
            "probe fewer layers (samplewise.layers) or give it more memory")
    return min(fit, max(samples, 1))


def general_pair_sums(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                      plan: ProbePlan, kind: str, chunk_size: int,
                      divisors: np.ndarray | None = None) -> np.ndarray:
    """T x T sums over samples and general parameters of |g_i - g_j| (l1), [signs differ]
    (sign) or 1/2 (g_i - g_j)^2 (l2), each g_i(s) first divided by `divisors[i, s]`
    (T x n) when given."""
    tasks = len(model.tasks)
    sums = np.zeros((tasks, tasks))
    params = {name: p.detach() for name, p in plan.general_parameters.items()}
    if not params:
        return sums
    size = sum(p.numel() for p in params.values())
    for start in progress(range(0, len(x), chunk_size), "probe chunks"):
        xs, ys = x[start : start + chunk_size], y[start : start + chunk_size]
        # one chunk of every task, no copies, on the probe's device
        grads = torch.empty(tasks, len(xs) * size, device=x.device)
        for t, target in enumerate(split_targets(model.tasks, ys)):
            task_grads = per_sample_gradients(model, params, xs, target, t)
            if divisors is not None:
                scale = torch.from_numpy(divisors[t, start : start + len(xs)]).float()
                task_grads = task_grads / scale.to(x.device)[:, None]
            grads[t] = task_grads.flatten()
        if kind == "l1":
            sums += pairwise_l1(grads)
        elif kind == "l2":
            sums += pairwise_half_squared(grads)
        else:
            for i, j in itertools.combinations(range(tasks), 2):
                value = (torch.sign(grads[i]) != torch.sign(grads[j])).double().sum()
                sums[i, j] += float(value)
                sums[j, i] = sums[i, j]
        del grads  # free this chunk before the next one is allocated: peak is one chunk
    return sums
