"""Spectral clustering of the task similarity matrix (scikit-learn)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskgrouping.grouping.baselines import groups_from_labels
from taskgrouping.grouping.grouper import Grouper


def spectral_groups(similarity: pd.DataFrame, k: int, seed: int, options: dict
                    ) -> tuple[list[list[str]], dict[str, float]]:
    """k groups of tasks that are similar to each other, deterministic by seed."""
    from sklearn.cluster import SpectralClustering

    tasks = list(similarity.index)
    if k >= len(tasks):
        return [[task] for task in tasks], {}
    affinity = similarity.to_numpy(dtype=float)
    affinity = (affinity + affinity.T) / 2
    labels = SpectralClustering(
        n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="cluster_qr"
    ).fit_predict(affinity)
    groups = groups_from_labels(tasks, np.asarray(labels))
    if len(groups) != k:
        raise ValueError(f"spectral clustering returned {len(groups)} groups, asked for {k}")
    return groups, {}


GROUPER = Grouper(description="spectral clustering of the similarity matrix (scikit-learn)",
                  group=spectral_groups)
