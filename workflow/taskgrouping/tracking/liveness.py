"""Whether the process that opened a run is still alive: runs must end even when it died.

A job's record is written when the job starts (status RUNNING) and rewritten when it ends;
a parent run is opened by a Snakemake invocation whose process id the parent file keeps.
A SIGKILL, an out-of-memory kill or a lost node ends neither, so whoever publishes next
asks this module whether the owner is gone: same host and no such process, or the caller
knows every job has ended (Snakemake's end hooks, the next invocation).
"""

from __future__ import annotations

import os
import socket
from typing import Any

KILLED = ("the job ended without closing its run: killed (SIGKILL, out of memory, a "
          "cancelled SLURM job) or its machine went down")
ABANDONED = ("the Snakemake invocation that opened this run ended without closing it "
             "(killed, or its end hook failed); closed by {closer}")


def this_process() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def invocation() -> dict[str, Any]:
    """The Snakemake process that runs a tracking hook (our parent process)."""
    return {"host": socket.gethostname(), "pid": os.getppid()}


def is_alive(owner: dict[str, Any] | None) -> bool:
    """True unless `owner` ({host, pid}) is known gone; another host's cannot be known."""
    if not owner:
        return False
    if owner.get("host") != socket.gethostname():
        return True
    try:
        os.kill(int(owner["pid"]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
