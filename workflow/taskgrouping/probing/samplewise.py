"""Exact sample-wise task distances without materialising per-sample gradients.

The one-step sample-wise optimum of task i is theta0 - eta * g_i(s), so
d(i, j) = eta / n * sum_s ||g_i(s) - g_j(s)||_1 over the probed shared parameters.
For a shared Linear layer z = W a + b the per-sample gradient is (delta a^T, delta)
with delta = dl/dz, and a is the same for every task at a common theta0, hence

    ||g_i(s) - g_j(s)||_1 = sum_layers ||delta_i - delta_j||_1 * (||a||_1 + 1),

the sign-agreement variant counts disagreeing signs the same way with the number
of non-zero inputs, nnz(a) + 1, in place of ||a||_1 + 1, and the l2 variant's
squared L2 uses ||a||_2^2 + 1. A task is probed once (its deltas, n x sum of widths); a
pair is one weighted sum over them (`taskgrouping.probing.distance`).
"""

from __future__ import annotations

import torch
from torch import nn

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.layers import ProbePlan
from taskgrouping.tasks import split_targets


def _capture(model: MultiTaskModel, x: torch.Tensor, layers: list[nn.Linear]):
    """One forward pass: inputs and outputs of `layers`, and every head's logits."""
    inputs: list[torch.Tensor] = []
    outputs: list[torch.Tensor] = []

    def hook(_module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        inputs.append(args[0])
        outputs.append(out)

    handles = [layer.register_forward_hook(hook) for layer in layers]
    try:
        logits = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return inputs, outputs, logits


@torch.no_grad()
def input_factors(model: MultiTaskModel, x: torch.Tensor, plan: ProbePlan, kind: str
                  ) -> torch.Tensor:
    """Per probe sample and fast layer, the input's ||a||_1 (l1), nnz(a) (sign) or
    ||a||_2^2 (l2): n x layers."""
    if not plan.fast:
        return torch.zeros(len(x), 0)
    inputs, _, _ = _capture(model, x, [layer for _, layer in plan.fast])
    if kind == "l1":
        return torch.stack([a.abs().sum(dim=1) for a in inputs], dim=1)
    if kind == "l2":
        return torch.stack([(a**2).sum(dim=1) for a in inputs], dim=1)
    return torch.stack([(a != 0).sum(dim=1).to(a.dtype) for a in inputs], dim=1)


def backprop_signals(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                     plan: ProbePlan, task_indices: list[int]) -> list[torch.Tensor]:
    """Per-sample delta = dl/dz of every fast layer, concatenated (n x sum of widths),
    for each task in `task_indices`, all from one forward pass; `y` holds every task.

    Samples are independent (no batch statistics: the probe runs in eval mode), so the
    gradient of the summed loss with respect to z holds each sample's own delta.
    """
    if not plan.fast:
        return [torch.zeros(len(x), 0) for _ in task_indices]
    _, outputs, logits = _capture(model, x, [layer for _, layer in plan.fast])
    targets = split_targets(model.tasks, y)
    signals = []
    for position, t in enumerate(task_indices):
        loss = model.tasks[t].loss(logits[t], targets[t]).sum()
        grads = torch.autograd.grad(loss, outputs,
                                    retain_graph=position < len(task_indices) - 1)
        signals.append(torch.cat(grads, dim=1).detach())
    return signals
