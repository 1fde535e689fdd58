"""Yeast: 14 binary gene-function labels over 103 features, from the `river` wheel."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options, package_data, why_missing
from taskgrouping.tasks import Task, make_task

N_FEATURES = 103
TASK_NAMES = tuple(f"Class{i}" for i in range(1, 15))
INSTALL = "pip install river"


def csv_path() -> Path:
    """The CSV shipped inside the installed `river` package (found without importing it)."""
    return package_data("river", "datasets/yeast.csv.gz", INSTALL, "Yeast")


def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Features (2417 x 103) and labels (2417 x 14, in TASK_NAMES order)."""
    path = csv_path()
    try:
        with gzip.open(path, "rt") as handle:
            header = handle.readline().strip().split(",")
            expected = [f"Att{i}" for i in range(1, N_FEATURES + 1)] + list(TASK_NAMES)
            if header != expected:
                raise ValueError(f"{path}: unexpected columns; expected Att1..Att103, "
                                 "Class1..Class14")
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    except (ValueError, OSError, EOFError, zlib.error) as err:
        if str(path) in str(err):
            raise
        raise ValueError(f"{path}: corrupt or truncated data ({err})") from err
    if table.ndim != 2 or table.shape[1] != len(expected):
        raise ValueError(f"{path}: corrupt or truncated data (shape {table.shape})")
    return table[:, :N_FEATURES], table[:, N_FEATURES:]


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "binary") for name in TASK_NAMES)


def missing(_options: Options) -> str | None:
    """Why the data cannot load here, or None."""
    return why_missing(csv_path)


DATASET = Dataset(
    name="yeast",
    modality="tabular",
    source="PyPI river (datasets/yeast.csv.gz); Elisseeff & Weston 2002",
    offline=True,
    samples="2,417 genes x 103 features",
    tasks=tasks,
    load=lambda _options: load_arrays(),
    missing=missing,
    files=lambda _options: [csv_path()],
    options={},
)
