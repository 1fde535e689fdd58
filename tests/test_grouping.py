from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.grouping.baselines import all_in_one, random_partition, single_task
from taskgrouping.grouping.spectral import spectral_groups

TASKS = [f"t{i}" for i in range(7)]


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_random_partition_covers_every_task_once_in_k_groups(k: int) -> None:
    groups = random_partition(TASKS, k, seed=4)
    assert len(groups) == k and all(groups)
    assert sorted(t for g in groups for t in g) == sorted(TASKS)


def test_random_partition_is_seeded() -> None:
    assert random_partition(TASKS, 3, seed=1) == random_partition(TASKS, 3, seed=1)
    assert any(random_partition(TASKS, 3, seed=1) != random_partition(TASKS, 3, seed=s)
               for s in range(2, 6))


def test_baselines() -> None:
    assert single_task(["a", "b"]) == [["a"], ["b"]]
    assert all_in_one(["a", "b"]) == [["a", "b"]]


def test_spectral_recovers_blocks() -> None:
    blocks = [["t0", "t3", "t5"], ["t1", "t2"], ["t4", "t6"]]
    values = np.full((7, 7), 0.05)
    for block in blocks:
        rows = [TASKS.index(t) for t in block]
        values[np.ix_(rows, rows)] = 0.9
    np.fill_diagonal(values, 1.0)
    similarity = pd.DataFrame(values, index=TASKS, columns=TASKS)
    groups = spectral_groups(similarity, 3, seed=0)
    assert sorted(map(sorted, groups)) == sorted(map(sorted, blocks))
    assert groups == spectral_groups(similarity, 3, seed=0)


def test_spectral_with_k_at_least_tasks_is_single_task() -> None:
    similarity = pd.DataFrame(np.eye(3), index=["a", "b", "c"], columns=["a", "b", "c"])
    assert spectral_groups(similarity, 3, seed=0) == [["a"], ["b"], ["c"]]
