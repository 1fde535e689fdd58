"""Hard-parameter-sharing MTL models: a shared encoder and one linear head per task."""

from __future__ import annotations

import torch
from torch import nn

from taskgrouping.tasks import Task


class MultiTaskModel(nn.Module):
    """`encoder` holds every shared parameter; `heads[j]` is task `tasks[j]`'s alone."""

    def __init__(self, encoder: nn.Module, width: int, tasks: tuple[Task, ...]) -> None:
        super().__init__()
        self.encoder = encoder
        self.tasks = tasks
        self.heads = nn.ModuleList(nn.Linear(width, task.kind.head_width) for task in tasks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Logits of every task head, in task order."""
        shared = self.encoder(x)
        return [head(shared) for head in self.heads]

    def tie_heads_by_kind(self) -> None:
        """Give every head the initial weights of the first head of its task type."""
        first: dict[str, nn.Linear] = {}
        with torch.no_grad():
            for task, head in zip(self.tasks, self.heads, strict=True):
                reference = first.setdefault(task.kind.name, head)
                head.weight.copy_(reference.weight)
                head.bias.copy_(reference.bias)


def mlp_encoder(in_features: int, hidden: list[int]) -> tuple[nn.Module, int]:
    """Linear + ReLU blocks: every shared layer factorises (fast probing path)."""
    layers: list[nn.Module] = []
    width = in_features
    for out in hidden:
        layers += [nn.Linear(width, out), nn.ReLU()]
        width = out
    return nn.Sequential(*layers), width


def cnn_encoder(in_channels: int, channels: list[int], hidden: int) -> tuple[nn.Module, int]:
    """Conv + BatchNorm + ReLU blocks, pooled, then a Linear layer: a mixed probing case."""
    layers: list[nn.Module] = []
    width = in_channels
    for out in channels:
        layers += [nn.Conv2d(width, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
        width = out
    layers += [nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(4 * width, hidden), nn.ReLU()]
    return nn.Sequential(*layers), hidden


def build_model(in_features: int, hidden: list[int], tasks: tuple[Task, ...], seed: int
                ) -> MultiTaskModel:
    """The MLP model, initialised deterministically from `seed`."""
    torch.manual_seed(seed)
    encoder, width = mlp_encoder(in_features, hidden)
    return MultiTaskModel(encoder, width, tasks)
