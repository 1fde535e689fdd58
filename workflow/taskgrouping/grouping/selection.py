"""Network selection: which task groups (they may overlap) to train, at most k of them.

best_cover is Standley et al.'s (ICML 2020) exact branch-and-bound over candidate networks,
each with a cost per task it holds. select_groups is TAG's (Fifty et al., NeurIPS 2021)
selection from an inter-task affinity: exact through best_cover up to a few tasks, a beam
search beyond, where the 2^T - 1 candidate groups are too many to list.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from taskgrouping.grouping.grouper import Grouper

# Cost entries the beam's final cover may compare, about 5 s on one core (0.6e9 per
# second measured): enough to finish at T = 200, k = 4; beyond, the best cover found.
COVER_BUDGET = 3e9
CALL_ENTRIES = 5000  # a search call's fixed cost (about 4 us), in cost entries


def best_cover(costs: np.ndarray, k: int) -> tuple[list[int], float]:
    """The at most k rows covering every task whose per-task minimum has the least sum.

    costs[c, t] is network c's cost for task t, inf where c does not hold t. Exact: a
    depth-first branch-and-bound over the rows in a fixed order, pruned by a lower bound
    (see _BranchAndBound) against an incumbent started from a greedy cover, or from the
    tasks' cheapest rows when there are at most k of them. Ties keep the first set found,
    less any row the others match on every task.
    """
    chosen, total, _ = cover_within(costs, k)
    return chosen, total


def cover_within(costs: np.ndarray, k: int, start: list[int] | None = None,
                 budget: float = np.inf) -> tuple[list[int], float, bool]:
    """best_cover's search, stopped once it has compared `budget` cost entries: the best
    cover found, its total, and whether the search ended (the cover is then optimal).

    `start` (rows) joins the incumbents, so a stopped search is never worse than it. The
    budget counts work, not seconds: the same input stops at the same point everywhere.
    """
    costs = np.asarray(costs, dtype=float)
    if costs.ndim != 2 or costs.shape[1] == 0 or np.isnan(costs).any() or np.isneginf(costs).any():
        raise ValueError("costs must be a (networks x tasks) array, tasks >= 1, no nan or -inf")
    n_rows, n_tasks = costs.shape
    if k < 1 or n_rows == 0:
        raise _no_cover(n_tasks, k, n_rows)
    order = _search_order(costs)
    # Each task takes its minimum from one row, so more than T rows never help.
    search = _BranchAndBound(costs[order], min(k, n_tasks, n_rows), budget)
    if start:
        position = np.argsort(order)
        rows = sorted(int(position[row]) for row in start)
        search.offer(rows, float(costs[start].min(axis=0).sum()))
    try:
        search.extend([], np.full(n_tasks, np.inf), 0)
        finished = True
    except _BudgetSpent:
        finished = False
    if not np.isfinite(search.best_total):
        raise _no_cover(n_tasks, k, n_rows)
    chosen = _irredundant(costs, sorted(int(order[row]) for row in search.best_rows))
    return chosen, float(costs[chosen].min(axis=0).sum()), finished


def _no_cover(n_tasks: int, k: int, n_rows: int) -> ValueError:
    return ValueError(f"no cover of the {n_tasks} tasks by at most k={k} of the {n_rows} "
                      "networks")


def _search_order(costs: np.ndarray) -> np.ndarray:
    """Rows by their cheapest entry, so the suffix minima (and the bound) rise fastest.

    Ordering by task count or by mean cost tightens the bound later and searches far
    longer (docs/performance.md). Stable, so equal rows keep their input order: the
    search is deterministic.
    """
    return np.argsort(costs.min(axis=1), kind="stable")


def _irredundant(costs: np.ndarray, rows: list[int]) -> list[int]:
    """Drop, in turn, each row the others match on every task's minimum: no idle network."""
    kept = list(rows)
    for row in rows:
        others = [other for other in kept if other != row]
        if others and np.array_equal(costs[others].min(axis=0), costs[kept].min(axis=0)):
            kept = others
    return kept


class _BranchAndBound:
    """Depth-first search over row sets, each extended only by rows after its last one.

    The rows from i on can lower a task's cost at most to suffix_min[i], their minimum, so
    sum(min(current, suffix_min[i])) bounds every extension by rows i.. from below. That
    bound only grows with i, so one that reaches the incumbent ends the loop over rows.
    """

    def __init__(self, costs: np.ndarray, k: int, budget: float = np.inf) -> None:
        self.costs = costs
        self.k = k
        self.budget = budget
        self.suffix_min = np.minimum.accumulate(costs[::-1], axis=0)[::-1]
        self.best_rows, self.best_total = min(_greedy_cover(costs, k),
                                              _column_minima(costs, k), key=lambda c: c[1])

    def offer(self, rows: list[int], total: float) -> None:
        """A known cover as the incumbent, if it beats the current one."""
        if len(rows) <= self.k and total < self.best_total:
            self.best_rows, self.best_total = rows, total

    def _spend(self, rows: int) -> None:
        """A call's entries, and at least CALL_ENTRIES: small calls cost their overhead."""
        self.budget -= max(rows * self.costs.shape[1], CALL_ENTRIES)
        if self.budget < 0:
            raise _BudgetSpent

    def extend(self, chosen: list[int], current: np.ndarray, start: int) -> None:
        """Try every extension of `chosen` (elementwise minimum `current`) by rows start.."""
        self._spend(len(self.costs) - start)
        if self.k - len(chosen) == 1:
            self._last_pick(chosen, current, start)
            return
        bounds = np.minimum(current, self.suffix_min[start:]).sum(axis=1)
        for offset, bound in enumerate(bounds):
            if bound >= self.best_total:
                return
            row = start + offset
            extended = np.minimum(current, self.costs[row])
            total = extended.sum()
            if total < self.best_total:
                self.best_rows, self.best_total = [*chosen, row], total
            if row + 1 < len(self.costs):
                self.extend([*chosen, row], extended, row + 1)

    def _last_pick(self, chosen: list[int], current: np.ndarray, start: int) -> None:
        """One pick left: every remaining row at once, the first best one kept."""
        totals = np.minimum(current, self.costs[start:]).sum(axis=1)
        offset = int(np.argmin(totals))
        if totals[offset] < self.best_total:
            self.best_rows, self.best_total = [*chosen, start + offset], totals[offset]


class _BudgetSpent(Exception):
    """The search compared as many cost entries as it was allowed."""


def _greedy_cover(costs: np.ndarray, k: int) -> tuple[list[int], float]:
    """Add the row leaving the fewest tasks uncovered, then the least sum, while one helps:
    an incumbent to prune against from the start (total inf if a task stays uncovered)."""
    current = np.full(costs.shape[1], np.inf)
    rows: list[int] = []
    for _ in range(k):
        candidates = np.minimum(current, costs)
        uncovered = np.isinf(candidates).sum(axis=1)
        partial = np.where(np.isinf(candidates), 0.0, candidates).sum(axis=1)
        row = int(np.lexsort((partial, uncovered))[0])
        if (uncovered[row], partial[row]) >= (np.isinf(current).sum(),
                                              current[np.isfinite(current)].sum()):
            break
        rows.append(row)
        current = candidates[row]
    return rows, float(current.sum())


def _column_minima(costs: np.ndarray, k: int) -> tuple[list[int], float]:
    """Each task's cheapest row: the lower bound itself, so optimal when at most k rows."""
    rows = sorted({int(row) for row in np.argmin(costs, axis=0)})
    return (rows, float(costs.min(axis=0).sum())) if len(rows) <= k else ([], np.inf)


def subset_scores(affinity: np.ndarray, members: tuple[int, ...]) -> np.ndarray:
    """TAG's score of a group for each task it holds: the mean affinity of the others onto it.

    affinity[u, t] is the affinity of u onto t (rows are the source). A task alone scores
    0.0, the single-task level; tasks outside the group get nan.
    """
    scores = np.full(len(affinity), np.nan)
    members = list(members)
    if len(members) == 1:
        scores[members[0]] = 0.0
        return scores
    block = affinity[np.ix_(members, members)]  # a copy: its diagonal may be overwritten
    np.fill_diagonal(block, 0.0)
    scores[members] = block.sum(axis=0) / (len(members) - 1)
    return scores


def select_groups(affinity: pd.DataFrame, k: int, seed: int, options: dict[str, Any]
                  ) -> tuple[list[list[str]], dict[str, float]]:
    """TAG's network selection: at most k groups, overlapping if that helps, covering every
    task, that maximise the mean over tasks of each task's best score among its groups.

    Exact (best_cover over all nonempty subsets) up to options["exact_max_tasks"] tasks,
    else a beam search of options["beam_width"] states (see _beam_search). The diagonal
    of affinity is ignored. seed is unused, kept for the common grouper signature: the
    result is deterministic.
    """
    tasks = list(affinity.index)
    if list(affinity.columns) != tasks:
        raise ValueError("affinity must be square with the same tasks as index and columns")
    if k < 1:
        raise ValueError(f"network selection: k={k} must be at least 1")
    values = affinity.to_numpy(dtype=float)
    if not np.isfinite(values[~np.eye(len(tasks), dtype=bool)]).all():
        raise ValueError("affinity must be finite off the diagonal")
    exact = len(tasks) <= options["exact_max_tasks"]
    if exact:
        members, cover_finished = _exact_selection(values, k), True
    else:
        # More than T groups never help: each task takes its score from one.
        members, cover_finished = _beam_search(values, min(k, len(tasks)),
                                               options["beam_width"])
    groups = _used_groups(values, sorted(tuple(sorted(group)) for group in members))
    score = _objective(values, groups)
    return ([[tasks[i] for i in group] for group in groups],
            {"selection_score": score, "selection_exact": float(exact),
             "selection_cover_finished": float(cover_finished)})


def _exact_selection(affinity: np.ndarray, k: int) -> list[tuple[int, ...]]:
    """best_cover over every nonempty subset, each costing minus its scores."""
    n_tasks = len(affinity)
    subsets = [tuple(t for t in range(n_tasks) if mask >> t & 1)
               for mask in range(1, 2 ** n_tasks)]
    costs = -np.array([subset_scores(affinity, members) for members in subsets])
    chosen, _ = best_cover(np.nan_to_num(costs, nan=np.inf), k)
    return [subsets[row] for row in chosen]


def _used_groups(affinity: np.ndarray, groups: list[tuple[int, ...]]
                 ) -> list[tuple[int, ...]]:
    """The groups less any the others match on every task's best score: no idle network."""
    costs = -_group_scores(affinity, groups)
    return [groups[i] for i in _irredundant(costs, list(range(len(groups))))]


def _objective(affinity: np.ndarray, groups: list[tuple[int, ...]]) -> float:
    """Mean over the tasks the groups hold of each one's best score among them."""
    best = _group_scores(affinity, groups).max(axis=0)
    return float(best[np.isfinite(best)].mean())


def _group_scores(affinity: np.ndarray, groups: list[tuple[int, ...]]) -> np.ndarray:
    """subset_scores of each group, one row each, -inf where a group lacks the task."""
    scores = np.array([subset_scores(affinity, group) for group in groups])
    return np.where(np.isnan(scores), -np.inf, scores)


def _beam_search(affinity: np.ndarray, k: int, width: int
                 ) -> tuple[list[tuple[int, ...]], bool]:
    """Place the tasks one by one in dataset order, keeping the `width` best partial states,
    then pick the best cover among every group the final beam holds, every task alone and
    the `width` best pairs (best_cover: never worse than the best state, often better).

    A state is at most k groups. Task t joins at most two of the groups and opens at most
    two new groups {t} within k, at least one of the two (see _children); a state scores
    _objective over the tasks placed so far, with its groups' current members. States equal
    up to group order count once; ties go to the smaller sorted tuple of groups, so the
    search is deterministic. The cover's search stops after COVER_BUDGET cost entries
    (then its best cover so far, never worse than the best state); the flag says whether
    it ended.
    """
    beam: list[tuple[tuple[int, ...], ...]] = [()]
    for task in range(len(affinity)):
        children = {tuple(sorted(child)) for state in beam for child in _children(state, task, k)}
        ranked = sorted(children, key=lambda state: (-_objective(affinity, list(state)), state))
        beam = ranked[:width]
    small = [(t,) for t in range(len(affinity))] + _best_pairs(affinity, width)
    candidates = sorted({tuple(sorted(g)) for state in beam for g in state} | set(small))
    best_state = [candidates.index(tuple(sorted(g))) for g in beam[0]]
    chosen, _, finished = cover_within(-_group_scores(affinity, candidates), k, best_state,
                                       COVER_BUDGET)
    return [candidates[row] for row in chosen], finished


def _best_pairs(affinity: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The `count` pairs whose two scores sum highest (ties: the first pair in order).

    Not every pair: the cover's branch-and-bound grows like (candidates)^(k-1), and the
    T(T-1)/2 pairs made it 16 s at T = 40, k = 4 (not done in 300 s at T = 100).
    """
    first, second = np.triu_indices(len(affinity), 1)
    gains = affinity[first, second] + affinity[second, first]
    best = np.argsort(-gains, kind="stable")[:count]
    return [(int(first[i]), int(second[i])) for i in sorted(best)]


def _children(state: tuple[tuple[int, ...], ...], task: int, k: int
              ) -> list[tuple[tuple[int, ...], ...]]:
    """Every way to place `task` into at most two of the groups and as the first member of
    at most two new ones (alike for now: groups may start together and part later).

    At most two of each keeps the branching quadratic in k rather than exponential.
    """
    children = []
    for size in range(3):
        for joined_at in itertools.combinations(range(len(state)), size):
            joined = tuple((*group, task) if i in joined_at else group
                           for i, group in enumerate(state))
            for opened in range(int(size == 0), min(2, k - len(state)) + 1):
                children.append((*joined, *[(task,)] * opened))
    return children


GROUPER = Grouper(
    description="TAG's network selection: at most k possibly overlapping groups maximising "
                "each task's best affinity score",
    group=select_groups,
    reads="gain",
    overlapping=True,
    options={
        "exact_max_tasks": {"type": "integer", "minimum": 0, "maximum": 10, "default": 8,
                            "description": "Exact branch-and-bound up to this many tasks; a "
                                           "beam search beyond."},
        "beam_width": {"type": "integer", "minimum": 1, "default": 32,
                       "description": "States kept by the beam search."},
    },
)
