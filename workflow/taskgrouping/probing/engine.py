"""The whole sample-wise distance matrix in one process: fast and general paths together.

The pipeline runs the same pieces as separate jobs (probe_shared, probe_task, pair,
probe_general, affinity); this is the in-process form used by tests and benchmarks.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from taskgrouping.data.base import SplitData
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.blockwise import pairwise_half_squared, pairwise_l1
from taskgrouping.probing.distance import fast_pair_sum, layer_weights, needs_divisors, normalise
from taskgrouping.probing.general import chunk_samples, general_pair_sums
from taskgrouping.probing.layers import ProbePlan, plan_layers
from taskgrouping.probing.samplewise import backprop_signals, input_factors
from taskgrouping.probing.scaling import scaled_signals
from taskgrouping.probing.start import probe_start, probe_targets


def fast_weights(model: MultiTaskModel, x: torch.Tensor, plan: ProbePlan, kind: str
                 ) -> np.ndarray:
    """Per-sample, per-signal-column factor: ||a||_1 + 1 (l1), nnz(a) + 1 (sign) or
    ||a||_2^2 + 1 (l2)."""
    return layer_weights(plan.fast_widths, input_factors(model, x, plan, kind).cpu().numpy())


def samplewise_distances(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor,
                         plan: ProbePlan, kind: str, step_size: float, chunk_size: int,
                         scale: str = "none", balance: str = "none") -> np.ndarray:
    """T x T sample-wise distance matrix (docs/method.md), exact."""
    model.eval()
    weights = fast_weights(model, x, plan, kind)
    tasks = list(range(len(model.tasks)))
    deltas = np.stack([signals.cpu().numpy()
                       for signals in backprop_signals(model, x, y, plan, tasks)])
    scales = None
    if needs_divisors(scale, balance):
        deltas, scales = scaled_signals(model, x, y, plan, deltas, weights, kind, scale, tasks,
                                        chunk_size, balance)
    sums = general_pair_sums(model, x, y, plan, kind, chunk_size, scales)
    sums += fast_pair_sums(list(deltas), weights, kind)
    return normalise(sums, kind, len(x), sum(plan.parameter_count()), step_size)


def fast_pair_sums(deltas: list[np.ndarray], weights: np.ndarray, kind: str) -> np.ndarray:
    """Every pair's fast-path sum at once.

    Weights are positive, so for l1 sum |d_i - d_j| w = ||d_i w - d_j w||_1 (and for
    l2 sum (d_i - d_j)^2 w / 2 = ||d_i sqrt(w) - d_j sqrt(w)||_2^2 / 2): one
    blockwise cdist over the weighted signals.
    """
    if kind == "l1":
        scale = torch.from_numpy(weights.astype(np.float32))
        return pairwise_l1(torch.stack([torch.from_numpy(d) * scale for d in deltas]).flatten(1))
    if kind == "l2":
        root = torch.from_numpy(np.sqrt(weights))
        return pairwise_half_squared(
            torch.stack([torch.from_numpy(d).double() * root for d in deltas]).flatten(1))
    sums = np.zeros((len(deltas), len(deltas)))
    for i, j in itertools.combinations(range(len(deltas)), 2):
        sums[i, j] = sums[j, i] = fast_pair_sum(deltas[i], deltas[j], weights, kind)
    return sums


def samplewise_stage(data: SplitData, settings: Mapping[str, Any]) -> np.ndarray:
    """The probing stages in one process: theta0, the probe set and the distance matrix,
    drawn as probe_shared draws them (`settings`: a probe stage's config slice), on the
    targets the probe sees (`probe_targets`)."""
    probe = settings["samplewise"]
    data = probe_targets(data, settings)
    model, rows, x, y = probe_start(data, settings)
    plan = plan_layers(model, probe["layers"], probe["general_layers"])
    chunk = chunk_samples(plan, len(model.tasks), len(rows), probe["chunk_size"],
                          probe["general_memory_mb"], x.device)
    return samplewise_distances(model, x, y, plan, probe["distance"], probe["step_size"],
                                chunk, probe["scale"], probe["balance"])
