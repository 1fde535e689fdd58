"""Stage: log the jobs' records waiting in the journal, at any time (progress, or a retry
after the store was down), and close the parent run if the invocation that opened it died."""

from __future__ import annotations

import time

from taskgrouping.tracking.journal import journal_dir
from taskgrouping.tracking.store import close_abandoned, publish


def run(parent: str) -> None:
    started = time.perf_counter()
    published = publish(parent)
    print(f"{published} job records published from {journal_dir(parent)} in "
          f"{time.perf_counter() - started:.2f} s")
    if close_abandoned(parent, "taskgrouping publish-tracking", final=False):
        print("the invocation that opened the parent run is gone: the run, and the runs of "
              "its jobs that were killed, are closed FAILED")
