from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.grouping.baselines import (
    all_in_one,
    partition_count,
    random_partition,
    random_partitions,
    single_task,
)
from taskgrouping.grouping.gat_gmm import gat_gmm_groups
from taskgrouping.grouping.graph import task_graph
from taskgrouping.grouping.louvain import louvain_groups
from taskgrouping.grouping.spectral import spectral_groups

TASKS = [f"t{i}" for i in range(7)]


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_random_partition_covers_every_task_once_in_k_groups(k: int) -> None:
    groups = random_partition(TASKS, k, seed=4)
    assert len(groups) == k and all(groups)
    assert sorted(t for g in groups for t in g) == sorted(TASKS)


@pytest.mark.parametrize("k", [0, 8])
def test_random_partition_rejects_impossible_k(k: int) -> None:
    with pytest.raises(ValueError, match=f"k={k} must be between 1 and 7"):
        random_partition(TASKS, k, seed=0)


def test_random_partition_is_seeded() -> None:
    assert random_partition(TASKS, 3, seed=1) == random_partition(TASKS, 3, seed=1)
    assert any(random_partition(TASKS, 3, seed=1) != random_partition(TASKS, 3, seed=s)
               for s in range(2, 6))


def test_random_partitions_are_distinct_seeded_and_start_with_the_single_draw() -> None:
    drawn = random_partitions(TASKS, 3, seed=1, count=3)
    assert len(drawn) == 3 and len({str(partition) for partition in drawn}) == 3
    for partition in drawn:
        assert len(partition) == 3 and sorted(t for g in partition for t in g) == sorted(TASKS)
    assert drawn[0] == random_partition(TASKS, 3, seed=1)
    assert drawn == random_partitions(TASKS, 3, seed=1, count=3)


def test_random_partitions_stop_at_every_partition_there_is() -> None:
    assert [partition_count(n, k) for n, k in [(3, 2), (4, 2), (7, 3), (5, 1), (5, 5)]] == [
        3, 7, 301, 1, 1]
    assert random_partitions(TASKS, 1, seed=0, count=3) == [[TASKS]]
    three = random_partitions(["a", "b", "c"], 2, seed=0, count=5)
    assert sorted(map(str, three)) == sorted(map(str, [[["a", "b"], ["c"]], [["a"], ["b", "c"]],
                                                        [["a", "c"], ["b"]]]))
    with pytest.raises(ValueError, match="k=8 must be between 1 and 7"):
        random_partitions(TASKS, 8, seed=0, count=3)


def test_the_baseline_stage_draws_random_partitions_per_budget() -> None:
    from taskgrouping.stages.baseline_groups import baseline_partitions
    from taskgrouping.stages.cluster import make_groups

    random = {"name": "random", "options": {"seed": 2, "partitions": 3}, "seed": 9}
    settings = {"tasks": TASKS, "grouper": random}
    drawn = baseline_partitions(settings, "random", 3)
    assert drawn == random_partitions(TASKS, 3, seed=2 + 3, count=3)  # its own seed + k
    plain = {"tasks": TASKS, "grouper": {"name": "stl", "options": {}, "seed": 0}}
    assert baseline_partitions(plain, "stl", 7) == [single_task(TASKS)]
    assert baseline_partitions(plain, "all", 1) == [[list(TASKS)]]
    with pytest.raises(ValueError, match="baseline-groups"):  # never a cluster job's
        make_groups(settings, "random", 3, None, None, [])
    with pytest.raises(ValueError, match="not a baseline of the task list"):
        baseline_partitions(plain, "exhaustive", 2)


def test_baselines() -> None:
    assert single_task(["a", "b"]) == [["a"], ["b"]]
    assert all_in_one(["a", "b"]) == [["a", "b"]]


BLOCKS = [["t0", "t3", "t5"], ["t1", "t2"], ["t4", "t6"]]
GAT = {"hidden": 16, "heads": 4, "embedding": 8, "epochs": 300, "learning_rate": 0.01,
       "covariance": "spherical", "reg_covar": 0.1, "bic_k_min": 1,
       "bic_k_max": 5}


def _blocks() -> pd.DataFrame:
    noise = np.random.default_rng(0).uniform(0, 0.05, (7, 7))
    values = 0.05 + (noise + noise.T) / 2
    for block in BLOCKS:
        rows = [TASKS.index(t) for t in block]
        values[np.ix_(rows, rows)] = 0.9
    np.fill_diagonal(values, 1.0)
    return pd.DataFrame(values, index=TASKS, columns=TASKS)


@pytest.mark.parametrize("grouper", [spectral_groups, gat_gmm_groups, louvain_groups])
def test_groupers_recover_blocks_deterministically(grouper) -> None:
    groups, _ = grouper(_blocks(), 3, 0, GAT)
    assert sorted(map(sorted, groups)) == sorted(map(sorted, BLOCKS))
    assert grouper(_blocks(), 3, 0, GAT)[0] == groups


def test_gat_gmm_reports_the_bic_choice_of_k_and_uses_it_for_budget_zero() -> None:
    _, info = gat_gmm_groups(_blocks(), 2, 0, GAT)
    assert info["bic_k"] == 3
    groups, _ = gat_gmm_groups(_blocks(), 0, 0, GAT)
    assert sorted(map(sorted, groups)) == sorted(map(sorted, BLOCKS))


@pytest.mark.parametrize("grouper", [spectral_groups, gat_gmm_groups, louvain_groups])
def test_groupers_respect_the_budget(grouper) -> None:
    for k in (1, 2):
        groups, _ = grouper(_blocks(), k, 0, GAT)
        assert 1 <= len(groups) <= k
        assert sorted(t for g in groups for t in g) == sorted(TASKS)


def test_spectral_with_k_at_least_tasks_is_single_task() -> None:
    similarity = pd.DataFrame(np.eye(3), index=["a", "b", "c"], columns=["a", "b", "c"])
    assert spectral_groups(similarity, 3, 0, {})[0] == [["a"], ["b"], ["c"]]


def test_task_graph_has_similarity_edges() -> None:
    graph = task_graph(_blocks())
    assert graph.number_of_nodes() == 7 and graph.number_of_edges() == 21
    assert graph["t0"]["t3"]["weight"] == pytest.approx(0.9)
