"""Stage: one task's backprop signals of the fast-path layers over the probe set."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from taskgrouping.atomic import write_with
from taskgrouping.data.registry import load_split
from taskgrouping.probing.layers import plan_layers
from taskgrouping.probing.samplewise import backprop_signals
from taskgrouping.probing.start import initial_model
from taskgrouping.tracking import stage_run
from taskgrouping.training import make_deterministic


def load_start(settings: dict[str, Any], shared: str):
    """The data, theta0 as probe_shared saved it, and the probe rows."""
    data = load_split(settings["dataset"], settings["data"])
    state = torch.load(shared, weights_only=True)
    model = initial_model(data, settings)
    model.load_state_dict(state["state_dict"])
    indices = state["probe_indices"].numpy()
    x = torch.from_numpy(data.x_train[indices])
    y = torch.from_numpy(data.y_train[indices])
    return data, model.eval(), x, y


def run(settings: dict[str, Any], parent: str, task: str, shared: str, out: str,
        threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_task", settings, {"task": task}) as record:
        data, model, x, y = load_start(settings, shared)
        [column] = data.task_index([task])
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        signals = backprop_signals(model, x, y[:, column], column, plan).numpy()
        seconds = record.elapsed
        write_with(out, lambda tmp: np.savez(tmp, signals=signals, seconds=seconds))
        record.log_metrics({"seconds": seconds, "signal_width": signals.shape[1]})
