"""Stage: log the jobs' records waiting in the journal, at any time (progress, or a retry
after the store was down)."""

from __future__ import annotations

import time

from taskgrouping.tracking.journal import journal_dir
from taskgrouping.tracking.store import publish


def run(parent: str) -> None:
    started = time.perf_counter()
    published = publish(parent)
    print(f"{published} job records published from {journal_dir(parent)} in "
          f"{time.perf_counter() - started:.2f} s")
