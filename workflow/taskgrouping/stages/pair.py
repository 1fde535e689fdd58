"""Stage: the sample-wise distance of one task pair."""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.atomic import write_json
from taskgrouping.probing.distance import pair_distance
from taskgrouping.tracking import stage_run


def run(settings: dict[str, Any], parent: str, tasks: list[str], signals: list[str],
        out: str) -> None:
    first, second = tasks
    with stage_run(parent, "pair", settings, {"pair": f"{first}__{second}"}) as record:
        with np.load(signals[0]) as a, np.load(signals[1]) as b:
            step_size = settings["samplewise"]["step_size"]
            distance = pair_distance(a["signals"], b["signals"], step_size)
        seconds = record.elapsed
        write_json(out, {"tasks": [first, second], "distance": distance, "seconds": seconds})
        record.log_metrics({"distance": distance, "seconds": seconds})
