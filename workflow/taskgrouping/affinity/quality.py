"""How well an affinity predicts what training together really does to each task.

The truth is the pair gain on test loss: G[i, j] = 1 - L_j(trained with i) / L_j(alone),
from the pair and single-task trainings that HOA or the exhaustive search run anyway.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskgrouping.grouping.standley import mean_losses, pair_gains

QUALITY_COLUMNS = ["dataset", "affinity", "spearman", "pairs"]


def true_pair_gains(trainings: list[dict[str, Any]], tasks: list[str]) -> pd.DataFrame | None:
    """Test-loss pair gains, or None when some pair or single task was not trained."""
    try:
        return pair_gains(mean_losses(trainings, key="test_loss"), tasks)
    except ValueError:
        return None


def affinity_quality(dataset: str, affinities: dict[str, pd.DataFrame],
                     gains: pd.DataFrame | None) -> pd.DataFrame:
    """Spearman correlation of each affinity with the true gains over ordered task pairs."""
    from scipy.stats import spearmanr

    if gains is None:
        return pd.DataFrame(columns=QUALITY_COLUMNS)
    off = ~np.eye(len(gains), dtype=bool)
    truth = gains.to_numpy(dtype=float)[off]
    rows = []
    for name, matrix in affinities.items():
        predicted = matrix.loc[gains.index, gains.columns].to_numpy(dtype=float)[off]
        rows.append({"dataset": dataset, "affinity": name,
                     "spearman": float(spearmanr(predicted, truth).statistic),
                     "pairs": int(off.sum())})
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)
