"""The tracking verbs as Snakemake's onstart/onsuccess/onerror hooks call them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any


def run_tracking_verb(log_file: Path, *arguments: str, check: bool = True) -> str:
    """Run a tracking verb of the taskgrouping CLI, its output appended to `log_file`.

    Returns the verb's last line (what it did). A failure raises Snakemake's
    WorkflowError with that line and the log's path (`check`), or only prints them.
    """
    from snakemake.exceptions import WorkflowError

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as log:
        command = [sys.executable, "-m", "taskgrouping", *arguments]
        done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        last = log_file.read_text().strip().splitlines()[-1:]
        message = f"{' '.join(last)} (log: {log_file})"
        if check:
            raise WorkflowError(message)
        print(message, file=sys.stderr)
    return (log_file.read_text().strip().splitlines() or [""])[-1]


def run_module_hooks(modules: list[Any], hook: str) -> None:
    """Call `hook` (onstart, onsuccess or onerror) of each Snakemake module namespace:
    Snakemake runs only the main Snakefile's own hooks, and a benchmark's runs need
    theirs (their parent runs, settings files, publishing)."""
    for module in modules:
        getattr(module, hook)()
