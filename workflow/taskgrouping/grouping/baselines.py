"""Reference groupings: every task alone (stl), one group of all (all), random groups.

They read the task list alone, so their job is numpy and JSON (the baseline_groups stage).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.grouping.grouper import Grouper


def single_task(tasks: list[str]) -> list[list[str]]:
    return [[task] for task in tasks]


def all_in_one(tasks: list[str]) -> list[list[str]]:
    return [list(tasks)]


def random_partition(tasks: list[str], k: int, seed: int) -> list[list[str]]:
    """A seeded partition into exactly k non-empty groups (`draw_partition`)."""
    return draw_partition(tasks, k, np.random.default_rng(seed))


def random_partitions(tasks: list[str], k: int, seed: int, count: int) -> list[list[list[str]]]:
    """`count` distinct seeded partitions into exactly k groups, or every one when fewer
    exist (S(T, k), e.g. one at k = 1 or k = T): one draw of random groups is a noisy
    reference, so the baseline averages several. The first is `random_partition(tasks, k,
    seed)`; later draws that repeat an earlier partition are drawn again."""
    _check_budget(tasks, k)
    rng = np.random.default_rng(seed)
    wanted = min(count, partition_count(len(tasks), k))
    partitions: list[list[list[str]]] = []
    while len(partitions) < wanted:
        partition = draw_partition(tasks, k, rng)
        if partition not in partitions:
            partitions.append(partition)
    return partitions


def partition_count(n: int, k: int) -> int:
    """Partitions of n items into exactly k non-empty groups: the Stirling number of the
    second kind, S(n, k) = k S(n-1, k) + S(n-1, k-1)."""
    row = [1] + [0] * k  # S(0, j) for j = 0..k
    for _ in range(n):
        row = [0] + [j * row[j] + row[j - 1] for j in range(1, k + 1)]
    return row[k]


def draw_partition(tasks: list[str], k: int, rng: np.random.Generator) -> list[list[str]]:
    """A partition into exactly k non-empty groups drawn from `rng`.

    A random permutation gives the first k tasks one group each; every other task joins
    a group drawn uniformly, so every such partition can be drawn.
    """
    _check_budget(tasks, k)
    order = rng.permutation(len(tasks))
    labels = np.empty(len(tasks), dtype=int)
    labels[order[:k]] = np.arange(k)
    labels[order[k:]] = rng.integers(0, k, size=len(tasks) - k)
    return groups_from_labels(tasks, labels)


def _check_budget(tasks: list[str], k: int) -> None:
    if not 1 <= k <= len(tasks):
        raise ValueError(f"random groups: k={k} must be between 1 and {len(tasks)} tasks")


def groups_from_labels(tasks: list[str], labels: np.ndarray) -> list[list[str]]:
    """Groups in order of first appearance, tasks within a group in dataset order."""
    groups: dict[int, list[str]] = {}
    for task, label in zip(tasks, labels, strict=True):
        groups.setdefault(int(label), []).append(task)
    return list(groups.values())


def _single_tasks(tasks: list[str], _k: int, _seed: int, _options: dict[str, Any]
                  ) -> tuple[list[list[str]], dict[str, float]]:
    return single_task(tasks), {}


def _one_group(tasks: list[str], _k: int, _seed: int, _options: dict[str, Any]
               ) -> tuple[list[list[str]], dict[str, float]]:
    return all_in_one(tasks), {}


def _random_groups(tasks: list[str], k: int, _seed: int, options: dict[str, Any]
                   ) -> tuple[list[list[list[str]]], dict[str, float]]:
    """`partitions` draws seeded by the section's own `seed` + k (not grouping.seed)."""
    return random_partitions(tasks, k, options["seed"] + k, options["partitions"]), {}


STL = Grouper(description="every task trained alone (single-task learning)",
              group=_single_tasks, reads="tasks", fixed_k=lambda n_tasks: n_tasks)
ALL = Grouper(description="every task in one network", group=_one_group, reads="tasks",
              fixed_k=lambda _n_tasks: 1)
RANDOM = Grouper(
    description="The random-grouping baseline.", group=_random_groups, reads="tasks",
    draws=True, constraints={"required": ["seed"]},
    options={
        "seed": {"type": "integer", "minimum": 0,
                 "description": "Seed of the partitions; budget k draws from seed + k."},
        "partitions": {
            "type": "integer", "minimum": 1, "default": 3,
            "description": "Distinct seeded partitions drawn per budget k (every one where "
                           "fewer exist, e.g. one at k = 1); each is trained, and random's "
                           "per-task scores are their mean, so one lucky or unlucky draw "
                           "does not decide the baseline."}})
