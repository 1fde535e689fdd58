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
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.distance import layer_weights, needs_divisors
from taskgrouping.probing.general import chunk_samples
from taskgrouping.probing.layers import ProbePlan, plan_layers
from taskgrouping.probing.samplewise import backprop_signals
from taskgrouping.probing.scaling import scaled_signals
from taskgrouping.probing.start import load_probe_start
from taskgrouping.stages.slices import ProbeSettings
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def block_signals(probe: dict[str, Any], model: MultiTaskModel, x: torch.Tensor,
                  y: torch.Tensor, plan: ProbePlan, columns: list[int],
                  weights: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The fast-path signals of the tasks in `columns` (block x n x width), each task's
    per-sample divisors (ones for the raw variants) and the backward passes they took;
    `weights`: the per-sample layer factors of probe_shared (`layer_weights`)."""
    signals = torch.stack(backprop_signals(model, x, y, plan, columns)).cpu().numpy()
    passes = len(columns) if plan.fast else 0  # one backward pass per task
    scales = np.ones(signals.shape[:2])
    kind, scale, balance = probe["distance"], probe["scale"], probe["balance"]
    if needs_divisors(scale, balance):
        chunk = chunk_samples(plan, len(columns), len(x), probe["chunk_size"],
                              probe["general_memory_mb"], x.device)
        signals, scales = scaled_signals(model, x, y, plan, signals, weights, kind, scale,
                                         columns, chunk, balance)
        passes += len(columns) * -(-len(x) // chunk) if plan.general and scale != "none" else 0
    return signals, scales, passes


def run(settings: ProbeSettings, parent: str, tasks: list[str], shared: str, stats: str,
        out: str, threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_task", settings, {"block": Path(out).stem},
                   f"sample-wise probing: the one-step optima of tasks {', '.join(tasks)}"
                   ) as record:
        data, model, x, y = load_probe_start(settings, shared)
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        shared_stats = read_npz(stats)
        weights = layer_weights(list(shared_stats["widths"]), shared_stats["factors"])
        signals, scales, passes = block_signals(probe, model, x, y, plan,
                                                data.task_index(tasks), weights)
        seconds, cpu_seconds = record.process_elapsed, record.process_cpu
        write_with(out, lambda tmp: np.savez(tmp, signals=signals, divisors=scales,
                                             tasks=np.array(tasks), seconds=seconds,
                                             cpu_seconds=cpu_seconds, passes=passes))
        record.log_metrics({"seconds": seconds, "tasks": len(tasks),
                            "signal_width": signals.shape[2]})
