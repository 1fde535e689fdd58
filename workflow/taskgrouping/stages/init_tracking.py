"""Stage: create the MLflow experiment and the pipeline's parent run before the fan-out."""

from __future__ import annotations

from typing import Any

from taskgrouping.tracking.store import init_pipeline


def run(settings: dict[str, Any], out: str) -> None:
    record = init_pipeline(out, settings["dataset"], settings)
    print(f"parent run {record['run_id']} in {record['experiment_name']}"
          f" at {record['tracking_uri']}")
