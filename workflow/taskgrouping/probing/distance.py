"""The pair distance on probed signals (numpy only, so a pair job starts fast)."""

from __future__ import annotations

import numpy as np


def pair_distance(signals_i: np.ndarray, signals_j: np.ndarray, step_size: float) -> float:
    """d(i, j) = eta * mean over samples of the L1 distance of the sample-wise optima.

    `signals_*` are n x sum-of-widths matrices of deltas scaled by (||a||_1 + 1), so the
    row-wise L1 equals the L1 between the full per-sample gradients.
    """
    if signals_i.shape != signals_j.shape:
        raise ValueError(f"signal shapes differ: {signals_i.shape} vs {signals_j.shape}")
    difference = signals_i.astype(np.float64) - signals_j.astype(np.float64)
    return float(step_size * np.abs(difference).sum(axis=1).mean())
