from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.grouping.selection import (
    GROUPER,
    best_cover,
    cover_within,
    select_groups,
    subset_scores,
)
from taskgrouping.registries import option_defaults

CLUSTERS = ["A", "B", "C", "D"]
DEFAULTS = option_defaults(GROUPER.options)
BEAM = DEFAULTS | {"exact_max_tasks": 0}  # the beam search at any size


def _brute_cover(costs: np.ndarray, k: int) -> float:
    """The least total over every set of 1..k rows, inf if none covers every task."""
    sizes = range(1, min(k, len(costs)) + 1)
    return min(costs[list(rows)].min(axis=0).sum()
               for size in sizes for rows in combinations(range(len(costs)), size))


def _random_costs(rng: np.random.Generator) -> np.ndarray:
    """Real or small-integer costs (ties), negative too, with networks missing tasks."""
    shape = (int(rng.integers(1, 16)), int(rng.integers(2, 6)))
    values = rng.integers(-2, 3, shape) if rng.random() < 0.3 else rng.uniform(-1, 1, shape)
    return np.where(rng.random(shape) < 0.4, np.inf, values.astype(float))


def test_best_cover_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    solved = 0
    for _ in range(400):
        costs, k = _random_costs(rng), int(rng.integers(1, 4))
        expected = _brute_cover(costs, k)
        if not np.isfinite(expected):
            with pytest.raises(ValueError, match="no cover"):
                best_cover(costs, k)
            continue
        rows, total = best_cover(costs, k)
        assert np.isclose(total, expected)
        assert rows == sorted(set(rows)) and 1 <= len(rows) <= k
        assert np.isclose(costs[rows].min(axis=0).sum(), total)
        assert all(not np.array_equal(costs[[r for r in rows if r != row]].min(axis=0),
                                      costs[rows].min(axis=0)) for row in rows if len(rows) > 1)
        solved += 1
    assert solved > 200


def test_a_stopped_cover_search_is_never_worse_than_its_start() -> None:
    """Stopped by its work budget: the best cover so far, no worse than `start`, flagged
    unfinished; with budget to spare it is best_cover's optimum, flagged finished."""
    rng = np.random.default_rng(0)
    costs = rng.uniform(-1, 1, (60, 12))
    costs = np.where(rng.random(costs.shape) < 0.5, np.inf, costs)
    optimum = best_cover(costs, 4)
    rows, total, finished = cover_within(costs, 4, budget=10_000)
    assert not finished and total > optimum[1]  # stopped early enough to miss it
    assert total == pytest.approx(costs[rows].min(axis=0).sum()) and len(rows) <= 4
    assert cover_within(costs, 4, optimum[0], budget=10_000)[1:] == (optimum[1], False)
    assert cover_within(costs, 4, [0, 1, 2, 3]) == (*optimum, True)


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


def test_best_cover_on_all_subsets_of_eight_tasks_completes() -> None:
    """Size sanity only (255 networks, k=3), no time limit asserted."""
    rng = np.random.default_rng(1)
    held = np.array([[mask >> t & 1 for t in range(8)] for mask in range(1, 256)], dtype=bool)
    costs = np.where(held, rng.uniform(0, 1, held.shape), np.inf)
    rows, total = best_cover(costs, 3)
    assert len(rows) <= 3 and np.isclose(costs[rows].min(axis=0).sum(), total)
    assert total <= best_cover(costs, 2)[1]


def test_subset_scores_read_affinity_from_row_onto_column() -> None:
    affinity = np.array([[100.0, 1.0, 2.0],
                         [3.0, 100.0, 4.0],
                         [5.0, 6.0, 100.0]])
    np.testing.assert_array_equal(subset_scores(affinity, (0, 1, 2)), [4.0, 3.5, 3.0])
    np.testing.assert_array_equal(subset_scores(affinity, (0, 2)), [5.0, np.nan, 2.0])
    np.testing.assert_array_equal(subset_scores(affinity, (1,)), [np.nan, 0.0, np.nan])


def _two_clusters() -> pd.DataFrame:
    values = np.where(np.add.outer([0, 0, 1, 1], [0, 0, 1, 1]) % 2 == 0, 1.0, -1.0)
    values[[0, 2], [1, 3]] = 0.8
    return pd.DataFrame(values, index=CLUSTERS, columns=CLUSTERS)


def _random_affinity(rng: np.random.Generator, n_tasks: int) -> pd.DataFrame:
    tasks = [f"t{i}" for i in range(n_tasks)]
    return pd.DataFrame(rng.normal(size=(n_tasks, n_tasks)), index=tasks, columns=tasks)


def _score(affinity: pd.DataFrame, groups: list[list[str]]) -> float:
    """The selection objective, computed directly from the named groups."""
    best = {task: -np.inf for task in affinity.index}
    for group in groups:
        for task in group:
            others = [u for u in group if u != task]
            value = np.mean([affinity.loc[u, task] for u in others]) if others else 0.0
            best[task] = max(best[task], value)
    return float(np.mean(list(best.values())))


def _assert_no_idle_group(affinity: pd.DataFrame, groups: list[list[str]]) -> None:
    """Without any one group, some task loses its cover or its best score."""
    for idle in range(len(groups) if len(groups) > 1 else 0):
        rest = groups[:idle] + groups[idle + 1:]
        covered = {t for g in rest for t in g} == set(affinity.index)
        assert not covered or _score(affinity, rest) < _score(affinity, groups)


def _brute_selection(affinity: pd.DataFrame, k: int) -> float:
    tasks = list(affinity.index)
    subsets = [list(g) for size in range(1, len(tasks) + 1) for g in combinations(tasks, size)]
    return max(_score(affinity, list(groups)) for size in range(1, k + 1)
               for groups in combinations(subsets, size)
               if set().union(*map(set, groups)) == set(tasks))


@pytest.mark.parametrize("exact_max_tasks", [8, 0])
def test_select_groups_finds_two_clusters(exact_max_tasks: int) -> None:
    options = {"exact_max_tasks": exact_max_tasks}
    groups, info = select_groups(_two_clusters(), 2, 0, DEFAULTS | options)
    assert groups == [["A", "B"], ["C", "D"]]
    assert info == {"selection_score": pytest.approx(0.9),
                    "selection_exact": float(exact_max_tasks > 0),
                    "selection_cover_finished": 1.0}
    assert select_groups(_two_clusters(), 1, 0, DEFAULTS | options)[0] == [CLUSTERS]


def test_select_groups_overlaps_when_a_task_helps_two_others() -> None:
    """B lifts A and C, which hurt each other: {A, B} and {B, C} beat any partition."""
    values = np.array([[0.0, 1.0, -5.0], [1.0, 0.0, 1.0], [-5.0, 1.0, 0.0]])
    affinity = pd.DataFrame(values, index=list("ABC"), columns=list("ABC"))
    for options in ({}, {"exact_max_tasks": 0}):
        groups, info = select_groups(affinity, 2, 0, DEFAULTS | options)
        assert groups == [["A", "B"], ["B", "C"]] and info["selection_score"] == 1.0


@pytest.mark.parametrize("exact_max_tasks", [8, 0])
def test_select_groups_drops_groups_others_match(exact_max_tasks: int) -> None:
    """The beam's tie-break would keep {t1} beside {t0, t1}; it adds nothing."""
    tasks = ["t0", "t1", "t2"]
    values = np.array([[1.0, 0.0, 1.0], [1.0, -1.0, -1.0], [-1.0, 0.0, -1.0]])
    affinity = pd.DataFrame(values, index=tasks, columns=tasks)
    groups, info = select_groups(affinity, 3, 0, DEFAULTS | {"exact_max_tasks": exact_max_tasks})
    assert info["selection_score"] == pytest.approx(_brute_selection(affinity, 3))
    _assert_no_idle_group(affinity, groups)


@pytest.mark.parametrize("n_tasks", [4, 5])
def test_select_groups_exact_equals_brute_force(n_tasks: int) -> None:
    rng = np.random.default_rng(n_tasks)
    for k in (1, 2, 3):
        affinity = _random_affinity(rng, n_tasks)
        groups, info = select_groups(affinity, k, 0, DEFAULTS)
        assert info["selection_exact"] == 1.0 and len(groups) <= k
        assert info["selection_score"] == pytest.approx(_brute_selection(affinity, k))
        assert info["selection_score"] == pytest.approx(_score(affinity, groups))
        _assert_no_idle_group(affinity, groups)


def test_unbounded_beam_is_exhaustive() -> None:
    """Also on small-integer affinities, whose ties make groups share their first task."""
    rng = np.random.default_rng(7)
    for trial in range(9):
        k, affinity = 1 + trial // 3, _random_affinity(rng, 3 + trial % 3)
        if trial % 2:
            affinity = affinity.round().clip(-1, 1)
        beam = select_groups(affinity, k, 0, BEAM | {"beam_width": 10**6})[1]
        assert beam["selection_score"] == pytest.approx(_brute_selection(affinity, k))


def test_beam_returns_covers_no_better_than_exact() -> None:
    rng = np.random.default_rng(3)
    for trial in range(6):
        affinity, k = _random_affinity(rng, 6), 1 + trial % 3
        groups, info = select_groups(affinity, k, 0, BEAM | {"beam_width": 4})
        assert info["selection_exact"] == 0.0 and 1 <= len(groups) <= k
        assert sorted({t for g in groups for t in g}) == sorted(affinity.index)
        assert all(g == sorted(g, key=list(affinity.index).index) for g in groups)
        assert info["selection_score"] == pytest.approx(_score(affinity, groups))
        _assert_no_idle_group(affinity, groups)
        exact = select_groups(affinity, k, 0, DEFAULTS)[1]["selection_score"]
        assert info["selection_score"] <= exact + 1e-12
        assert select_groups(affinity, k, 1, BEAM | {"beam_width": 4})[0] == groups


@pytest.mark.parametrize("exact_max_tasks", [8, 0])
def test_select_groups_rejects_k_below_one(exact_max_tasks: int) -> None:
    with pytest.raises(ValueError, match="k=0"):
        select_groups(_two_clusters(), 0, 0, DEFAULTS | {"exact_max_tasks": exact_max_tasks})


def test_beam_stays_close_to_exact_beyond_its_threshold() -> None:
    """The final best_cover over the beam's groups, pairs and singles recovers most of it."""
    rng = np.random.default_rng(11)
    for trial in range(4):
        affinity, k = _random_affinity(rng, 9), 2 + trial % 2
        beam = select_groups(affinity, k, 0, BEAM | {"beam_width": 32})[1]
        exact = select_groups(affinity, k, 0, DEFAULTS | {"exact_max_tasks": 9})[1]
        assert beam["selection_score"] >= 0.9 * exact["selection_score"]
