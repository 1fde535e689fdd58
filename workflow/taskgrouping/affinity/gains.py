"""Predicted pair gains from any affinity: what the network-selection objective adds up.

gain[i, j] predicts the relative loss reduction of task j when it trains with task i,
1 - L_j({i, j}) / L_j({j}): 0 means "no gain", a negative value "j is better alone"
(docs/method.md, "Affinities as gains"). A positive factor on every gain changes no
choice of `grouping.selection`; the zero and the shape do. The rules:

- hoa: the measured pair gains themselves (validation losses).
- tag: TAG's lookahead affinity Z[i, j] (the relative change of j's loss after a step on
  i's gradient, per unit learning rate), as TAG's own selection reads it: 0 = the step
  leaves j's loss unchanged.
- cosine: the gradient cosine: 0 = orthogonal gradients.
- any other unsigned affinity (a similarity, `similarity_gains`): its similarity
  centred on the off-diagonal median.
- samplewise: the similarity minus the similarity of two tasks whose steps are aligned
  by `samplewise.gain_zero` (default 0: orthogonal steps). The alignment a in [-1, 1] of
  two tasks' fields of sample-wise steps is 1 - d / eta^2 with `distance: l2` and a
  `scale` (task, the default: the cosine of the tasks' stacked scaled steps; sample: the
  mean per-sample cosine) and 1 - 2 d with `distance: sign` (the agreement of the
  gradient signs beyond chance). With exp_median the gain is then proportional to
  exp((a - gain_zero) / m) - 1, m the median distance: aligned steps gain, opposed ones
  predict "better apart", and the similarity's convex shape lets strongly aligned pairs
  weigh most (chosen on validation losses over the linear a - gain_zero:
  benchmarks/gain_rule.py). The raw L1 and the unscaled l2 have no such zero: there a
  pair closer than the median pair counts as a gain (the similarity minus its
  off-diagonal median).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from taskgrouping.affinity.matrix import clustering_similarity, similarity_at

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
    """The sample-wise rule above: the similarity minus the similarity of a pair whose steps
    align by `gain_zero` (its distance: `neutral_distance`), or minus the median similarity
    where the distance has no absolute zero."""
    neutral = neutral_distance(samplewise)
    if neutral is None:
        return similarity_gains(similarity)
    zero = similarity_at(distance, neutral, samplewise["transform"])
    return _with_zero_diagonal(similarity.to_numpy(dtype=float) - zero, similarity)


def similarity_gains(similarity: pd.DataFrame) -> pd.DataFrame:
    """A similarity without an absolute zero as gains: centred on its off-diagonal median,
    so a pair more similar than the median pair counts as a gain."""
    values = similarity.to_numpy(dtype=float)
    return _with_zero_diagonal(
        values - float(np.median(values[~np.eye(len(values), dtype=bool)])), similarity)


def neutral_distance(samplewise: dict[str, Any]) -> float | None:
    """The distance of two tasks whose steps align by `gain_zero` (alignment a in [-1, 1]:
    d = eta^2 (1 - a) for l2 with a scale, d = (1 - a) / 2 for sign), or None where the
    distance has no absolute zero (the raw l1, the unscaled l2)."""
    zero = samplewise["gain_zero"]
    if samplewise["distance"] == "l2" and samplewise["scale"] != "none":
        return samplewise["step_size"] ** 2 * (1.0 - zero)
    if samplewise["distance"] == "sign":
        return (1.0 - zero) / 2.0
    return None


def _with_zero_diagonal(values: np.ndarray, like: pd.DataFrame) -> pd.DataFrame:
    values = np.array(values, dtype=float)
    np.fill_diagonal(values, 0.0)
    return pd.DataFrame(values, index=like.index, columns=like.columns)
