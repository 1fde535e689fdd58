"""Stage: the sample-wise affinity matrix from every pair and the general path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.affinity.matrix import distance_matrix, similarity_matrix, write_matrix
from taskgrouping.fileio import read_json, write_json
from taskgrouping.plots import heatmap
from taskgrouping.probing.distance import normalise
from taskgrouping.tracking.journal import stage_run


def run(settings: dict[str, Any], parent: str, stats: str, signals: list[str],
        pairs: list[str], general: str, out: str, distance_out: str, heatmap_out: str,
        meta_out: str) -> None:
    tasks = settings["data"]["tasks"]
    probe = settings["samplewise"]
    with stage_run(parent, "affinity", settings, {"affinity": "samplewise"}) as record:
        pair_records = [read_json(path) for path in pairs]
        sums = distance_matrix(tasks, {tuple(rec["tasks"]): rec["sum"] for rec in pair_records})
        with np.load(stats) as shared, np.load(general) as general_part:
            sums += general_part["sums"]
            n, parameters = int(shared["n"]), int(shared["parameters"])
            probe_seconds = float(shared["seconds"]) + float(general_part["seconds"])
        distance = normalise(sums, probe["distance"], n, parameters, probe["step_size"])
        similarity = similarity_matrix(distance, probe["transform"])
        write_matrix(out, similarity)
        write_matrix(distance_out, distance)
        heatmap(similarity, f"{settings['dataset']}: sample-wise task similarity", heatmap_out)
        for path in signals:
            with np.load(path) as task_probe:
                probe_seconds += float(task_probe["seconds"])
        probe_seconds += sum(rec["seconds"] for rec in pair_records)
        seconds = probe_seconds + record.elapsed
        write_json(meta_out, {"affinity": "samplewise", "seconds": seconds, "tasks": tasks})
        record.log_metrics({"seconds": seconds, "tasks": len(tasks)})
        for path in (out, distance_out, heatmap_out):
            record.log_artifact(Path(path))
