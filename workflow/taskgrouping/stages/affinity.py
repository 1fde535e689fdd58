"""Stage: the sample-wise affinity matrix from every pair, with its heatmap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from taskgrouping.affinity import distance_matrix, similarity_matrix
from taskgrouping.atomic import read_json, write_json, write_with
from taskgrouping.plots import heatmap
from taskgrouping.tracking import stage_run


def run(settings: dict[str, Any], parent: str, shared: str, signals: list[str],
        pairs: list[str], out: str, distance_out: str, heatmap_out: str, meta_out: str) -> None:
    tasks = settings["data"]["tasks"]
    with stage_run(parent, "affinity", settings, {"affinity": "samplewise"}) as record:
        pair_records = [read_json(path) for path in pairs]
        distance = distance_matrix(
            tasks, {tuple(rec["tasks"]): rec["distance"] for rec in pair_records}
        )
        similarity = similarity_matrix(distance, settings["samplewise"]["transform"])
        write_with(out, lambda tmp: similarity.to_csv(tmp, float_format="%.8g"))
        write_with(distance_out, lambda tmp: distance.to_csv(tmp, float_format="%.8g"))
        heatmap(similarity, f"{settings['dataset']}: sample-wise task similarity", heatmap_out)
        probe_seconds = float(torch.load(shared, weights_only=True)["seconds"])
        probe_seconds += sum(float(np.load(path)["seconds"]) for path in signals)
        probe_seconds += sum(rec["seconds"] for rec in pair_records)
        seconds = probe_seconds + record.elapsed
        write_json(meta_out, {"affinity": "samplewise", "seconds": seconds, "tasks": tasks})
        record.log_metrics({"seconds": seconds, "tasks": len(tasks)})
        for path in (out, distance_out, heatmap_out):
            record.log_artifact(Path(path))
