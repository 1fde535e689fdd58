"""Pair distances on probed signals (numpy only, so a pair job starts fast).

Sums, not means: the affinity stage adds the fast and general parts and divides by n
(and, for the sign variant, by the number of probed parameters).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

Sums = TypeVar("Sums")

DISTANCES = ("l1", "sign")


def layer_weights(widths: list[int], per_layer: np.ndarray) -> np.ndarray:
    """Expand per-sample, per-layer factors (n x layers) to one factor per signal column."""
    return np.repeat(per_layer.astype(np.float64) + 1.0, widths, axis=1)


def fast_pair_sum(delta_i: np.ndarray, delta_j: np.ndarray, weights: np.ndarray,
                  kind: str) -> float:
    """Sum over samples and fast-path parameters of |g_i - g_j| (l1) or [sign differs] (sign).

    `weights` is `layer_weights` of ||a||_1 (l1) or of nnz(a) (sign).
    """
    if delta_i.shape != delta_j.shape:
        raise ValueError(f"signal shapes differ: {delta_i.shape} vs {delta_j.shape}")
    if kind == "l1":
        difference = np.abs(delta_i.astype(np.float64) - delta_j.astype(np.float64))
    elif kind == "sign":
        difference = (np.sign(delta_i) != np.sign(delta_j)).astype(np.float64)
    else:
        raise ValueError(f"unknown distance {kind!r}; known: {DISTANCES}")
    return float((difference * weights).sum())


def tile_pair_sums(first: np.ndarray, second: np.ndarray, weights: np.ndarray, kind: str,
                   same: bool) -> list[tuple[int, int, float]]:
    """`fast_pair_sum` of every pair of a tile: (i, j, sum) for task i of `first` and j of
    `second` (block x samples x signal columns each); within one block (`same`), i < j.

    Each task's signals are weighted (l1) or signed (sign) once, not once per pair.
    """
    if kind not in DISTANCES:
        raise ValueError(f"unknown distance {kind!r}; known: {DISTANCES}")
    if first.shape[1:] != second.shape[1:]:
        raise ValueError(f"signal shapes differ: {first.shape[1:]} vs {second.shape[1:]}")

    def prepared(block: np.ndarray) -> np.ndarray:
        values = block.astype(np.float64)
        return values * weights if kind == "l1" else np.sign(values)

    left = prepared(first)
    right = left if same else prepared(second)
    sums = []
    for i in range(len(left)):
        for j in range(i + 1 if same else 0, len(right)):
            if kind == "l1":
                total = np.abs(left[i] - right[j]).sum()
            else:
                total = ((left[i] != right[j]) * weights).sum()
            sums.append((i, j, float(total)))
    return sums


def normalise(total: Sums, kind: str, n: int, parameters: int, step_size: float) -> Sums:
    """eta/n * L1 sum (l1), or the mean fraction of parameters whose signs differ (sign)."""
    if kind == "l1":
        return step_size * total / n  # type: ignore[operator]
    return total / (n * parameters)  # type: ignore[operator]
