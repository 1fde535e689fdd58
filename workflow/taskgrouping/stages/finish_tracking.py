"""Stage: publish the jobs' records, then close this invocation's parent run (end hooks)."""

from __future__ import annotations

import time

from taskgrouping.fileio import read_json
from taskgrouping.tracking.store import finish_pipeline, publish


def run(parent: str, status: str) -> None:
    started = time.perf_counter()
    published = publish(parent, final=True)  # every job has ended: the killed are FAILED
    seconds = time.perf_counter() - started
    leaderboard = finish_pipeline(parent, status)
    record = read_json(parent)
    uri = record["tracking_uri"]
    # the results as a table (method, k rows; metric columns), else the experiment's runs
    runs = leaderboard or f"#/experiments/{record['experiment_id']}/runs"
    browse = (f"open {uri.rstrip('/')}/{runs}" if uri.startswith("http") else
              f"mlflow ui --backend-store-uri {uri}, then open http://127.0.0.1:5000/{runs}")
    print(f"MLflow: {published} job records published in {seconds:.2f} s to {uri}, as child "
          f"runs of parent run {record['run_id']} ({status}); to browse: {browse}")
