"""The synthetic CelebA-shaped dataset: seeded images, CelebA-like base rates, planted
attribute groups that really are related, and images that carry the labels."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from taskgrouping.data import synthetic_celeba
from taskgrouping.data.access import all_tasks, dataset, dataset_options, load_split

NAME = "synthetic_celeba"
SMALL = {"samples": 200, "image_size": 16}


def options(**given) -> dict:
    """Options as the registry hands them to the loader: checked, defaults filled in."""
    return dataset_options(NAME, given)


def load(**given) -> tuple[np.ndarray, np.ndarray]:
    return synthetic_celeba.load(options(**given))


def group_of(opts: dict) -> np.ndarray:
    return np.arange(opts["n_attributes"]) % opts["groups"]


def mean_correlations(y: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """Mean label correlation of two attributes of one group, and of two of different ones."""
    correlation = np.corrcoef(y.T)
    same = (group[:, None] == group[None, :]) & ~np.eye(len(group), dtype=bool)
    return correlation[same].mean(), correlation[group[:, None] != group[None, :]].mean()


def test_shapes_dtypes_names_and_record() -> None:
    x, y = load(**SMALL)
    assert x.shape == (200, 3, 16, 16) and y.shape == (200, 40)
    assert x.dtype == y.dtype == np.float32 and np.isfinite(x).all()
    tasks = all_tasks(NAME, SMALL)
    assert [task.name for task in tasks] == [f"a{j:02d}" for j in range(1, 41)]
    assert {task.kind.name for task in tasks} == {"binary"}
    record = dataset(NAME)
    assert record is synthetic_celeba.DATASET and record.name == NAME
    assert record.modality == "image" and record.offline and record.planted is not None
    assert record.missing(options()) is None and record.files is None


def test_same_seed_same_data_other_seed_other_data() -> None:
    x, y = load(**SMALL)
    again_x, again_y = load(**SMALL)
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    other_x, other_y = load(**SMALL, seed=1)
    assert not np.array_equal(x, other_x) and not np.array_equal(y, other_y)


def test_the_images_do_not_depend_on_the_chunk_size(monkeypatch) -> None:
    x, y = load(**SMALL)
    monkeypatch.setattr(synthetic_celeba, "CHUNK", 7)
    chunked_x, chunked_y = load(**SMALL)
    assert np.array_equal(x, chunked_x) and np.array_equal(y, chunked_y)


def test_image_options_keep_the_labels_and_label_options_keep_the_images() -> None:
    x, y = load(**SMALL)
    for change in ({"image_size": 8}, {"nuisance": 0}, {"pixel_noise": 2.0}):
        changed_x, changed_y = load(**SMALL | change)
        assert np.array_equal(y, changed_y), change
        assert not np.array_equal(x[:, :, :8, :8], changed_x[:, :, :8, :8]), change
    for change in ({"noise": 0.0}, {"label_noise": 0.2}, {"base_rate_spread": 0.1}):
        changed_x, changed_y = load(**SMALL | change)
        assert np.array_equal(x, changed_x) and not np.array_equal(y, changed_y), change
    more = load(**SMALL | {"n_attributes": 48})[1]
    assert np.array_equal(y, more[:, :40])  # more attributes keep the earlier labels


def test_labels_are_binary_with_the_drawn_base_rates() -> None:
    opts = options(samples=2000, image_size=8)
    rates = synthetic_celeba.base_rates(opts)
    assert rates.min() >= 0.1 and rates.max() <= 0.5 and rates.std() > 0.05
    y = synthetic_celeba.load(opts)[1]
    assert set(np.unique(y)) == {0.0, 1.0}
    flip = opts["label_noise"]
    expected = rates * (1 - flip) + (1 - rates) * flip  # after the flips
    assert np.abs(y.mean(axis=0) - expected).max() < 0.03
    exact = load(samples=2000, image_size=8, label_noise=0.0)[1]
    assert np.array_equal(exact.sum(axis=0), np.round(rates * 2000))


def test_attributes_of_a_group_are_related_and_of_different_groups_are_not() -> None:
    opts = options(samples=4000, image_size=8)
    same, different = mean_correlations(synthetic_celeba.load(opts)[1], group_of(opts))
    assert same > 0.3 and abs(different) < 0.1


def test_the_images_carry_the_labels() -> None:
    """A linear model on the flattened small images predicts held-out labels well."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    x, y = load(samples=1000, image_size=8)
    flat = x.reshape(len(x), -1)
    flat = (flat - flat[:700].mean(axis=0)) / flat[:700].std(axis=0)
    for j in (0, 1, 9, 22):
        model = LogisticRegression(C=0.01, max_iter=1000).fit(flat[:700], y[:700, j])
        score = roc_auc_score(y[700:, j], model.decision_function(flat[700:]))
        assert score > 0.75, (j, score)


def test_rendering_holds_no_second_full_size_array() -> None:
    """Rendered in float32 chunks: peak memory near the output array, not a multiple of it."""
    load(samples=20, image_size=8)  # imports (scipy's filter) are not the loader's memory
    opts = options(samples=4000, image_size=32)  # 49 MB out, chunks of 6 MB
    tracemalloc.start()
    try:
        x, _ = synthetic_celeba.load(opts)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.3 * x.nbytes, (peak, x.nbytes)


def test_planted_groups_are_interleaved_by_attribute_order() -> None:
    groups = synthetic_celeba.planted_groups(options(n_attributes=10, groups=4))
    assert groups == [["a01", "a05", "a09"], ["a02", "a06", "a10"], ["a03", "a07"],
                      ["a04", "a08"]]
    defaults = synthetic_celeba.planted_groups(options())
    assert [len(group) for group in defaults] == [5] * 8
    assert defaults[0] == ["a01", "a09", "a17", "a25", "a33"]
    assert dataset(NAME).planted(options()) == defaults


@pytest.mark.parametrize(("given", "message"), [
    ({"n_attributes": 3, "groups": 5},
     r"datasets\.synthetic_celeba\.options\.groups: 5 groups exceed n_attributes 3"),
    ({"base_rate_center": 0.1, "base_rate_spread": 0.2},
     r"datasets\.synthetic_celeba\.options\.base_rate_spread: 0\.2 around base_rate_center "
     r"0\.1 leaves \(0, 1\)"),
    ({"base_rate_center": 0.9, "base_rate_spread": 0.1},
     r"datasets\.synthetic_celeba\.options\.base_rate_spread: 0\.1 around base_rate_center "
     r"0\.9 leaves"),
    ({"image_size": 4}, r"datasets\.synthetic_celeba\.options\.image_size: 4 is less than"),
    ({"label_noise": 0.6}, r"datasets\.synthetic_celeba\.options\.label_noise: 0\.6 is "),
])
def test_bad_options_are_refused_naming_the_key(given, message) -> None:
    with pytest.raises(ValueError, match=message):
        all_tasks(NAME, given)


def test_the_loader_and_planted_groups_check_what_the_schema_cannot() -> None:
    bad = options() | {"n_attributes": 3, "groups": 5}
    for reader in (synthetic_celeba.load, synthetic_celeba.planted_groups):
        with pytest.raises(ValueError, match=r"synthetic_celeba\.options\.groups: 5 groups"):
            reader(bad)


def test_it_loads_through_the_registry() -> None:
    split = {"seed": 0, "val_fraction": 0.1, "test_fraction": 0.1}
    data = load_split(NAME, {"tasks": ["a01", "a09"], "options": SMALL, "split": split})
    assert data.task_names == ("a01", "a09")
    assert data.x_train.shape == (160, 3, 16, 16) and data.y_test.shape == (20, 2)
    assert data.input_shape == (3, 16, 16)
