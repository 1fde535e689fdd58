"""Louvain communities of the task graph (networkx), steered towards k groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from taskgrouping.grouping.grouper import Grouper


def louvain_groups(similarity: pd.DataFrame, k: int, seed: int, options: dict[str, Any]
                   ) -> tuple[list[list[str]], dict[str, float]]:
    """Louvain at the resolution whose community count is k, else the closest below k.

    Louvain has no k; the resolution is scanned on a log grid (0.01 to 100) and the
    partition with k communities closest to resolution 1 is kept.
    """
    from networkx.algorithms.community import louvain_communities  # only when it groups

    from taskgrouping.grouping.graph import task_graph

    graph = task_graph(similarity)
    tasks = list(similarity.index)
    best: tuple[float, float, list[list[str]]] | None = None
    for resolution in np.logspace(-2, 2, 41):
        communities = louvain_communities(graph, weight="weight", resolution=resolution,
                                          seed=seed)
        count = len(communities)
        if count > k:
            continue
        key = (k - count, abs(np.log(resolution)))
        if best is None or key < best[:2]:
            groups = [[t for t in tasks if t in community] for community in communities]
            best = (*key, sorted(groups, key=lambda g: tasks.index(g[0])))
    if best is None:
        return [list(tasks)], {}
    return best[2], {}


GROUPER = Grouper(description="Louvain communities of the task graph (networkx), steered to k",
                  group=louvain_groups)
