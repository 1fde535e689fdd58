"""Table: bring your own data, a CSV or Parquet file with feature and task columns.

Options (`datasets.table.options`):
- `path` (required): a .csv (or .csv.gz) or .parquet/.pq file; relative to the working
  directory. Parquet needs pyarrow or fastparquet installed (pandas reads it with them).
- `features` (required): list of input column names; x is n x len(features), in that order.
- `tasks` (required): mapping column -> type, where type is `binary`, `regression` or
  `multiclass`, or a mapping {type: multiclass, classes: K}. Tasks are named by column, in
  mapping order. Binary labels are 0/1; multiclass labels are integers 0..K-1.
  A multiclass task without `classes` takes K = 1 + its largest label, so `tasks` (which
  the workflow calls to fan out) reads that one column of the file; give `classes` to keep
  task listing free of file reads (labels above K-1 are then an error at load).
- `standardise_targets` (default true): regression columns are standardised by their mean
  and std over the file (the pipeline standardises no target); false keeps raw values.

Every used cell must be numeric and present: a missing or repeated column, a non-numeric
or missing value, a non-0/1 binary label or a bad class label is a DataError naming the
option key, column and file (and the first bad data row, counted from 1 below the header);
a mistake in the options themselves is a plain ValueError.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from taskgrouping.data.base import (
    DataError,
    Dataset,
    DataUnavailable,
    Inspection,
    Options,
    standardise_columns,
)
from taskgrouping.tasks import Task, make_task

TYPES = ["binary", "multiclass", "regression"]
PREFIX = "datasets.table.options"
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
TASK = {  # a type name, or {type, classes}; `classes` for multiclass only (checked in code)
    "type": ["string", "object"],
    "if": {"type": "string"},
    "then": {"enum": TYPES},
    "else": {"additionalProperties": False, "required": ["type"],
             "properties": {"type": {"enum": TYPES},
                            "classes": {"type": "integer", "minimum": 2}}},
}
OPTIONS = {
    "path": {"type": "string", "minLength": 1,
             "description": "the .csv, .csv.gz, .parquet or .pq file (relative to the working "
                            "directory)"},
    "features": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1,
                 "uniqueItems": True, "description": "the input columns, in order"},
    "tasks": {"type": "object", "minProperties": 1, "additionalProperties": TASK,
              "description": "task column -> binary | regression | multiclass, or "
                             "{type: multiclass, classes: K}; tasks in this order"},
    "standardise_targets": {"type": "boolean", "default": True,
                            "description": "standardise regression targets over the file"},
}


def data_file(options: Options) -> Path:
    """The `path` option, which must name a CSV or Parquet file."""
    path = Path(options["path"])
    if not str(path).lower().endswith(CSV_SUFFIXES + PARQUET_SUFFIXES):
        raise ValueError(f"{PREFIX}.path: {path} is neither CSV ({', '.join(CSV_SUFFIXES)}) "
                         f"nor Parquet ({', '.join(PARQUET_SUFFIXES)})")
    return path


def task_types(options: Options) -> dict[str, tuple[str, int | None]]:
    """`tasks` as {column: (type, classes or None)}, with the checks across keys."""
    types = {}
    for column, spec in options["tasks"].items():
        spec = spec if isinstance(spec, dict) else {"type": spec}
        kind, classes = spec["type"], spec.get("classes")
        if classes is not None and kind != "multiclass":
            raise ValueError(f"{PREFIX}.tasks.{column}: `classes` is for multiclass tasks "
                             f"only, not {kind}")
        types[str(column)] = (kind, classes)
    overlap = [name for name in options["features"] if name in types]
    if overlap:
        raise ValueError(f"{PREFIX}.tasks: column(s) {overlap} are also features")
    return types


def _is_parquet(path: Path) -> bool:
    return str(path).lower().endswith(PARQUET_SUFFIXES)


def _unavailable(path: Path) -> str | None:
    if not path.is_file():
        return f"table: data file {path} ({PREFIX}.path) not found"
    if _is_parquet(path) and not any(importlib.util.find_spec(engine)
                                     for engine in ("pyarrow", "fastparquet")):
        return (f"table: reading Parquet file {path} needs pyarrow (or fastparquet), not "
                "installed here: pip install pyarrow")
    return None


def missing(options: Options) -> str | None:
    """Why the table cannot load here (no file, no Parquet engine), or None.

    Tasks that clash with the features are a config error, raised here as at load.
    """
    task_types(options)
    return _unavailable(data_file(options))


def _header(path: Path) -> list[str]:
    """The column names as the file has them: repeated names stay repeated.

    (pandas' own header renames a second `a` to `a.1`, so a duplicate would pass unseen.)
    """
    import pandas as pd

    try:
        if _is_parquet(path):
            if importlib.util.find_spec("pyarrow"):
                import pyarrow.parquet as pq

                return list(pq.read_schema(path).names)
            return list(pd.read_parquet(path).columns)
        first = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
        return list(first.iloc[0]) if len(first) else []
    except Exception as err:  # parser, Arrow and decoding errors alike mean a bad file
        raise DataError(f"{path}: unreadable or corrupt table ({err})") from err


def _check_unique(path: Path, header: list[str]) -> None:
    """Every column name once: which of two `a` columns a task means is anyone's guess."""
    for name in header:
        places = [i + 1 for i, other in enumerate(header) if other == name]
        if len(places) > 1:
            raise DataError(f"{path}: column {name!r} appears {len(places)} times in the "
                            f"header (columns {', '.join(map(str, places))}); column names "
                            "must be unique")


def read_columns(path: Path, features: list[str], task_columns: list[str]):
    """A data frame of exactly these columns; absent columns name their option key."""
    import pandas as pd

    reason = _unavailable(path)
    if reason:
        raise DataUnavailable(reason)
    header = _header(path)
    _check_unique(path, header)
    for key, names in (("features", features), ("tasks", task_columns)):
        absent = [name for name in names if name not in header]
        if absent:
            raise DataError(f"{PREFIX}.{key}: column {absent[0]!r} not in {path}"
                            f" (columns: {header})")
    wanted = features + task_columns
    try:
        if _is_parquet(path):
            frame = pd.read_parquet(path, columns=wanted)
        else:
            frame = pd.read_csv(path, usecols=wanted)
    except Exception as err:  # parser, Arrow and decoding errors alike mean a bad file
        raise DataError(f"{path}: unreadable or corrupt table ({err})") from err
    if frame.empty:
        raise DataError(f"{path}: no data rows")
    return frame


def _numeric(frame, column: str, key: str, path: Path) -> np.ndarray:
    """One column as float64; a non-numeric, missing or infinite cell is an error."""
    import pandas as pd

    series = frame[column]
    if series.dtype == bool:
        series = series.astype(np.float64)
    values = pd.to_numeric(series, errors="coerce").to_numpy(np.float64, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(values) & series.notna().to_numpy())
    if bad.size:
        raise DataError(f"{key}: column {column!r} in {path} has non-numeric values "
                        f"(data row {bad[0] + 1}: {series.iloc[bad[0]]!r})")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError(f"{key}: column {column!r} in {path} has missing or infinite values "
                        f"(data row {bad[0] + 1})")
    return values


def _class_labels(values: np.ndarray, column: str, classes: int | None, path: Path) -> int:
    """Check multiclass labels are integers 0..K-1 and return K."""
    key = f"{PREFIX}.tasks.{column}"
    bad = np.flatnonzero((values != np.round(values)) | (values < 0))
    if bad.size:
        raise DataError(f"{key}: column {column!r} in {path} has a class label that is not "
                        f"an integer >= 0 (data row {bad[0] + 1}: {values[bad[0]]:g})")
    if classes is None:
        classes = int(values.max()) + 1
        if classes < 2:
            raise DataError(f"{key}: column {column!r} in {path} has one class only; a "
                            "multiclass task needs labels 0..K-1 with K >= 2")
    bad = np.flatnonzero(values >= classes)
    if bad.size:
        raise DataError(f"{key}: column {column!r} in {path} has class label "
                        f"{int(values[bad[0]])} >= classes {classes} (data row {bad[0] + 1})")
    return classes


def tasks(options: Options) -> tuple[Task, ...]:
    """Tasks by column; reads the file only for multiclass tasks without `classes`."""
    path, out = data_file(options), []
    for column, (kind, classes) in task_types(options).items():
        if kind == "multiclass" and classes is None:
            frame = read_columns(path, [], [column])
            values = _numeric(frame, column, f"{PREFIX}.tasks.{column}", path)
            classes = _class_labels(values, column, None, path)
        out.append(make_task(column, kind, classes=classes or 0))
    return tuple(out)


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (n x features), y (n x tasks: 0/1, class indices, or (standardised) values)."""
    path, features, types = data_file(options), options["features"], task_types(options)
    frame = read_columns(path, features, list(types))
    x = np.stack([_numeric(frame, name, f"{PREFIX}.features", path) for name in features],
                 axis=1)
    columns = []
    for column, (kind, classes) in types.items():
        key = f"{PREFIX}.tasks.{column}"
        values = _numeric(frame, column, key, path)
        if kind == "binary":
            bad = np.flatnonzero((values != 0) & (values != 1))
            if bad.size:
                raise DataError(f"{key}: column {column!r} in {path} has a binary label "
                                f"other than 0/1 (data row {bad[0] + 1}: {values[bad[0]]:g})")
        elif kind == "multiclass":
            _class_labels(values, column, classes, path)
        elif options["standardise_targets"]:
            values = standardise_columns(values)
        columns.append(values)
    return x.astype(np.float32), np.stack(columns, axis=1).astype(np.float32)


def inspect(options: Options) -> Inspection:
    """The data check reads the whole table: every cell is checked, with its row."""
    x, y = load(options)
    return Inspection(x, y, total=len(x), source=str(data_file(options)),
                      row_word="data row", features=tuple(options["features"]))


DATASET = Dataset(
    name="table",
    modality="tabular",
    source="your own CSV or Parquet file (datasets.table.options.path)",
    offline=True,
    samples="rows of the file x the listed feature columns",
    tasks=tasks,
    load=load,
    missing=missing,
    files=lambda options: [Path(options["path"])],
    options=OPTIONS,
    required_options=("path", "features", "tasks"),
    inspect=inspect,
)
