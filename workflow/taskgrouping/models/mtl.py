"""Hard-parameter-sharing MTL model: a shared MLP encoder and one linear head per task."""

from __future__ import annotations

import torch
from torch import nn

from taskgrouping.tasks import Task


class MultiTaskMLP(nn.Module):
    """`encoder` holds every shared parameter; `heads[j]` is task `task_names[j]`'s alone."""

    def __init__(self, in_features: int, hidden: list[int], tasks: tuple[Task, ...]) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = in_features
        for out in hidden:
            layers += [nn.Linear(width, out), nn.ReLU()]
            width = out
        self.encoder = nn.Sequential(*layers)
        self.tasks = tasks
        self.heads = nn.ModuleList(nn.Linear(width, task.kind.head_width) for task in tasks)

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task.name for task in self.tasks)

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


def build_model(
    in_features: int, hidden: list[int], tasks: tuple[Task, ...], seed: int
) -> MultiTaskMLP:
    """The model, initialised deterministically from `seed`."""
    torch.manual_seed(seed)
    return MultiTaskMLP(in_features, hidden, tasks)
