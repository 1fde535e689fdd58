"""Stage: HOA's pair gains (Standley et al. 2020) from every pair and single-task training."""

from __future__ import annotations

from pathlib import Path

from taskgrouping.affinity.contract import AffinityMeta, training_cpu_seconds, write_affinity
from taskgrouping.affinity.gains import signed_gains
from taskgrouping.fileio import read_json
from taskgrouping.grouping.standley import mean_losses, pair_gains
from taskgrouping.plots import heatmap
from taskgrouping.stages.slices import HoaSettings
from taskgrouping.tracking.journal import run_label, stage_run


def run(settings: HoaSettings, parent: str, trainings: list[str], out: str,
        gain_out: str, heatmap_out: str, meta_out: str) -> None:
    tasks = settings["tasks"]
    with stage_run(parent, "hoa_affinity", settings, {"affinity": "hoa"},
                   f"HOA: pair gains of {len(tasks)} tasks from the trainings of every single and "
                   "pair") as record:
        records = [read_json(path) for path in trainings]
        gains = pair_gains(mean_losses(records), tasks)
        seconds = sum(rec["seconds"] for rec in records) + record.process_elapsed
        cpu_seconds = sum(training_cpu_seconds(rec) for rec in records) + record.process_cpu
        passes = sum(rec["steps"] for rec in records)
        write_affinity(gains, signed_gains(gains),
                       AffinityMeta("hoa", tasks, seconds, len(records), passes, cpu_seconds),
                       out, gain_out, meta_out)
        heatmap(gains, f"{run_label(parent)}: HOA pair gain (row onto column, val loss)",
                heatmap_out, signed=True)
        record.log_metrics({"seconds": seconds, "trainings": len(records), "passes": passes})
        # fixed names: MLflow's compare view lines up the runs of different affinities
        record.log_artifact(Path(out), "affinity.csv")
        record.log_artifact(Path(heatmap_out), "affinity.png")
