"""What the Snakefile's hooks do: the tracking verbs, the failed jobs' error lines, and the
answer a run with nothing to do prints."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# A stage's failure, as the CLI writes it (the last line of its job's log)
ERROR_LINE = re.compile(r"^taskgrouping [\w-]+: error: ")


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


def failed_job_lines(logs: Path, since: float) -> list[str]:
    """'<log>: <its last line>' for each job log written since `since` (a POSIX time)
    that ends in a stage's error line or holds a traceback. Snakemake's job messages are
    quiet by default (profiles/default), so these lines say what failed and where to look."""
    lines = []
    for path in sorted(logs.rglob("*.log")):
        if path.name == "tracking.log" or path.stat().st_mtime < since:
            continue
        text = path.read_text(errors="replace").strip().splitlines()
        if text and (ERROR_LINE.match(text[-1])
                     or any(line.startswith("Traceback") for line in text)):
            lines.append(f"{path}: {text[-1]}")
    return lines


class _AnswerAfterNothingToDo(logging.Handler):
    """Prints the answer file after Snakemake's "Nothing to be done" line."""

    def __init__(self, answer: Path, dry_run: Callable[[], bool]) -> None:
        super().__init__()
        self.answer, self.dry_run = answer, dry_run

    def emit(self, record: logging.LogRecord) -> None:
        if (record.getMessage().startswith("Nothing to be done") and self.answer.exists()
                and not self.dry_run()):
            print(f"taskgrouping: every output is up to date; the answer of the run that "
                  f"made them ({self.answer}):", flush=True)
            print(self.answer.read_text().rstrip("\n"), flush=True)


def answer_when_nothing_to_do(answer: Path, dry_run: Callable[[], bool]) -> None:
    """Print `answer` when a run (not `dry_run()`, known once the run starts) finds
    nothing to do: Snakemake then calls no hook, so the answer a finished run ends with
    would not show. The last call wins (a benchmark's comes after its runs'). Listens to
    Snakemake's log (the `snakemake.logging` logger)."""
    logger = logging.getLogger("snakemake.logging")
    for handler in [h for h in logger.handlers if isinstance(h, _AnswerAfterNothingToDo)]:
        logger.removeHandler(handler)
    logger.addHandler(_AnswerAfterNothingToDo(answer, dry_run))
