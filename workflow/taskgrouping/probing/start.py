"""The common start point theta0 and the probe set every task is probed on."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from taskgrouping.data.access import load_split
from taskgrouping.data.base import SplitData
from taskgrouping.devices import module_device, torch_device
from taskgrouping.fileio import read_torch
from taskgrouping.models.mtl import MultiTaskModel, build_model
from taskgrouping.probing.probe_set import probe_indices
from taskgrouping.tasks import split_targets
from taskgrouping.training import make_deterministic, warm_up


def probe_targets(data: SplitData, settings: Mapping[str, Any]) -> SplitData:
    """The data the probe sees: with `samplewise.standardise_targets`, every scalar
    regression task's targets centred and divided by their training mean and std (missing
    targets stay NaN), so neither the warm-up nor the per-sample gradients scale with a
    task's units; other tasks unchanged."""
    columns = [j for j, task in enumerate(data.tasks) if task.kind.name == "regression"]
    if not settings["samplewise"]["standardise_targets"] or not columns:
        return data
    train = data.y_train[:, columns]
    mean, std = np.nanmean(train, axis=0), np.nanstd(train, axis=0)
    std = np.where(std > 0, std, 1.0)

    def standardised(y: np.ndarray) -> np.ndarray:
        y = y.copy()
        y[:, columns] = (y[:, columns] - mean) / std
        return y

    return replace(data, y_train=standardised(data.y_train), y_val=standardised(data.y_val),
                   y_test=standardised(data.y_test))


def probe_data(settings: Mapping[str, Any]) -> SplitData:
    """The probe stage's data: the config's split, its targets as `probe_targets` gives."""
    return probe_targets(load_split(settings["dataset"], settings["data"]), settings)


def initial_model(data: SplitData, settings: Mapping[str, Any]) -> MultiTaskModel:
    """The seeded random initialisation, heads tied per task type if `heads: identical`."""
    probe = settings["samplewise"]
    model = build_model(data.input_shape, settings["data"]["model"], data.tasks, probe["seed"])
    if probe["heads"] == "identical":
        model.tie_heads_by_kind()
    return model


def start_point(data: SplitData, settings: Mapping[str, Any]) -> MultiTaskModel:
    """theta0 by `samplewise.theta0`, on the config's device: the random init, a short
    joint warm-up, a short meta-training (meta_warmup), or a file.

    After a warm-up, identical heads have trained apart; after a meta warm-up every head
    is the meta-model's one head.
    """
    probe = settings["samplewise"]
    model = initial_model(data, settings).to(torch_device(settings["device"]))
    if probe["theta0"] == "warmup":
        warm_up(model, data.x_train, data.y_train, probe["warmup_steps"],
                settings["data"]["train"], probe["seed"])
    elif probe["theta0"] == "meta_warmup":
        from taskgrouping.meta.training import meta_warm_start

        meta_warm_start(data, model, settings["data"]["model"], settings["data"]["meta"],
                        probe["warmup_steps"], probe["seed"])
    elif probe["theta0"] == "checkpoint":
        load_checkpoint(model, probe["checkpoint"])
    return model.eval()


class ProbeStart(NamedTuple):
    """theta0 and its probe set: the rows' indices into the training split, and their
    inputs and targets, moved to theta0's device once for every step that reads them."""

    model: MultiTaskModel
    indices: np.ndarray
    x: torch.Tensor
    y: torch.Tensor


def probe_start(data: SplitData, settings: Mapping[str, Any]) -> ProbeStart:
    """theta0 and the probe rows, as every probing path uses them: the start point, the
    seeded probe draw and, with `samplewise.calibrate`, the heads calibrated on those rows."""
    probe = settings["samplewise"]
    model = start_point(data, settings)
    indices = probe_indices(data.class_labels, probe["probe_samples"], probe["seed"],
                            probe["stratify"])
    x, y = probe_rows(data, indices, module_device(model))
    if probe["calibrate"]:
        calibrate_heads(model, x, y)
    return ProbeStart(model, indices, x, y)


@torch.no_grad()
def calibrate_heads(model: MultiTaskModel, x: torch.Tensor, y: torch.Tensor) -> None:
    """Shift each binary head's bias until its mean predicted probability on the probe rows
    is the task's positive rate there, and each scalar regression head's until its mean
    output is the mean target.

    A task's residuals on the probe set then sum to zero: a label the start point has not
    yet learnt to predict rarely does not step every sample towards "less", the one step
    all rare labels share whatever they mean. The shift is the root of a monotone
    function, found by bisection (deterministic, no step size).
    """
    outputs = model(x)
    for task, head, out, target in zip(model.tasks, model.heads, outputs,
                                       split_targets(model.tasks, y), strict=True):
        if task.kind.name not in ("binary", "regression") or task.kind.dense:
            continue
        values, labels = out.reshape(len(x)).double(), target.reshape(len(x)).double()
        known = ~torch.isnan(labels)
        if not known.any():
            continue
        values, mean = values[known], labels[known].mean()
        bias = head.get_parameter("bias")  # a scalar task's head is a Linear
        if task.kind.name == "regression":
            bias.add_(float(mean - values.mean()))
        elif 0 < mean < 1:
            bias.add_(bisect_shift(values, float(mean)))


def bisect_shift(logits: torch.Tensor, rate: float, iterations: int = 64) -> float:
    """The shift d with mean sigmoid(logits + d) = rate (0 < rate < 1)."""
    low = torch.logit(torch.tensor(rate, dtype=torch.float64)) - logits.max()
    high = torch.logit(torch.tensor(rate, dtype=torch.float64)) - logits.min()
    for _ in range(iterations):
        middle = (low + high) / 2
        if torch.sigmoid(logits + middle).mean() < rate:
            low = middle
        else:
            high = middle
    return float((low + high) / 2)


def probe_rows(data: SplitData, indices: np.ndarray, device: torch.device
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """The probe rows' inputs and targets, moved to `device` once."""
    return (torch.from_numpy(data.x_train[indices]).to(device),
            torch.from_numpy(data.y_train[indices]).to(device))


def load_probe_start(settings: Mapping[str, Any], shared: str
                     ) -> tuple[SplitData, MultiTaskModel, torch.Tensor, torch.Tensor]:
    """The data, theta0 as probe_shared saved it (file `shared`), and the probe rows."""
    device = torch_device(settings["device"])  # before a load that may take minutes
    data = probe_data(settings)
    state = read_torch(shared)
    model = initial_model(data, settings)
    model.load_state_dict(state["state_dict"])
    return data, model.to(device).eval(), *probe_rows(data, state["probe_indices"].numpy(),
                                                      device)


def drawn_probe_start(settings: Mapping[str, Any]
                      ) -> tuple[SplitData, MultiTaskModel, torch.Tensor, torch.Tensor]:
    """The same as `load_probe_start`, drawn again in this process, seeded as the probing
    jobs draw it (one thread): for runs whose tasks are one block, which keep no file."""
    make_deterministic(settings["samplewise"]["seed"], 1)
    data = probe_data(settings)
    start = probe_start(data, settings)
    return data, start.model.eval(), start.x, start.y


def load_checkpoint(model: MultiTaskModel, path: str | None) -> None:
    """Load a state dict saved with torch.save(model.state_dict()) for this architecture."""
    if not path or not Path(path).is_file():
        raise FileNotFoundError(f"config key samplewise.checkpoint: no file {path!r}")
    try:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except (RuntimeError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as err:
        raise ValueError(
            f"samplewise.checkpoint {path}: not a state dict of this model ({err})"
        ) from err
