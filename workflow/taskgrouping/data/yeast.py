"""Yeast: 14 binary gene-function labels over 103 features, from the `river` wheel."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options
from taskgrouping.tasks import Task, make_task

N_FEATURES = 103
TASK_NAMES = tuple(f"Class{i}" for i in range(1, 15))


def csv_path() -> Path:
    """The CSV shipped inside the installed `river` package (found without importing it)."""
    spec = importlib.util.find_spec("river")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the Yeast data needs the `river` package: pip install river")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "yeast.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"Yeast data file {path} is missing from the river package")
    return path


def load_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Features (2417 x 103) and labels (2417 x 14, in TASK_NAMES order)."""
    path = csv_path()
    with gzip.open(path, "rt") as handle:
        header = handle.readline().strip().split(",")
        expected = [f"Att{i}" for i in range(1, N_FEATURES + 1)] + list(TASK_NAMES)
        if header != expected:
            raise ValueError(f"{path}: unexpected columns; expected Att1..Att103, Class1..Class14")
        try:
            table = np.loadtxt(handle, delimiter=",", dtype=np.float64)
        except ValueError as err:
            raise ValueError(f"{path}: corrupt or truncated data ({err})") from err
    if table.ndim != 2 or table.shape[1] != len(expected):
        raise ValueError(f"{path}: corrupt or truncated data (shape {table.shape})")
    return table[:, :N_FEATURES], table[:, N_FEATURES:]


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "binary") for name in TASK_NAMES)


def missing(_options: Options) -> str | None:
    """Why the data cannot load here, or None."""
    try:
        csv_path()
    except FileNotFoundError as err:
        return str(err)
    return None


DATASET = Dataset(
    name="yeast",
    modality="tabular",
    source="PyPI river (datasets/yeast.csv.gz); Elisseeff & Weston 2002",
    offline=True,
    samples="2,417 genes x 103 features",
    default_model="mlp",
    tasks=tasks,
    load=lambda _options: load_arrays(),
    missing=missing,
)
