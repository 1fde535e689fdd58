"""The paper's grouper: GAT auto-encoder embeddings of the task graph, clustered by a GMM.

Choices the paper leaves open, made here (docs/method.md): node features are the rows
of the similarity matrix; two dense graph-attention layers (multi-head, then one head)
whose attention is restricted to graph edges and biased by log edge weight; trained as
a graph auto-encoder that reconstructs the weighted adjacency (similarity) through
sigmoid(Z Z^T); a scikit-learn GaussianMixture on the standardised embeddings gives
at most k groups (a component may stay empty); the BIC choice of k in
[bic_k_min, bic_k_max] is reported, and used as k when the budget is 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from taskgrouping.grouping.baselines import groups_from_labels
from taskgrouping.grouping.grouper import Grouper

if TYPE_CHECKING:
    import pandas as pd


def _mixture(embedding: np.ndarray, k: int, options: dict[str, Any], seed: int):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type=options["covariance"],
                           reg_covar=options["reg_covar"], random_state=seed,
                           n_init=10).fit(embedding)


def _standardise(embedding: np.ndarray) -> np.ndarray:
    scale = embedding.std(axis=0)
    return (embedding - embedding.mean(axis=0)) / np.where(scale > 0, scale, 1.0)


def bic_k(embedding: np.ndarray, options: dict[str, Any], seed: int) -> int:
    """The number of mixture components with the lowest BIC in [bic_k_min, bic_k_max].

    With a dozen tasks a tiny variance floor lets every extra component shrink onto a
    point and BIC always picks k_max; `reg_covar` (in standardised units) prevents it.
    """
    if options["bic_k_min"] > options["bic_k_max"]:
        raise ValueError("config keys gat_gmm.bic_k_min and gat_gmm.bic_k_max: min exceeds max")
    points = _standardise(embedding)
    ks = range(min(options["bic_k_min"], len(points)), min(options["bic_k_max"], len(points)) + 1)
    return min(ks, key=lambda k: _mixture(points, k, options, seed).bic(points))


def gat_gmm_groups(similarity: pd.DataFrame, k: int, seed: int, options: dict[str, Any]
                   ) -> tuple[list[list[str]], dict[str, float]]:
    """At most k groups (k = 0: as many as BIC chooses); the BIC choice is reported."""
    from taskgrouping.grouping.gat import embed_tasks  # torch: only when it groups

    tasks = list(similarity.index)
    embedding = embed_tasks(similarity, options, seed)
    points = _standardise(embedding)
    chosen = bic_k(embedding, options, seed)
    components = min(k or chosen, len(tasks))
    labels = _mixture(points, components, options, seed).predict(points)
    return groups_from_labels(tasks, labels), {"bic_k": float(chosen)}


GROUPER = Grouper(
    description="the paper's graph-attention auto-encoder over the task graph, then a "
                "Gaussian mixture on the node embeddings",
    group=gat_gmm_groups,
    chooses_k=True,
    options={
        "hidden": {"type": "integer", "minimum": 1, "default": 16,
                   "description": "Width of each attention head of the first GAT layer."},
        "heads": {"type": "integer", "minimum": 1, "default": 4,
                  "description": "Attention heads of the first GAT layer."},
        "embedding": {"type": "integer", "minimum": 1, "default": 8,
                      "description": "Node embedding width."},
        "epochs": {"type": "integer", "minimum": 1, "default": 300,
                   "description": "Auto-encoder training epochs."},
        "learning_rate": {"type": "number", "exclusiveMinimum": 0, "default": 0.01,
                          "description": "Adam learning rate of the auto-encoder."},
        "covariance": {"type": "string", "enum": ["spherical", "diag", "tied", "full"],
                       "default": "spherical",
                       "description": "GaussianMixture covariance type."},
        "reg_covar": {"type": "number", "exclusiveMinimum": 0, "default": 0.1,
                      "description": "GaussianMixture variance floor on the standardised "
                                     "embeddings."},
        "bic_k_min": {"type": "integer", "minimum": 1, "default": 2,
                      "description": "Smallest k of the BIC choice (metric bic_k; the k of "
                                     "budget 0)."},
        "bic_k_max": {"type": "integer", "minimum": 1, "default": 8,
                      "description": "Largest k of the BIC choice (metric bic_k; the k of "
                                     "budget 0)."},
    },
)
