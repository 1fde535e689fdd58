"""Datasets by name. Listing tasks is cheap (no array loads) so Snakefiles can fan out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from taskgrouping.data import yeast


@dataclass(frozen=True)
class DatasetSpec:
    """How to get a dataset: its task names and kinds, and a loader of (x, y)."""

    task_names: tuple[str, ...]
    task_kind: str
    load_arrays: Callable[[], tuple[np.ndarray, np.ndarray]]


DATASETS: dict[str, DatasetSpec] = {
    "yeast": DatasetSpec(yeast.TASK_NAMES, "binary", yeast.load_arrays),
}


def spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError as err:
        raise ValueError(f"unknown dataset {name!r}; known: {sorted(DATASETS)}") from err


def resolve_tasks(name: str, selected: list[str] | None) -> list[str]:
    """The tasks to use: all of the dataset's when `selected` is None, else checked names."""
    known = spec(name).task_names
    if selected is None:
        return list(known)
    unknown = [task for task in selected if task not in known]
    if unknown:
        raise ValueError(
            f"config key datasets.{name}.tasks: unknown task(s) {unknown}; known: {list(known)}"
        )
    return list(selected)


def load_split(name: str, data: dict[str, Any]):
    """Load dataset `name` restricted to `data['tasks']` and split per `data['split']`."""
    from taskgrouping.data.base import split_and_standardise
    from taskgrouping.tasks import KINDS, Task

    dataset = spec(name)
    task_names = resolve_tasks(name, data.get("tasks"))
    x, y = dataset.load_arrays()
    columns = [dataset.task_names.index(task) for task in task_names]
    kind = KINDS[dataset.task_kind]
    split = data["split"]
    return split_and_standardise(
        x,
        y[:, columns],
        tuple(Task(task, kind) for task in task_names),
        seed=split["seed"],
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
    )
