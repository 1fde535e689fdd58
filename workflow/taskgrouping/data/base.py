"""A dataset split three ways, with features standardised by training statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taskgrouping.tasks import Task


@dataclass(frozen=True)
class SplitData:
    """Train/val/test arrays; column j of every `y_*` is task `tasks[j]`."""

    tasks: tuple[Task, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def feature_dim(self) -> int:
        return self.x_train.shape[1]

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task.name for task in self.tasks)

    def task_index(self, names: list[str] | tuple[str, ...]) -> list[int]:
        """Column indices of `names`; an unknown name is an error that names it."""
        known = self.task_names
        missing = [name for name in names if name not in known]
        if missing:
            raise ValueError(f"unknown task(s) {missing}; this dataset has {list(known)}")
        return [known.index(name) for name in names]


def split_and_standardise(
    x: np.ndarray,
    y: np.ndarray,
    tasks: tuple[Task, ...],
    seed: int,
    val_fraction: float,
    test_fraction: float,
) -> SplitData:
    """Shuffle by `seed`, cut val and test off, standardise x with the train mean/std."""
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(test_fraction * len(x)))
    n_val = int(round(val_fraction * len(x)))
    test, val, train = np.split(order, [n_test, n_test + n_val])
    mean = x[train].mean(axis=0)
    std = x[train].std(axis=0)
    std[std == 0] = 1.0

    def scaled(rows: np.ndarray) -> np.ndarray:
        return ((x[rows] - mean) / std).astype(np.float32)

    return SplitData(
        tasks=tasks,
        x_train=scaled(train),
        y_train=y[train].astype(np.float32),
        x_val=scaled(val),
        y_val=y[val].astype(np.float32),
        x_test=scaled(test),
        y_test=y[test].astype(np.float32),
    )
