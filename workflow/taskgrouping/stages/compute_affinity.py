"""Stage: an affinity computed in one process from the data (an entry with `compute`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity.contract import AffinityMeta, write_affinity
from taskgrouping.affinity.gains import signed_gains, similarity_gains
from taskgrouping.data.registry import load_split
from taskgrouping.plots import heatmap
from taskgrouping.registries import AFFINITIES
from taskgrouping.tracking.journal import run_label, stage_run
from taskgrouping.training import make_deterministic


def run(settings: dict[str, Any], parent: str, affinity: str, out: str, gain_out: str,
        meta_out: str, heatmap_out: str, threads: int) -> None:
    entry = AFFINITIES.get(affinity)
    if entry.compute is None:
        raise ValueError(f"affinity {affinity} is written by rule {entry.rule}, not computed "
                         "in one process")
    options = settings["options"]
    make_deterministic(options["seed"] if "seed" in entry.options else 0, threads)
    with stage_run(parent, "compute_affinity", settings, {"affinity": affinity},
                   f"the {affinity} affinity of every task pair, in one process") as record:
        data = load_split(settings["dataset"], settings["data"])
        matrix, passes = entry.compute(data, options)
        tasks = list(data.task_names)
        meta = AffinityMeta(affinity, tasks, record.process_elapsed, trainings=0,
                            passes=passes, cpu_seconds=record.process_cpu)
        gains = signed_gains(matrix) if entry.signed else similarity_gains(matrix)
        write_affinity(matrix, gains, meta, out, gain_out, meta_out)
        heatmap(matrix, f"{run_label(parent)}: {affinity} affinity", heatmap_out,
                signed=entry.signed)
        record.log_metrics({"seconds": meta.seconds, "passes": passes})
        # fixed names: MLflow's compare view lines up the runs of different affinities
        record.log_artifact(Path(out), "affinity.csv")
        record.log_artifact(Path(heatmap_out), "affinity.png")
