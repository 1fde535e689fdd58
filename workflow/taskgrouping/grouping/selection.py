"""Groups that maximise the predicted served gain: at most k of them, overlapping or disjoint.

gain[u, t] is the predicted relative loss reduction of task t when it trains with u
(0: no gain; `affinity.gains` makes one from every affinity). A group G predicts for
each of its tasks t the mean gain onto t from G's other members, 0 for a task alone:
Standley et al.'s higher-order approximation (ICML 2020), in gain form, which is also
TAG's group score (Fifty et al., NeurIPS 2021). As the evaluation serves a task by the
chosen group with its lowest validation loss, a selection is worth

    sum over tasks t of max over chosen groups G holding t of score(t, G),

and `select` chooses the at most k groups, possibly overlapping, covering every task,
that maximise it; `partition` the same with disjoint groups. Up to `exact_max_tasks`
tasks exactly: every nonempty subset is a candidate network and `cover.best_cover`
solves the choice as a mixed-integer program. Beyond, a pool of candidate groups (every
task alone, each task with its best partner, every cluster of an average-linkage
dendrogram of the symmetrised gains) is covered exactly by the same program and the
cover improved by single-task moves, whose groups join the pool for the next round,
until a round changes nothing; an overlapping choice starts from the partition search's
(docs/performance.md measures both against the exact choice).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskgrouping.grouping.cover import best_cover
from taskgrouping.grouping.grouper import Grouper

Group = tuple[int, ...]
MAX_ROUNDS = 20  # pool -> cover -> moves rounds; each one must improve, so few are needed


def subset_scores(gains: np.ndarray, members: Group) -> np.ndarray:
    """A group's predicted gain for each task it holds: the mean gain of the others onto it.

    gains[u, t] is the gain of t from u (rows are the source). A task alone scores 0.0,
    the single-task level; tasks outside the group get nan.
    """
    return score_table(gains, [members])[0]


def score_table(gains: np.ndarray, groups: list[Group]) -> np.ndarray:
    """subset_scores of each group, one row each (groups x tasks), nan where a group
    lacks the task."""
    held = np.zeros((len(groups), len(gains)), dtype=bool)
    for row, group in enumerate(groups):
        held[row, list(group)] = True
    return _scores_of_membership(gains, held)


def _scores_of_membership(gains: np.ndarray, held: np.ndarray) -> np.ndarray:
    off_diagonal = gains.copy()
    np.fill_diagonal(off_diagonal, 0.0)
    sizes = held.sum(axis=1, keepdims=True)
    totals = held.astype(float) @ off_diagonal
    scores = np.divide(totals, sizes - 1, out=np.zeros_like(totals), where=sizes > 1)
    return np.where(held, scores, np.nan)


def served_gain(gains: np.ndarray, groups: list[Group]) -> float:
    """The objective: each task's best score among the groups holding it, summed
    (-inf if a task is in none)."""
    best = np.nan_to_num(score_table(gains, groups), nan=-np.inf).max(axis=0)
    return float(best.sum())


def select_groups(gains: pd.DataFrame, k: int, seed: int, options: dict[str, Any]
                  ) -> tuple[list[list[str]], dict[str, float]]:
    """At most k groups, overlapping where that helps, maximising the served gain."""
    return _choose(gains, k, seed, options, partition=False)


def partition_groups(gains: pd.DataFrame, k: int, seed: int, options: dict[str, Any]
                     ) -> tuple[list[list[str]], dict[str, float]]:
    """At most k disjoint groups maximising the served gain."""
    return _choose(gains, k, seed, options, partition=True)


def _choose(gains: pd.DataFrame, k: int, seed: int, options: dict[str, Any], partition: bool
            ) -> tuple[list[list[str]], dict[str, float]]:
    """The groups and what is reported: the mean predicted gain per task
    (`selection_score`) and whether the choice is exact (`selection_exact`). Deterministic:
    the seed of the grouper signature is unused."""
    tasks = list(gains.index)
    if list(gains.columns) != tasks:
        raise ValueError("gains must be square with the same tasks as index and columns")
    if k < 1:
        raise ValueError(f"network selection: k={k} must be at least 1")
    values = gains.to_numpy(dtype=float)
    if not np.isfinite(values[~np.eye(len(tasks), dtype=bool)]).all():
        raise ValueError("gains must be finite off the diagonal")
    k = min(k, len(tasks))  # each task is served by one group: more never help
    exact = len(tasks) <= options["exact_max_tasks"]
    if exact:
        groups = _cover(values, _every_subset(len(tasks)), k, partition)
    else:
        groups = _search(values, k, partition, options["restarts"], seed)
    groups = sorted(groups)
    return ([[tasks[i] for i in group] for group in groups],
            {"selection_score": served_gain(values, groups) / len(tasks),
             "selection_exact": float(exact)})


def _cover(values: np.ndarray, candidates: list[Group], k: int, partition: bool
           ) -> list[Group]:
    costs = -np.nan_to_num(score_table(values, candidates), nan=-np.inf)
    rows, _ = best_cover(costs, k, partition)
    return [candidates[row] for row in rows]


def _every_subset(n_tasks: int) -> list[Group]:
    return [tuple(t for t in range(n_tasks) if mask >> t & 1) for mask in range(1, 2 ** n_tasks)]


def _pool(values: np.ndarray) -> list[Group]:
    """Candidate groups beyond the exact size: every task alone (so a cover exists), each
    task with the partner whose gain onto it is highest, and every cluster of an
    average-linkage dendrogram of the symmetrised gains."""
    n_tasks = len(values)
    onto = values.copy()
    np.fill_diagonal(onto, -np.inf)
    pairs = {tuple(sorted((t, int(np.argmax(onto[:, t]))))) for t in range(n_tasks)}
    clusters: list[Group] = [(t,) for t in range(n_tasks)]
    for first, second, _, _ in _linkage(values):
        clusters.append(tuple(sorted(clusters[int(first)] + clusters[int(second)])))
    return sorted(set(clusters) | pairs)


def _linkage(values: np.ndarray) -> np.ndarray:
    """Average linkage (scipy) on max - symmetrised gain: strong mutual gains merge first."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    symmetric = (values + values.T) / 2
    distance = symmetric.max() - symmetric
    np.fill_diagonal(distance, 0.0)
    return linkage(squareform(distance, checks=False), "average")


def _cuts(values: np.ndarray, k: int) -> list[list[Group]]:
    """The dendrogram's partitions into 1..k groups."""
    from scipy.cluster.hierarchy import cut_tree

    labels = cut_tree(_linkage(values), n_clusters=list(range(1, k + 1)))
    return [[tuple(np.flatnonzero(column == label).tolist()) for label in np.unique(column)]
            for column in labels.T]


def _random_selection(rng: np.random.Generator, n_tasks: int, k: int) -> list[Group]:
    labels = rng.integers(0, k, n_tasks)
    return [tuple(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)]


def _search(values: np.ndarray, k: int, partition: bool, restarts: int, seed: int
            ) -> list[Group]:
    """Beyond the exact size. Overlapping groups: the partition search first, whose groups
    join the pool and whose choice is a start, so the selection never scores below the
    best partition found."""
    pool, starts = _pool(values), []
    if not partition:
        disjoint = _search(values, k, True, restarts, seed)
        pool, starts = sorted(set(pool) | set(disjoint)), [disjoint]
    return _improve_until_stable(values, pool, starts, k, partition, restarts, seed)


def _improve_until_stable(values: np.ndarray, pool: list[Group], starts: list[list[Group]],
                          k: int, partition: bool, restarts: int, seed: int) -> list[Group]:
    """Local search from the pool's exact cover, from `starts`, from each dendrogram cut
    into at most k groups and from `restarts` seeded random selections; every local
    optimum's groups join the pool, whose exact cover recombines them; again while the
    served gain rises."""
    rng = np.random.default_rng(seed)
    groups = _cover(values, pool, k, partition)
    starts = [groups, *starts] + _cuts(values, k) + [
        _random_selection(rng, len(values), k) for _ in range(restarts)]
    best, best_value = groups, served_gain(values, groups)
    candidates = set(pool)
    for _ in range(MAX_ROUNDS):
        optima = [_local_search(values, start, k, partition) for start in starts]
        candidates |= {group for optimum in optima for group in optimum}
        covered = _cover(values, sorted(candidates), k, partition)
        round_best = max([covered, *optima], key=lambda g: served_gain(values, g))
        value = served_gain(values, round_best)
        if value <= best_value + 1e-12:
            break
        best, best_value, starts = round_best, value, [round_best]
    return best


def _local_search(values: np.ndarray, groups: list[Group], k: int, partition: bool
                  ) -> list[Group]:
    """Best-improvement single-task moves while the served gain rises: a task joins or
    leaves a group (overlapping), or moves to another group, a new one included
    (partition)."""
    search = _Moves(values, groups, k)
    while search.step(partition):
        pass
    return [tuple(np.flatnonzero(row).tolist()) for row in search.held if row.any()]


class _Moves:
    """A selection as k slots (an empty slot is an unused group) and the change of the
    served gain of every single-task move, computed from each group's column sums of the
    gains (O(k T^2) a step, not a rescoring of every neighbour)."""

    def __init__(self, values: np.ndarray, groups: list[Group], k: int) -> None:
        self.gains = values.copy()
        np.fill_diagonal(self.gains, 0.0)
        self.held = np.zeros((k, len(values)), dtype=bool)
        for slot, group in enumerate(groups):
            self.held[slot, list(group)] = True
        self.sums = self.held.astype(float) @ self.gains  # S[g, t]: gains onto t from g

    def scores(self) -> np.ndarray:
        """score[g, t] of members, -inf elsewhere (a task alone scores 0)."""
        sizes = self.held.sum(axis=1, keepdims=True)
        mean = np.divide(self.sums, sizes - 1, out=np.zeros_like(self.sums), where=sizes > 1)
        return np.where(self.held, mean, -np.inf)

    def step(self, partition: bool) -> bool:
        """Apply the best improving move; False when none improves."""
        scores = self.scores()
        served = scores.max(axis=0)
        best_delta, best_move = 1e-12, None
        for slot in range(len(self.held)):
            elsewhere = np.delete(scores, slot, axis=0).max(axis=0, initial=-np.inf)
            for delta, move in self._slot_moves(slot, scores, served, elsewhere, partition):
                if delta > best_delta:
                    best_delta, best_move = delta, move
        if best_move is None:
            return False
        for slot, task, joins in best_move:
            self.held[slot, task] = joins
            self.sums[slot] += self.gains[task] if joins else -self.gains[task]
        return True

    def _slot_moves(self, slot: int, scores: np.ndarray, served: np.ndarray,
                    elsewhere: np.ndarray, partition: bool):
        """(change of served gain, [(slot, task, joins)]) of each move touching `slot`: a task
        joining it (and, for a partition, leaving its own group), or leaving it."""
        members = np.flatnonzero(self.held[slot])
        size = len(members)
        # a task x joins: each member u scores (S[u] + g[x, u]) / size, x scores S[x] / size
        if size:
            joined = (self.sums[slot, members] + self.gains[:, members]) / size
            members_change = (np.maximum(elsewhere[members], joined) - served[members]).sum(1)
            own = self.sums[slot] / size
        else:
            members_change, own = np.zeros(len(served)), np.zeros(len(served))
        outside = np.flatnonzero(~self.held[slot])
        if partition:
            left = self._leave_changes(scores, served)
            for task in outside:
                home = int(np.argmax(self.held[:, task]))
                delta = members_change[task] + own[task] - served[task] + left[task]
                yield delta, [(home, task, False), (slot, task, True)]
        else:
            for task in outside:
                delta = members_change[task] + max(served[task], own[task]) - served[task]
                yield delta, [(slot, task, True)]
            for task, change in self._leaving(slot, members, served, elsewhere):
                yield change, [(slot, task, False)]

    def _leaving(self, slot: int, members: np.ndarray, served: np.ndarray,
                 elsewhere: np.ndarray):
        """(task, change) of each member leaving an overlapping selection's group, if it
        stays covered: the others score (S[u] - g[x, u]) / (size - 2), or 0 left alone."""
        size = len(members)
        if size < 2:
            return
        block = self.sums[slot, members][None, :] - self.gains[np.ix_(members, members)]
        rest = block / (size - 2) if size > 2 else np.zeros_like(block)
        change = np.maximum(elsewhere[members][None, :], rest) - served[members][None, :]
        np.fill_diagonal(change, 0.0)
        for index, task in enumerate(members):
            if np.isfinite(elsewhere[task]):
                yield task, change[index].sum() + elsewhere[task] - served[task]

    def _leave_changes(self, scores: np.ndarray, served: np.ndarray) -> np.ndarray:
        """For a partition: the change of its old group's other members' scores when each
        task leaves it (the task's own score is counted where it joins)."""
        left = np.zeros(self.held.shape[1])
        for slot in range(len(self.held)):
            members = np.flatnonzero(self.held[slot])
            size = len(members)
            if size < 2:
                continue
            block = self.sums[slot, members][None, :] - self.gains[np.ix_(members, members)]
            rest = block / (size - 2) if size > 2 else np.zeros_like(block)
            change = rest - scores[slot, members][None, :]
            np.fill_diagonal(change, 0.0)
            left[members] = change.sum(axis=1)
        return left


_OPTIONS = {
    "exact_max_tasks": {"type": "integer", "minimum": 0, "maximum": 14, "default": 10,
                        "description": "Exact mixed-integer choice over every subset up to "
                                       "this many tasks; a pool of candidate groups, covered "
                                       "exactly and improved by single-task moves, beyond."},
    "restarts": {"type": "integer", "minimum": 0, "default": 16,
                 "description": "Seeded random starts of the local search beyond "
                                "exact_max_tasks (grouping.seed)."},
}

GROUPER = Grouper(
    description="network selection: at most k possibly overlapping groups maximising each "
                "task's best predicted gain (exact by mixed-integer programming)",
    group=select_groups,
    reads="gain",
    options=_OPTIONS,
)

PARTITION = Grouper(
    description="at most k disjoint groups maximising each task's predicted gain (exact by "
                "mixed-integer programming)",
    group=partition_groups,
    reads="gain",
    options=_OPTIONS,
)
