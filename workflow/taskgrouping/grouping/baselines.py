"""Reference groupings: every task alone (stl), one group of all (all), random groups."""

from __future__ import annotations

import numpy as np


def single_task(tasks: list[str]) -> list[list[str]]:
    return [[task] for task in tasks]


def all_in_one(tasks: list[str]) -> list[list[str]]:
    return [list(tasks)]


def random_partition(tasks: list[str], k: int, seed: int) -> list[list[str]]:
    """A seeded partition into exactly k non-empty groups.

    A random permutation gives the first k tasks one group each; every other task joins
    a group drawn uniformly.
    """
    if not 1 <= k <= len(tasks):
        raise ValueError(f"random groups: k={k} must be between 1 and {len(tasks)} tasks")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(tasks))
    labels = np.empty(len(tasks), dtype=int)
    labels[order[:k]] = np.arange(k)
    labels[order[k:]] = rng.integers(0, k, size=len(tasks) - k)
    return groups_from_labels(tasks, labels)


def groups_from_labels(tasks: list[str], labels: np.ndarray) -> list[list[str]]:
    """Groups in order of first appearance, tasks within a group in dataset order."""
    groups: dict[int, list[str]] = {}
    for task, label in zip(tasks, labels, strict=True):
        groups.setdefault(int(label), []).append(task)
    return list(groups.values())
