"""How every stage reaches a dataset: by name, its options, its tasks, its splits, and the
one data-check path. Listing tasks is cheap (no array loads) so Snakefiles can fan out."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from taskgrouping.registries import DATASETS, option_defaults

if TYPE_CHECKING:  # base and tasks import torch: every stage's --settings parsing comes here
    from jsonschema import ValidationError

    from taskgrouping.data.base import Dataset, SplitData
    from taskgrouping.data.checks import DataCheck
    from taskgrouping.tasks import Task


def dataset(name: str) -> Dataset:
    """The registered dataset `name` (see `taskgrouping.registries.DATASETS`)."""
    return DATASETS.get(name)


def dataset_options(name: str, options: dict[str, Any] | None) -> dict[str, Any]:
    """`options` (None: {}) checked against dataset `name`'s schema, defaults filled in.

    The result is a copy, so the caller's config is left as it was. The first violation
    is a ValueError of one line naming `datasets.<name>.options.<key>`. Integers are
    strict: 2.0 is not one (JSON schema would take it, numpy and slicing would not).
    """
    from jsonschema.exceptions import best_match

    source = dataset(name)
    checked = copy.deepcopy(options or {})
    error = best_match(_validator()(source.options_schema).iter_errors(checked))
    if error is not None:
        raise ValueError(_option_error(name, error))
    return copy.deepcopy(option_defaults(source.options)) | checked


@cache
def _validator() -> type:
    """Draft 2020-12 with strict integers: bool and integral floats are not integers."""
    from jsonschema import Draft202012Validator, validators

    def is_integer(_checker: object, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    strict = Draft202012Validator.TYPE_CHECKER.redefine("integer", is_integer)
    return validators.extend(Draft202012Validator, type_checker=strict)


def _option_error(name: str, error: ValidationError) -> str:
    """One line: `datasets.<name>.options.<dotted.path>: <what is wrong>`."""
    key = ".".join(["datasets", name, "options", *map(str, error.absolute_path)])
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known), key=str)[0]
        what = "key" if error.absolute_path else "option"
        return f"{key}.{unknown}: unknown {what}; known: {known}"
    if error.validator == "required":
        absent = next(field for field in error.validator_value if field not in error.instance)
        return f"{key}.{absent}: required, but not given"
    return f"{key}: {error.message}"


def all_tasks(name: str, options: dict[str, Any] | None) -> tuple[Task, ...]:
    """Every task the dataset offers under `options`."""
    return dataset(name).tasks(dataset_options(name, options))


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
    """Load dataset `name` restricted to `data['tasks']` and split per `data['split']`.

    The splits are checked as the up-front data check checks them (`checks.check_splits`):
    a task without labels on a split, or constant on train or test, is a DataError.
    """
    from taskgrouping.data.base import DataUnavailable, split_and_standardise
    from taskgrouping.data.checks import check_splits, read_data
    from taskgrouping.tasks import target_columns

    source = dataset(name)
    options = dataset_options(name, data.get("options"))
    why = source.missing(options)
    if why:
        raise DataUnavailable(why)
    tasks = source.tasks(options)
    names = [task.name for task in tasks]
    chosen = [names.index(task) for task in select_tasks(name, tasks, data.get("tasks"))]
    x, y = read_data(name, source, options, source.load)
    split = data["split"]
    splits = split_and_standardise(
        x,
        y[:, target_columns(tasks, chosen)],
        tuple(tasks[j] for j in chosen),
        seed=split["seed"],
        val_fraction=split["val_fraction"],
        test_fraction=split["test_fraction"],
    )
    check_splits(name, splits, f"dataset {name}")
    return splits


def dataset_source(settings: Mapping[str, Any]) -> str:
    """Where a stage's data come from, as MLflow's dataset source: the dataset, its
    options (files, columns) and its split, which with the digest say what was read."""
    data = settings["data"]
    where = {"options": dataset_options(settings["dataset"], data.get("options")),
             "split": data["split"]}
    return f"taskgrouping dataset {settings['dataset']} " + json.dumps(where, sort_keys=True)


# A task name is part of file names (subsets join tasks with "__"): no "/", no "__"
FILE_NAME_SAFE = re.compile(r"[A-Za-z0-9](?:_?[A-Za-z0-9.-])*")


def resolve_dataset(name: str, data: dict[str, Any]
                    ) -> tuple[Dataset, dict[str, Any], tuple[Task, ...], list[str]]:
    """Dataset `name` under its `data` settings: its source, its options (defaults filled
    in), the tasks it offers and the names selected; DataUnavailable where it cannot load
    here. The data check of the pipeline and of the tests and benchmarks starts here."""
    from taskgrouping.data.base import DataError, DataUnavailable

    source = dataset(name)
    options = dataset_options(name, data.get("options"))
    why = source.missing(options)  # a table checks its task spec here
    if why:
        raise DataUnavailable(why)
    offered = source.tasks(options)  # a table may read a column here: DataError
    tasks = select_tasks(name, offered, data.get("tasks"))
    unsafe = [task for task in tasks if not FILE_NAME_SAFE.fullmatch(task)]
    if unsafe:
        raise DataError(f"dataset {name}: task names {unsafe} become file names; use "
                        "letters, digits, '.', '-' and single inner '_' only")
    return source, options, offered, tasks


def check_data(name: str, data: dict[str, Any], samplewise: dict[str, Any] | None
               ) -> DataCheck:
    """The up-front data check of dataset `name` under its `data` settings (see checks.py).

    `samplewise`: the probe settings when a sample-wise method runs, else None.
    """
    from taskgrouping.data.checks import check_dataset

    source, options, offered, tasks = resolve_dataset(name, data)
    return check_dataset(name, source, options, offered, tasks, data["split"], samplewise)
