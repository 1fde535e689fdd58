"""Stage: the groups of one method for one budget k."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity.contract import AffinityMeta, training_cpu_seconds
from taskgrouping.affinity.gains import grouper_input
from taskgrouping.affinity.matrix import clustering_similarity, read_matrix
from taskgrouping.fileio import read_json
from taskgrouping.grouping.graph import nodes_only, task_graph
from taskgrouping.grouping.standley import loss_table, mean_losses
from taskgrouping.methods import split_method
from taskgrouping.plots import task_graph_plot
from taskgrouping.registries import AFFINITIES, BASELINES, GROUPERS
from taskgrouping.stages.baseline_groups import write_groups
from taskgrouping.stages.slices import GroupingSettings
from taskgrouping.subsets import canonical
from taskgrouping.tracking.journal import run_label, stage_run


def make_groups(settings: GroupingSettings, method: str, k: int, affinity: str | None,
                gains: str | None, trainings: list[dict[str, Any]]
                ) -> tuple[list[list[str]], dict[str, float]]:
    """Dispatch to the method's grouper: groups of task names, and what it reports."""
    tasks = settings["tasks"]
    options = settings["grouper"]
    parts = split_method(method)
    if parts is None:
        baseline = BASELINES.get(method)
        if baseline.reads != "trainings":
            raise ValueError(f"method {method} reads the task list alone: taskgrouping "
                             "baseline-groups draws its groups")
        if not trainings:
            raise ValueError(f"method {method} needs --trainings of every subset")
        losses = loss_table(mean_losses(trainings), tasks)
        groups, info = baseline.group(losses, k, options["seed"], options["options"])
        return canonical_groups(groups, tasks, method), info
    grouper_name = parts[1]
    grouper = GROUPERS.get(grouper_name)
    if affinity is None or (gains is None and grouper.reads == "gain"):
        raise ValueError(f"method {method} needs --affinity (and --gains for a grouper that "
                         "reads gains)")
    if k == 0 and not grouper.chooses_k:
        raise ValueError(f"budget 0 (choose k) needs a grouper that chooses k, not "
                         f"{grouper_name}")
    matrix = read_matrix(affinity)
    gain_matrix = read_matrix(gains) if gains else matrix
    for path, frame in ((affinity, matrix), (gains, gain_matrix)):
        if path and list(frame.index) != tasks:
            raise ValueError(f"{path}: its tasks {list(frame.index)} are not the config's "
                             f"{tasks}")
    signed = AFFINITIES.get(parts[0]).signed
    groups, info = grouper.group(grouper_input(grouper, signed, matrix, gain_matrix), k,
                                 options["seed"], options["options"])
    return canonical_groups(groups, tasks, method), info


def canonical_groups(groups: list[list[str]], tasks: list[str], method: str
                     ) -> list[list[str]]:
    """Each group in dataset order, groups by their first task: one name per subset.

    A grouper's groups must cover every task (they may overlap, never repeat a group).
    """
    ordered = sorted((canonical(group, tasks) for group in groups),
                     key=lambda group: [tasks.index(task) for task in group])
    uncovered = sorted(set(tasks) - {task for group in ordered for task in group})
    if uncovered or len({tuple(group) for group in ordered}) != len(ordered):
        raise ValueError(f"method {method}: groups {groups} must cover every task "
                         f"(uncovered: {uncovered}) and not repeat a group")
    return ordered


def _stage_cost(affinity_meta: str | None, trainings: list[dict[str, Any]]
                ) -> tuple[float, float, int, int]:
    """Wall and CPU seconds, trainings and gradient passes spent before grouping: the
    affinity's (its meta), or the subsets' (their training records)."""
    if affinity_meta:
        meta = AffinityMeta.read(affinity_meta)
        return meta.seconds, meta.cpu_seconds, meta.trainings, meta.passes
    return (sum(record["seconds"] for record in trainings),
            sum(training_cpu_seconds(record) for record in trainings), len(trainings),
            sum(record["steps"] for record in trainings))


def run(settings: GroupingSettings, parent: str, method: str, k: int, affinity: str | None,
        gains: str | None, affinity_meta: str | None, trainings: list[str] | None, out: str,
        meta_out: str, graph_out: str, threads: int) -> None:
    parts = split_method(method)
    if parts is not None:  # a learned grouper may use torch: fix its seed and threads
        from taskgrouping.training import make_deterministic

        make_deterministic(settings["grouper"]["seed"], threads)
    with stage_run(parent, "cluster", settings, {"method": method, "k": k},
                   f"the groups of method {method} at budget k={k}") as record:
        records = [read_json(path) for path in trainings or []]
        groups, info = make_groups(settings, method, k, affinity, gains, records)
        before_seconds, before_cpu, before_trainings, passes = _stage_cost(affinity_meta,
                                                                           records)
        cost = {"grouping_seconds": before_seconds + record.process_elapsed,
                "grouping_cpu_seconds": before_cpu + record.process_cpu,
                "trainings": before_trainings, "passes": passes}
        write_groups(record, method, k, [groups], cost, info, out, meta_out)
        shown, reads_gains = None, False
        if affinity and parts:
            affinity_name, grouper_name = parts
            similarity = clustering_similarity(read_matrix(affinity),
                                               AFFINITIES.get(affinity_name).signed)
            graph = task_graph(similarity)
            # beside the graph, what the grouper read: the gains or the similarity
            reads_gains = GROUPERS.get(grouper_name).reads == "gain" and gains is not None
            shown = read_matrix(gains) if gains and reads_gains else similarity
        else:
            graph = nodes_only(settings["tasks"])
        task_graph_plot(graph, groups, f"{run_label(parent)}: {method}, k={k}", graph_out,
                        shown, reads_gains)
        record.log_artifact(Path(graph_out), "task_graph.png")
