"""Scale-free sample-wise distances: each task's per-sample gradient divided by a known scale.

A task's per-sample gradient g_i(s) = r_i(s) J_i(s) carries the size of its loss
derivative r_i(s), which follows the task's label base rate and loss level, not its
relatedness to other tasks, so the raw distance (the paper's L1) ranks pairs by scale.
Dividing by a scale known before any pair is compared keeps every pair sum additive
over parameters, so both probing paths stay exact. In the norm of the distance
(L1 for l1, L2 for l2):

- scale `task`: g_i(s) / m_i, m_i the task's mean norm over the probe set (l1:
  mean_s ||g_i(s)||_1; l2: the root mean square sqrt(mean_s ||g_i(s)||_2^2));
- scale `sample`: g_i(s) / ||g_i(s)||, each sample's step direction.

With l2 the pair sum is sum_s 1/2 ||ghat_i(s) - ghat_j(s)||_2^2: with scale `sample` it is
sum_s (1 - cos(g_i(s), g_j(s))), the direction-only distance; with scale `task`, n times
1 - <G_i, G_j> / (||G_i|| ||G_j||), G_i the task's n per-sample gradients stacked.

Norms add over the two paths (squared norms for l2): on the fast path
||g_i(s)||_1 = sum_cols |delta| (||a||_1 + 1) and ||g_i(s)||_2^2 = sum_cols delta^2
(||a||_2^2 + 1). A zero gradient stays zero (its divisor is 1).

With `balance: classes` each binary task's per-sample gradients are first weighted so its
positives and its negatives weigh half each in total (a positive 1 / (2p), a negative
1 / (2 (1 - p)), p the task's positive rate on the probe set): a rare label's many
negatives, whose steps every rare label shares, then cannot decide its steps. The weight
is one more known per-sample factor, folded into the divisor (w g / m(w g) = g / (m / w)).
"""

from __future__ import annotations

import numpy as np
import torch

from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.general import per_sample_gradients
from taskgrouping.probing.layers import ProbePlan
from taskgrouping.tasks import split_targets


def class_weights(model: MultiTaskModel, y: torch.Tensor, task_indices: list[int],
                  balance: str) -> np.ndarray:
    """tasks x samples weights of the per-sample gradients: with `classes`, a binary task's
    positives weigh 1 / (2p) and its negatives 1 / (2 (1 - p)); everything else 1."""
    weights = np.ones((len(task_indices), len(y)))
    if balance == "none":
        return weights
    targets = split_targets(model.tasks, y)
    for row, t in enumerate(task_indices):
        if model.tasks[t].kind.name != "binary":
            continue
        labels = targets[t].reshape(len(y)).double().cpu().numpy()
        known = ~np.isnan(labels)
        positive = known & (labels == 1)
        rate = positive.sum() / max(known.sum(), 1)
        if 0 < rate < 1:
            weights[row, positive] = 0.5 / rate
            weights[row, known & ~positive] = 0.5 / (1 - rate)
    return weights


def fast_norms(signals: np.ndarray, weights: np.ndarray, kind: str) -> np.ndarray:
    """Per task and sample, the fast path's share of ||g||_1 (l1) or ||g||_2^2 (l2).

    `signals`: tasks x samples x columns; `weights`: `layer_weights` of ||a||_1 (l1) or
    of ||a||_2^2 (l2).
    """
    values = signals.astype(np.float64)
    if kind == "l2":
        return (values**2 * weights).sum(axis=2)
    return (np.abs(values) * weights).sum(axis=2)


def general_norms(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, plan: ProbePlan,
                  kind: str, task_indices: list[int], chunk_size: int) -> np.ndarray:
    """Per task and sample, the general path's share of ||g||_1 (l1) or ||g||_2^2 (l2)."""
    norms = np.zeros((len(task_indices), len(x)))
    params = {name: p.detach() for name, p in plan.general_parameters.items()}
    if not params:
        return norms
    for start in range(0, len(x), chunk_size):
        xs, ys = x[start : start + chunk_size], y[start : start + chunk_size]
        targets = split_targets(model.tasks, ys)
        for row, t in enumerate(task_indices):
            grads = per_sample_gradients(model, params, xs, targets[t], t).double()
            share = (grads**2).sum(dim=1) if kind == "l2" else grads.abs().sum(dim=1)
            norms[row, start : start + len(xs)] = share.cpu().numpy()
    return norms


def divisors(norms: np.ndarray, kind: str, scale: str) -> np.ndarray:
    """tasks x samples divisors of the per-sample gradients, from their summed norms
    (squared for l2)."""
    if kind not in ("l1", "l2") or scale not in ("task", "sample"):
        raise ValueError(f"no divisors for distance {kind!r} with scale {scale!r}")
    values = norms.mean(axis=1, keepdims=True) if scale == "task" else norms
    values = np.sqrt(values) if kind == "l2" else values.copy()
    values = np.broadcast_to(values, norms.shape).copy()
    values[values <= 0] = 1.0
    return values


def scaled_signals(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, plan: ProbePlan,
                   signals: np.ndarray, weights: np.ndarray, kind: str, scale: str,
                   task_indices: list[int], chunk_size: int, balance: str = "none"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The tasks' fast-path signals divided by their per-sample divisors, and the divisors
    (tasks x samples): the class weights' inverse times the scale of the weighted
    gradients, from both paths' norms."""
    found = 1.0 / class_weights(model, y, task_indices, balance)
    if scale != "none":
        norms = fast_norms(signals, weights, kind)
        norms += general_norms(model, x, y, plan, kind, task_indices, chunk_size)
        norms /= found**2 if kind == "l2" else found  # the weighted gradients' norms
        found *= divisors(norms, kind, scale)
    return (signals / found[:, :, None]).astype(np.float32), found
