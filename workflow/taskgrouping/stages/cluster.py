"""Stage: the groups of one method for one budget k."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity import read_matrix
from taskgrouping.atomic import read_json, write_json
from taskgrouping.grouping.baselines import all_in_one, random_partition, single_task
from taskgrouping.grouping.spectral import spectral_groups
from taskgrouping.tracking import stage_run

GROUPERS = {"spectral": spectral_groups}


def make_groups(settings: dict[str, Any], method: str, k: int, affinity: str | None
                ) -> list[list[str]]:
    """Dispatch to the method's grouper; every method returns a list of task-name groups."""
    tasks = settings["tasks"]
    if method == "stl":
        return single_task(tasks)
    if method == "all":
        return all_in_one(tasks)
    if method == "random":
        return random_partition(tasks, k, settings["random"]["seed"] + k)
    if method == "samplewise":
        if affinity is None:
            raise ValueError("method samplewise needs --affinity")
        options = settings["samplewise"]
        return GROUPERS[options["grouper"]](read_matrix(affinity), k, options["seed"])
    raise ValueError(f"unknown method {method!r}")


def run(settings: dict[str, Any], parent: str, method: str, k: int, affinity: str | None,
        affinity_meta: str | None, out: str, meta_out: str) -> None:
    with stage_run(parent, "cluster", settings, {"method": method, "k": k}) as record:
        groups = make_groups(settings, method, k, affinity)
        affinity_seconds = read_json(affinity_meta)["seconds"] if affinity_meta else 0.0
        seconds = affinity_seconds + record.elapsed
        write_json(out, groups)
        write_json(meta_out, {"method": method, "k": k, "n_groups": len(groups),
                              "grouping_seconds": seconds})
        record.log_metrics({"n_groups": len(groups), "grouping_seconds": seconds})
        record.log_artifact(Path(out))
