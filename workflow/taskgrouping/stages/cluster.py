"""Stage: the groups of one method for one budget k."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity.matrix import clustering_similarity, read_matrix, selection_affinity
from taskgrouping.fileio import read_json, write_json
from taskgrouping.grouping.baselines import all_in_one, random_partition, single_task
from taskgrouping.grouping.graph import nodes_only, task_graph
from taskgrouping.grouping.registry import grouper
from taskgrouping.grouping.standley import exhaustive_groups, mean_losses
from taskgrouping.methods import SIGNED, split_method
from taskgrouping.plots import task_graph_plot
from taskgrouping.tracking.journal import stage_run


def make_groups(settings: dict[str, Any], method: str, k: int, affinity: str | None,
                trainings: list[dict[str, Any]]) -> tuple[list[list[str]], dict[str, float]]:
    """Dispatch to the method's grouper: groups of task names, and what it reports."""
    tasks = settings["tasks"]
    if method == "stl":
        return single_task(tasks), {}
    if method == "all":
        return all_in_one(tasks), {}
    if method == "random":
        return random_partition(tasks, k, settings["random"]["seed"] + k), {}
    if method == "exhaustive":
        if not trainings:
            raise ValueError("method exhaustive needs --trainings of every subset")
        return exhaustive_groups(mean_losses(trainings), tasks, k)
    affinity_name, grouper_name = split_method(method)
    if affinity is None:
        raise ValueError(f"method {method} needs --affinity")
    if k == 0 and grouper_name != "gat_gmm":
        raise ValueError(f"budget 0 (choose k) needs grouper gat_gmm, not {grouper_name}")
    matrix = read_matrix(affinity)
    if list(matrix.index) != tasks:
        raise ValueError(f"{affinity}: its tasks {list(matrix.index)} are not the config's {tasks}")
    signed = affinity_name in SIGNED
    if grouper_name == "select":
        return grouper("select")(selection_affinity(matrix, signed), k, 0, settings["select"])
    seed = settings["grouping"]["seed"]
    return grouper(grouper_name)(clustering_similarity(matrix, signed), k, seed,
                                 settings.get(grouper_name, {}))


def _stage_cost(affinity_meta: str | None, trainings: list[dict[str, Any]]) -> tuple[float, int]:
    """Seconds and trainings spent before grouping: the affinity stage's, or the subsets'."""
    if affinity_meta:
        meta = read_json(affinity_meta)
        return meta["seconds"], meta.get("trainings", 0)
    return sum(record["seconds"] for record in trainings), len(trainings)


def run(settings: dict[str, Any], parent: str, method: str, k: int, affinity: str | None,
        affinity_meta: str | None, trainings: list[str] | None, out: str, meta_out: str,
        graph_out: str, threads: int) -> None:
    if "gat_gmm" in settings:  # the learned grouper: fix torch's seed and threads
        from taskgrouping.training import make_deterministic

        make_deterministic(settings["grouping"]["seed"], threads)
    with stage_run(parent, "cluster", settings, {"method": method, "k": k}) as record:
        records = [read_json(path) for path in trainings or []]
        groups, info = make_groups(settings, method, k, affinity, records)
        before_seconds, before_trainings = _stage_cost(affinity_meta, records)
        cost = {"grouping_seconds": before_seconds + record.elapsed,
                "trainings": before_trainings}
        write_json(out, groups)
        write_json(meta_out, {"method": method, "k": k, "n_groups": len(groups),
                              "groups": groups} | cost | info)
        if affinity:
            signed = split_method(method)[0] in SIGNED
            graph = task_graph(clustering_similarity(read_matrix(affinity), signed))
        else:
            graph = nodes_only(settings["tasks"])
        task_graph_plot(graph, groups, f"{settings['dataset']}: {method}, k={k}", graph_out)
        record.log_metrics({"n_groups": len(groups)} | cost | info)
        record.log_artifact(Path(out))
        record.log_artifact(Path(graph_out))
