"""The exact cover (mixed-integer programming) and the groupers that maximise served gain."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.grouping import selection
from taskgrouping.grouping.cover import best_cover
from taskgrouping.grouping.selection import (
    GROUPER,
    partition_groups,
    select_groups,
    served_gain,
    subset_scores,
)
from taskgrouping.registries import option_defaults

CLUSTERS = ["A", "B", "C", "D"]
DEFAULTS = option_defaults(GROUPER.options)
SEARCH = DEFAULTS | {"exact_max_tasks": 0}  # the pool and local search at any size


def _brute_cover(costs: np.ndarray, k: int, partition: bool = False) -> float:
    """The least total over every set of 1..k rows (disjoint ones for a partition), inf if
    none covers every task."""
    best = np.inf
    for size in range(1, min(k, len(costs)) + 1):
        for rows in combinations(range(len(costs)), size):
            chosen = costs[list(rows)]
            if partition and (np.isfinite(chosen).sum(axis=0) > 1).any():
                continue
            best = min(best, chosen.min(axis=0).sum())
    return best


def _random_costs(rng: np.random.Generator) -> np.ndarray:
    """Real or small-integer costs (ties), negative too, with networks missing tasks."""
    shape = (int(rng.integers(1, 16)), int(rng.integers(2, 6)))
    values = rng.integers(-2, 3, shape) if rng.random() < 0.3 else rng.uniform(-1, 1, shape)
    return np.where(rng.random(shape) < 0.4, np.inf, values.astype(float))


@pytest.mark.parametrize("partition", [False, True])
def test_best_cover_equals_brute_force(partition: bool) -> None:
    rng = np.random.default_rng(0)
    solved = 0
    for _ in range(300):
        costs, k = _random_costs(rng), int(rng.integers(1, 4))
        expected = _brute_cover(costs, k, partition)
        if not np.isfinite(expected):
            with pytest.raises(ValueError, match="no (cover|partition)"):
                best_cover(costs, k, partition)
            continue
        rows, total = best_cover(costs, k, partition)
        assert np.isclose(total, expected)
        assert rows == sorted(set(rows)) and 1 <= len(rows) <= k
        assert np.isclose(costs[rows].min(axis=0).sum(), total)
        if partition:
            assert (np.isfinite(costs[rows]).sum(axis=0) == 1).all()
        else:  # no idle network: without any one row a task loses its minimum
            assert all(not np.array_equal(costs[[r for r in rows if r != row]].min(axis=0),
                                          costs[rows].min(axis=0))
                       for row in rows if len(rows) > 1)
        solved += 1
    assert solved > 150


def test_best_cover_keeps_fewer_networks_when_they_suffice() -> None:
    costs = np.array([[1.0, 2.0, 3.0],
                      [0.5, np.inf, np.inf],
                      [2.0, 2.5, 3.5],
                      [np.inf, 1.0, np.inf]])
    assert best_cover(costs, 1) == ([0], 6.0)
    assert best_cover(costs, 2) == ([0, 3], 5.0)
    assert best_cover(costs, 3) == ([0, 1, 3], 4.5)
    assert best_cover(costs, 9) == ([0, 1, 3], 4.5)
    assert best_cover(np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 2.0]]), 3) == ([0], 0.0)


@pytest.mark.parametrize(("costs", "k"), [
    (np.array([[1.0, np.inf], [2.0, np.inf]]), 2),
    (np.array([[1.0, np.inf], [np.inf, 1.0]]), 1),
    (np.array([[1.0, 1.0]]), 0),
])
def test_best_cover_rejects_impossible_covers(costs: np.ndarray, k: int) -> None:
    with pytest.raises(ValueError, match=f"no cover of the 2 tasks by at most k={k}"):
        best_cover(costs, k)


def test_subset_scores_read_gains_from_row_onto_column() -> None:
    gains = np.array([[100.0, 1.0, 2.0],
                      [3.0, 100.0, 4.0],
                      [5.0, 6.0, 100.0]])
    np.testing.assert_array_equal(subset_scores(gains, (0, 1, 2)), [4.0, 3.5, 3.0])
    np.testing.assert_array_equal(subset_scores(gains, (0, 2)), [5.0, np.nan, 2.0])
    np.testing.assert_array_equal(subset_scores(gains, (1,)), [np.nan, 0.0, np.nan])


def _two_clusters() -> pd.DataFrame:
    values = np.where(np.add.outer([0, 0, 1, 1], [0, 0, 1, 1]) % 2 == 0, 1.0, -1.0)
    values[[0, 2], [1, 3]] = 0.8
    return pd.DataFrame(values, index=CLUSTERS, columns=CLUSTERS)


def _random_gains(rng: np.random.Generator, n_tasks: int) -> pd.DataFrame:
    tasks = [f"t{i}" for i in range(n_tasks)]
    return pd.DataFrame(rng.normal(size=(n_tasks, n_tasks)), index=tasks, columns=tasks)


def _score(gains: pd.DataFrame, groups: list[list[str]]) -> float:
    """The mean served gain, computed directly from the named groups."""
    best = {task: -np.inf for task in gains.index}
    for group in groups:
        for task in group:
            others = [u for u in group if u != task]
            value = np.mean([gains.loc[u, task] for u in others]) if others else 0.0
            best[task] = max(best[task], value)
    return float(np.mean(list(best.values())))


def _brute(gains: pd.DataFrame, k: int, partition: bool) -> float:
    tasks = list(gains.index)
    subsets = [list(g) for size in range(1, len(tasks) + 1) for g in combinations(tasks, size)]
    return max(_score(gains, list(groups)) for size in range(1, k + 1)
               for groups in combinations(subsets, size)
               if set().union(*map(set, groups)) == set(tasks)
               and (not partition or sum(map(len, groups)) == len(tasks)))


def _assert_no_idle_group(gains: pd.DataFrame, groups: list[list[str]]) -> None:
    """Without any one group, some task loses its cover or its best score."""
    for idle in range(len(groups) if len(groups) > 1 else 0):
        rest = groups[:idle] + groups[idle + 1:]
        covered = {t for g in rest for t in g} == set(gains.index)
        assert not covered or _score(gains, rest) < _score(gains, groups)


@pytest.mark.parametrize("options", [DEFAULTS, SEARCH])
@pytest.mark.parametrize("choose", [select_groups, partition_groups])
def test_both_groupers_find_two_clusters(options: dict, choose) -> None:
    groups, info = choose(_two_clusters(), 2, 0, options)
    assert groups == [["A", "B"], ["C", "D"]]
    assert info == {"selection_score": pytest.approx(0.9),
                    "selection_exact": float(options["exact_max_tasks"] > 0)}
    assert choose(_two_clusters(), 1, 0, options)[0] == [CLUSTERS]


@pytest.mark.parametrize("options", [DEFAULTS, SEARCH])
def test_select_overlaps_when_a_task_helps_two_others_and_partition_does_not(
        options: dict) -> None:
    """B lifts A and C, which hurt each other: {A, B} and {B, C} beat any partition."""
    values = np.array([[0.0, 1.0, -5.0], [1.0, 0.0, 1.0], [-5.0, 1.0, 0.0]])
    gains = pd.DataFrame(values, index=list("ABC"), columns=list("ABC"))
    groups, info = select_groups(gains, 2, 0, options)
    assert groups == [["A", "B"], ["B", "C"]] and info["selection_score"] == 1.0
    disjoint, info = partition_groups(gains, 2, 0, options)
    assert sorted(map(len, disjoint)) == [1, 2] and info["selection_score"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("n_tasks", [4, 5])
@pytest.mark.parametrize("partition", [False, True])
def test_exact_choice_equals_brute_force(n_tasks: int, partition: bool) -> None:
    rng = np.random.default_rng(n_tasks)
    choose = partition_groups if partition else select_groups
    for k in (1, 2, 3):
        gains = _random_gains(rng, n_tasks)
        groups, info = choose(gains, k, 0, DEFAULTS)
        assert info["selection_exact"] == 1.0 and len(groups) <= k
        assert info["selection_score"] == pytest.approx(_brute(gains, k, partition))
        assert info["selection_score"] == pytest.approx(_score(gains, groups))
        if partition:
            assert sorted(t for g in groups for t in g) == sorted(gains.index)
        else:
            _assert_no_idle_group(gains, groups)


@pytest.mark.parametrize("partition", [False, True])
def test_the_search_returns_valid_choices_no_better_than_exact(partition: bool) -> None:
    """Beyond exact_max_tasks: valid groups, deterministic by seed, never above the optimum
    and (on these small problems) at it."""
    rng = np.random.default_rng(3)
    choose = partition_groups if partition else select_groups
    for trial in range(6):
        gains, k = _random_gains(rng, 7), 1 + trial % 3
        groups, info = choose(gains, k, 0, SEARCH)
        assert info["selection_exact"] == 0.0 and 1 <= len(groups) <= k
        assert sorted({t for g in groups for t in g}) == sorted(gains.index)
        assert all(g == sorted(g, key=list(gains.index).index) for g in groups)
        assert info["selection_score"] == pytest.approx(_score(gains, groups))
        exact = choose(gains, k, 0, DEFAULTS)[1]["selection_score"]
        assert info["selection_score"] == pytest.approx(exact)
        assert choose(gains, k, 0, SEARCH)[0] == groups


@pytest.mark.parametrize("partition", [False, True])
def test_every_local_move_changes_the_served_gain_by_its_computed_delta(
        partition: bool) -> None:
    """The local search scores moves from column sums; each must match a full rescoring."""
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(60):
        n_tasks, k = int(rng.integers(3, 8)), int(rng.integers(1, 5))
        values = rng.normal(size=(n_tasks, n_tasks))
        labels = rng.integers(0, k, n_tasks)
        if partition:
            groups = [tuple(np.flatnonzero(labels == g)) for g in np.unique(labels)]
        else:
            held = rng.random((k, n_tasks)) < 0.5
            held[labels, np.arange(n_tasks)] = True
            groups = [tuple(np.flatnonzero(row)) for row in held if row.any()]
        moves = selection._Moves(values, groups, k)
        scores = moves.scores()
        served = scores.max(axis=0)
        before = served_gain(values, groups)
        for slot in range(k):
            elsewhere = np.delete(scores, slot, axis=0).max(axis=0, initial=-np.inf)
            for delta, changes in moves._slot_moves(slot, scores, served, elsewhere, partition):
                held = moves.held.copy()
                for changed_slot, task, joins in changes:
                    held[changed_slot, task] = joins
                after = served_gain(values, [tuple(np.flatnonzero(r)) for r in held if r.any()])
                assert after - before == pytest.approx(delta)
                checked += 1
    assert checked > 300


@pytest.mark.parametrize("choose", [select_groups, partition_groups])
def test_the_groupers_refuse_k_below_one_and_non_finite_gains(choose) -> None:
    with pytest.raises(ValueError, match="k=0"):
        choose(_two_clusters(), 0, 0, DEFAULTS)
    broken = _two_clusters()
    broken.iloc[0, 1] = np.nan
    with pytest.raises(ValueError, match="finite"):
        choose(broken, 2, 0, DEFAULTS)


def test_planted_groups_are_found_beyond_the_exact_size() -> None:
    """40 tasks in 4 planted groups (gain +1 within, 0 across, noise 0.3): the search
    returns the planted partition at k = 4."""
    rng = np.random.default_rng(0)
    labels = np.arange(40) % 4
    values = np.where(labels[:, None] == labels[None, :], 1.0, 0.0) + rng.normal(0, 0.3,
                                                                              (40, 40))
    tasks = [f"t{i}" for i in range(40)]
    gains = pd.DataFrame(values, index=tasks, columns=tasks)
    for choose in (select_groups, partition_groups):
        groups, info = choose(gains, 4, 0, DEFAULTS)
        assert info["selection_exact"] == 0.0
        assert sorted(groups) == sorted([[t for i, t in enumerate(tasks) if labels[i] == g]
                                         for g in range(4)])
