"""TAG's lookahead and the gradient cosine against a hand computation on a tiny model."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from taskgrouping.affinity.lookahead import LookaheadAffinity, lookahead
from taskgrouping.data.base import SplitData
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.tasks import BINARY, Task
from taskgrouping.training import TrainResult, make_deterministic, train_group


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
    """Different batches give different matrices: only their mean passes (not a sum or the last)."""
    model = _tiny_model()
    batches = torch.randn(7, 3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    hook = LookaheadAffinity(2, 0.1, every=3)
    for step, x in enumerate(batches, start=1):
        hook(model, x, y, step)
    assert hook.count == 3  # steps 1, 4 and 7
    taken = [lookahead(model, batches[step - 1], y, 0.1) for step in (1, 4, 7)]
    assert not np.allclose(taken[0][0], taken[1][0])
    tag, cosine = hook.means()
    np.testing.assert_allclose(tag, np.mean([t for t, _ in taken], axis=0), rtol=1e-12)
    np.testing.assert_allclose(cosine, np.mean([c for _, c in taken], axis=0), rtol=1e-12)


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


def test_lookahead_leaves_model_grads_and_random_stream_as_they_were() -> None:
    """Batch norm in train mode and dropout would change buffers and the RNG if run live."""
    torch.manual_seed(0)
    tasks = (Task("p", BINARY), Task("q", BINARY))
    encoder = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.BatchNorm1d(8), nn.ReLU())
    model = MultiTaskModel(encoder, 8, tasks)
    x, y = torch.randn(16, 5), (torch.rand(16, 2) > 0.5).float()
    state = copy.deepcopy(model.state_dict())
    rng = torch.get_rng_state()
    lookahead(model, x, y, 0.1)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(p.grad is None for p in model.parameters())
    for name, value in model.state_dict().items():
        assert torch.equal(value, state[name]), name


def _train_keeping_model(data: SplitData, train: dict, hook: LookaheadAffinity | None
                         ) -> tuple[TrainResult, dict[str, torch.Tensor]]:
    """`train_group`'s result and its trained model's state, with `hook` (if any) before steps."""
    models = []

    def keep(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor, step: int) -> None:
        models.append(model)
        if hook is not None:
            hook(model, x, y, step)

    make_deterministic(0, threads=1)
    settings = {"type": "cnn", "channels": [4], "hidden": 8}
    result = train_group(data, ["p", "q"], settings, train, 0, before_step=keep)
    return result, models[-1].state_dict()  # train_group loads its best state into this model


def test_looking_ahead_leaves_the_training_it_measures_unchanged() -> None:
    """TAG's joint training must be the plain one: same weights, same batch-norm statistics."""
    generator = np.random.default_rng(0)

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        return (generator.standard_normal((n, 1, 8, 8)).astype(np.float32),
                (generator.random((n, 2)) > 0.5).astype(np.float32))

    data = SplitData((Task("p", BINARY), Task("q", BINARY)), *part(48), *part(16), *part(16))
    train = {"max_epochs": 3, "patience": 3, "batch_size": 16, "learning_rate": 0.01,
             "weight_decay": 0.0}
    hook = LookaheadAffinity(2, train["learning_rate"], every=1)
    plain, plain_state = _train_keeping_model(data, train, None)
    measured, measured_state = _train_keeping_model(data, train, hook)
    assert hook.count == 9  # every step of 3 epochs of 3 batches looked ahead
    assert plain_state.keys() == measured_state.keys()
    assert any(name.endswith("num_batches_tracked") for name in plain_state)
    for name, value in plain_state.items():
        assert torch.equal(value, measured_state[name]), name
    assert measured.scores == plain.scores
