"""Exact sample-wise task distances without materialising per-sample gradients.

The one-step sample-wise optimum of task i is theta0 - eta * g_i(s), so
d(i, j) = eta / n * sum_s ||g_i(s) - g_j(s)||_1 over the shared parameters.
For a shared Linear layer z = W a + b the per-sample gradient is (delta a^T, delta)
with delta = dl/dz, and a is the same for every task at a common theta0, hence

    ||g_i(s) - g_j(s)||_1 = sum_layers ||delta_i - delta_j||_1 * (||a||_1 + 1).

A task is probed once (its deltas, n x sum of widths); a pair is one L1 distance
(`taskgrouping.probing.distance`).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call, grad, vmap

from taskgrouping.models.mtl import MultiTaskMLP


def shared_linears(model: MultiTaskMLP) -> list[nn.Linear]:
    """The shared Linear layers whose parameters the affinity compares."""
    layers = [module for module in model.encoder.modules() if isinstance(module, nn.Linear)]
    if len(layers) != len(list(model.encoder.parameters())) // 2:
        raise ValueError("the factorised probe needs a shared encoder made of Linear layers only")
    return layers


Captured = tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]


def _capture(model: MultiTaskMLP, x: torch.Tensor) -> Captured:
    """One forward pass: inputs and outputs of every shared Linear layer, and the logits."""
    inputs: list[torch.Tensor] = []
    outputs: list[torch.Tensor] = []

    def hook(_module: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        inputs.append(args[0])
        outputs.append(out)

    handles = [layer.register_forward_hook(hook) for layer in shared_linears(model)]
    try:
        logits = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return inputs, outputs, logits


@torch.no_grad()
def input_l1_norms(model: MultiTaskMLP, x: torch.Tensor) -> torch.Tensor:
    """||a||_1 of every shared Linear layer's input, per probe sample (n x layers)."""
    inputs, _, _ = _capture(model, x)
    return torch.stack([a.abs().sum(dim=1) for a in inputs], dim=1)


def scaled_backprop_signals(
    model: MultiTaskMLP, x: torch.Tensor, y: torch.Tensor, task_index: int, l1_norms: torch.Tensor
) -> torch.Tensor:
    """Per-sample delta = dl/dz of every shared Linear layer, each scaled by (||a||_1 + 1).

    Returns n x (sum of layer widths); the pair distance is then a plain row-wise L1.
    Samples are independent (no batch statistics), so the gradient of the summed loss
    with respect to z holds each sample's own delta.
    """
    _, outputs, logits = _capture(model, x)
    loss = model.tasks[task_index].kind.per_sample_loss(logits[task_index], y).sum()
    deltas = torch.autograd.grad(loss, outputs)
    scaled = [delta * (l1_norms[:, [layer]] + 1.0) for layer, delta in enumerate(deltas)]
    return torch.cat(scaled, dim=1).detach()


def per_sample_gradients(
    model: MultiTaskMLP, x: torch.Tensor, y: torch.Tensor, task_index: int
) -> torch.Tensor:
    """Brute force: every sample's full gradient over the shared parameters (n x #params).

    The reference the factorised path is tested against; memory grows as n x #params.
    """
    params = {name: p.detach() for name, p in model.encoder.named_parameters()}
    head = model.heads[task_index]
    loss_of = model.tasks[task_index].kind.per_sample_loss

    def sample_loss(p: dict[str, torch.Tensor], xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        shared = functional_call(model.encoder, p, (xs.unsqueeze(0),))
        return loss_of(head(shared), ys.unsqueeze(0)).sum()

    grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
    return torch.cat([g.reshape(len(x), -1) for g in grads.values()], dim=1).detach()
