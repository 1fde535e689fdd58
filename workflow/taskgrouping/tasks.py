"""What a task is: its name and type, and the loss and metric that score it.

Targets of all tasks sit side by side in one float array, one row per sample: a scalar
task (binary, regression, multiclass) takes one column, a dense task (segmentation,
depth, normals) the flattened pixels of its `shape`. Class indices are stored as floats;
a segmentation label of -1, a depth of 0 and a zero normal mark pixels without ground truth.
A scalar target of NaN is a missing label (a student of another school, a stay without
that outcome): it adds nothing to the loss, its gradient or the metric.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where a loss is computed: scoring stages start without it
    import torch


@dataclass(frozen=True)
class TaskKind:
    """A task type: per-sample loss on the head's output, and a test metric."""

    name: str
    loss_name: str
    per_sample_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    metric_name: str
    metric: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool
    dense: bool = False


def _bce(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    from torch.nn import functional as F

    return F.binary_cross_entropy_with_logits(out.squeeze(-1), target, reduction="none")


def _squared_error(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (out.squeeze(-1) - target) ** 2


def _cross_entropy(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    from torch.nn import functional as F

    return F.cross_entropy(out, target.long(), reduction="none")


def _auroc(scores: np.ndarray, target: np.ndarray) -> float:
    """Area under the ROC curve as the Mann-Whitney U statistic, ties at average rank.

    Equal to scikit-learn's roc_auc_score (tests/test_tasks.py) without importing
    scikit-learn, slow to import, in every training job; NaN when the target has one class
    only.
    """
    scores = scores.reshape(len(target))
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


def _mae(out: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean(np.abs(out.reshape(len(target)) - target)))


def _accuracy(out: np.ndarray, target: np.ndarray) -> float:
    return float(np.mean(out.argmax(axis=1) == target))


def _pixel_mean(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Per-sample mean over the valid pixels (0 for a sample with none)."""
    valid = valid.to(values.dtype)
    dims = tuple(range(1, values.dim()))
    return (values * valid).sum(dims) / valid.sum(dims).clamp_min(1.0)


def _segmentation_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    from torch.nn import functional as F

    labels = target.long()
    pixels = F.cross_entropy(out, labels.clamp_min(0), reduction="none")
    return _pixel_mean(pixels, labels >= 0)


def _mean_iou(out: np.ndarray, target: np.ndarray) -> float:
    """Mean intersection over union of the classes present in prediction or truth."""
    predicted, valid = out.argmax(axis=1), target >= 0
    ious = []
    for label in range(out.shape[1]):
        truth, guess = (target == label) & valid, (predicted == label) & valid
        union = np.sum(truth | guess)
        if union:
            ious.append(np.sum(truth & guess) / union)
    return float(np.mean(ious)) if ious else float("nan")


def _depth_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return _pixel_mean((out.squeeze(1) - target).abs(), target > 0)


def _depth_error(out: np.ndarray, target: np.ndarray) -> float:
    valid = target > 0
    return float(np.abs(out[:, 0] - target)[valid].mean()) if valid.any() else float("nan")


def _normals_loss(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    from torch.nn import functional as F

    cosine = F.cosine_similarity(out, target, dim=1, eps=1e-8)
    return _pixel_mean(1.0 - cosine, target.abs().sum(1) > 0)


def _angular_error(out: np.ndarray, target: np.ndarray) -> float:
    """Mean angle in degrees between predicted and true normals over valid pixels."""
    valid = np.abs(target).sum(1) > 0
    if not valid.any():
        return float("nan")
    unit = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-8)
    true = target / np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-8)
    cosine = np.clip((unit * true).sum(1), -1.0, 1.0)
    return float(np.degrees(np.arccos(cosine[valid])).mean())


BINARY = TaskKind("binary", "bce", _bce, "auroc", _auroc, higher_is_better=True)
REGRESSION = TaskKind("regression", "mse", _squared_error, "mae", _mae, higher_is_better=False)
MULTICLASS = TaskKind("multiclass", "cross_entropy", _cross_entropy, "accuracy", _accuracy,
                      higher_is_better=True)
SEGMENTATION = TaskKind("segmentation", "pixel_cross_entropy", _segmentation_loss, "miou",
                        _mean_iou, higher_is_better=True, dense=True)
DEPTH = TaskKind("depth", "pixel_l1", _depth_loss, "abs_error", _depth_error,
                 higher_is_better=False, dense=True)
NORMALS = TaskKind("normals", "pixel_cosine", _normals_loss, "angle_error_degrees",
                   _angular_error, higher_is_better=False, dense=True)

KINDS = {kind.name: kind for kind in (BINARY, REGRESSION, MULTICLASS, SEGMENTATION, DEPTH,
                                      NORMALS)}
CLASS_KINDS = ("multiclass", "segmentation")


@dataclass(frozen=True)
class Task:
    """One task of a dataset: its name, type, class count and (dense) target shape."""

    name: str
    kind: TaskKind
    classes: int = 0
    shape: tuple[int, ...] = ()

    @property
    def metric_name(self) -> str:
        return self.kind.metric_name

    @property
    def has_sample_label(self) -> bool:
        """One class label per sample (binary, multiclass): stratifiable, must vary."""
        return self.kind in (BINARY, MULTICLASS)

    @property
    def head_width(self) -> int:
        """Outputs per sample (per pixel for dense tasks)."""
        if self.kind.name in CLASS_KINDS:
            return self.classes
        return 3 if self.kind is NORMALS else 1

    @property
    def target_width(self) -> int:
        """Columns this task takes in the side-by-side target array."""
        return math.prod(self.shape)

    def loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-sample loss of the head's output against this task's target columns.

        A sample with a missing (NaN) scalar label gets loss 0.
        """
        import torch

        target = self._shaped(target)
        if self.shape:
            return self.kind.per_sample_loss(out, target)
        observed = ~torch.isnan(target)
        losses = self.kind.per_sample_loss(out, torch.where(observed, target, 0.0))
        return torch.where(observed, losses, 0.0)

    def mean_loss(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss averaged over the samples whose label is present."""
        observed = len(target) if self.shape else (~target.isnan()).sum()
        return self.loss(out, target).sum() / max(int(observed), 1)

    def score(self, out: np.ndarray, target: np.ndarray) -> float:
        """The test metric of the head's output against this task's target columns."""
        target = self._shaped(target)
        if not self.shape:
            observed = ~np.isnan(target)
            out, target = out[observed], target[observed]
            if not len(target):
                return float("nan")
        return self.kind.metric(out, target)

    def _shaped(self, target):
        return target.reshape(len(target), *self.shape) if self.shape else target[:, 0]


def make_task(name: str, kind: str, classes: int = 0, shape: Sequence[int] = ()) -> Task:
    """A task from plain values, checked: class kinds need classes >= 2, dense kinds a shape."""
    if kind not in KINDS:
        raise ValueError(f"task {name}: unknown type {kind!r}; known: {sorted(KINDS)}")
    if kind in CLASS_KINDS and classes < 2:
        raise ValueError(f"task {name}: a {kind} task needs at least 2 classes, got {classes}")
    if KINDS[kind].dense != bool(shape):
        raise ValueError(f"task {name}: a {kind} task {'needs' if KINDS[kind].dense else 'has no'}"
                         " per-sample target shape")
    return Task(name, KINDS[kind], classes, tuple(int(s) for s in shape))


def target_spans(tasks: Sequence[Task]) -> list[slice]:
    """Each task's columns in the side-by-side target array."""
    spans, start = [], 0
    for task in tasks:
        spans.append(slice(start, start + task.target_width))
        start += task.target_width
    return spans


def target_columns(tasks: Sequence[Task], chosen: Sequence[int]) -> np.ndarray:
    """The target columns of tasks `chosen` (indices into `tasks`), in that order."""
    spans = target_spans(tasks)
    return np.concatenate([np.arange(spans[j].start, spans[j].stop) for j in chosen])


def split_targets(tasks: Sequence[Task], y):
    """The target array cut into each task's columns (views, no copies)."""
    return [y[:, span] for span in target_spans(tasks)]
