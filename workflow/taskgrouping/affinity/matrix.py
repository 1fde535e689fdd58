"""Task-by-task matrices: pair distances assembled, and turned into similarities."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def distance_matrix(tasks: list[str], pair_distances: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Symmetric T x T distance matrix with a zero diagonal; every pair must be present."""
    matrix = pd.DataFrame(0.0, index=tasks, columns=tasks)
    for i, first in enumerate(tasks):
        for second in tasks[i + 1 :]:
            key = (first, second) if (first, second) in pair_distances else (second, first)
            if key not in pair_distances:
                raise ValueError(f"no distance for task pair ({first}, {second})")
            matrix.loc[first, second] = matrix.loc[second, first] = pair_distances[key]
    return matrix


def _median_off_diagonal(distance: np.ndarray) -> float:
    off = distance[~np.eye(len(distance), dtype=bool)]
    scale = float(np.median(off))
    return scale if scale > 0 else 1.0


# distance, the median off-diagonal distance -> similarity
TRANSFORMS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "exp_median": lambda distance, median: np.exp(-distance / median),
    "inverse": lambda distance, median: 1.0 / (1.0 + distance / median),
}


def similarity_matrix(distance: pd.DataFrame, transform: str) -> pd.DataFrame:
    """Similarity in (0, 1], 1 on the diagonal; larger means the tasks train well together."""
    values = distance.to_numpy(dtype=float)
    similarity = TRANSFORMS[transform](values, _median_off_diagonal(values))
    return pd.DataFrame(similarity, index=distance.index, columns=distance.columns)


def similarity_at(distance: pd.DataFrame, value: float, transform: str) -> float:
    """The similarity `similarity_matrix` gives a pair at distance `value` in this matrix
    (the transform is relative to its median distance)."""
    median = _median_off_diagonal(distance.to_numpy(dtype=float))
    return float(TRANSFORMS[transform](np.asarray(value, dtype=float), median))


def read_matrix(path: str) -> pd.DataFrame:
    """A matrix CSV as written by the affinity stage: task names as header and index."""
    matrix = pd.read_csv(path, index_col=0)
    if list(matrix.index) != list(matrix.columns):
        raise ValueError(f"{path}: rows and columns must name the same tasks in the same order")
    return matrix


def clustering_similarity(affinity: pd.DataFrame, signed: bool) -> pd.DataFrame:
    """A symmetric, non-negative graph for the clustering groupers, from any affinity.

    Signed affinities (TAG, cosine, HOA) are directed and on no common scale: the mean of
    both directions, rescaled min-max over the off-diagonal to [0, 1] (order kept), always,
    so the graph does not hinge on whether one entry happens to be negative. (An
    exponential weighting exp((g - max g) / std g), which weighs a harmful pair near 0,
    clustered Standley's true pair gains better but TAG's and the cosine's worse on the
    pipeline's validation losses: docs/results.md.) Sample-wise similarities, already
    symmetric in (0, 1], pass unchanged. The diagonal is 1.
    """
    values = affinity.to_numpy(dtype=float)
    values = (values + values.T) / 2
    if signed:
        off = values[~np.eye(len(values), dtype=bool)]
        low, high = off.min(), off.max()
        values = (values - low) / (high - low) if high > low else np.ones_like(values)
    np.fill_diagonal(values, 1.0)
    return pd.DataFrame(values, index=affinity.index, columns=affinity.columns)


def write_matrix(path: str, matrix: pd.DataFrame) -> None:
    """The CSV `read_matrix` reads, written atomically."""
    from taskgrouping.fileio import write_with

    write_with(path, lambda tmp: matrix.to_csv(tmp, float_format="%.8g"))
