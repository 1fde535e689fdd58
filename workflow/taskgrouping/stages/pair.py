"""Stage: the fast-path sample-wise distance sum of one task pair."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.fileio import write_json
from taskgrouping.probing.distance import fast_pair_sum, layer_weights
from taskgrouping.tracking.journal import stage_run


def run(settings: dict[str, Any], parent: str, tasks: list[str], signals: list[str],
        stats: str, out: str) -> None:
    first, second = tasks
    with stage_run(parent, "pair", settings, {"pair": f"{first}__{second}"}) as record:
        with np.load(signals[0]) as a, np.load(signals[1]) as b, np.load(stats) as shared:
            weights = layer_weights(list(shared["widths"]), shared["factors"])
            total = fast_pair_sum(a["signals"], b["signals"], weights,
                                  settings["samplewise"]["distance"])
        seconds = record.elapsed
        write_json(out, {"tasks": [first, second], "sum": total, "seconds": seconds})
        record.log_metrics({"sum": total, "seconds": seconds})
