"""Stage: log the jobs' records waiting in the journal, at any time (progress, or a retry
after the store was down)."""

from __future__ import annotations

from taskgrouping.tracking.journal import journal_dir
from taskgrouping.tracking.store import publish


def run(parent: str) -> None:
    published = publish(parent)
    print(f"{published} job records published from {journal_dir(parent)}")
