"""Names of task subsets: one training file per subset and seed, shared by every method.

A group chosen by two methods, a pair HOA needs and a subset the exhaustive search
trains are the same training, so it runs once. The name is the members joined by
`__` (task names hold no double underscore); a name too long for a file becomes `_`
and the hex bitmask of the members over the dataset's task order, and from
PERIODIC_DIGITS hex digits on also `-` and the member count: Snakemake refuses a
wildcard that ends in 20 repeats of one substring (its guard against infinite
recursion), which a mask of regularly spaced tasks does (every 4th of 200 tasks is
"2222...2"), and one `-` with a short count after it can never end in such a run.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

SEPARATOR = "__"
MAX_NAME = 120
PERIODIC_DIGITS = 20  # snakemake.io.PeriodicityDetector's min_repeat


def canonical(members: Iterable[str], tasks: list[str]) -> list[str]:
    """The members in dataset order; unknown or repeated tasks are errors."""
    members = list(members)
    unknown = sorted(set(members) - set(tasks))
    if unknown:
        raise ValueError(f"unknown task(s) {unknown} in group {members}")
    if len(set(members)) != len(members) or not members:
        raise ValueError(f"group {members} is empty or repeats a task")
    return [task for task in tasks if task in set(members)]


def subset_name(members: Iterable[str], tasks: list[str]) -> str:
    ordered = canonical(members, tasks)
    name = SEPARATOR.join(ordered)
    if len(name) <= MAX_NAME:
        return name
    mask = sum(1 << tasks.index(task) for task in ordered)
    digits = f"{mask:x}"
    return f"_{digits}-{len(ordered)}" if len(digits) >= PERIODIC_DIGITS else f"_{digits}"


def subset_members(name: str, tasks: list[str]) -> list[str]:
    """The inverse of `subset_name`."""
    if name.startswith("_"):
        mask = int(name[1:].partition("-")[0], 16)
        if mask <= 0 or mask >= 1 << len(tasks):
            raise ValueError(f"subset {name!r} does not name tasks of this dataset")
        members = [task for j, task in enumerate(tasks) if mask >> j & 1]
        if subset_name(members, tasks) != name:
            raise ValueError(f"subset {name!r} is not the name of its {len(members)} tasks")
        return members
    members = name.split(SEPARATOR)
    if canonical(members, tasks) != members:
        raise ValueError(f"subset {name!r} does not list its tasks in dataset order")
    return members


def all_subsets(tasks: list[str], max_size: int | None = None) -> list[list[str]]:
    """Every nonempty subset (up to `max_size` members), in dataset order by size."""
    top = len(tasks) if max_size is None else max_size
    return [list(c) for size in range(1, top + 1) for c in itertools.combinations(tasks, size)]
