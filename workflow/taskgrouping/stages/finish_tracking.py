"""Stage: publish the jobs' records, then close this invocation's parent run (end hooks)."""

from __future__ import annotations

import time

from taskgrouping.tracking.store import finish_pipeline, publish


def run(parent: str, status: str) -> None:
    started = time.perf_counter()
    published = publish(parent)
    seconds = time.perf_counter() - started
    finish_pipeline(parent, status)
    print(f"{published} job records published in {seconds:.2f} s; parent run in {parent}"
          f" marked {status}")
