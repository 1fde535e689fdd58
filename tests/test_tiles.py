"""Tiles of the pair matrix: every pair once, the same sums as one pair at a time."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from taskgrouping.probing.distance import fast_pair_sum, layer_weights, tile_pair_sums


@pytest.mark.parametrize("kind", ["l1", "l2", "sign"])
def test_tile_sums_equal_the_pair_by_pair_sums(kind) -> None:
    rng = np.random.default_rng(0)
    deltas = rng.normal(size=(5, 12, 7)).astype(np.float32)
    deltas[deltas > 1.2] = 0.0  # zero signals: equal signs for the sign variant
    weights = layer_weights([3, 4], rng.uniform(0, 2, size=(12, 2)))
    blocks = [deltas[:2], deltas[2:]]
    found = {}
    for (a, first), (b, second) in itertools.combinations_with_replacement(enumerate(blocks), 2):
        offset_a, offset_b = 2 * a, 2 * b
        for i, j, total in tile_pair_sums(first, second, weights, kind, same=a == b):
            key = (offset_a + i, offset_b + j)
            assert key not in found and key[0] < key[1]
            found[key] = total
    assert sorted(found) == list(itertools.combinations(range(5), 2))
    for (i, j), total in found.items():
        assert total == pytest.approx(fast_pair_sum(deltas[i], deltas[j], weights, kind),
                                      rel=1e-12)


def test_a_tile_refuses_signals_of_different_shapes() -> None:
    weights = np.ones((4, 3))
    with pytest.raises(ValueError, match="signal shapes differ"):
        tile_pair_sums(np.zeros((1, 4, 3)), np.zeros((1, 4, 2)), weights, "l1", same=False)


def test_the_default_block_is_one_job_up_to_64_tasks_and_8_blocks_beyond() -> None:
    from taskgrouping.probing.tiles import task_blocks, tiles

    names = [f"t{i:03d}" for i in range(200)]
    assert list(task_blocks(names[:64], None).values()) == [names[:64]]
    assert [len(b) for b in task_blocks(names[:100], None).values()] == [64, 36]
    assert len(task_blocks(names, None)) == 4 and len(task_blocks(names * 3, None)) == 8
    assert [len(b) for b in task_blocks(names[:5], 2).values()] == [2, 2, 1]
    assert tiles(task_blocks(names[:5], 2)) == [("b000", "b000"), ("b000", "b001"),
                                                ("b000", "b002"), ("b001", "b001"),
                                                ("b001", "b002")]
    pairs = {(a, b) for first, second in tiles(task_blocks(names[:9], 4))
             for a in task_blocks(names[:9], 4)[first]
             for b in task_blocks(names[:9], 4)[second] if a < b}
    assert pairs == set(itertools.combinations(names[:9], 2))
