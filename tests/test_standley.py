"""HOA's pair gains and higher-order approximation, and the exhaustive optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from taskgrouping.grouping.standley import (
    exhaustive_groups,
    hoa_task_loss,
    mean_losses,
    pair_gains,
)
from taskgrouping.subsets import all_subsets

TASKS = ["a", "b", "c"]
LOSSES = {
    ("a",): {"a": 1.0}, ("b",): {"b": 2.0}, ("c",): {"c": 4.0},
    ("a", "b"): {"a": 0.8, "b": 2.2}, ("a", "c"): {"a": 0.9, "c": 3.0},
    ("b", "c"): {"b": 1.0, "c": 5.0},
}


def _record(tasks, seed, losses, key="val_loss"):
    return {"tasks": list(tasks), "seed": seed, "seconds": 1.0,
            "scores": [{"task": t, key: v} for t, v in zip(tasks, losses, strict=True)]}


def test_mean_losses_average_over_seeds() -> None:
    records = [_record(["a", "b"], 0, [1.0, 3.0]), _record(["a", "b"], 1, [2.0, 5.0])]
    assert mean_losses(records) == {("a", "b"): {"a": 1.5, "b": 4.0}}


def test_pair_gain_is_the_relative_loss_reduction_of_the_column_task() -> None:
    gains = pair_gains(LOSSES, TASKS)
    assert gains.loc["b", "a"] == pytest.approx(1 - 0.8 / 1.0)  # b helps a by 20 %
    assert gains.loc["a", "b"] == pytest.approx(1 - 2.2 / 2.0)  # a hurts b by 10 %
    assert gains.loc["b", "c"] == pytest.approx(1 - 5.0 / 4.0)
    assert np.all(np.diag(gains.to_numpy()) == 0)


def test_hoa_averages_the_task_losses_over_its_pairs_in_the_group() -> None:
    assert hoa_task_loss(LOSSES, ["a", "b", "c"], "a", TASKS) == pytest.approx((0.8 + 0.9) / 2)
    assert hoa_task_loss(LOSSES, ["c", "b", "a"], "c", TASKS) == pytest.approx((3.0 + 5.0) / 2)
    assert hoa_task_loss(LOSSES, ["b"], "b", TASKS) == 2.0
    with pytest.raises(ValueError, match=r"no training of group \['a', 'd'\]"):
        hoa_task_loss(LOSSES, ["a", "d"], "a", TASKS + ["d"])


def _brute_force_optimum(losses, tasks, k):
    best = np.inf
    subsets = list(losses)
    for count in range(1, k + 1):
        for chosen in itertools.combinations(subsets, count):
            total = 0.0
            for task in tasks:
                served = [losses[s][task] for s in chosen if task in s]
                if not served:
                    break
                total += min(served) / losses[(task,)][task]
            else:
                best = min(best, total)
    return best


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_exhaustive_cover_is_the_brute_force_optimum(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    tasks = ["t0", "t1", "t2", "t3"]
    losses = {tuple(s): {t: float(rng.uniform(0.5, 1.5)) for t in s} for s in all_subsets(tasks)}
    groups, info = exhaustive_groups(losses, tasks, k)
    optimum = _brute_force_optimum(losses, tasks, k)
    assert info["optimal_normalized_val_loss"] == pytest.approx(optimum)
    assert len(groups) <= k and {t for g in groups for t in g} == set(tasks)
    served = sum(min(losses[tuple(g)][t] for g in groups if t in g) / losses[(t,)][t]
                 for t in tasks)
    assert served == pytest.approx(info["optimal_normalized_val_loss"])


def test_exhaustive_prefers_the_group_that_helps_everyone() -> None:
    losses = {tuple(s): {t: 1.0 for t in s} for s in all_subsets(TASKS)}
    losses[("a", "b", "c")] = {"a": 0.5, "b": 0.5, "c": 0.5}
    groups, info = exhaustive_groups(losses, TASKS, 1)
    assert groups == [["a", "b", "c"]] and info["optimal_normalized_val_loss"] == pytest.approx(1.5)
