"""What a task is: its name and type, and the loss and metric that score it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class TaskKind:
    """A task type: head width, per-sample loss on logits, and a test metric."""

    name: str
    head_width: int
    loss_name: str
    per_sample_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    metric_name: str
    metric: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool


def _bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.squeeze(-1), target, reduction="none")


def _auroc(scores: np.ndarray, target: np.ndarray) -> float:
    """Area under the ROC curve as the Mann-Whitney U statistic, ties at average rank.

    Equal to scikit-learn's roc_auc_score (tests/test_tasks.py) without its 1.3 s import
    in every training job; NaN when the target has one class only.
    """
    positives = target == 1
    n_pos = int(positives.sum())
    n_neg = len(target) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    _, tie_group, counts = np.unique(scores[order], return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = np.empty(len(scores))
    ranks[order] = ((ends - counts + 1 + ends) / 2)[tie_group]
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


BINARY = TaskKind(
    name="binary",
    head_width=1,
    loss_name="bce",
    per_sample_loss=_bce,
    metric_name="auroc",
    metric=_auroc,
    higher_is_better=True,
)

KINDS = {kind.name: kind for kind in (BINARY,)}


@dataclass(frozen=True)
class Task:
    """One task of a dataset: its name and its type."""

    name: str
    kind: TaskKind

    @property
    def metric_name(self) -> str:
        return self.kind.metric_name
