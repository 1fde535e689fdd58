"""Stage: the fast-path sample-wise distance sums of every pair of a tile (two blocks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskgrouping.fileio import read_npz, write_json
from taskgrouping.probing.distance import layer_weights, tile_pair_sums
from taskgrouping.tracking.journal import stage_run


def run(settings: dict[str, Any], parent: str, signals: list[str], stats: str,
        out: str) -> None:
    first, second = signals
    with stage_run(parent, "pair", settings, {"tile": Path(out).stem},
                   f"sample-wise probing: distances between the optima of tile {Path(out).stem}'s "
                   "task pairs") as record:
        a, b, shared = read_npz(first), read_npz(second), read_npz(stats)
        weights = layer_weights(list(shared["widths"]), shared["factors"])
        tasks_a, tasks_b = list(a["tasks"]), list(b["tasks"])
        sums = tile_pair_sums(a["signals"], b["signals"], weights,
                              settings["samplewise"]["distance"], same=first == second)
        pairs = [[str(tasks_a[i]), str(tasks_b[j]), total] for i, j, total in sums]
        seconds = record.elapsed
        write_json(out, {"pairs": pairs, "seconds": seconds, "cpu_seconds": record.cpu_elapsed})
        record.log_metrics({"pairs": len(pairs), "seconds": seconds})
