"""Stage: close this invocation's parent run, FINISHED or FAILED (Snakemake's end hooks)."""

from __future__ import annotations

from taskgrouping.tracking import finish_pipeline


def run(parent: str, status: str) -> None:
    finish_pipeline(parent, status)
    print(f"parent run in {parent} marked {status}")
