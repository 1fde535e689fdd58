"""Stage: the groups of a baseline that reads the task list alone (stl, all, random).

No affinity to read and no task graph to draw (an affinity method's cluster job draws
one), so the job is numpy and JSON.
"""

from __future__ import annotations

from pathlib import Path

from taskgrouping.fileio import write_json
from taskgrouping.registries import BASELINES
from taskgrouping.stages.slices import GroupingSettings
from taskgrouping.tracking.journal import StageRecord, stage_run


def baseline_partitions(settings: GroupingSettings, method: str, k: int
                        ) -> list[list[list[str]]]:
    """The baseline's partitions: one, or the several a drawing baseline (random) draws."""
    baseline = BASELINES.get(method)
    if baseline.reads != "tasks":
        raise ValueError(f"method {method} is not a baseline of the task list alone")
    grouper = settings["grouper"]
    groups, _ = baseline.group(settings["tasks"], k, grouper["seed"], grouper["options"])
    return groups if baseline.draws else [groups]


def write_groups(record: StageRecord, method: str, k: int,
                 partitions: list[list[list[str]]], cost: dict[str, float],
                 info: dict[str, float], out: str, meta_out: str) -> None:
    """The groups file (every partition's groups one after another, each trained) and
    its meta (a `partitions` key only where a method drew several), logged to MLflow."""
    groups = [group for partition in partitions for group in partition]
    n_groups = min(len(partition) for partition in partitions)
    several = {"partitions": partitions} if len(partitions) > 1 else {}
    write_json(out, groups)
    write_json(meta_out, {"method": method, "k": k, "n_groups": n_groups, "groups": groups}
               | several | cost | info)
    record.log_metrics({"n_groups": n_groups, "partitions": len(partitions)} | cost | info)
    # the same name on every method's run, so MLflow's compare view lines them up
    record.log_artifact(Path(out), "groups.json")


def run(settings: GroupingSettings, parent: str, method: str, k: int, out: str,
        meta_out: str) -> None:
    with stage_run(parent, "baseline_groups", settings, {"method": method, "k": k},
                   f"the groups of method {method} at budget k={k}") as record:
        partitions = baseline_partitions(settings, method, k)
        cost = {"grouping_seconds": record.process_elapsed,
                "grouping_cpu_seconds": record.process_cpu, "trainings": 0, "passes": 0}
        write_groups(record, method, k, partitions, cost, {}, out, meta_out)
