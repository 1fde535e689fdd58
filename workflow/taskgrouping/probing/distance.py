"""Pair distances on probed signals (numpy only, so a pair job starts fast).

Sums, not means: the affinity stage adds the fast and general parts and divides by n
(and, for the sign variant, by the number of probed parameters). For l2 a pair's sum is
sum_s 1/2 ||g_i(s) - g_j(s)||_2^2, which adds over parameters like the L1; the scaled
variants' signals come already divided (`taskgrouping.probing.scaling`).
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

Sums = TypeVar("Sums", float, np.ndarray)  # one pair's sum, or a matrix of them

DISTANCES = ("l1", "l2", "sign")


def needs_divisors(scale: str, balance: str = "none") -> bool:
    """Whether gradients are divided by a scale or weighted before any pair is compared
    (`taskgrouping.probing.scaling`)."""
    return scale != "none" or balance != "none"


def layer_weights(widths: list[int], per_layer: np.ndarray) -> np.ndarray:
    """Expand per-sample, per-layer factors (n x layers) to one factor per signal column."""
    return np.repeat(per_layer.astype(np.float64) + 1.0, widths, axis=1)


def fast_pair_sum(delta_i: np.ndarray, delta_j: np.ndarray, weights: np.ndarray,
                  kind: str) -> float:
    """Sum over samples and fast-path parameters of |g_i - g_j| (l1), [sign differs] (sign)
    or 1/2 (g_i - g_j)^2 (l2).

    `weights` is `layer_weights` of ||a||_1 (l1), nnz(a) (sign) or ||a||_2^2 (l2).
    """
    if delta_i.shape != delta_j.shape:
        raise ValueError(f"signal shapes differ: {delta_i.shape} vs {delta_j.shape}")
    if kind == "l1":
        difference = np.abs(delta_i.astype(np.float64) - delta_j.astype(np.float64))
    elif kind == "l2":
        difference = (delta_i.astype(np.float64) - delta_j.astype(np.float64)) ** 2 / 2
    elif kind == "sign":
        difference = (np.sign(delta_i) != np.sign(delta_j)).astype(np.float64)
    else:
        raise ValueError(f"unknown distance {kind!r}; known: {DISTANCES}")
    return float((difference * weights).sum())


def tile_pair_sums(first: np.ndarray, second: np.ndarray, weights: np.ndarray, kind: str,
                   same: bool) -> list[tuple[int, int, float]]:
    """`fast_pair_sum` of every pair of a tile: (i, j, sum) for task i of `first` and j of
    `second` (block x samples x signal columns each); within one block (`same`), i < j.

    Each task's signals are weighted (l1, l2) or signed (sign) once, not once per pair.
    """
    if kind not in DISTANCES:
        raise ValueError(f"unknown distance {kind!r}; known: {DISTANCES}")
    if first.shape[1:] != second.shape[1:]:
        raise ValueError(f"signal shapes differ: {first.shape[1:]} vs {second.shape[1:]}")

    def prepared(block: np.ndarray) -> np.ndarray:
        values = block.astype(np.float64)
        if kind == "l1":
            return values * weights
        return values * np.sqrt(weights) if kind == "l2" else np.sign(values)

    left = prepared(first)
    right = left if same else prepared(second)
    sums = []
    for i in range(len(left)):
        for j in range(i + 1 if same else 0, len(right)):
            if kind == "l1":
                total = np.abs(left[i] - right[j]).sum()
            elif kind == "l2":
                total = ((left[i] - right[j]) ** 2).sum() / 2
            else:
                total = ((left[i] != right[j]) * weights).sum()
            sums.append((i, j, float(total)))
    return sums


def normalise(total: Sums, kind: str, n: int, parameters: int, step_size: float) -> Sums:
    """eta/n * L1 sum (l1), eta^2/n * half squared L2 sum (l2: half the mean squared
    distance of the optima), or the mean fraction of parameters whose signs differ (sign)."""
    if kind == "l1":
        return step_size * total / n
    if kind == "l2":
        return step_size**2 * total / n
    return total / (n * parameters)
