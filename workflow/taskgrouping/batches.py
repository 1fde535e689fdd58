"""Which task subsets one train_group job trains: batches that stay put.

A job trains several subsets, each at every seed, so that the interpreter's and torch's
start-up and the data load are paid once per batch, not once per subset. A subset's
batch is fixed by a hash of its name, not by its position in a list: the subsets are
dealt into a power of two of batches, about `size` each, by that hash. A new or dropped
subset then changes the batch it falls in and no other (so a changed group retrains one
batch), until the number of subsets crosses a power-of-two step and every batch is cut
anew.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

AUTO_BATCH = 8  # subsets per job for train_batch: null (each trained at every seed)


def batch_size(option: int | None) -> int:
    """Subsets per batch on average: the config's `train_batch`, or AUTO_BATCH for null."""
    return option or AUTO_BATCH


def _name_hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def training_batches(subsets: Iterable[str], size: int) -> list[list[str]]:
    """`subsets` (names) dealt into batches of `size` on average (1: one subset each)."""
    if size < 1:
        raise ValueError(f"config key train_batch: {size} subsets per job; use 1 or more")
    names = sorted(set(subsets))
    if size == 1 or len(names) <= 1:
        return [[name] for name in names]
    count = 2 ** max(round(math.log2(len(names) / size)), 0)
    batches: list[list[str]] = [[] for _ in range(count)]
    for name in names:
        batches[_name_hash(name) % count].append(name)
    return [batch for batch in batches if batch]
