"""Stage: create the MLflow experiment and the pipeline's parent run before the fan-out."""

from __future__ import annotations

import json
from typing import Any

from taskgrouping.tracking.store import close_abandoned, init_pipeline


def run(settings: dict[str, Any], out: str, tags: str) -> None:
    if close_abandoned(out, "the next invocation", final=True):
        print(f"the previous invocation's parent run in {out} had not ended: closed FAILED")
    record = init_pipeline(out, settings["dataset"], settings, json.loads(tags))
    print(f"parent run {record['run_id']} in {record['experiment_name']}"
          f" at {record['tracking_uri']}")
