"""Stage: create the MLflow experiment and the pipeline's parent run before the fan-out."""

from __future__ import annotations

import json
from typing import Any

from taskgrouping.tracking.store import init_pipeline


def run(settings: dict[str, Any], out: str, tags: str) -> None:
    record = init_pipeline(out, settings["dataset"], settings, json.loads(tags))
    print(f"parent run {record['run_id']} in {record['experiment_name']}"
          f" at {record['tracking_uri']}")
