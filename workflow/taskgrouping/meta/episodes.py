"""Support and query sets: which rows of a split belong to a task, and seeded draws of them.

A task's rows on a split are those where its label is observed (a school's students, not
the NaN rows of other schools; every row for a task labelled everywhere). In meta-training
an episode of task t draws `support_size` + `query_size` distinct rows of its training
rows (fewer query rows when the task has fewer). In evaluation the support set is drawn
from the task's training rows, and the query set is every row of the task on the
validation (model selection) or test split (the score).
"""

from __future__ import annotations

import numpy as np
import torch

from taskgrouping.tasks import Task


def task_rows(task: Task, y: np.ndarray) -> np.ndarray:
    """Indices of the rows of `y` (this task's target columns) where its label is observed."""
    if task.shape:
        return np.arange(len(y))
    return np.flatnonzero(~np.isnan(y[:, 0]))


def draw_episode(rows: np.ndarray, support_size: int, query_size: int,
                 generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint support and query row indices, drawn from `rows` by `generator`."""
    order = rows[torch.randperm(len(rows), generator=generator).numpy()]
    return order[:support_size], order[support_size:support_size + query_size]


def check_rows(task: Task, rows: np.ndarray, support_size: int, split: str) -> None:
    """A task needs more training rows than its support set (a query row at least)."""
    if len(rows) <= support_size:
        raise ValueError(
            f"task {task.name}: {len(rows)} {split} row(s) with a label, but meta.support_size "
            f"is {support_size}; an episode needs support_size + 1 rows at least")
