"""A job's MLflow record, written as a file beside the results instead of to the store.

Importing MLflow and opening a sqlite store cost a fresh process more than most probe
and pair jobs take (docs/performance.md). So a job writes what its child run should
hold (tags, params, metrics with their times, artifact paths, start and end time,
status) as one JSON file in `results/<name>/mlflow_journal/`, atomically, and never
imports MLflow. `tracking.publish` turns pending records into runs in one process
(Snakemake's onsuccess/onerror hooks, or `taskgrouping publish-tracking` at any time)
and removes each record once its run is complete, so nothing is logged twice or lost.
"""

from __future__ import annotations

import getpass
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from taskgrouping import __version__
from taskgrouping.fileio import read_json, write_json
from taskgrouping.tracking.liveness import this_process
from taskgrouping.tracking.provenance import flatten, git_sha, settings_hash

PARENT_KEYS = ("tracking_uri", "experiment_id", "run_id")


def journal_dir(parent_file: str | Path) -> Path:
    """Where the records of the pipeline whose parent run is in `parent_file` wait."""
    return Path(parent_file).resolve().parent / "mlflow_journal"


def run_label(parent_file: str | Path) -> str:
    """The run's name (config `name`, else the dataset), as figure titles show it: the
    folder results/<name>/ that holds its parent file. Read from the path, not the
    settings slice, so renaming a run retitles nothing that it would not rerun anyway."""
    return Path(parent_file).resolve().parent.name


def pending_records(parent_file: str | Path) -> list[Path]:
    """Records not yet published, oldest first (temp files start with '.'): complete
    ones, and RUNNING ones of jobs that started (their job may still run, or be dead)."""
    folder = journal_dir(parent_file)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if not p.name.startswith("."))


def provenance_tags(stage: str, dataset: str, settings: Mapping[str, Any],
                    labels: dict[str, Any]) -> dict[str, str]:
    """What every run carries: stage, dataset, git sha, config hash, package version, and
    MLflow's own source and user tags, which its runs table shows as Source and User."""
    sha = git_sha()
    return {
        "dataset": dataset,
        "stage": stage,
        "git_sha": sha,
        "config_hash": settings_hash(settings),
        "taskgrouping_version": __version__,
        "mlflow.source.name": f"taskgrouping {stage.replace('_', '-')}",
        "mlflow.source.type": "LOCAL",
        "mlflow.user": _user(),
        **({"mlflow.source.git.commit": sha} if sha != "unknown" else {}),
        **({"protocol": str(settings["protocol"])} if "protocol" in settings else {}),
        **{key: str(value) for key, value in labels.items()},
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid without a passwd entry
        return "unknown"


DESCRIPTION_TAG = "mlflow.note.content"  # the run page's Description, in markdown


def _now_ms() -> int:
    return int(time.time() * 1000)


class StageRecord:
    """A job's child run as it will be published: metrics and artifacts go through here."""

    def __init__(self, parent_file: str | Path, target: str, name: str,
                 tags: dict[str, str], params: dict[str, str]) -> None:
        parent = read_json(parent_file)
        self.parent_file = Path(parent_file)
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.record: dict[str, Any] = {
            "parent": {key: parent[key] for key in PARENT_KEYS},
            "target": target,
            "run_name": name,
            "tags": tags,
            "params": params,
            "metrics": [],
            "artifacts": [],
            "inputs": [],
            "tables": [],
            "start_time": _now_ms(),
        }
        stage = tags.get("stage", "run")
        self.path = journal_dir(self.parent_file) / (
            f"{self.record['start_time']:014d}-{stage}-{os.getpid()}-{uuid.uuid4().hex[:8]}.json")

    @property
    def elapsed(self) -> float:
        """Wall seconds of the stage's own work: set-up and imports are not counted."""
        return time.perf_counter() - self.started

    @property
    def cpu_elapsed(self) -> float:
        """CPU seconds of the same work, every thread of the process: what it cost in
        compute, which a loaded machine does not inflate as it does the wall clock."""
        return time.process_time() - self.cpu_started

    @property
    def process_elapsed(self) -> float:
        """Wall seconds since the job's process began, interpreter start and imports
        included (the stage's own where /proc is missing): what the job really took."""
        age = process_seconds()
        return self.elapsed if age is None else age

    @property
    def process_cpu(self) -> float:
        """CPU seconds of the job's whole process so far, start-up and imports included:
        what the costs in affinity and group metas count."""
        return time.process_time()

    def log_metrics(self, metrics: dict[str, float], step: int = 0) -> None:
        stamp = _now_ms()
        self.record["metrics"] += [[key, float(value), stamp, step]
                                   for key, value in sorted(metrics.items())]

    def log_artifact(self, path: str | Path, name: str | None = None) -> None:
        """`path` as the artifact `name` (default: its own file name). Fixed names make a
        compare view line up runs whose files are named by their method."""
        path = Path(path).resolve()
        self.record["artifacts"].append([str(path), name or path.name])

    def log_table(self, csv_path: str | Path, name: str) -> None:
        """A CSV table as MLflow's JSON table artifact `name`, which its UI shows as a grid."""
        self.record["tables"].append([str(Path(csv_path).resolve()), name])

    def log_input(self, name: str, digest: str, source: str, profile: dict[str, Any],
                  context: str = "training") -> None:
        """The data set a run read, as an MLflow dataset input (its UI's Datasets column)."""
        self.record["inputs"].append({"name": name, "digest": digest, "source": source,
                                      "profile": profile, "context": context})

    def describe(self, text: str) -> None:
        """The run's description (markdown), the first thing its MLflow page shows."""
        self.record["tags"][DESCRIPTION_TAG] = text

    def mark_started(self) -> None:
        """Journal the run as RUNNING, with this process: a job killed before `close`
        still becomes a FAILED run (tracking.liveness), not no run at all."""
        write_json(self.path, self.record | {"status": "RUNNING", "end_time": None,
                                             "owner": this_process()})

    def close(self, status: str, error: str | None = None) -> Path:
        """Write the record into the journal, complete or not at all."""
        self.record |= {"status": status, "end_time": _now_ms()}
        if error is not None:
            self.record["tags"]["error"] = error[:5000]
        write_json(self.path, self.record)
        return self.path


def process_seconds() -> float | None:
    """Wall seconds since this process started (Linux's /proc), start-up included; None
    where /proc is not there."""
    try:
        started = int(Path("/proc/self/stat").read_text().rpartition(")")[2].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(uptime - started / os.sysconf("SC_CLK_TCK"), 0.0)


def process_costs() -> dict[str, float]:
    """What the job's process cost up to now, start-up and imports included, beside what
    its stage records: CPU of every thread since the process began, and its age."""
    costs = {"process_cpu_seconds": time.process_time()}
    age = process_seconds()
    if age is not None:
        costs["process_seconds"] = age
    return costs


@contextmanager
def stage_run(parent_file: str | Path, stage: str, settings: Mapping[str, Any],
              labels: dict[str, Any], description: str) -> Iterator[StageRecord]:
    """A child run of the pipeline's parent run, recorded FINISHED, or FAILED with its
    error; `description` is its one line in the UI (what the job did)."""
    name = " ".join([stage, *(f"{key}={value}" for key, value in labels.items())])
    tags = provenance_tags(stage, settings["dataset"], settings, labels)
    record = StageRecord(parent_file, "child", name, tags, flatten(settings))
    record.describe(description)
    record.mark_started()
    try:
        yield record
    except BaseException as err:
        record.close("FAILED", error=f"{type(err).__name__}: {err}")
        raise
    record.log_metrics({"stage_seconds": record.elapsed, "stage_cpu_seconds": record.cpu_elapsed}
                       | process_costs())
    record.close("FINISHED")


def log_results(parent_file: str | Path, settings: Mapping[str, Any],
                rows: list[dict[str, Any]], metrics: tuple[str, ...]) -> None:
    """One child run per (method, k) of the comparison, under the evaluate stage.

    Plain metric names (total_loss, delta_m_percent, ...) on runs tagged with their
    method and k make MLflow's runs table a leaderboard that its charts and compare view
    read natively; `rows` are the summary table's rows, their `metrics` columns the runs'
    metrics and their groups a param.
    """
    for row in rows:
        labels = {"method": row["method"], "k": row["k"]}
        name = f"evaluate method={row['method']} k={row['k']}"
        tags = provenance_tags("evaluate", settings["dataset"], settings, labels)
        params = {key: str(row[key]) for key in ("affinity", "grouper", "groups", "seeds")}
        record = StageRecord(parent_file, "child", name, tags, params)
        record.describe(f"{row['method']} at k={row['k']}: total test loss "
                        f"{row['total_loss']:.3f} ± {row['total_loss_std']:.3f} (std over "
                        f"{row['seeds']} seeds), geomean ratio {row['geomean_ratio']:.3f}, "
                        f"groups {row['groups']}")
        record.log_metrics({key: value for key, value in row.items()
                            if key in metrics and value == value})  # NaN: no regret
        record.close("FINISHED")


def log_to_pipeline(parent_file: str | Path, metrics: dict[str, float],
                    artifacts: Sequence[str | Path], tables: Mapping[str, str | Path],
                    description: str) -> None:
    """Put the comparison on the parent run, where runs of several configs are compared:
    its metrics and files, `tables` (artifact name: CSV) as tables the UI shows, and
    `description` (markdown) as the parent's description."""
    record = StageRecord(parent_file, "parent", "", {}, {})
    record.log_metrics(metrics)
    for path in artifacts:
        record.log_artifact(path)
    for name, path in tables.items():
        record.log_table(path, name)
    record.describe(description)
    record.close("FINISHED")
