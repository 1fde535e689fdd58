"""The `taskgrouping` command: one verb per pipeline stage.

The verbs and their flags come from the stages' declarations (taskgrouping.stages.catalog);
a verb's module is imported only when it runs, so a light stage (a pair distance) does
not pay for importing torch.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import signal
import sys

from taskgrouping import __version__
from taskgrouping.stages.catalog import STAGES, affinity_stages, find_stage
from taskgrouping.stages.stage import Stage


def build_parser(stages: list[Stage] | None = None) -> argparse.ArgumentParser:
    """The command's parser with a verb per stage (every declared one by default)."""
    parser = argparse.ArgumentParser(prog="taskgrouping", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=__version__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for stage in stages if stages is not None else all_stages():
        stage.configure(verbs.add_parser(stage.verb, help=stage.summary,
                                         description=stage.summary))
    return parser


def all_stages() -> list[Stage]:
    return [*STAGES.values(), *affinity_stages().values()]


def _named_stage(argv: list[str]) -> Stage | None:
    """The stage `argv` names, when it names one: its job then builds one parser."""
    verb = next((word for word in argv if not word.startswith("-")), None)
    try:
        return find_stage(verb) if verb else None
    except ValueError:
        return None


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (Snakemake cancelling a job, scancel) as an exception: the job's run is
    then journaled FAILED with the signal's name instead of vanishing."""
    raise SystemExit(f"terminated by signal {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # a process of its own, not a test calling main
        signal.signal(signal.SIGTERM, _terminated)
    words = sys.argv[1:] if argv is None else argv
    named = _named_stage(words)
    args = vars(build_parser([named] if named else None).parse_args(words))
    verb = args.pop("verb")
    stage = named or find_stage(verb)
    location, _, function = stage.run.partition(":")
    run = getattr(importlib.import_module(location), function)
    from taskgrouping.settings import expand_path_lists, parse_settings
    from taskgrouping.tracking.store import TrackingError

    try:
        if "settings" in args:
            args["settings"] = parse_settings(args["settings"])
        run(**{key: expand_path_lists(value) if isinstance(value, list) else value
               for key, value in args.items()})
    except (ValueError, OSError, FloatingPointError, TrackingError) as err:
        print(f"taskgrouping {stage.verb}: error: {err}", file=sys.stderr)
        return 1
    finally:
        if argv is None:  # the process is about to end (not a test calling main)
            # Python's last collection at exit walks torch's (and MLflow's) whole heap;
            # freezing it leaves that memory to the OS (atexit handlers still run)
            gc.freeze()
    return 0
