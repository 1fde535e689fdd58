"""MLflow, in one place: the pipeline's parent run and one child run per job.

The parent run is created under a file lock by Snakemake's onstart hook, before the
first job of an invocation; its ids go to `results/<name>/mlflow_parent.json`. Every
job opens a child run of that parent through the client API, with the parent id passed
explicitly (never MLFLOW_RUN_ID); the onsuccess/onerror hooks close the parent.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock

from taskgrouping import __version__
from taskgrouping.atomic import read_json, write_json
from taskgrouping.provenance import flatten, git_sha, settings_hash

DEFAULT_TRACKING_URI = "sqlite:///results/mlflow.db"
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
            raise TrackingError(f"MLflow store {uri} cannot be used: {err}") from err
        uri = f"{prefix}{db}"
    return uri


def check_reachable(uri: str, attempts: int = 3, timeout: float = 10.0) -> None:
    """Fail within seconds when nothing accepts connections at an http(s) store.

    MLflow's client retries a refused connection with exponential backoff
    (MLFLOW_HTTP_REQUEST_MAX_RETRIES, default 7): 4 minutes before a job would fail.
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


def _is_transient(err: Exception) -> bool:
    text = str(err).lower()
    return "database is locked" in text or "database table is locked" in text


def with_retry(call: Callable[..., T], *args: Any, attempts: int = 8, **kwargs: Any) -> T:
    """Call through transient sqlite lock errors with jittered exponential backoff."""
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


def _log_params(client, run_id: str, params: dict[str, str]) -> None:
    from mlflow.entities import Param

    items = [Param(key, value[:6000]) for key, value in sorted(params.items())]
    for start in range(0, len(items), 100):
        with_retry(client.log_batch, run_id, params=items[start : start + 100])


def init_pipeline(
    parent_file: str | Path, dataset: str, config: dict[str, Any]
) -> dict[str, str]:
    """Create (once, under a lock) the experiment and this pipeline's parent run."""
    mlflow_settings = config.get("mlflow", {})
    uri = resolve_tracking_uri(mlflow_settings.get("tracking_uri"))
    experiment_name = mlflow_settings.get("experiment") or f"taskgrouping-{dataset}"
    results = Path(parent_file).resolve().parent.parent  # results/<dataset>/.. = results/
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
                    client.create_experiment, experiment_name, artifact_location=artifacts
                )
            else:
                experiment_id = experiment.experiment_id
            run = with_retry(
                client.create_run,
                experiment_id,
                run_name=f"pipeline {config.get('name') or dataset}",
                tags=_tags("pipeline", dataset, config, {}),
            )
            _log_params(client, run.info.run_id, flatten(config))
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the store is reported with its URI
        raise TrackingError(f"MLflow store {uri} cannot be used: {err}") from err
    record = {
        "tracking_uri": uri,
        "experiment_id": experiment_id,
        "experiment_name": experiment_name,
        "run_id": run.info.run_id,
    }
    write_json(parent_file, record)
    return record


def _tags(stage: str, dataset: str, settings: dict[str, Any], labels: dict[str, Any]) -> dict:
    return {
        "dataset": dataset,
        "stage": stage,
        "git_sha": git_sha(),
        "config_hash": settings_hash(settings),
        "taskgrouping_version": __version__,
        **{key: str(value) for key, value in labels.items()},
    }


class StageRun:
    """A job's child run: metrics and artifacts go through here."""

    def __init__(self, client, run_id: str) -> None:
        self.client = client
        self.run_id = run_id
        self.started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds of the stage's own work: tracking set-up and imports are not counted."""
        return time.perf_counter() - self.started

    def log_metrics(self, metrics: dict[str, float], step: int = 0) -> None:
        from mlflow.entities import Metric

        stamp = int(time.time() * 1000)
        items = [Metric(key, float(value), stamp, step) for key, value in sorted(metrics.items())]
        for start in range(0, len(items), 1000):
            with_retry(self.client.log_batch, self.run_id, metrics=items[start : start + 1000])

    def log_artifact(self, path: str | Path) -> None:
        with_retry(self.client.log_artifact, self.run_id, str(path))


@contextmanager
def stage_run(
    parent_file: str | Path, stage: str, settings: dict[str, Any], labels: dict[str, Any]
) -> Iterator[StageRun]:
    """A child run of the pipeline's parent run, FINISHED on success and FAILED on error."""
    parent = read_json(parent_file)
    uri = parent["tracking_uri"]
    name = " ".join([stage, *(f"{key}={value}" for key, value in labels.items())])
    try:
        client = _client(uri)
        tags = _tags(stage, settings["dataset"], settings, labels)
        tags["mlflow.parentRunId"] = parent["run_id"]
        run = with_retry(client.create_run, parent["experiment_id"], run_name=name, tags=tags)
        _log_params(client, run.info.run_id, flatten(settings))
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001
        raise TrackingError(f"MLflow store {uri} cannot be used: {err}") from err
    stage_record = StageRun(client, run.info.run_id)
    try:
        yield stage_record
    except BaseException:
        with_retry(client.set_terminated, run.info.run_id, status="FAILED")
        raise
    stage_record.log_metrics({"stage_seconds": stage_record.elapsed})
    with_retry(client.set_terminated, run.info.run_id, status="FINISHED")


def log_to_pipeline(
    parent_file: str | Path, metrics: dict[str, float], artifacts: list[str | Path]
) -> None:
    """Put the comparison on the parent run, where runs of several configs are compared."""
    parent = read_json(parent_file)
    record = StageRun(_client(parent["tracking_uri"]), parent["run_id"])
    record.log_metrics(metrics)
    for path in artifacts:
        record.log_artifact(path)


def finish_pipeline(parent_file: str | Path, status: str) -> None:
    """Mark the parent run FINISHED or FAILED when Snakemake ends."""
    parent = read_json(parent_file)
    uri = parent["tracking_uri"]
    try:
        with_retry(_client(uri).set_terminated, parent["run_id"], status=status)
    except TrackingError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure of the store is reported with its URI
        raise TrackingError(f"MLflow store {uri} cannot be used: {err}") from err
