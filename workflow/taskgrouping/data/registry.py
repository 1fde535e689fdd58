"""Datasets by name. Listing tasks is cheap (no array loads) so Snakefiles can fan out."""

from __future__ import annotations

import importlib
from typing import Any

from taskgrouping.data.base import Dataset, DataUnavailable, SplitData, split_and_standardise
from taskgrouping.tasks import Task, target_columns

# name -> module holding its DATASET; imported on first use, so listing one is cheap.
MODULES = {
    "yeast": "taskgrouping.data.yeast",
    "qm9": "taskgrouping.data.qm9",
    "chicago": "taskgrouping.data.chicago",
    "fashion": "taskgrouping.data.fashion",
    "school": "taskgrouping.data.school",
    "table": "taskgrouping.data.table",
    "celeba": "taskgrouping.data.external.celeba",
    "taskonomy": "taskgrouping.data.external.taskonomy",
    "nyuv2": "taskgrouping.data.external.nyuv2",
    "mimic3": "taskgrouping.data.external.mimic3",
    "ettm1": "taskgrouping.data.external.ettm1",
    "qm9_csv": "taskgrouping.data.external.qm9_csv",
}


def dataset(name: str) -> Dataset:
    try:
        module = MODULES[name]
    except KeyError as err:
        raise ValueError(f"unknown dataset {name!r}; known: {sorted(MODULES)}") from err
    return importlib.import_module(module).DATASET


def all_tasks(name: str, options: dict[str, Any] | None) -> tuple[Task, ...]:
    """Every task the dataset offers under `options`."""
    return dataset(name).tasks(options or {})


def resolve_tasks(name: str, selected: list[str] | None,
                  options: dict[str, Any] | None = None) -> list[str]:
    """The tasks to use: all of the dataset's when `selected` is None, else checked names."""
    known = [task.name for task in all_tasks(name, options)]
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
    source = dataset(name)
    options = data.get("options") or {}
    why = source.missing(options)
    if why:
        raise DataUnavailable(why)
    tasks = all_tasks(name, options)
    names = [task.name for task in tasks]
    chosen = [names.index(task) for task in resolve_tasks(name, data.get("tasks"), options)]
    x, y = source.load(options)
    split = data["split"]
    return split_and_standardise(
        x,
        y[:, target_columns(tasks, chosen)],
        tuple(tasks[j] for j in chosen),
        seed=split["seed"],
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
    )
