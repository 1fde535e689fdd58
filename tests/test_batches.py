"""Batches of task subsets for train_group jobs: sized as asked, stable under change."""

import pytest

from taskgrouping.batches import AUTO_BATCH, batch_size, training_batches
from taskgrouping.subsets import all_subsets, subset_name

TASKS = [f"t{i}" for i in range(8)]
NAMES = [subset_name(s, TASKS) for s in all_subsets(TASKS, max_size=2)]  # 36 subsets


def test_every_subset_is_in_exactly_one_batch_of_about_the_size() -> None:
    batches = training_batches(NAMES, 8)
    assert sorted(name for batch in batches for name in batch) == sorted(NAMES)
    assert len(batches) == 4  # 36 / 8 is nearest 2^2
    assert all(3 <= len(batch) <= 16 for batch in batches), [len(b) for b in batches]


def test_one_per_batch_and_the_automatic_size() -> None:
    assert training_batches(NAMES, 1) == [[name] for name in sorted(NAMES)]
    assert batch_size(None) == AUTO_BATCH and batch_size(3) == 3
    assert training_batches(NAMES[:5], 8) == [sorted(NAMES[:5])]
    assert training_batches([], 8) == []
    with pytest.raises(ValueError, match="train_batch"):
        training_batches(NAMES, 0)


def test_a_new_subset_changes_its_own_batch_only() -> None:
    before = training_batches(NAMES, 8)
    after = training_batches([*NAMES, "t0__t1__t2"], 8)
    changed = [batch for batch in after if batch not in before]
    assert len(changed) == 1 and "t0__t1__t2" in changed[0]
    assert len([batch for batch in before if batch not in after]) == 1


def test_the_batches_do_not_depend_on_the_order_given() -> None:
    assert training_batches(reversed(NAMES), 8) == training_batches(NAMES, 8)
