"""Stage: one task's backprop signals of the fast-path layers over the probe set."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.fileio import write_with
from taskgrouping.probing.layers import plan_layers
from taskgrouping.probing.samplewise import backprop_signals
from taskgrouping.probing.start import load_probe_start
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, task: str, shared: str, out: str,
        threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_task", settings, {"task": task}) as record:
        data, model, x, y = load_probe_start(settings, shared)
        [column] = data.task_index([task])
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        [signals] = backprop_signals(model, x, y, plan, [column])
        signals = signals.numpy()
        seconds = record.elapsed
        write_with(out, lambda tmp: np.savez(tmp, signals=signals, seconds=seconds,
                                             passes=int(bool(plan.fast))))
        record.log_metrics({"seconds": seconds, "signal_width": signals.shape[1]})
