"""Progress of a job's long loops (warm-up, trainings, probing chunks, GAT epochs).

A tqdm bar where stderr is a terminal (a stage run by hand); where it is a file (a
Snakemake job's log), the same status as plain lines at most every LOG_INTERVAL seconds,
so the log says how far a job has got without carriage-return noise.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm import tqdm

LOG_INTERVAL = 10.0  # seconds between two status lines in a log file


class _Lines:
    """A stream that writes each tqdm refresh as its own line."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress(items: Iterable[Any] | None, what: str, total: int | None = None) -> tqdm:
    """`items` with their progress on stderr; `what` names the loop. A loop that may stop
    early passes None and `total`, calls `update()` after each step and uses the bar as a
    context manager, so the last line counts the steps done (tqdm counts an item only
    once the next is asked for)."""
    terminal = sys.stderr.isatty()
    return tqdm(items, desc=what, total=total,
                file=sys.stderr if terminal else _Lines(sys.stderr),
                mininterval=0.2 if terminal else LOG_INTERVAL, ascii=not terminal,
                ncols=None if terminal else 80, dynamic_ncols=terminal)
