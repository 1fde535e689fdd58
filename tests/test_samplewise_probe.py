"""The factorised sample-wise distance equals brute-force per-sample gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from taskgrouping.models.mtl import build_model
from taskgrouping.probing.distance import pair_distance
from taskgrouping.probing.samplewise import (
    input_l1_norms,
    per_sample_gradients,
    scaled_backprop_signals,
)
from taskgrouping.tasks import BINARY, Task


def _problem(n: int = 40, features: int = 7, tasks: int = 4):
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(n, features, generator=generator)
    y = (torch.rand(n, tasks, generator=generator) > 0.5).float()
    task_list = tuple(Task(f"t{j}", BINARY) for j in range(tasks))
    return x, y, task_list


@pytest.mark.parametrize("heads", ["identical", "independent"])
@pytest.mark.parametrize("hidden", [[5], [6, 4, 3]])
def test_factorised_distance_equals_bruteforce(heads: str, hidden: list[int]) -> None:
    x, y, tasks = _problem()
    model = build_model(x.shape[1], hidden, tasks, seed=11)
    if heads == "identical":
        model.tie_heads_by_kind()
    norms = input_l1_norms(model, x)
    signals = [scaled_backprop_signals(model, x, y[:, j], j, norms).numpy()
               for j in range(len(tasks))]
    grads = [per_sample_gradients(model, x, y[:, j], j).double() for j in range(len(tasks))]
    for i, j in itertools.combinations(range(len(tasks)), 2):
        fast = pair_distance(signals[i], signals[j], step_size=0.5)
        brute = float(0.5 * (grads[i] - grads[j]).abs().sum(dim=1).mean())
        assert fast == pytest.approx(brute, rel=1e-5)
        assert brute > 0


def test_signals_are_small_not_per_parameter() -> None:
    x, y, tasks = _problem()
    model = build_model(x.shape[1], [6, 4], tasks, seed=0)
    signals = scaled_backprop_signals(model, x, y[:, 0], 0, input_l1_norms(model, x))
    assert signals.shape == (len(x), 6 + 4)


def test_identical_heads_give_label_distance_at_random_start() -> None:
    """With tied heads, tasks with identical labels have distance zero (DESIGN.md §1)."""
    x, y, tasks = _problem()
    y[:, 1] = y[:, 0]
    model = build_model(x.shape[1], [5], tasks, seed=2)
    model.tie_heads_by_kind()
    norms = input_l1_norms(model, x)
    first, second, third = (scaled_backprop_signals(model, x, y[:, j], j, norms).numpy()
                            for j in range(3))
    assert pair_distance(first, second, 1.0) == 0.0
    assert pair_distance(first, third, 1.0) > 0.0


def test_pair_distance_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="shapes differ"):
        pair_distance(np.zeros((3, 2)), np.zeros((4, 2)), 1.0)
