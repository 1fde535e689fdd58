"""Stage: HOA's pair gains (Standley et al. 2020) from every pair and single-task training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity.matrix import write_matrix
from taskgrouping.fileio import read_json, write_json
from taskgrouping.grouping.standley import mean_losses, pair_gains
from taskgrouping.plots import heatmap
from taskgrouping.tracking.journal import stage_run


def run(settings: dict[str, Any], parent: str, trainings: list[str], out: str,
        heatmap_out: str, meta_out: str) -> None:
    tasks = settings["tasks"]
    with stage_run(parent, "hoa_affinity", settings, {"affinity": "hoa"}) as record:
        records = [read_json(path) for path in trainings]
        gains = pair_gains(mean_losses(records), tasks)
        write_matrix(out, gains)
        heatmap(gains, f"{settings['dataset']}: HOA pair gain (row onto column, val loss)",
                heatmap_out)
        seconds = sum(rec["seconds"] for rec in records) + record.elapsed
        write_json(meta_out, {"affinity": "hoa", "seconds": seconds,
                              "trainings": len(records), "tasks": tasks})
        record.log_metrics({"seconds": seconds, "trainings": len(records)})
        record.log_artifact(Path(out))
        record.log_artifact(Path(heatmap_out))
