"""Candidate clustering graphs of a signed affinity (the pipeline's is min-max), shared by
benchmarks/gain_rule.py and benchmarks/ground_truth.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskgrouping.affinity.matrix import clustering_similarity


def _symmetric_off(matrix: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    values = matrix.to_numpy(dtype=float)
    values = (values + values.T) / 2
    return values, ~np.eye(len(values), dtype=bool)


def _exponential(matrix: pd.DataFrame) -> pd.DataFrame:
    """exp((g - max g) / std g) of the symmetrised g: a harmful pair weighs near 0."""
    values, off = _symmetric_off(matrix)
    spread = values[off].std()
    values = np.exp((values - values[off].max()) / spread) if spread > 0 else np.ones_like(
        values)
    np.fill_diagonal(values, 1.0)
    return pd.DataFrame(values, index=matrix.index, columns=matrix.columns)


def _rank(matrix: pd.DataFrame) -> pd.DataFrame:
    """Each pair's rank among the pairs over their count: order only."""
    from scipy.stats import rankdata

    values, off = _symmetric_off(matrix)
    ranked = np.ones_like(values)
    ranked[off] = rankdata(values[off]) / off.sum()
    return pd.DataFrame(ranked, index=matrix.index, columns=matrix.columns)


# The clustering graph of a signed affinity: the pipeline's (min-max), then the candidates.
SIMILARITIES = {"minmax": lambda m: clustering_similarity(m, True), "exp": _exponential,
                "rank": _rank}
