"""Datasets by name. Listing tasks is cheap (no array loads) so Snakefiles can fan out."""

from __future__ import annotations

import lzma
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from taskgrouping.registries import DATASETS

if TYPE_CHECKING:  # base and tasks import torch: every stage's --settings parsing comes here
    from taskgrouping.data.base import Dataset, SplitData
    from taskgrouping.tasks import Task

def dataset(name: str) -> Dataset:
    """The registered dataset `name` (see `taskgrouping.registries.DATASETS`)."""
    return DATASETS.get(name)


def all_tasks(name: str, options: dict[str, Any] | None) -> tuple[Task, ...]:
    """Every task the dataset offers under `options`."""
    return dataset(name).tasks(options or {})


def resolve_tasks(name: str, selected: list[str] | None,
                  options: dict[str, Any] | None = None) -> list[str]:
    """The tasks to use: all of the dataset's when `selected` is None, else checked names."""
    return select_tasks(name, all_tasks(name, options), selected)


def select_tasks(name: str, tasks: tuple[Task, ...], selected: list[str] | None) -> list[str]:
    """`selected` checked against the dataset's `tasks` (None: every one of them)."""
    known = [task.name for task in tasks]
    if selected is None:
        return known
    unknown = [task for task in selected if task not in known]
    if unknown:
        raise ValueError(
            f"config key datasets.{name}.tasks: unknown task(s) {unknown}; known: {known}"
        )
    return list(selected)


def load_split(name: str, data: dict[str, Any]) -> SplitData:
    """Load dataset `name` restricted to `data['tasks']` and split per `data['split']`."""
    from taskgrouping.data.base import DataUnavailable, split_and_standardise
    from taskgrouping.tasks import target_columns

    source = dataset(name)
    options = data.get("options") or {}
    why = source.missing(options)
    if why:
        raise DataUnavailable(why)
    tasks = all_tasks(name, options)
    names = [task.name for task in tasks]
    chosen = [names.index(task) for task in select_tasks(name, tasks, data.get("tasks"))]
    try:
        x, y = source.load(options)
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as err:
        if isinstance(err, FileNotFoundError):  # DataUnavailable and a missing file say which
            raise
        # A loader that does not catch its decompressor's errors: name what it read.
        where = getattr(err, "filename", None) or source.source
        raise ValueError(f"dataset {name}: data file {where} is unreadable, corrupt or "
                         f"truncated ({type(err).__name__}: {err})") from err
    split = data["split"]
    splits = split_and_standardise(
        x,
        y[:, target_columns(tasks, chosen)],
        tuple(tasks[j] for j in chosen),
        seed=split["seed"],
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
    )
    check_labels_vary(name, splits)
    return splits


def check_labels_vary(name: str, data: SplitData) -> None:
    """A binary or multiclass task needs two label values on the training split.

    With one value (say every training label 0) the task cannot be learned, and its
    affinity with any other task is an artefact: an error naming the task. Regression
    targets are not checked. The probe set, a few hundred training rows, may still see
    one value of a rare label: that is allowed, since a loss towards one label (BCE
    towards 0, cross-entropy towards one class) has non-zero gradients all the same.
    """
    from taskgrouping.tasks import split_targets

    for task, labels in zip(data.tasks, split_targets(data.tasks, data.y_train), strict=True):
        if not task.has_sample_label:
            continue
        values = np.unique(labels[~np.isnan(labels)])
        if len(values) < 2:
            seen = f"all {values[0]:g}" if len(values) else "no label present"
            raise ValueError(f"task {task.name}: labels are constant on the training split "
                             f"({seen}); drop it from datasets.{name}.tasks")

