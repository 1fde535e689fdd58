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

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from taskgrouping.grouping.baselines import groups_from_labels
from taskgrouping.grouping.grouper import Grouper
from taskgrouping.optimiser import Adam
from taskgrouping.progress import progress


class DenseGATLayer(nn.Module):
    """Graph attention (Velickovic et al. 2018) on a dense weighted adjacency matrix."""

    def __init__(self, in_dim: int, out_dim: int, heads: int) -> None:
        super().__init__()
        self.heads, self.out_dim = heads, out_dim
        self.linear = nn.Linear(in_dim, heads * out_dim, bias=False)
        self.att_src = nn.Parameter(torch.empty(heads, out_dim))
        self.att_dst = nn.Parameter(torch.empty(heads, out_dim))
        nn.init.xavier_uniform_(self.att_src)
        nn.init.xavier_uniform_(self.att_dst)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        """Node features (T x in) to (T x heads*out), attending along weighted edges."""
        h = self.linear(x).view(len(x), self.heads, self.out_dim)
        source = (h * self.att_src).sum(-1)  # T x heads
        target = (h * self.att_dst).sum(-1)
        logits = F.leaky_relu(target.T.unsqueeze(2) + source.T.unsqueeze(1), 0.2)
        logits = logits + torch.log(adjacency).unsqueeze(0)  # -inf off the graph
        attention = torch.softmax(logits, dim=2)  # heads x T x T
        out = torch.einsum("hij,jhd->ihd", attention, h)
        return out.reshape(len(x), self.heads * self.out_dim)


class GraphAutoEncoder(nn.Module):
    def __init__(self, tasks: int, hidden: int, heads: int, embedding: int) -> None:
        super().__init__()
        self.first = DenseGATLayer(tasks, hidden, heads)
        self.second = DenseGATLayer(hidden * heads, embedding, 1)

    def forward(self, features: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return self.second(F.elu(self.first(features, adjacency)), adjacency)


def embed_tasks(similarity: pd.DataFrame, options: dict[str, Any], seed: int) -> np.ndarray:
    """Node embeddings (T x embedding) of a GAT auto-encoder trained on the task graph."""
    torch.manual_seed(seed)
    values = torch.tensor(similarity.to_numpy(dtype=np.float32))
    values = (values + values.T) / 2
    adjacency = values.clamp(min=0).fill_diagonal_(1.0)  # self-loops keep every row finite
    model = GraphAutoEncoder(len(values), options["hidden"], options["heads"],
                             options["embedding"])
    optimiser = Adam(model.parameters(), lr=options["learning_rate"])
    for _ in progress(range(options["epochs"]), "GAT epochs"):
        optimiser.zero_grad()
        embedding = model(values, adjacency)
        loss = F.mse_loss(torch.sigmoid(embedding @ embedding.T), adjacency)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        return model(values, adjacency).numpy().astype(np.float64)


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
