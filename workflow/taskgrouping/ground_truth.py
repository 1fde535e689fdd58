"""Groupers scored on ground truth: a table of every task subset's trained losses.

Where every subset of T tasks was trained (Standley et al., ICML 2020, did it for 5
Taskonomy tasks), every grouper can be fed the pair gains of the validation table,
1 - L_j({i, j}) / L_j({j}) (what HOA measures), and its groups scored on the test table
the way the evaluation scores them: with a budget of k networks, each task is served by
the chosen network holding it with the lowest validation loss, and the total is the sum
over tasks of its test loss over its single-task test loss. Regret = total / the best
cover's total - 1, the best cover being the at most k trained networks with the least
test total (an oracle). The same table gives the exact best cover chosen on validation
(`exhaustive`: what a user who trained every subset should train), and the references:
every task alone (`stl`), one network of all (`all`) and the exact mean over every
partition into k groups (`random`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from taskgrouping.grouping import standley

Losses = dict[tuple[str, ...], dict[str, float]]
PARTITION_LIMIT = 200_000  # partitions enumerated for the random mean; a seeded draw beyond
PARTITION_DRAWS = 20_000


@dataclass(frozen=True)
class SubsetTable:
    """Every trained subset's per-task validation and test losses (subsets in task order)."""

    tasks: list[str]
    val: Losses
    test: Losses
    source: str

    def loss(self, split: str, members: tuple[str, ...], task: str) -> float:
        table = self.val if split == "val" else self.test
        try:
            return table[members][task]
        except KeyError as err:
            raise ValueError(f"{self.source}: no {split} loss of task {task} trained in "
                             f"{{{', '.join(members)}}}") from err

    def ordered(self, group: list[str]) -> tuple[str, ...]:
        return tuple(task for task in self.tasks if task in group)


def read_standley(val_path: str | Path, test_path: str | Path,
                  task_names: list[str] | None = None) -> SubsetTable:
    """Standley's network_selection files: tab-separated, one row per trained network, one
    column per task, blank where the network lacks the task. Row 0 (a half-size network
    per task, charged half a network in the paper) is dropped."""
    val, test = (_read_standley_file(Path(path)) for path in (val_path, test_path))
    width = max(len(row) for row in [*val, *test])
    tasks = task_names or [f"t{i + 1}" for i in range(width)]
    if len(tasks) != width:
        raise ValueError(f"{val_path}: {width} task columns, but {len(tasks)} task names "
                         f"given ({', '.join(tasks)})")
    return SubsetTable(tasks, _named(val, tasks), _named(test, tasks),
                       f"{val_path} and {test_path}")


def _read_standley_file(path: Path) -> list[dict[int, float]]:
    rows = []
    for number, line in enumerate(path.read_text().splitlines()[1:], start=2):
        if not line.strip():
            continue
        row = {}
        for column, cell in enumerate(line.split("\t")):
            if cell.strip():
                row[column] = _number(cell, f"{path}: line {number}, column {column + 1}")
        rows.append(row)
    if not rows:
        raise ValueError(f"{path}: no trained network after the first row")
    return rows


def _named(rows: list[dict[int, float]], tasks: list[str]) -> Losses:
    return {tuple(tasks[c] for c in sorted(row)): {tasks[c]: v for c, v in row.items()}
            for row in rows}


def read_subset_csv(path: str | Path) -> SubsetTable:
    """A plain CSV: columns subset (member tasks joined by ';'), task, val_loss, test_loss,
    one row per task of each trained subset."""
    path = Path(path)
    val: Losses = {}
    test: Losses = {}
    order: list[str] = []
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"subset", "task", "val_loss", "test_loss"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {sorted(missing)}; the columns are "
                             "subset, task, val_loss, test_loss")
        for number, row in enumerate(reader, start=2):
            where = f"{path}: line {number}"
            members = [m.strip() for m in row["subset"].split(";") if m.strip()]
            if row["task"] not in members:
                raise ValueError(f"{where}: task {row['task']!r} is not in its subset "
                                 f"{row['subset']!r}")
            order += [m for m in members if m not in order]
            key = tuple(sorted(members))
            val.setdefault(key, {})[row["task"]] = _number(row["val_loss"], where)
            test.setdefault(key, {})[row["task"]] = _number(row["test_loss"], where)
    ordered = {key: tuple(t for t in order if t in key) for key in val}
    return SubsetTable(order, {ordered[key]: v for key, v in val.items()},
                       {ordered[key]: v for key, v in test.items()}, str(path))


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise ValueError(f"{where}: {text.strip()!r} is not a number") from err
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}: a loss must be positive and finite, not {text.strip()}")
    return value


def pair_gains(table: SubsetTable) -> pd.DataFrame:
    """G[i, j] = 1 - L_j({i, j}) / L_j({j}) on the validation table (HOA's)."""
    try:
        return standley.pair_gains(table.val, table.tasks)
    except ValueError as err:
        raise ValueError(f"{table.source}: {err}") from err


def served_total(table: SubsetTable, groups: list[list[str]]) -> float:
    """Σ over tasks of the test loss / STL test loss of its chosen network with the lowest
    validation loss."""
    total = 0.0
    for task in table.tasks:
        holding = [table.ordered(g) for g in groups if task in g]
        if not holding:
            raise ValueError(f"groups {groups} leave task {task} out")
        best = min(holding, key=lambda members: table.loss("val", members, task))
        total += table.loss("test", best, task) / table.loss("test", (task,), task)
    return total


def best_cover_groups(table: SubsetTable, k: int, split: str) -> list[list[str]]:
    """The at most k trained networks whose STL-normalised `split` total is least."""
    return standley.exhaustive_groups(table.val if split == "val" else table.test,
                                      table.tasks, k)[0]


def random_mean(table: SubsetTable, k: int, seed: int = 0) -> float:
    """The mean served total over every partition into exactly k groups (a seeded draw of
    PARTITION_DRAWS partitions where there are more than PARTITION_LIMIT)."""
    from taskgrouping.grouping.baselines import draw_partition, partition_count

    if partition_count(len(table.tasks), k) <= PARTITION_LIMIT:
        partitions = [p for p in _partitions(table.tasks) if len(p) == k]
    else:
        rng = np.random.default_rng(seed)
        partitions = [draw_partition(table.tasks, k, rng) for _ in range(PARTITION_DRAWS)]
    return float(np.mean([served_total(table, p) for p in partitions]))


def best_partition(table: SubsetTable, k: int) -> float | None:
    """The least served total of a partition into at most k groups (an oracle on the test
    table); None where the partitions are too many to list."""
    from taskgrouping.grouping.baselines import partition_count

    if sum(partition_count(len(table.tasks), j) for j in range(1, k + 1)) > PARTITION_LIMIT:
        return None
    return min(served_total(table, p) for p in _partitions(table.tasks) if len(p) <= k)


def _partitions(items: list[str]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        for index in range(len(partition)):
            yield partition[:index] + [[first, *partition[index]]] + partition[index + 1:]
        yield [[first], *partition]


def score_groupers(table: SubsetTable, budgets: list[int], seeds: list[int],
                   groupers: list[str] | None = None) -> pd.DataFrame:
    """One row per (k, method): each of `groupers` (default: every registered one) fed the
    validation pair gains as the pipeline feeds it HOA's (mean over `seeds` of a seeded
    grouper, with the range; `groups` from the first seed), then exhaustive (the best
    cover chosen on validation: the networks to train), random, best partition (where
    the partitions can be listed), stl and all; totals on the test table, regret against
    the best cover of at most k networks on it."""
    from taskgrouping.affinity.gains import grouper_input
    from taskgrouping.registries import GROUPERS, option_defaults

    gains = pair_gains(table)
    rows = []
    for k in budgets:
        if not 1 <= k <= len(table.tasks):
            raise ValueError(f"budget k={k} must be between 1 and the {len(table.tasks)} tasks")
        optimum = served_total(table, best_cover_groups(table, k, "test"))
        chosen: dict[str, list[list[list[str]]]] = {}
        for name in groupers or GROUPERS.names():
            grouper = GROUPERS.get(name)
            source = grouper_input(grouper, True, gains, gains)
            options = option_defaults(grouper.options)
            chosen[name] = [grouper.group(source, k, seed, options)[0] for seed in seeds]
        chosen["exhaustive"] = [best_cover_groups(table, k, "val")]
        chosen["stl"] = [[[t] for t in table.tasks]]
        chosen["all"] = [[list(table.tasks)]]
        found = {name: ([served_total(table, g) for g in choices], _shown(table, choices[0]))
                 for name, choices in chosen.items()}
        found["random"] = ([random_mean(table, k)], "")
        partition = best_partition(table, k)
        if partition is not None:
            found["best partition (oracle)"] = ([partition], "")
        for method, (totals, groups) in found.items():
            regrets = 100 * (np.array(totals) / optimum - 1)
            rows.append({"k": k, "method": method, "total": float(np.mean(totals)),
                         "regret_percent": float(regrets.mean()),
                         "regret_min": float(regrets.min()), "regret_max": float(regrets.max()),
                         "best_cover_total": optimum, "groups": groups})
    return pd.DataFrame(rows)


def _shown(table: SubsetTable, groups: list[list[str]]) -> str:
    return " ".join("{" + ", ".join(table.ordered(group)) + "}" for group in groups)
