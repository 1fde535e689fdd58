"""The best cover: at most k candidate networks, each task served by its cheapest chosen one.

This is the choice Standley et al. (ICML 2020) and TAG (Fifty et al., NeurIPS 2021) make
among trained or predicted networks, written as a facility-location mixed-integer
program and solved exactly by HiGHS (scipy.optimize.milp). Candidate c costs
costs[c, t] for task t it holds (inf where it does not hold t):

    minimise   sum_{c,t} costs[c, t] y[c, t]
    subject to sum_c x[c] <= k                 (the budget of networks)
               sum_c y[c, t] = 1   for every t  (each task served once)
               y[c, t] <= x[c]                  (only by a chosen network)
               sum_{c holds t} x[c] = 1         (partition only: disjoint networks)
               x binary, 0 <= y <= 1.

For a fixed x the best y serves each task by its cheapest chosen network, so y needs no
integrality. mip_rel_gap = 0 makes the optimum exact, not within HiGHS's default 1e-4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix


def best_cover(costs: np.ndarray, k: int, partition: bool = False) -> tuple[list[int], float]:
    """The at most k rows covering every task whose per-task minimum has the least sum.

    Rows are sorted, and no row is idle: a row the others match on every task's
    minimum is dropped. `partition`: the rows chosen must not share a task.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp  # HiGHS: only when it solves

    costs = _checked(costs)
    n_rows, n_tasks = costs.shape
    if k < 1 or n_rows == 0:
        raise _no_cover(n_tasks, k, n_rows, partition)
    rows, columns = np.nonzero(np.isfinite(costs))
    uncovered = sorted(set(range(n_tasks)) - set(columns.tolist()))
    if uncovered:
        raise _no_cover(n_tasks, k, n_rows, partition)
    n_links = len(rows)
    links = np.arange(n_links)
    variables = n_rows + n_links  # x per row, then y per (row, task) it holds
    objective = np.concatenate([np.zeros(n_rows), costs[rows, columns]])
    constraints = [
        LinearConstraint(_sparse([0] * n_rows, range(n_rows), 1, variables), 0,
                         min(k, n_rows)),
        LinearConstraint(_sparse(columns, n_rows + links, n_tasks, variables), 1, 1),
        LinearConstraint(_sparse(np.concatenate([links, links]),
                                 np.concatenate([n_rows + links, rows]), n_links, variables,
                                 np.concatenate([np.ones(n_links), -np.ones(n_links)])),
                         -np.inf, 0),
    ]
    if partition:
        constraints.append(LinearConstraint(_sparse(columns, rows, n_tasks, variables), 1, 1))
    result = milp(objective, constraints=constraints,
                  integrality=np.concatenate([np.ones(n_rows), np.zeros(n_links)]),
                  bounds=Bounds(0, 1), options={"mip_rel_gap": 0.0})
    if result.status == 2:  # infeasible
        raise _no_cover(n_tasks, k, n_rows, partition)
    if not result.success:
        raise RuntimeError(f"best cover: HiGHS stopped without an optimum ({result.message})")
    chosen = sorted(np.flatnonzero(result.x[:n_rows] > 0.5).tolist())
    if not partition:
        chosen = irredundant(costs, chosen)
    return chosen, float(costs[chosen].min(axis=0).sum())


def irredundant(costs: np.ndarray, rows: list[int]) -> list[int]:
    """Drop, in turn, each row the others match on every task's minimum: no idle network."""
    kept = list(rows)
    for row in rows:
        others = [other for other in kept if other != row]
        if others and np.array_equal(costs[others].min(axis=0), costs[kept].min(axis=0)):
            kept = others
    return kept


def _checked(costs: np.ndarray) -> np.ndarray:
    costs = np.asarray(costs, dtype=float)
    if costs.ndim != 2 or costs.shape[1] == 0 or np.isnan(costs).any() or np.isneginf(costs).any():
        raise ValueError("costs must be a (networks x tasks) array, tasks >= 1, no nan or -inf")
    return costs


def _sparse(rows, columns, n_rows: int, n_columns: int, values=None) -> csr_matrix:
    rows, columns = np.asarray(rows), np.asarray(columns)
    from scipy.sparse import csr_matrix

    values = np.ones(len(rows)) if values is None else values
    return csr_matrix((values, (rows, columns)), shape=(n_rows, n_columns))


def _no_cover(n_tasks: int, k: int, n_rows: int, partition: bool) -> ValueError:
    kind = "partition" if partition else "cover"
    return ValueError(f"no {kind} of the {n_tasks} tasks by at most k={k} of the {n_rows} "
                      "networks")
