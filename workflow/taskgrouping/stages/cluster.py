"""Stage: the groups of one method for one budget k."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity import read_matrix
from taskgrouping.atomic import read_json, write_json
from taskgrouping.grouping.baselines import all_in_one, random_partition, single_task
from taskgrouping.grouping.graph import nodes_only, task_graph
from taskgrouping.grouping.registry import grouper
from taskgrouping.plots import task_graph_plot
from taskgrouping.tracking import stage_run


def make_groups(settings: dict[str, Any], method: str, k: int, affinity: str | None
                ) -> tuple[list[list[str]], dict[str, float]]:
    """Dispatch to the method's grouper: groups of task names, and what it reports."""
    tasks = settings["tasks"]
    if method == "stl":
        return single_task(tasks), {}
    if method == "all":
        return all_in_one(tasks), {}
    if method == "random":
        return random_partition(tasks, k, settings["random"]["seed"] + k), {}
    if method == "samplewise":
        if affinity is None:
            raise ValueError("method samplewise needs --affinity")
        options = settings["samplewise"]
        name = options["grouper"]
        if k == 0 and name != "gat_gmm":
            raise ValueError(f"budget 0 (choose k) needs grouper gat_gmm, not {name}")
        return grouper(name)(read_matrix(affinity), k, options["seed"], settings.get(name, {}))
    raise ValueError(f"unknown method {method!r}")


def run(settings: dict[str, Any], parent: str, method: str, k: int, affinity: str | None,
        affinity_meta: str | None, out: str, meta_out: str, graph_out: str,
        threads: int) -> None:
    if "samplewise" in settings:  # the learned groupers: fix torch's seed and threads
        from taskgrouping.training import make_deterministic

        make_deterministic(settings["samplewise"]["seed"], threads)
    with stage_run(parent, "cluster", settings, {"method": method, "k": k}) as record:
        groups, info = make_groups(settings, method, k, affinity)
        affinity_seconds = read_json(affinity_meta)["seconds"] if affinity_meta else 0.0
        seconds = affinity_seconds + record.elapsed
        write_json(out, groups)
        write_json(meta_out, {"method": method, "k": k, "n_groups": len(groups),
                              "grouping_seconds": seconds} | info)
        graph = task_graph(read_matrix(affinity)) if affinity else nodes_only(settings["tasks"])
        task_graph_plot(graph, groups, f"{settings['dataset']}: {method}, k={k}", graph_out)
        record.log_metrics({"n_groups": len(groups), "grouping_seconds": seconds} | info)
        record.log_artifact(Path(out))
        record.log_artifact(Path(graph_out))
