"""Stage: the fast-path sample-wise distance sums of every pair of a tile (two blocks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from taskgrouping.fileio import read_npz, write_json
from taskgrouping.probing.distance import layer_weights, tile_pair_sums
from taskgrouping.stages.slices import ProbeSettings
from taskgrouping.tracking.journal import stage_run


def named_pair_sums(first: np.ndarray, first_tasks: list[str], second: np.ndarray,
                    second_tasks: list[str], weights: np.ndarray, kind: str, same: bool
                    ) -> list[list[Any]]:
    """[task, task, fast-path distance sum] of every pair of a tile of two blocks' signals."""
    sums = tile_pair_sums(first, second, weights, kind, same)
    return [[str(first_tasks[i]), str(second_tasks[j]), total] for i, j, total in sums]


def run(settings: ProbeSettings, parent: str, signals: list[str], stats: str,
        out: str) -> None:
    first, second = signals
    with stage_run(parent, "pair", settings, {"tile": Path(out).stem},
                   f"sample-wise probing: distances between the optima of tile {Path(out).stem}'s "
                   "task pairs") as record:
        a, b, shared = read_npz(first), read_npz(second), read_npz(stats)
        weights = layer_weights(list(shared["widths"]), shared["factors"])
        pairs = named_pair_sums(a["signals"], list(a["tasks"]), b["signals"], list(b["tasks"]),
                                weights, settings["samplewise"]["distance"], first == second)
        seconds = record.process_elapsed
        write_json(out, {"pairs": pairs, "seconds": seconds, "cpu_seconds": record.process_cpu})
        record.log_metrics({"pairs": len(pairs), "seconds": seconds})
