"""Hard-parameter-sharing MTL models: a shared encoder and one head per task."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from taskgrouping.models.encoders import build_encoder
from taskgrouping.tasks import Task


class DenseHead(nn.Module):
    """A 1x1 convolution on the shared feature map, upsampled to the task's resolution."""

    def __init__(self, width: int, outputs: int, size: tuple[int, int]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(width, outputs, 1)
        self.size = size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        out = self.conv(features)
        return nn.functional.interpolate(out, size=self.size, mode="bilinear",
                                         align_corners=False)


def make_head(width: int, task: Task) -> nn.Module:
    """A Linear head for scalar tasks, a per-pixel head for dense ones."""
    if task.kind.dense:
        return DenseHead(width, task.head_width, (task.shape[-2], task.shape[-1]))
    return nn.Linear(width, task.head_width)


class MultiTaskModel(nn.Module):
    """`encoder` holds every shared parameter; `heads[j]` is task `tasks[j]`'s alone."""

    def __init__(self, encoder: nn.Module, width: int, tasks: tuple[Task, ...]) -> None:
        super().__init__()
        self.encoder = encoder
        self.tasks = tasks
        self.heads = nn.ModuleList(make_head(width, task) for task in tasks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Outputs of every task head, in task order."""
        shared = self.encoder(x)
        return [head(shared) for head in self.heads]

    def tie_heads_by_kind(self) -> None:
        """Give every head the initial weights of the first head of its type and width."""
        first: dict[tuple[str, int], nn.Module] = {}
        with torch.no_grad():
            for task, head in zip(self.tasks, self.heads, strict=True):
                reference = first.setdefault((task.kind.name, task.head_width), head)
                head.load_state_dict(reference.state_dict())


def build_model(input_shape: tuple[int, ...], model: dict[str, Any], tasks: tuple[Task, ...],
                seed: int) -> MultiTaskModel:
    """The model of the dataset config's `model` section, initialised from `seed`."""
    torch.manual_seed(seed)
    encoder, width = build_encoder(input_shape, model)
    return MultiTaskModel(encoder, width, tasks)
