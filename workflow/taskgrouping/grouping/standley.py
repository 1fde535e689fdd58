"""Standley et al. (ICML 2020): pair gains, the higher-order approximation, the exhaustive optimum.

Groups are chosen on validation losses of trained subsets (mean over seeds): choosing on
test losses would grade the methods on the data they were chosen with. `hoa+select`
maximises the mean pair gain onto each task, which is 1 - hoa_task_loss / its STL loss:
Standley's HOA selection on STL-normalised losses. affinity_quality reads test losses.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from taskgrouping.grouping.cover import best_cover
from taskgrouping.grouping.grouper import Grouper

SubsetLosses = dict[tuple[str, ...], dict[str, float]]


def mean_losses(trainings: list[dict[str, Any]], key: str = "val_loss") -> SubsetLosses:
    """Per trained subset, each member task's loss averaged over the seeds it was trained with."""
    collected: dict[tuple[str, ...], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list))
    for record in trainings:
        members = tuple(record["tasks"])
        for score in record["scores"]:
            collected[members][score["task"]].append(score[key])
    return {members: {task: float(np.mean(values)) for task, values in per_task.items()}
            for members, per_task in collected.items()}


def _loss(losses: SubsetLosses, members: tuple[str, ...], task: str) -> float:
    try:
        return losses[members][task]
    except KeyError as err:
        raise ValueError(f"no training of group {list(members)} for task {task}") from err


def pair_gains(losses: SubsetLosses, tasks: list[str]) -> pd.DataFrame:
    """G[i, j]: relative loss reduction of task j when trained with i instead of alone."""
    gains = pd.DataFrame(0.0, index=tasks, columns=tasks)
    for a, first in enumerate(tasks):
        for second in tasks[a + 1:]:
            pair = (first, second)
            for source, target in ((first, second), (second, first)):
                alone = _loss(losses, (target,), target)
                gains.loc[source, target] = 1.0 - _loss(losses, pair, target) / alone
    return gains


def hoa_task_loss(losses: SubsetLosses, group: list[str], task: str, tasks: list[str]) -> float:
    """Higher-order approximation: the mean of `task`'s losses over its pairs in `group`."""
    others = [other for other in group if other != task]
    if not others:
        return _loss(losses, (task,), task)
    order = {name: index for index, name in enumerate(tasks)}
    pairs = [tuple(sorted((task, other), key=order.__getitem__)) for other in others]
    return float(np.mean([_loss(losses, pair, task) for pair in pairs]))


def exhaustive_groups(losses: SubsetLosses, tasks: list[str], k: int
                      ) -> tuple[list[list[str]], dict[str, float]]:
    """The cover by at most k trained subsets with the least total STL-normalised val loss."""
    subsets = sorted(losses, key=lambda members: (len(members), members))
    alone = {task: _loss(losses, (task,), task) for task in tasks}
    costs = np.full((len(subsets), len(tasks)), np.inf)
    for row, members in enumerate(subsets):
        for task in members:
            costs[row, tasks.index(task)] = losses[members][task] / alone[task]
    chosen, total = best_cover(costs, k)
    order = {name: index for index, name in enumerate(tasks)}
    groups = sorted((list(subsets[row]) for row in chosen), key=lambda g: order[g[0]])
    return groups, {"optimal_normalized_val_loss": total}


def loss_table(losses: SubsetLosses, tasks: list[str]) -> pd.DataFrame:
    """The subsets' mean losses as a grouper reads them: a row per trained subset (its
    members' tuple), a column per task in dataset order, NaN where the task is not in it."""
    return pd.DataFrame([[losses[members].get(task, np.nan) for task in tasks]
                         for members in losses],
                        index=pd.Index(list(losses), tupleize_cols=False), columns=tasks)


def _best_cover(table: pd.DataFrame, k: int, _seed: int, _options: dict[str, Any]
                ) -> tuple[list[list[str]], dict[str, float]]:
    tasks = list(table.columns)
    losses = {members: {task: float(loss) for task, loss in zip(tasks, row, strict=True)
                        if not np.isnan(loss)}
              for members, row in zip(table.index, table.to_numpy(), strict=True)}
    return exhaustive_groups(losses, tasks, k)


EXHAUSTIVE = Grouper(
    description="The optimum: train every subset of tasks, then the best cover by at most k "
                "of them (Standley et al. 2020).",
    group=_best_cover, reads="trainings",
    options={"max_tasks": {"type": "integer", "minimum": 1, "default": 8,
                           "description": "Refuse exhaustive (2^T - 1 trainings per seed) "
                                          "above this many tasks."}})
