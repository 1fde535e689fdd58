"""The synthetic dataset: seeded, binary or regression, and its planted groups really are
related."""

from __future__ import annotations

import numpy as np
import pytest

from taskgrouping.data import synthetic
from taskgrouping.data.access import all_tasks, dataset_options, load_split

SMALL = {"n_tasks": 12, "groups": 3, "samples": 500, "features": 5}


def options(**given) -> dict:
    """Options as the registry hands them to the loader: checked, defaults filled in."""
    return dataset_options("synthetic", given)


def load(**given) -> tuple[np.ndarray, np.ndarray]:
    return synthetic.load(options(**given))


def group_of(opts: dict) -> np.ndarray:
    return np.arange(opts["n_tasks"]) % opts["groups"]


def mean_abs_correlations(y: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """Mean |label correlation| of two tasks of one group, and of two of different groups."""
    correlation = np.abs(np.corrcoef(y.T))
    same = (group[:, None] == group[None, :]) & ~np.eye(len(group), dtype=bool)
    return correlation[same].mean(), correlation[group[:, None] != group[None, :]].mean()


def between_group_f(rates: np.ndarray, group: np.ndarray) -> float:
    """One-way ANOVA F of the rates by group: about 1 when rates ignore the groups."""
    labels = np.unique(group)
    means = np.array([rates[group == g].mean() for g in labels])
    sizes = np.array([(group == g).sum() for g in labels])
    between = (sizes * (means - rates.mean()) ** 2).sum() / (len(labels) - 1)
    within = ((rates - means[group]) ** 2).sum() / (len(rates) - len(labels))
    return between / within


def test_same_seed_same_data_other_seed_other_data() -> None:
    x, y = load(**SMALL)
    again_x, again_y = load(**SMALL)
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    other_x, other_y = load(**SMALL, seed=1)
    assert not np.array_equal(x, other_x) and not np.array_equal(y, other_y)


def test_shapes_binary_labels_and_names() -> None:
    x, y = load(**SMALL)
    assert x.shape == (500, 5) and y.shape == (500, 12)
    assert x.dtype == y.dtype == np.float32 and set(np.unique(y)) == {0.0, 1.0}
    names = [task.name for task in all_tasks("synthetic", SMALL)]
    assert names == [f"t{j:03d}" for j in range(1, 13)]
    assert {task.kind.name for task in all_tasks("synthetic", SMALL)} == {"binary"}


def test_defaults() -> None:
    x, y = synthetic.load(options())
    assert x.shape == (4000, 20) and y.shape == (4000, 40)
    assert synthetic.DATASET.missing(options()) is None


def test_planted_groups_are_interleaved_by_task_order() -> None:
    groups = synthetic.planted_groups(options(n_tasks=14, groups=4))
    assert [len(group) for group in groups] == [4, 4, 3, 3]
    assert groups[0] == ["t001", "t005", "t009", "t013"]
    assert groups[3] == ["t004", "t008", "t012"]
    assert sorted(sum(groups, [])) == [f"t{j:03d}" for j in range(1, 15)]
    assert [len(group) for group in synthetic.planted_groups(options())] == [10] * 4


def test_more_groups_than_tasks_is_refused() -> None:
    with pytest.raises(ValueError, match=r"options\.groups: 5 groups exceed n_tasks 3"):
        all_tasks("synthetic", {"n_tasks": 3, "groups": 5})


def test_more_tasks_extend_the_data_and_base_rates_leave_inputs_alone() -> None:
    x, y = load(**SMALL)
    more_x, more_y = load(**SMALL | {"n_tasks": 30})
    assert np.array_equal(x, more_x) and np.array_equal(y, more_y[:, :12])
    spread_x, spread_y = load(**SMALL, base_rate_spread=0.3)
    assert np.array_equal(x, spread_x) and not np.array_equal(y, spread_y)


def test_without_spread_every_base_rate_is_one_half() -> None:
    rates = load()[1].mean(axis=0)
    assert np.all(np.abs(rates - 0.5) <= 0.02)


def test_spread_base_rates_vary_independently_of_the_groups() -> None:
    ratios = []
    for seed in range(10):
        opts = options(base_rate_spread=0.3, samples=1000, seed=seed)
        rates = synthetic.load(opts)[1].mean(axis=0)
        assert rates.std() > 0.1 and rates.min() > 0.15 and rates.max() < 0.85
        ratios.append(between_group_f(rates, group_of(opts)))
    assert np.mean(ratios) < 2.0  # F(3, 36) has mean 1.06; the mean of 10 has sd 0.3


def test_base_rate_center_moves_every_rate_and_keeps_them_in_range() -> None:
    rates = load(base_rate_center=0.225, base_rate_spread=0.175)[1].mean(axis=0)
    assert rates.min() > 0.03 and rates.max() < 0.42 and abs(np.median(rates) - 0.225) < 0.08
    with pytest.raises(ValueError, match=r"base_rate_spread: 0.3 around base_rate_center 0.2"):
        all_tasks("synthetic", {"base_rate_center": 0.2, "base_rate_spread": 0.3})


def test_weak_signal_keeps_inputs_and_rates_and_weakens_the_groups() -> None:
    """signal 0.2: the same inputs and base rates, labels further from the features, a
    group's tasks still more alike than two groups' but less than at full signal."""
    x, y = load()
    weak_x, weak_y = load(signal=0.2)
    assert np.array_equal(x, weak_x)
    assert np.allclose(y.mean(axis=0), weak_y.mean(axis=0), atol=0.01)
    opts = options(signal=0.2)
    same, different = mean_abs_correlations(weak_y, group_of(opts))
    strong_same, _ = mean_abs_correlations(y, group_of(opts))
    assert 0.05 < same < strong_same / 2 and different < same / 2


def test_tasks_of_a_group_are_related_and_of_different_groups_are_not() -> None:
    opts = options(noise=0.5, label_noise=0.05, base_rate_spread=0.0)
    same, different = mean_abs_correlations(synthetic.load(opts)[1], group_of(opts))
    assert same >= 0.3 and different <= 0.1


def test_without_noise_a_groups_tasks_differ_by_label_flips_only() -> None:
    y = load(**SMALL | {"noise": 0.0, "samples": 4000})[1]
    disagree = np.mean(y[:, 0] != y[:, 3])  # both in group 0
    assert abs(disagree - 2 * 0.05 * 0.95) < 0.02


def test_it_loads_through_the_registry() -> None:
    split = {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}
    data = load_split("synthetic", {"tasks": ["t001", "t004"], "options": SMALL,
                                    "split": split})
    assert data.task_names == ("t001", "t004")
    assert data.x_train.shape == (350, 5) and data.y_test.shape == (75, 2)
    every = load_split("synthetic", {"tasks": None, "options": SMALL, "split": split})
    assert every.task_names == tuple(f"t{j:03d}" for j in range(1, 13))


REGRESSION = SMALL | {"kind": "regression", "samples": 2000, "target_scale_spread": 1.0,
                      "target_noise": 0.5}


def test_regression_targets_are_real_with_their_own_scale_and_noise() -> None:
    opts = options(**REGRESSION)
    x, y = synthetic.load(opts)
    assert y.shape == (2000, 12) and len(np.unique(y[:, 0])) > 1000
    assert {task.kind.name for task in all_tasks("synthetic", REGRESSION)} == {"regression"}
    scales, levels = synthetic.target_parameters(opts)
    # c_j (z_j + n_j e): std c_j sqrt(1 + n_j^2), up to the noise's sampling error
    assert np.allclose(y.std(axis=0), scales * np.sqrt(1 + levels ** 2), rtol=0.05)
    assert scales.min() >= 0.1 and scales.max() <= 10 and levels.max() <= 0.5
    assert np.array_equal(x, load(**SMALL | {"samples": 2000})[0])


def test_regression_scales_vary_independently_of_the_groups_and_groups_relate() -> None:
    ratios = []
    for seed in range(10):
        opts = options(**REGRESSION | {"n_tasks": 40, "groups": 4, "seed": seed})
        scales, levels = synthetic.target_parameters(opts)
        assert np.log10(scales).std() > 0.4
        ratios.append(between_group_f(np.log10(scales), group_of(opts)))
    assert np.mean(ratios) < 2.0
    same, different = mean_abs_correlations(synthetic.load(opts)[1], group_of(opts))
    assert same >= 0.5 and different <= 0.25  # own functions share some trend


@pytest.mark.parametrize(("given", "key", "kind"), [
    ({"target_noise": 0.5}, "target_noise", "regression"),
    ({"target_scale_spread": 1.0}, "target_scale_spread", "regression"),
    ({"kind": "regression", "base_rate_spread": 0.2}, "base_rate_spread", "binary"),
    ({"kind": "regression", "signal": 0.2}, "signal", "binary"),
    ({"kind": "regression", "base_rate_center": 0.3}, "base_rate_center", "binary"),
])
def test_an_option_of_the_other_kind_is_refused(given, key, kind) -> None:
    with pytest.raises(ValueError, match=rf"options\.{key}: applies to kind {kind}"):
        all_tasks("synthetic", given)
