"""The probe set: which training rows every task is probed on (numpy and, to stratify,
scikit-learn; no torch, so the data check before any job draws it cheaply)."""

from __future__ import annotations

import numpy as np


def pool_rarest(strata: np.ndarray, limit: int) -> np.ndarray:
    """Strata as given when there are at most `limit`; else the limit - 1 most common
    kept and the rest pooled into one (ties broken by stratum value: deterministic)."""
    values, counts = np.unique(strata, return_counts=True)
    if len(values) <= limit:
        return strata
    kept = values[np.argsort(-counts, kind="stable")[:limit - 1]]
    return np.where(np.isin(strata, kept), strata, values.min() - 1)


def probe_indices(y: np.ndarray, n: int, seed: int, stratify: bool) -> np.ndarray:
    """n training rows, drawn by seed; stratified over label combinations if asked.

    `y` holds the class labels to stratify over (none: a plain random draw).
    Label combinations seen fewer than twice are pooled into one stratum (and that into
    the largest one if it is still a singleton), as stratified sampling needs two. A
    stratified draw also needs at most as many strata as rows drawn and left: beyond
    that (10 balanced binary tasks make 1,024 combinations) the rarest combinations are
    pooled too, and the common ones stay stratified.
    """
    if n >= len(y):
        return np.arange(len(y))
    if not stratify or y.shape[1] == 0:
        return np.sort(np.random.default_rng(seed).choice(len(y), size=n, replace=False))
    from sklearn.model_selection import StratifiedShuffleSplit

    _, strata, counts = np.unique(y, axis=0, return_inverse=True, return_counts=True)
    strata = strata.ravel()
    rare = counts[strata] < 2
    strata[rare] = -1
    if rare.sum() == 1:
        strata[rare] = np.bincount(strata[~rare]).argmax()
    strata = pool_rarest(strata, min(n, len(y) - n))
    splitter = StratifiedShuffleSplit(n_splits=1, train_size=n, random_state=seed)
    try:
        chosen, _ = next(splitter.split(np.zeros(len(y)), strata))
    except ValueError as err:
        raise ValueError(f"config key samplewise.probe_samples: cannot stratify {n} "
                         f"samples over {len(np.unique(strata))} label strata ({err})") from err
    return np.sort(chosen)
