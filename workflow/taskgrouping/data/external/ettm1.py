"""ETTm1: electricity transformer load and oil temperature every 15 minutes (Zhou et al. 2021).

`data_root` holds ETTm1.csv from ETDataset (ETT-small/ETTm1.csv): columns date, HUFL,
HULL, MUFL, MULL, LUFL, LULL, OT; 69,680 rows from July 2016 to June 2018. As in MTG-Net
(Song et al. 2022) each of the 7 variables is one forecasting task.

Sample i starts at row s = i * stride; x is the window rows s .. s+window-1 of all 7
variables (7 x window, oldest first) and y the 7 values `horizon` steps after the last
input row (row s+window-1+horizon). Options: `window` (default 96, one day), `horizon`
(default 4, one hour), `stride` (default 4, so neighbouring windows overlap less and a
CPU epoch stays short; 1 gives every window) and `max_samples` (null: all; the first N
windows).

Inputs and targets are standardised per variable with the mean and standard deviation of
the first 12 months (34,560 rows; all rows of a shorter file), the training span of the
usual ETT split (Informer, Autoformer): fixed statistics that need no training run.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from taskgrouping.data.base import Dataset, Options, max_samples_option, standardise_columns
from taskgrouping.data.external import data_root, data_root_option, root_files, root_missing
from taskgrouping.tasks import Task, make_task

NAME = "ettm1"
SOURCE = "https://github.com/zhouhaoyi/ETDataset (ETT-small/ETTm1.csv)"
FILE = "ETTm1.csv"
EXPECTED = [FILE]
VARIABLES = ("HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT")
SCALING_ROWS = 12 * 30 * 24 * 4
OPTIONS = {
    "data_root": data_root_option(EXPECTED),
    "window": {"type": "integer", "minimum": 1, "default": 96,
               "description": "15-minute steps in each input (96: one day)"},
    "horizon": {"type": "integer", "minimum": 1, "default": 4,
                "description": "steps ahead to forecast (4: one hour)"},
    "stride": {"type": "integer", "minimum": 1, "default": 4,
               "description": "steps between neighbouring windows (1: every window)"},
    "max_samples": max_samples_option(None, "the first N windows (null: all)"),
}


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "regression") for name in VARIABLES)


def read_table(path: Path) -> np.ndarray:
    """The 7 variables of every row (rows x 7); a malformed file is a ValueError naming it."""
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or rows[0] != ["date", *VARIABLES]:
        raise ValueError(f"{path}: unexpected columns; expected date,{','.join(VARIABLES)}")
    values = []
    for line, row in enumerate(rows[1:], start=2):
        try:
            if len(row) != len(VARIABLES) + 1:
                raise ValueError(f"{len(row)} fields, expected {len(VARIABLES) + 1}")
            values.append([float(value) for value in row[1:]])
        except ValueError as err:
            raise ValueError(f"{path}: truncated or corrupt line {line} ({err})") from err
    return np.array(values, dtype=np.float64).reshape(len(values), len(VARIABLES))


def standardised(table: np.ndarray) -> np.ndarray:
    """Each variable scaled by the mean and std of the first SCALING_ROWS rows."""
    return standardise_columns(table, table[:SCALING_ROWS])


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    root = data_root(options, NAME, EXPECTED, SOURCE)
    window, horizon, stride = options["window"], options["horizon"], options["stride"]
    table = read_table(root / FILE)
    if len(table) < window + horizon:
        raise ValueError(f"{root / FILE}: {len(table)} rows, fewer than window + horizon "
                         f"({window} + {horizon})")
    values = standardised(table).astype(np.float32)
    starts = np.arange(0, len(values) - window - horizon + 1, stride)[:options["max_samples"]]
    x = np.stack([values[start:start + window].T for start in starts])
    y = values[starts + window - 1 + horizon]
    return x, y


DATASET = Dataset(
    name=NAME,
    modality="series",
    source=SOURCE,
    offline=False,
    samples="69,680 15-minute readings (windows: see window/stride)",
    tasks=tasks,
    load=load,
    missing=root_missing(NAME, EXPECTED, SOURCE),
    files=root_files,
    options=OPTIONS,
)
