"""TAG's lookahead and the gradient cosine against a hand computation on a tiny model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from taskgrouping.affinity.lookahead import LookaheadAffinity, lookahead
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.tasks import BINARY, Task


def _tiny_model() -> MultiTaskModel:
    """Shared h = w.x + b (no activation), heads z_j = a_j h + c_j: all by hand below."""
    tasks = (Task("p", BINARY), Task("q", BINARY))
    model = MultiTaskModel(nn.Linear(2, 1), 1, tasks).double()
    with torch.no_grad():
        model.encoder.weight.copy_(torch.tensor([[0.5, -0.3]], dtype=torch.float64))
        model.encoder.bias.fill_(0.1)
        for head, (a, c) in zip(model.heads, [(1.5, -0.2), (-0.7, 0.4)], strict=True):
            head.weight.fill_(a)
            head.bias.fill_(c)
    return model


def _bce(z: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _by_hand(x: np.ndarray, y: np.ndarray, lr: float) -> tuple[np.ndarray, np.ndarray]:
    w, b = np.array([0.5, -0.3]), 0.1
    heads = [(1.5, -0.2), (-0.7, 0.4)]

    def loss(j: int, w_: np.ndarray, b_: float) -> float:
        a, c = heads[j]
        return _bce(a * (x @ w_ + b_) + c, y[:, j])

    grads = []
    for j, (a, c) in enumerate(heads):
        residual = _sigmoid(a * (x @ w + b) + c) - y[:, j]  # dL/dz per sample
        grads.append((np.mean(residual[:, None] * a * x, axis=0), np.mean(residual * a)))
    tag = np.array([[(1 - loss(j, w - lr * gw, b - lr * gb) / loss(j, w, b)) / lr
                     for j in range(2)] for gw, gb in grads])
    flat = [np.append(gw, gb) for gw, gb in grads]
    cosine = np.array([[f @ g / np.linalg.norm(f) / np.linalg.norm(g) for g in flat]
                       for f in flat])
    return tag, cosine


def test_lookahead_matches_the_hand_computation() -> None:
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0], [2.0, 1.0]])
    y = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    tag, cosine = lookahead(_tiny_model(), torch.from_numpy(x), torch.from_numpy(y), 0.1)
    expected_tag, expected_cosine = _by_hand(x, y, 0.1)
    np.testing.assert_allclose(tag, expected_tag, rtol=1e-10)
    np.testing.assert_allclose(cosine, expected_cosine, rtol=1e-10)
    assert tag[0, 0] > 0 and tag[1, 1] > 0  # a task's own step lowers its own loss


def test_hook_looks_ahead_every_few_steps_and_averages() -> None:
    model = _tiny_model()
    x = torch.tensor([[1.0, 2.0], [-1.0, 0.5]], dtype=torch.float64)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    hook = LookaheadAffinity(2, 0.1, every=3)
    for step in range(1, 8):
        hook(model, x, y, step)
    assert hook.count == 3  # steps 1, 4 and 7
    tag, _ = hook.means()
    np.testing.assert_allclose(tag, lookahead(model, x, y, 0.1)[0])


def test_no_lookahead_is_an_error() -> None:
    with pytest.raises(ValueError, match="before its first lookahead"):
        LookaheadAffinity(2, 0.1, every=3).means()


def test_a_float32_model_looks_ahead_in_float64() -> None:
    """At lr 1e-3 a loss moves by about 1e-5 relative: float32 would keep few digits."""
    torch.manual_seed(0)
    x, y = torch.randn(64, 5), (torch.rand(64, 3) > 0.5).float()
    tasks = tuple(Task(name, BINARY) for name in "abc")
    single = MultiTaskModel(nn.Sequential(nn.Linear(5, 8), nn.ReLU()), 8, tasks)
    double = MultiTaskModel(nn.Sequential(nn.Linear(5, 8), nn.ReLU()), 8, tasks).double()
    double.load_state_dict({k: v.double() for k, v in single.state_dict().items()})
    tag, _ = lookahead(single, x, y, 1e-3)
    expected, _ = lookahead(double, x.double(), y.double(), 1e-3)
    np.testing.assert_allclose(tag, expected, rtol=1e-4, atol=1e-6)
