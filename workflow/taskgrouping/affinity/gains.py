"""Predicted pair gains from any affinity: what the network-selection objective adds up.

gain[i, j] predicts the relative loss reduction of task j when it trains with task i,
1 - L_j({i, j}) / L_j({j}): 0 means "no gain", a negative value "j is better alone"
(docs/method.md, "Affinities as gains"). Only that zero and the order matter to
`grouping.selection`: a positive factor on every gain changes no choice. The rules:

- hoa: the measured pair gains themselves (validation losses).
- tag: TAG's lookahead affinity Z[i, j] (the relative change of j's loss after a step on
  i's gradient, per unit learning rate), as TAG's own selection reads it: 0 = the step
  leaves j's loss unchanged.
- cosine: the gradient cosine: 0 = orthogonal gradients.
- an unsigned affinity computed in one process (`compute_affinity`): its similarity
  centred on the off-diagonal median.
- samplewise: the alignment a in [-1, 1] of the two tasks' fields of sample-wise steps,
  minus `samplewise.gain_zero`, the alignment at which a pair predicts no gain. With
  `distance: l2` and a `scale` (task, the default: the cosine of the tasks' stacked
  scaled steps; sample: the mean per-sample cosine) a = 1 - d / eta^2; with
  `distance: sign`, a = 1 - 2 d, the agreement of the gradient signs beyond chance. The
  raw L1 and the unscaled l2 have no such zero: there a pair closer than the median
  pair counts as a gain (the similarity minus its off-diagonal median).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from taskgrouping.affinity.matrix import clustering_similarity

if TYPE_CHECKING:
    from taskgrouping.grouping.grouper import Grouper


def grouper_input(grouper: Grouper, signed: bool, matrix: pd.DataFrame, gains: pd.DataFrame
                  ) -> pd.DataFrame:
    """What `grouper` reads of an affinity: its predicted pair gains (network selection),
    or the clustering similarity of its matrix (`signed`: 0 = no gain)."""
    return gains if grouper.reads == "gain" else clustering_similarity(matrix, signed)


def signed_gains(matrix: pd.DataFrame) -> pd.DataFrame:
    """A signed affinity (0 = no gain) as gains: the matrix, diagonal 0."""
    return _with_zero_diagonal(matrix.to_numpy(dtype=float), matrix)


def samplewise_gains(distance: pd.DataFrame, similarity: pd.DataFrame,
                     samplewise: dict[str, Any]) -> pd.DataFrame:
    """The sample-wise rule above, from the raw distance (and, for the distances without
    an absolute zero, the similarity)."""
    aligned = alignment(distance, samplewise)
    if aligned is None:
        return similarity_gains(similarity)
    return _with_zero_diagonal(aligned - samplewise["gain_zero"], distance)


def similarity_gains(similarity: pd.DataFrame) -> pd.DataFrame:
    """A similarity without an absolute zero as gains: centred on its off-diagonal median,
    so a pair more similar than the median pair counts as a gain."""
    values = similarity.to_numpy(dtype=float)
    return _with_zero_diagonal(
        values - float(np.median(values[~np.eye(len(values), dtype=bool)])), similarity)


def alignment(distance: pd.DataFrame, samplewise: dict[str, Any]) -> np.ndarray | None:
    """The steps' alignment in [-1, 1] where the distance has an absolute zero, else None."""
    d = distance.to_numpy(dtype=float)
    if samplewise["distance"] == "l2" and samplewise["scale"] != "none":
        return 1.0 - d / samplewise["step_size"] ** 2
    if samplewise["distance"] == "sign":
        return 1.0 - 2.0 * d
    return None


def _with_zero_diagonal(values: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
    values = np.array(values, dtype=float)
    np.fill_diagonal(values, 0.0)
    return pd.DataFrame(values, index=like.index, columns=like.columns)
