"""Stage: publish the jobs' records, then close this invocation's parent run (end hooks)."""

from __future__ import annotations

from taskgrouping.tracking.store import finish_pipeline, publish


def run(parent: str, status: str) -> None:
    published = publish(parent)
    finish_pipeline(parent, status)
    print(f"{published} job records published; parent run in {parent} marked {status}")
