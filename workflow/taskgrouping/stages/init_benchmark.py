"""Stage: the benchmark's parent run, before any run's own parent run is nested under it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taskgrouping.tracking.journal import provenance_tags
from taskgrouping.tracking.provenance import flatten
from taskgrouping.tracking.store import (
    close_abandoned,
    create_parent_run,
    resolve_tracking_uri,
)


def run(settings: dict[str, Any], runs: str, out: str) -> None:
    datasets = json.loads(runs)
    tags = provenance_tags("benchmark", ", ".join(sorted(set(datasets.values()))), settings,
                           {"runs": ", ".join(datasets)})
    name = Path(out).resolve().parent.name
    close_abandoned(out, "the next invocation", final=True)
    record = create_parent_run(out, resolve_tracking_uri(settings["mlflow"]["tracking_uri"]),
                               settings["mlflow"]["experiment"], f"benchmark {name}", tags,
                               flatten(settings))
    print(f"benchmark run {record['run_id']} in {record['experiment_name']}"
          f" at {record['tracking_uri']}")
