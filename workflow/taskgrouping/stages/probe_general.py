"""Stage: every pair's distance over the general-path layers, in chunks of samples."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.fileio import write_with
from taskgrouping.probing.general import chunk_samples, general_pair_sums
from taskgrouping.probing.layers import plan_layers
from taskgrouping.probing.start import load_probe_start
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, shared: str, out: str, threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_general", settings, {},
                   "sample-wise probing: per-sample gradients of the layers outside the fast "
                   "path, every task") as record:
        _, model, x, y = load_probe_start(settings, shared)
        plan = plan_layers(model, probe["layers"], probe["general_layers"])
        chunk = chunk_samples(plan, len(model.tasks), len(x), probe["chunk_size"],
                              probe["general_memory_mb"])
        sums = general_pair_sums(model, x, y, plan, probe["distance"], chunk)
        seconds, cpu_seconds = record.elapsed, record.cpu_elapsed
        chunks = -(-len(x) // chunk) if plan.general else 0
        passes = len(model.tasks) * chunks  # one vmap(grad) per task and chunk
        write_with(out, lambda tmp: np.savez(tmp, sums=sums, seconds=seconds,
                                             cpu_seconds=cpu_seconds, passes=passes))
        record.log_metrics({"seconds": seconds, "general_layers": len(plan.general),
                            "chunk_samples": chunk})
