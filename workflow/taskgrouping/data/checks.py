"""The data check that runs before any job: bad data stops the run in one line, up front.

A data mistake found by a job costs the jobs before it (hours on downloaded data), and
some mistakes fail no job at all and only make the numbers meaningless (a 5-row table,
a constant target). So the Snakefile runs `check_dataset` once, before the DAG runs,
and every failure is one `DataError` line naming the file or dataset, the task or
column, the row where it is known, and what was expected. The rules, in order:

1. the dataset's own reader: files present and readable, columns present and unique,
   every used cell numeric (a table's missing cell is refused; NaN is not imputed);
2. inputs are finite numbers;
3. targets are valid for their task type: binary 0 or 1, class labels 0..K-1
   (segmentation also -1: no label), regression and dense targets finite; a scalar
   target of NaN is a missing label (loaders that have missing labels write NaN);
4. the split leaves at least MIN_SPLIT_ROWS rows in train, validation and test;
5. no task is without a label on the training or test split, nor constant (two or more
   labelled rows, one value) on either: nothing to learn, or a metric that means nothing;
6. where the run continues it warns, in one line each and in the run's MLflow tags: a
   task without labels on the validation split or with one labelled row on the test
   split, a scalar task constant on the validation split (early stopping still sees its
   loss) or on the probe set (a loss towards one label still has gradients), and a probe
   set smaller than `samplewise.probe_samples`.

Rules 5 and 6 need every row's labels. A downloaded dataset whose `inspect` samples rows
gets rules 1-4 on its sample; rules 5 and 6 run up front where it reads every label
cheaply (celeba, mimic3), and otherwise (taskonomy, nyuv2) rule 5 runs in each job,
which calls `check_splits` on what it loads.
"""

from __future__ import annotations

import lzma
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from taskgrouping.data.base import (
    DataError,
    Dataset,
    Inspection,
    Options,
    SplitData,
    split_and_standardise,
    split_order,
)
from taskgrouping.tasks import Task, split_targets, target_columns

MIN_SPLIT_ROWS = 10
SPLIT_NAMES = {"train": "training", "val": "validation", "test": "test"}


@dataclass(frozen=True)
class DataCheck:
    """The outcome of a passed check: what it read, and the warnings of a run that goes on."""

    dataset: str
    rows: int
    tasks: int
    note: str | None
    warnings: tuple[str, ...]
    seconds: float

    def summary(self) -> str:
        sampled = f"; {self.note}" if self.note else ""
        warned = f", {len(self.warnings)} warning(s)" if self.warnings else ""
        return (f"data check passed: {self.dataset}, {self.rows:,} rows x {self.tasks} tasks"
                f"{sampled} ({self.seconds:.1f} s{warned})")

    def tags(self) -> dict[str, str]:
        """MLflow tags of the pipeline run: the outcome, the sampling note, each warning."""
        tags = {"data_check": "passed with warnings" if self.warnings else "passed",
                "data_check.warnings": str(len(self.warnings))}
        if self.note:
            tags["data_check.sampled"] = self.note
        tags |= {f"data_check.warning.{i}": text for i, text in enumerate(self.warnings, 1)}
        return tags


def read_data(name: str, source: Dataset, options: Options,
              reader: Callable[[Options], Any]) -> Any:
    """`reader(options)` of dataset `name`, with its decompressor errors named as its file's.

    A missing file (DataUnavailable, FileNotFoundError) passes through: it says which.
    """
    try:
        return reader(options)
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        where = getattr(err, "filename", None) or source.source
        raise DataError(f"dataset {name}: data file {where} is unreadable, corrupt or "
                        f"truncated ({type(err).__name__}: {err})") from err


def inspect(name: str, source: Dataset, options: Options) -> Inspection:
    """What the dataset's `inspect` reads; a dataset without one is read in full."""
    if source.inspect is not None:
        return read_data(name, source, options, source.inspect)
    x, y = read_data(name, source, options, source.load)
    return Inspection(x, y, total=len(x), source=f"dataset {name}")


def check_dataset(name: str, source: Dataset, options: Options, offered: tuple[Task, ...],
                  tasks: list[str], split: dict[str, Any],
                  samplewise: dict[str, Any] | None) -> DataCheck:
    """Every rule of this module on dataset `name`'s `tasks` under its `split`.

    The caller has checked the data are here (`source.missing`) and listed the dataset's
    tasks (`offered`, which for a table may read the file). `options` are the dataset's
    validated options and `samplewise` the probe settings when a sample-wise method runs
    (None: no probe set to check).
    """
    started = time.perf_counter()
    known = [task.name for task in offered]
    chosen = [known.index(task) for task in tasks]
    chosen_tasks = tuple(offered[j] for j in chosen)
    columns = target_columns(offered, chosen)
    seen = inspect(name, source, options)
    y = seen.y[:, columns]
    check_inputs(seen)
    check_targets(seen, chosen_tasks, y)
    check_sizes(name, seen, split)
    warnings: list[str] = []
    # every row's targets: all read, or read with a sampled dataset's cheap part
    every: np.ndarray | None = y
    if seen.note is not None:
        every = None if seen.labels is None else seen.labels[:, columns]
        if every is not None:
            check_targets(seen, chosen_tasks, every)
    if every is not None:
        splits = split_and_standardise(np.zeros((seen.total, 1)), every, chosen_tasks,
                                       split["seed"], split["val_fraction"],
                                       split["test_fraction"])
        warnings += check_splits(name, splits, seen.source)
        if samplewise is not None:
            warnings += probe_warnings(splits, samplewise)
    return DataCheck(name, seen.total, len(chosen_tasks), seen.note, tuple(warnings),
                     time.perf_counter() - started)


def check_inputs(seen: Inspection) -> None:
    """Every input value is a finite number."""
    flat = seen.x.reshape(len(seen.x), -1)
    bad = ~np.isfinite(flat)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        value = flat[row, column]
        feature = (f"feature {seen.features[column]!r}" if seen.features is not None
                   else f"input value {column}")
        raise DataError(f"{seen.source}: {feature} of {seen.row(row)} is {value}; "
                        "inputs must be finite numbers")


def check_targets(seen: Inspection, tasks: tuple[Task, ...], y: np.ndarray) -> None:
    """Every target is valid for its task's type (rule 3)."""
    for task, labels in zip(tasks, split_targets(tasks, y), strict=True):
        valid, expected = _valid_targets(task, labels)
        bad = np.flatnonzero(~valid.reshape(len(labels), -1).all(axis=1))
        if bad.size:
            row = bad[0]
            values = labels[row][~valid[row]]
            raise DataError(f"{seen.source}: task {task.name!r} ({task.kind.name}) has "
                            f"{values[0]:g} at {seen.row(row)}; expected {expected}")


def _valid_targets(task: Task, labels: np.ndarray) -> tuple[np.ndarray, str]:
    """Which target values `task` accepts, and the words for what it expects."""
    missing = np.isnan(labels)
    whole = np.isfinite(labels) & (labels == np.round(labels))
    kind = task.kind.name
    if kind == "binary":
        return missing | (labels == 0) | (labels == 1), "0 or 1 (NaN: missing)"
    if kind == "multiclass":
        return (missing | (whole & (labels >= 0) & (labels < task.classes)),
                f"a class label 0..{task.classes - 1} (NaN: missing)")
    if kind == "segmentation":
        return (whole & (labels >= -1) & (labels < task.classes),
                f"a class label 0..{task.classes - 1}, or -1 for no label")
    if kind == "depth":
        return np.isfinite(labels) & (labels >= 0), "a finite value >= 0 (0: no label)"
    if kind == "normals":
        return np.isfinite(labels), "a finite vector component (0, 0, 0: no label)"
    return ~np.isinf(labels), "a finite number (NaN: missing)"


def check_sizes(name: str, seen: Inspection, split: dict[str, Any]) -> None:
    """The split leaves at least MIN_SPLIT_ROWS rows in each of train, val and test."""
    train, val, test = split_order(seen.total, split["seed"], split["val_fraction"],
                                   split["test_fraction"])
    if min(len(train), len(val), len(test)) < MIN_SPLIT_ROWS:
        raise DataError(
            f"{seen.source}: {seen.total} rows split into {len(train)} training, {len(val)} "
            f"validation and {len(test)} test rows (datasets.{name}.split: val_fraction "
            f"{split['val_fraction']}, test_fraction {split['test_fraction']}); each split "
            f"needs at least {MIN_SPLIT_ROWS} rows")


def check_splits(name: str, data: SplitData, source: str) -> list[str]:
    """Rule 5 as errors; the validation split's gaps and a one-row test task as warnings."""
    warnings = []
    for split, words in SPLIT_NAMES.items():
        targets = split_targets(data.tasks, getattr(data, f"y_{split}"))
        for task, labels in zip(data.tasks, targets, strict=True):
            observed = _observed(task, labels)
            if not observed.size:
                where = f"task {task.name!r} has no label on the {words} split ({len(labels)} rows)"
                if split == "val":
                    warnings.append(f"{where}; early stopping does not see it")
                    continue
                raise DataError(f"{source}: {where}; drop it from datasets.{name}.tasks")
            if task.shape or len(np.unique(observed)) > 1:
                continue
            if observed.size == 1 and split != "train":
                if split == "test":
                    warnings.append(f"task {task.name!r} has one labelled row on the test split; "
                                    "its test metric rests on that row")
                continue
            seen = ("one labelled row" if observed.size == 1 else f"all {observed[0]:g}"
                    if task.has_sample_label else "every value equal")
            if split == "val":
                warnings.append(f"task {task.name!r} is constant on the validation split "
                                f"({seen}); early stopping still sees its loss")
                continue
            raise DataError(f"{source}: task {task.name!r} is constant on the {words} split "
                            f"({seen}); drop it from datasets.{name}.tasks")
    return warnings


def _observed(task: Task, labels: np.ndarray) -> np.ndarray:
    """The labels present: scalar values not NaN, or the labelled pixels of a dense task."""
    if not task.shape:
        return labels[~np.isnan(labels[:, 0]), 0]
    shaped = labels.reshape(len(labels), *task.shape)
    kind = task.kind.name
    if kind == "segmentation":
        return shaped[shaped >= 0]
    if kind == "normals":
        return shaped[np.abs(shaped).sum(axis=1, keepdims=True).repeat(3, axis=1) > 0]
    return shaped[shaped > 0]


def probe_warnings(data: SplitData, samplewise: dict[str, Any]) -> list[str]:
    """The probe set the probing will draw: too small, or a task constant on it."""
    from taskgrouping.probing.probe_set import probe_indices

    wanted, rows = samplewise["probe_samples"], len(data.y_train)
    warnings = []
    if wanted > rows:
        warnings.append(f"samplewise.probe_samples {wanted} exceeds the {rows} training "
                        "rows: every training row is probed")
    try:
        chosen = probe_indices(data.class_labels, wanted, samplewise["seed"],
                               samplewise["stratify"])
    except ValueError as err:
        raise DataError(str(err)) from None
    targets = split_targets(data.tasks, data.y_train[chosen])
    for task, labels in zip(data.tasks, targets, strict=True):
        observed = _observed(task, labels)
        if not task.shape and len(np.unique(observed)) < 2:
            seen = f"all {observed[0]:g}" if observed.size else "no label present"
            warnings.append(f"task {task.name!r} is constant on the probe set of {len(chosen)} "
                            f"rows ({seen}); it is probed all the same, a loss towards one "
                            "label still has gradients")
    return warnings
