from __future__ import annotations

import numpy as np
import pytest

from taskgrouping.data import yeast
from taskgrouping.data.access import load_split, resolve_tasks
from taskgrouping.data.base import split_and_standardise
from taskgrouping.tasks import make_task

SPLIT = {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}


def test_yeast_is_the_real_dataset() -> None:
    x, y = yeast.load_arrays()
    assert x.shape == (2417, 103) and y.shape == (2417, 14)
    assert set(np.unique(y)) == {0.0, 1.0}


def test_split_is_seeded_disjoint_and_standardised() -> None:
    data = load_split("yeast", {"tasks": None, "split": SPLIT})
    assert len(data.x_train) + len(data.x_val) + len(data.x_test) == 2417
    assert len(data.x_test) == round(0.15 * 2417)
    assert np.allclose(data.x_train.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(data.x_train.std(axis=0), 1, atol=1e-3)
    again = load_split("yeast", {"tasks": None, "split": SPLIT})
    assert np.array_equal(data.x_test, again.x_test)
    other = load_split("yeast", {"tasks": None, "split": SPLIT | {"seed": 1}})
    assert not np.array_equal(data.x_test, other.x_test)
    # row ids as targets (never standardised) show where every row of 2417 went
    ids = np.arange(2417, dtype=np.float64)[:, None]
    split = split_and_standardise(ids, ids, (make_task("id", "regression"),), **SPLIT)
    parts = [split.y_train[:, 0].astype(int), split.y_val[:, 0].astype(int),
             split.y_test[:, 0].astype(int)]
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(2417))  # each once
    # yeast's parts are those raw rows, standardised by the training rows' statistics
    raw, _ = yeast.load_arrays()
    mean, std = raw[parts[0]].mean(axis=0), raw[parts[0]].std(axis=0)
    for x, rows in zip((data.x_train, data.x_val, data.x_test), parts, strict=True):
        np.testing.assert_allclose(x, (raw[rows] - mean) / np.where(std > 0, std, 1),
                                   rtol=1e-5, atol=1e-5)


def test_task_subset_keeps_order_and_labels() -> None:
    full = load_split("yeast", {"tasks": None, "split": SPLIT})
    subset = load_split("yeast", {"tasks": ["Class3", "Class1"], "split": SPLIT})
    assert subset.task_names == ("Class3", "Class1")
    assert np.array_equal(subset.y_train[:, 0], full.y_train[:, 2])
    assert subset.tasks[0].kind.higher_is_better and subset.tasks[0].metric_name == "auroc"


def test_unknown_task_names_the_key_and_task() -> None:
    with pytest.raises(ValueError, match=r"datasets\.yeast\.tasks.*Class99"):
        resolve_tasks("yeast", ["Class1", "Class99"])


def test_unknown_dataset() -> None:
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        resolve_tasks("nope", None)


def test_the_digest_names_the_data_a_training_read() -> None:
    """Equal splits, equal digests; another split seed or a changed value, another one."""
    from taskgrouping.data.access import load_split

    settings = {"tasks": ["Class1", "Class2"],
                "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}}
    first, again = load_split("yeast", settings), load_split("yeast", settings)
    other = load_split("yeast", settings | {"split": settings["split"] | {"seed": 1}})
    assert first.digest() == again.digest() != other.digest()
    again.x_train[0, 0] += 1.0
    assert again.digest() != first.digest()
    assert first.profile() == {"train_rows": len(first.x_train), "val_rows": len(first.x_val),
                               "test_rows": len(first.x_test), "inputs": 103, "tasks": 2}
