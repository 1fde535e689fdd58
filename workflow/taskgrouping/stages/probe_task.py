"""Stage: one task's scaled backprop signals at theta0 over the probe set."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from taskgrouping.atomic import write_with
from taskgrouping.data.registry import load_split
from taskgrouping.probing.samplewise import scaled_backprop_signals
from taskgrouping.stages.probe_shared import start_point
from taskgrouping.tracking import stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, task: str, shared: str, out: str,
        threads: int) -> None:
    make_deterministic(settings["samplewise"]["seed"], threads)
    with stage_run(parent, "probe_task", settings, {"task": task}) as record:
        data = load_split(settings["dataset"], settings["data"])
        [column] = data.task_index([task])
        state = torch.load(shared, weights_only=True)
        model = start_point(data, settings)
        model.load_state_dict(state["state_dict"])
        indices = state["probe_indices"].numpy()
        signals = scaled_backprop_signals(
            model,
            torch.from_numpy(data.x_train[indices]),
            torch.from_numpy(data.y_train[indices, column]),
            column,
            state["l1_norms"],
        )
        seconds = record.elapsed
        write_with(out, lambda tmp: np.savez(tmp, signals=signals.numpy(), seconds=seconds))
        record.log_metrics({"seconds": seconds, "signal_width": signals.shape[1]})
