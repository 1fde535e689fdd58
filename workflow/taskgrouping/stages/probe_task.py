"""Stage: a block of tasks' backprop signals of the fast-path layers over the probe set.

For the scaled variants (`taskgrouping.probing.scaling`) the signals are written already
divided by each task's per-sample divisors, which are written too for the general path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from taskgrouping.fileio import read_npz, write_with
from taskgrouping.probing.distance import layer_weights
from taskgrouping.probing.general import chunk_samples
from taskgrouping.probing.layers import plan_layers
from taskgrouping.probing.samplewise import backprop_signals
from taskgrouping.probing.scaling import needs_divisors, scaled_signals
from taskgrouping.probing.start import load_probe_start
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, tasks: list[str], shared: str, stats: str,
        out: str, threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_task", settings, {"block": Path(out).stem},
                   f"sample-wise probing: the one-step optima of tasks {', '.join(tasks)}"
                   ) as record:
        data, model, x, y = load_probe_start(settings, shared)
        columns = data.task_index(tasks)
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        signals = torch.stack(backprop_signals(model, x, y, plan, columns)).numpy()
        passes = len(tasks) if plan.fast else 0  # one backward pass per task
        scales = np.ones(signals.shape[:2])
        kind, scale, balance = probe["distance"], probe["scale"], probe["balance"]
        if needs_divisors(scale, balance):
            shared_stats = read_npz(stats)
            weights = layer_weights(list(shared_stats["widths"]), shared_stats["factors"])
            chunk = chunk_samples(plan, len(tasks), len(x), probe["chunk_size"],
                                  probe["general_memory_mb"])
            signals, scales = scaled_signals(model, x, y, plan, signals, weights, kind, scale,
                                             columns, chunk, balance)
            passes += len(tasks) * -(-len(x) // chunk) if plan.general and scale != "none" else 0
        seconds, cpu_seconds = record.elapsed, record.cpu_elapsed
        write_with(out, lambda tmp: np.savez(tmp, signals=signals, divisors=scales,
                                             tasks=np.array(tasks), seconds=seconds,
                                             cpu_seconds=cpu_seconds, passes=passes))
        record.log_metrics({"seconds": seconds, "tasks": len(tasks),
                            "signal_width": signals.shape[2]})
