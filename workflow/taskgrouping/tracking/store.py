"""MLflow, in one place: the pipeline's parent run, and the jobs' records as its children.

The parent run is created under a file lock by Snakemake's onstart hook, before the
first job of an invocation; its ids go to `results/<name>/mlflow_parent.json`. Jobs do
not talk to the store: each leaves a record in the journal (`taskgrouping.tracking.journal`),
and `publish` logs them as child runs of that parent, with the parent id set
explicitly (never MLFLOW_RUN_ID). The onsuccess/onerror hooks publish, then close the
parent; a store that fails then keeps the records for the next publish.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock

from taskgrouping.fileio import CorruptFile, read_json, write_json
from taskgrouping.settings import results_name
from taskgrouping.tracking.journal import journal_dir, pending_records, provenance_tags
from taskgrouping.tracking.liveness import ABANDONED, KILLED, invocation, is_alive
from taskgrouping.tracking.provenance import flatten

DEFAULT_TRACKING_URI = "sqlite:///results/mlflow.db"
PUBLISH_THREADS = 8
INPUTS_LOCK = threading.Lock()
T = TypeVar("T")


class TrackingError(RuntimeError):
    """The MLflow store could not take the record."""


def resolve_tracking_uri(configured: str | None) -> str:
    """Config value, else $MLFLOW_TRACKING_URI, else the sqlite file under results/.

    A relative sqlite path is made absolute so every job writes to the same file.
    """
    uri = configured or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix) :].startswith("/"):
        db = Path(uri[len(prefix) :]).resolve()
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TrackingError(f"MLflow store {uri} cannot be used: {store_error(err)}") from err
        uri = f"{prefix}{db}"
    return uri


def check_reachable(uri: str, attempts: int = 3, timeout: float = 10.0) -> None:
    """Fail within seconds when nothing accepts connections at an http(s) store.

    MLflow's client retries a refused connection with exponential backoff
    (MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 7), for minutes before a job would fail.
    A restarting server gets `attempts` connection tries 1 and 2 s apart; requests
    through a proxy are left to MLflow.
    """
    import socket
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return
    if (urllib.request.getproxies().get(parts.scheme)
            and not urllib.request.proxy_bypass(parts.hostname)):
        return
    address = (parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    for attempt in range(attempts):
        try:
            socket.create_connection(address, timeout=timeout).close()
            return
        except OSError as err:
            if attempt == attempts - 1:
                raise TrackingError(f"MLflow store {uri} cannot be reached: nothing accepts "
                                    f"connections at {address[0]}:{address[1]} ({err})") from err
            time.sleep(2**attempt)


TRANSIENT_ERRORS = (
    "database is locked",  # sqlite: another writer holds the file
    "database table is locked",
    "queuepool limit",  # a server's SQLAlchemy pool is exhausted; MLflow answers 400 for it
    # two publishers logging the same new dataset at once (sqlite behind the server): the
    # loser's insert fails, and its retry finds the dataset the winner inserted
    "unique constraint failed: datasets.",
)


def _is_transient(err: Exception) -> bool:
    """Errors that a busy store clears by itself: retried, never reported as a failure."""
    text = str(err).lower()
    return any(marker in text for marker in TRANSIENT_ERRORS)


def with_retry(call: Callable[..., T], *args: Any, attempts: int = 8, **kwargs: Any) -> T:
    """Call through a busy store's transient errors with jittered exponential backoff."""
    for attempt in range(attempts):
        try:
            return call(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - MLflow wraps driver errors in many types
            if not _is_transient(err) or attempt == attempts - 1:
                raise
            time.sleep(0.1 * 2**attempt * (1 + random.random()))
    raise AssertionError("unreachable")


def _client(uri: str):
    check_reachable(uri)
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


# MLflow 3's experiment kind: this is model development (runs to compare), not GenAI. The
# UI's own GenAI / Model training toggle still decides which view the experiment opens.
EXPERIMENT_TAGS = {"mlflow.experimentKind": "custom_model_development"}


def init_pipeline(
    parent_file: str | Path, dataset: str, config: dict[str, Any],
    tags: dict[str, str] | None = None,
) -> dict[str, str]:
    """Create (once, under a lock) the experiment and this pipeline's parent run, nested
    under the run of `mlflow.nest_under` when set (a benchmark's parent run).

    `tags` are added to its provenance tags (the data check's outcome and warnings).
    """
    mlflow_settings = config.get("mlflow", {})
    nest_under = mlflow_settings.get("nest_under")
    run_tags = provenance_tags("pipeline", dataset, config, tags or {})
    if nest_under:
        run_tags["mlflow.parentRunId"] = read_json(nest_under)["run_id"]
    return create_parent_run(
        parent_file, resolve_tracking_uri(mlflow_settings.get("tracking_uri")),
        mlflow_settings.get("experiment") or f"taskgrouping-{dataset}",
        f"pipeline {config.get('name') or results_name(dataset, config.get('protocol', 'mtl'))}",
        run_tags, flatten(config))


def create_parent_run(parent_file: str | Path, uri: str, experiment_name: str,
                      run_name: str, tags: dict[str, str], params: dict[str, str]
                      ) -> dict[str, str]:
    """The experiment (created once, under a lock, with its artifacts under results/ for
    a sqlite store) and a new run in it whose ids go to `parent_file`."""
    results = Path(parent_file).resolve().parent.parent  # results/<name>/.. = results/
    lock_file = results / ".mlflow.lock"
    results.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(lock_file, timeout=600):
            client = _client(uri)
            experiment = with_retry(client.get_experiment_by_name, experiment_name)
            if experiment is None:
                artifacts = None
                if uri.startswith("sqlite:"):
                    artifacts = (results / "mlartifacts").as_uri()
                experiment_id = with_retry(
                    client.create_experiment, experiment_name, artifact_location=artifacts,
                    tags=EXPERIMENT_TAGS,
                )
            else:
                experiment_id = experiment.experiment_id
            run = with_retry(client.create_run, experiment_id, run_name=run_name, tags=tags)
            _log_record(client, {"params": params, "metrics": [], "artifacts": [],
                                 "tags": {}},
                        run.info.run_id)
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the store is reported with its URI
        raise TrackingError(f"MLflow store {uri} cannot be used: {store_error(err)}") from err
    record = {
        "tracking_uri": uri,
        "experiment_id": experiment_id,
        "experiment_name": experiment_name,
        "run_id": run.info.run_id,
        "invocation": invocation(),
    }
    write_json(parent_file, record)
    return record


def close_abandoned(parent_file: str | Path, closer: str, final: bool) -> bool:
    """Publish and close FAILED the parent run in `parent_file` if it is still RUNNING
    and the invocation that opened it is gone (or `final`: the caller knows it is);
    whether it did. Its journal's records are published first, killed jobs' as FAILED."""
    parent_file = Path(parent_file)
    if not parent_file.is_file():
        return False
    try:
        parent = read_json(parent_file)
    except CorruptFile:
        return False
    if not final and is_alive(parent.get("invocation")):
        return False
    client = _client(parent["tracking_uri"])
    try:
        run = with_retry(client.get_run, parent["run_id"])
    except Exception:  # noqa: BLE001 - a parent run the store no longer has: nothing to close
        return False
    if run.info.status != "RUNNING":
        return False
    publish(parent_file, final=True)
    with_retry(client.set_tag, parent["run_id"], "ended_by", ABANDONED.format(closer=closer))
    with_retry(client.set_terminated, parent["run_id"], status="FAILED")
    return True


def _log_record(client, record: dict[str, Any], run_id: str, with_tags: bool = False) -> None:
    """Params, metrics, artifacts, tables and dataset inputs of one record onto `run_id`,
    in batches; its tags too with `with_tags` (a child run gets them when created)."""
    from mlflow.entities import Metric, Param, RunTag

    params = [Param(key, value[:6000]) for key, value in sorted(record["params"].items())]
    metrics = [Metric(key, value, stamp, step) for key, value, stamp, step in record["metrics"]]
    artifacts = [(entry, Path(entry).name) if isinstance(entry, str) else tuple(entry)
                 for entry in record["artifacts"]]  # a bare path: journaled by an earlier release
    tables = record.get("tables", [])
    missing = [path for path, _ in [*artifacts, *tables] if not Path(path).exists()]
    tags = ([RunTag(key, value) for key, value in sorted(record["tags"].items())]
            if with_tags else [])
    if missing:
        tags.append(RunTag("missing_artifacts", ", ".join(missing)))
    for start in range(0, max(len(params), len(metrics), 1), 100):
        with_retry(client.log_batch, run_id, metrics=metrics[start : start + 100],
                   params=params[start : start + 100], tags=tags if start == 0 else [])
    if record.get("inputs"):
        with INPUTS_LOCK:  # one publisher's threads never insert the same dataset at once
            with_retry(client.log_inputs, run_id, datasets=_dataset_inputs(record["inputs"]))
    for path, name in artifacts:
        if path not in missing:
            _log_artifact_as(client, run_id, Path(path), name)
    for path, name in tables:
        # log_table appends to a table already there: a retried or resumed publish skips it
        if path not in missing and not _has_artifact(client, run_id, name):
            with_retry(client.log_table, run_id, _read_table(path), name)


def _has_artifact(client, run_id: str, name: str) -> bool:
    folder = str(Path(name).parent) if Path(name).parent != Path(".") else None
    return name in {item.path for item in with_retry(client.list_artifacts, run_id, folder)}


def _read_table(path: str):
    import pandas as pd

    return pd.read_csv(path)


def _log_artifact_as(client, run_id: str, path: Path, name: str) -> None:
    """Log `path` under the artifact name `name` (a copy when the names differ)."""
    if path.name == name:
        with_retry(client.log_artifact, run_id, str(path))
        return
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / name
        shutil.copyfile(path, copy)
        with_retry(client.log_artifact, run_id, str(copy))


def _dataset_inputs(inputs: list[dict[str, Any]]) -> list:
    """The records' data sets as MLflow dataset inputs, with the context tag its UI shows."""
    import json

    from mlflow.entities import Dataset, DatasetInput, InputTag

    return [DatasetInput(Dataset(name=item["name"], digest=item["digest"],
                                 source_type="taskgrouping", source=item["source"],
                                 profile=json.dumps(item["profile"], sort_keys=True)),
                         tags=[InputTag("mlflow.data.context", item["context"])])
            for item in inputs]


def _publish_record(client, path: Path, record: dict[str, Any]) -> None:
    """One record (read from `path`) as a run, then the file removed.

    A child run's id is written into the record as soon as the run exists, so a publish
    interrupted half-way resumes on the same run instead of creating a second one.
    """
    parent = record["parent"]
    if record["target"] == "parent":
        _log_record(client, record, parent["run_id"], with_tags=True)
    else:
        run_id = record.get("run_id")
        if run_id is None:
            tags = record["tags"] | {"mlflow.parentRunId": parent["run_id"]}
            run = with_retry(client.create_run, parent["experiment_id"],
                             start_time=record["start_time"], tags=tags,
                             run_name=record["run_name"])
            run_id = run.info.run_id
            write_json(path, record | {"run_id": run_id})
        _log_record(client, record, run_id)
        with_retry(client.set_terminated, run_id, status=record["status"],
                   end_time=record["end_time"])
    path.unlink()


def publish(parent_file: str | Path, final: bool = False) -> int:
    """Log every pending journal record of this pipeline to its store; how many were.

    A RUNNING record (its job started, and has not ended) waits while its job may still
    run; it is published FAILED, with why, once its process is known gone or when `final`
    (every job has ended: Snakemake's end hooks, the next invocation). One publisher at a
    time per journal (a file lock): the end hook and a `taskgrouping publish-tracking`
    run by hand never log a record twice. On failure the records not yet published stay
    in the journal, and the error says how to retry.
    """
    folder = journal_dir(parent_file)
    if not pending_records(parent_file):
        return 0
    published = 0
    with FileLock(folder / ".publish.lock", timeout=3600):
        by_store: dict[str, dict[Path, dict[str, Any]]] = {}
        for path in pending_records(parent_file):
            try:
                record = read_json(path)
            except CorruptFile as err:  # named and removed; the others still publish
                print(f"taskgrouping: MLflow record skipped: {err}", file=sys.stderr)
                continue
            if record["status"] == "RUNNING":
                if not final and is_alive(record.get("owner")):
                    continue
                record |= {"status": "FAILED", "end_time": int(path.stat().st_mtime * 1000)}
                record["tags"]["error"] = KILLED
            by_store.setdefault(record["parent"]["tracking_uri"], {})[path] = record
        for uri, records in by_store.items():
            try:
                published += _publish_to(uri, records)
            except Exception as err:  # noqa: BLE001 - any failure of the store names its URI
                reason = (str(err) if isinstance(err, TrackingError)
                          else f"MLflow store {uri} cannot be used: {store_error(err)}")
                raise TrackingError(
                    f"{reason}; {len(pending_records(parent_file))} records kept in {folder}:"
                    f" `taskgrouping publish-tracking --parent {parent_file}` logs them"
                    " once it can") from err
    return published


def _publish_to(uri: str, records: dict[Path, dict[str, Any]]) -> int:
    """Records to one store: a server takes them PUBLISH_THREADS at a time (each is three
    or more requests), a sqlite or file store one by one (it has one writer anyway)."""
    client = _client(uri)
    threads = PUBLISH_THREADS if uri.startswith(("http://", "https://")) else 1
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(partial(_publish_record, client), records, records.values()):
            pass
    return len(records)


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def store_error(err: BaseException) -> str:
    """The error's first line and, where a library wrapped it, its root cause's: MLflow's
    own message hides e.g. sqlite's "attempt to write a readonly database"."""
    root, inner = err, err.__cause__ or err.__context__
    while inner is not None:
        root, inner = inner, inner.__cause__ or inner.__context__
    first, cause = _first_line(err), _first_line(root)
    return first if root is err or cause in first else f"{first} (cause: {cause})"


def finish_pipeline(parent_file: str | Path, status: str) -> str | None:
    """Mark the parent run FINISHED or FAILED when Snakemake ends; a finished one's results
    get a saved view of the runs table (`leaderboard`): its URL fragment, or None."""
    from taskgrouping.tracking.leaderboard import save_leaderboard

    parent = read_json(parent_file)
    uri = parent["tracking_uri"]
    try:
        client = _client(uri)
        with_retry(client.set_terminated, parent["run_id"], status=status)
        if status != "FINISHED":
            return None
        return with_retry(save_leaderboard, client, parent["experiment_id"], parent["run_id"])
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the store is reported with its URI
        raise TrackingError(f"MLflow store {uri} cannot be used: {store_error(err)}") from err
