"""theta0 options and the probe-set draw."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from conftest import REPO

from taskgrouping.data.access import load_split
from taskgrouping.probing.engine import samplewise_stage
from taskgrouping.probing.probe_set import pool_rarest, probe_indices
from taskgrouping.probing.start import (
    calibrate_heads,
    load_checkpoint,
    probe_targets,
    start_point,
)


@pytest.fixture(scope="module")
def settings() -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    data = {"tasks": ["Class1", "Class2", "Class12"],
            "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15},
            "model": {"type": "mlp", "hidden": [8]},
            "train": {"max_epochs": 2, "patience": 1, "batch_size": 64,
                      "learning_rate": 0.01, "weight_decay": 0.0}}
    # the paper's start (random theta0, identical heads); each test changes what it needs
    probe = config["samplewise"] | {"theta0": "random", "heads": "identical"}
    return {"dataset": "yeast", "data": data, "samplewise": probe, "device": "cpu"}


@pytest.fixture(scope="module")
def data(settings):
    return load_split("yeast", settings["data"])


def _weights(model) -> torch.Tensor:
    return torch.cat([p.flatten() for p in model.encoder.parameters()])


def test_random_start_is_seeded_and_ties_heads(settings, data) -> None:
    first, again = start_point(data, settings), start_point(data, settings)
    assert torch.equal(_weights(first), _weights(again))
    assert torch.equal(first.heads[0].weight, first.heads[2].weight)
    other = start_point(data, settings | {"samplewise": settings["samplewise"] | {
        "heads": "independent"}})
    assert not torch.equal(other.heads[0].weight, other.heads[2].weight)


def test_warmup_moves_theta0(settings, data) -> None:
    warm = settings | {"samplewise": settings["samplewise"] | {"theta0": "warmup",
                                                               "warmup_steps": 5}}
    assert not torch.equal(_weights(start_point(data, warm)),
                           _weights(start_point(data, settings)))
    assert torch.equal(_weights(start_point(data, warm)), _weights(start_point(data, warm)))


def test_calibrated_heads_predict_each_base_rate_on_the_probe_rows(settings, data) -> None:
    """After calibration every binary head's mean probability on the probe rows is its
    positive rate there (Yeast's rates differ: 0.31, 0.42, 0.75), so the loss gradient of
    each head's bias is zero; the encoder and the head weights are untouched."""
    model = start_point(data, settings)
    x, y = torch.from_numpy(data.x_train[:200]), torch.from_numpy(data.y_train[:200])
    encoder, weights = _weights(model).clone(), model.heads[0].weight.clone()
    before = [float(torch.sigmoid(out).mean()) for out in model(x)]
    calibrate_heads(model, x, y)
    after = [float(torch.sigmoid(out).mean()) for out in model(x)]
    assert np.allclose(after, y.mean(dim=0).numpy(), atol=1e-6)
    assert not np.allclose(before, after, atol=1e-2)
    assert torch.equal(_weights(model), encoder)
    assert torch.equal(model.heads[0].weight, weights)


def test_checkpoint_round_trip_and_errors(settings, data, tmp_path) -> None:
    model = start_point(data, settings)
    torch.nn.init.constant_(model.encoder[0].weight, 0.5)
    path = tmp_path / "theta0.pt"
    torch.save(model.state_dict(), path)
    loaded = start_point(data, settings | {"samplewise": settings["samplewise"] | {
        "theta0": "checkpoint", "checkpoint": str(path)}})
    assert torch.equal(_weights(loaded), _weights(model))
    with pytest.raises(FileNotFoundError, match="samplewise.checkpoint"):
        load_checkpoint(model, str(tmp_path / "missing.pt"))
    torch.save({"other": torch.zeros(1)}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="bad.pt"):
        load_checkpoint(model, str(tmp_path / "bad.pt"))
    (tmp_path / "truncated.pt").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="truncated.pt"):
        load_checkpoint(model, str(tmp_path / "truncated.pt"))


def _worst_rate_error(y: np.ndarray, chosen: np.ndarray) -> float:
    """The largest gap between a label's rate among `chosen` rows and among all rows."""
    y = y.astype(np.float64)
    return float(np.abs(y[chosen].mean(axis=0) - y.mean(axis=0)).max())


def test_probe_indices_stratified_keeps_label_rates(data) -> None:
    y, n = data.y_train, 300
    chosen = probe_indices(y, n, seed=0, stratify=True)
    assert len(chosen) == n and len(set(chosen)) == n
    assert np.array_equal(chosen, probe_indices(y, n, seed=0, stratify=True))
    # each label combination gets its quota of the n rows rounded, which here leaves every
    # label's rate within one row in n of the training set's; random draws miss by several
    random = [_worst_rate_error(y, probe_indices(y, n, seed, stratify=False))
              for seed in range(1, 51)]
    for seed in range(5):
        worst = _worst_rate_error(y, probe_indices(y, n, seed, stratify=True))
        assert worst <= 1 / n + 1e-9 and worst < np.median(random)
    plain = probe_indices(y, n, seed=0, stratify=False)
    assert len(plain) == n and not np.array_equal(plain, chosen)
    assert np.array_equal(probe_indices(y, 10_000, seed=0, stratify=True), np.arange(len(y)))


def test_more_label_combinations_than_probe_rows_pool_the_rarest() -> None:
    """10 balanced binary tasks: 1,024 combinations, each seen often, for 512 probe rows.

    Stratifying over all of them is impossible (scikit-learn refuses more strata than
    rows drawn); the 511 commonest stay strata, the rest are one, and rates stay close.
    """
    y = (np.random.default_rng(0).random((20_000, 10)) > 0.5).astype(np.float32)
    chosen = probe_indices(y, 512, seed=0, stratify=True)
    assert len(chosen) == 512 and np.array_equal(chosen, probe_indices(y, 512, 0, True))
    random = np.median([_worst_rate_error(y, probe_indices(y, 512, seed, stratify=False))
                        for seed in range(1, 21)])
    assert _worst_rate_error(y, chosen) < random
    strata = np.arange(6).repeat([5, 4, 4, 3, 2, 2])
    assert list(np.unique(pool_rarest(strata, 3), return_counts=True)[1]) == [11, 5, 4]
    assert pool_rarest(strata, 6) is strata


def _regression_split(scale: float, offset: float):
    """A small synthetic regression split, task t001's targets times `scale` plus `offset`."""
    from dataclasses import replace

    split = {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}
    data = load_split("synthetic", {"tasks": None, "split": split, "options": {
        "kind": "regression", "n_tasks": 4, "groups": 2, "samples": 300, "features": 5,
        "target_scale_spread": 1.0, "target_noise": 0.3}})
    y = [part.copy() for part in (data.y_train, data.y_val, data.y_test)]
    for part in y:
        part[:, 0] = part[:, 0] * scale + offset
    return replace(data, y_train=y[0], y_val=y[1], y_test=y[2])


def _regression_settings(**probe) -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    model = {"type": "mlp", "hidden": [8]}
    train = {"max_epochs": 2, "patience": 1, "batch_size": 64, "learning_rate": 0.01,
             "weight_decay": 0.0}
    return {"dataset": "synthetic", "data": {"model": model, "train": train},
            "samplewise": config["samplewise"] | {"probe_samples": 128, "warmup_steps": 10}
            | probe, "device": "cpu"}


def test_probe_targets_standardise_regression_columns_only() -> None:
    from taskgrouping.data.base import SplitData
    from taskgrouping.tasks import make_task

    tasks = (make_task("r", "regression"), make_task("b", "binary"))
    y_train = np.array([[10.0, 1], [20.0, 0], [np.nan, 1], [30.0, 0]], dtype=np.float32)
    y_test = np.array([[40.0, 1]], dtype=np.float32)
    x = np.zeros((4, 2), dtype=np.float32)
    data = SplitData(tasks, x, y_train, x[:1], y_test, x[:1], y_test)
    probed = probe_targets(data, {"samplewise": {"standardise_targets": True}})
    assert np.allclose(probed.y_train[:, 0], [-1.2247, 0.0, np.nan, 1.2247], atol=1e-4,
                       equal_nan=True)
    assert np.allclose(probed.y_test[:, 0], 2.4495, atol=1e-4)  # by the training statistics
    assert np.array_equal(probed.y_train[:, 1], y_train[:, 1])
    assert np.array_equal(data.y_train, y_train, equal_nan=True)  # the input is left alone
    raw = probe_targets(data, {"samplewise": {"standardise_targets": False}})
    assert raw is data


@pytest.mark.parametrize("distance", ["l2", "l1"])
def test_a_tasks_target_units_do_not_change_the_affinity(distance) -> None:
    """Task t001 in other units (x 1000, + 5): the same distances, warm-up included, when
    the probe standardises targets; not so on raw targets."""
    settings = _regression_settings(theta0="warmup", distance=distance)
    same = samplewise_stage(_regression_split(1.0, 0.0), settings)
    rescaled = samplewise_stage(_regression_split(1000.0, 5.0), settings)
    assert np.allclose(same, rescaled, rtol=1e-3, atol=1e-6)
    raw = settings | {"samplewise": settings["samplewise"] | {"standardise_targets": False}}
    assert not np.allclose(samplewise_stage(_regression_split(1.0, 0.0), raw),
                           samplewise_stage(_regression_split(1000.0, 5.0), raw), rtol=0.1)
