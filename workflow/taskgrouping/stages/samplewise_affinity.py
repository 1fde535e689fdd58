"""Stage: the sample-wise affinity matrix from every pair and the general path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.affinity.contract import AffinityMeta, write_affinity
from taskgrouping.affinity.gains import samplewise_gains
from taskgrouping.affinity.matrix import distance_matrix, similarity_matrix, write_matrix
from taskgrouping.fileio import read_json, read_npz
from taskgrouping.plots import heatmap
from taskgrouping.probing.distance import normalise
from taskgrouping.tracking.journal import run_label, stage_run


def run(settings: dict[str, Any], parent: str, stats: str, signals: list[str],
        pairs: list[str], general: str, out: str, gain_out: str, distance_out: str,
        heatmap_out: str, meta_out: str) -> None:
    tasks = settings["data"]["tasks"]
    probe = settings["samplewise"]
    with stage_run(parent, "samplewise_affinity", settings, {"affinity": "samplewise"},
                   f"the sample-wise affinity of {len(tasks)} tasks from the pair tiles' summed "
                   "distances") as record:
        tiles = [read_json(path) for path in pairs]
        sums = distance_matrix(tasks, {(first, second): total for tile in tiles
                                       for first, second, total in tile["pairs"]})
        shared, general_part = read_npz(stats), read_npz(general)
        sums += general_part["sums"]
        n, parameters = int(shared["n"]), int(shared["parameters"])
        seconds = float(shared["seconds"]) + float(general_part["seconds"])
        cpu_seconds = float(shared["cpu_seconds"]) + float(general_part["cpu_seconds"])
        passes = int(shared["passes"]) + int(general_part["passes"])
        distance = normalise(sums, probe["distance"], n, parameters, probe["step_size"])
        similarity = similarity_matrix(distance, probe["transform"])
        for path in signals:
            task_probe = read_npz(path)
            seconds += float(task_probe["seconds"])
            cpu_seconds += float(task_probe["cpu_seconds"])
            passes += int(task_probe["passes"])
        seconds += sum(tile["seconds"] for tile in tiles) + record.elapsed
        cpu_seconds += sum(tile["cpu_seconds"] for tile in tiles) + record.cpu_elapsed
        meta = AffinityMeta("samplewise", tasks, seconds, trainings=0, passes=passes,
                            cpu_seconds=cpu_seconds)
        gains = samplewise_gains(distance, similarity, probe)
        write_affinity(similarity, gains, meta, out, gain_out, meta_out)
        write_matrix(distance_out, distance)
        heatmap(similarity, f"{run_label(parent)}: sample-wise task similarity", heatmap_out)
        record.log_metrics({"seconds": seconds, "cpu_seconds": cpu_seconds, "passes": passes,
                            "tasks": len(tasks)})
        # fixed names: MLflow's compare view lines up the runs of different affinities
        for path, name in ((out, "affinity.csv"), (gain_out, "gain.csv"),
                           (distance_out, "distance.csv"),
                           (heatmap_out, "affinity.png")):
            record.log_artifact(Path(path), name)
