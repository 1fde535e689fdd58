"""The paper's graph-attention auto-encoder: node embeddings of the task graph.

Two dense graph-attention layers (multi-head, then one head) whose attention is
restricted to graph edges and biased by log edge weight, trained to reconstruct the
weighted adjacency (similarity) through sigmoid(Z Z^T); taskgrouping.grouping.gat_gmm
clusters the embeddings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

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
