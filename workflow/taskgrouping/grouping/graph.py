"""The task graph: tasks are nodes, edges carry the pairwise similarity."""

from __future__ import annotations

import networkx as nx
import pandas as pd


def task_graph(similarity: pd.DataFrame) -> nx.Graph:
    """A complete weighted graph over the tasks (self-similarity is not an edge)."""
    graph = nx.Graph()
    tasks = list(similarity.index)
    graph.add_nodes_from(tasks)
    for i, first in enumerate(tasks):
        for second in tasks[i + 1 :]:
            weight = float(similarity.loc[first, second] + similarity.loc[second, first]) / 2
            if weight > 0:
                graph.add_edge(first, second, weight=weight)
    return graph


def nodes_only(tasks: list[str]) -> nx.Graph:
    """The task graph of a method that measures no affinity: nodes, no edges."""
    graph = nx.Graph()
    graph.add_nodes_from(tasks)
    return graph
