"""Stage: the sample-wise affinity matrix from every pair and the general path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.affinity.contract import AffinityMeta, write_affinity
from taskgrouping.affinity.gains import samplewise_gains
from taskgrouping.affinity.matrix import distance_matrix, similarity_matrix, write_matrix
from taskgrouping.fileio import read_json, read_npz
from taskgrouping.plots import heatmap
from taskgrouping.probing.distance import normalise
from taskgrouping.tracking.journal import StageRecord, run_label, stage_run

DESCRIPTION = "the sample-wise affinity of {} tasks"


def write_samplewise(record: StageRecord, settings: dict[str, Any], parent: str,
                     pairs: list[list[Any]], general: np.ndarray, meta: AffinityMeta,
                     shape: tuple[int, int], out: str, gain_out: str, distance_out: str,
                     heatmap_out: str, meta_out: str) -> None:
    """The matrix, its gains, distances and heatmap from the fast-path `pairs`
    ([task, task, sum]) and the general path's T x T sums; `shape`: (probe samples,
    parameters) that normalise the sums."""
    tasks, probe = settings["data"]["tasks"], settings["samplewise"]
    sums = distance_matrix(tasks, {(first, second): total for first, second, total in pairs})
    sums += general
    distance = normalise(sums, probe["distance"], *shape, probe["step_size"])
    similarity = similarity_matrix(distance, probe["transform"])
    gains = samplewise_gains(distance, similarity, probe)
    write_affinity(similarity, gains, meta, out, gain_out, meta_out)
    write_matrix(distance_out, distance)
    heatmap(similarity, f"{run_label(parent)}: sample-wise task similarity", heatmap_out)
    record.log_metrics({"seconds": meta.seconds, "cpu_seconds": meta.cpu_seconds,
                        "passes": meta.passes, "tasks": len(tasks)})
    # fixed names: MLflow's compare view lines up the runs of different affinities
    for path, name in ((out, "affinity.csv"), (gain_out, "gain.csv"),
                       (distance_out, "distance.csv"), (heatmap_out, "affinity.png")):
        record.log_artifact(Path(path), name)


def run(settings: dict[str, Any], parent: str, stats: str, signals: list[str],
        pairs: list[str], general: str, out: str, gain_out: str, distance_out: str,
        heatmap_out: str, meta_out: str) -> None:
    tasks = settings["data"]["tasks"]
    with stage_run(parent, "samplewise_affinity", settings, {"affinity": "samplewise"},
                   DESCRIPTION.format(len(tasks)) + " from the pair tiles' summed distances"
                   ) as record:
        tiles = [read_json(path) for path in pairs]
        shared, general_part = read_npz(stats), read_npz(general)
        probes = [read_npz(path) for path in signals]
        parts = [shared, general_part, *probes]
        seconds = sum(float(part["seconds"]) for part in parts)
        cpu_seconds = sum(float(part["cpu_seconds"]) for part in parts)
        passes = sum(int(part["passes"]) for part in parts)
        seconds += sum(tile["seconds"] for tile in tiles) + record.elapsed
        cpu_seconds += sum(tile["cpu_seconds"] for tile in tiles) + record.cpu_elapsed
        meta = AffinityMeta("samplewise", tasks, seconds, trainings=0, passes=passes,
                            cpu_seconds=cpu_seconds)
        write_samplewise(record, settings, parent,
                         [pair for tile in tiles for pair in tile["pairs"]],
                         general_part["sums"], meta,
                         (int(shared["n"]), int(shared["parameters"])), out, gain_out,
                         distance_out, heatmap_out, meta_out)
