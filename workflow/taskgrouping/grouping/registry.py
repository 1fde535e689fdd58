"""Groupers by name: similarity matrix, budget k, seed, options -> (groups, info)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

Grouper = Callable[[pd.DataFrame, int, int, dict[str, Any]],
                   tuple[list[list[str]], dict[str, float]]]


def grouper(name: str) -> Grouper:
    """Import only the grouper asked for (the GAT one needs torch)."""
    if name == "gat_gmm":
        from taskgrouping.grouping.gat_gmm import gat_gmm_groups

        return gat_gmm_groups
    if name == "spectral":
        from taskgrouping.grouping.spectral import spectral_groups

        return spectral_groups
    if name == "louvain":
        from taskgrouping.grouping.louvain import louvain_groups

        return louvain_groups
    if name == "select":
        from taskgrouping.grouping.selection import select_groups

        return select_groups
    raise ValueError(f"unknown grouper {name!r}; known: gat_gmm, spectral, louvain, select")
