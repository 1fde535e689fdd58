"""Stage: every pair's distance over the general-path layers, in chunks of samples.

The scaled variants read every task's per-sample divisors from the probe_task files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from taskgrouping.fileio import read_npz, write_with
from taskgrouping.models.mtl import MultiTaskModel
from taskgrouping.probing.general import chunk_samples, general_pair_sums
from taskgrouping.probing.layers import ProbePlan, plan_layers
from taskgrouping.probing.start import load_probe_start
from taskgrouping.stages.slices import ProbeSettings
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def task_divisors(tasks: list[str], signals: list[str]) -> np.ndarray:
    """T x n divisors in `tasks` order, gathered from the probe_task files."""
    found: dict[str, np.ndarray] = {}
    for path in signals:
        block = read_npz(path)
        found.update(zip((str(t) for t in block["tasks"]), block["divisors"], strict=True))
    missing = [task for task in tasks if task not in found]
    if missing:
        raise ValueError(f"no probe_task divisors for tasks {missing} in {signals}")
    return np.stack([found[task] for task in tasks])


def general_sums(probe: dict[str, Any], model: MultiTaskModel, x: torch.Tensor,
                 y: torch.Tensor, plan: ProbePlan, divisors: np.ndarray | None
                 ) -> tuple[np.ndarray, int, int]:
    """Every pair's distance sum over the general-path layers, the passes it took and the
    samples per chunk; `divisors`: T x n per-sample divisors of the scaled variants, or
    None."""
    chunk = chunk_samples(plan, len(model.tasks), len(x), probe["chunk_size"],
                          probe["general_memory_mb"], x.device)
    sums = general_pair_sums(model, x, y, plan, probe["distance"], chunk, divisors)
    chunks = -(-len(x) // chunk) if plan.general else 0
    return sums, len(model.tasks) * chunks, chunk  # one vmap(grad) per task and chunk


def run(settings: ProbeSettings, parent: str, shared: str, signals: list[str], out: str,
        threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_general", settings, {},
                   "sample-wise probing: per-sample gradients of the layers outside the fast "
                   "path, every task") as record:
        _, model, x, y = load_probe_start(settings, shared)
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        divisors = (task_divisors([task.name for task in model.tasks], signals)
                    if signals and plan.general else None)
        sums, passes, chunk = general_sums(probe, model, x, y, plan, divisors)
        seconds, cpu_seconds = record.process_elapsed, record.process_cpu
        write_with(out, lambda tmp: np.savez(tmp, sums=sums, seconds=seconds,
                                             cpu_seconds=cpu_seconds, passes=passes))
        record.log_metrics({"seconds": seconds, "general_layers": len(plan.general),
                            "chunk_samples": chunk})
