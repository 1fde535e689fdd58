"""Many writers, one MLflow store: 32 processes, each a run with 50 metrics and an artifact.

Each process is a job that leaves its record in its own pipeline's journal and then
publishes it, so 32 publishers write to the store at once (32 pipelines sharing a
cluster's server). Against the sqlite store a pipeline uses by default, and against
`mlflow server` on loopback: afterwards every run, metric and artifact is counted. And
32 jobs of one pipeline with 8 publishers racing over its journal: no run twice.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from taskgrouping.fileio import read_json
from taskgrouping.tracking.journal import stage_run
from taskgrouping.tracking.store import init_pipeline

WORKERS = 32
METRICS = 50
WORKER = """
import shutil
import sys
from pathlib import Path
from taskgrouping.tracking.journal import stage_run
from taskgrouping.tracking.store import publish

parent, index, folder = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
own = folder / f"pipeline{index}" / "mlflow_parent.json"
own.parent.mkdir(parents=True)
shutil.copy(parent, own)
artifact = folder / f"worker{index}.txt"
artifact.write_text(f"worker {index}")
with stage_run(own, "load", {"dataset": "toy"}, {"worker": index}, "a worker") as record:
    record.log_metrics({f"m{j}": index + j / 100 for j in range(int(sys.argv[4]))})
    record.log_artifact(artifact)
assert publish(own) == 1
"""
PUBLISHER = """
import sys
from taskgrouping.tracking.store import publish
print(publish(sys.argv[1]))
"""


def _in_parallel(commands: list[list[str]]) -> list[str]:
    """Start every command at once; their outputs, after asserting none failed."""
    env = {**os.environ, "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "7"}
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  env=env) for command in commands]
    outputs, failures = [], []
    for process in processes:
        output, _ = process.communicate(timeout=600)
        outputs.append(output.decode())
        if process.returncode:
            failures.append(outputs[-1][-2000:])
    assert not failures, failures[0]
    return outputs


def _run_workers(parent: Path, folder: Path) -> None:
    folder.mkdir()
    _in_parallel([[sys.executable, "-c", WORKER, str(parent), str(i), str(folder), str(METRICS)]
                  for i in range(WORKERS)])


def _assert_every_record(parent_file: Path) -> None:
    parent = read_json(parent_file)
    client = MlflowClient(parent["tracking_uri"])
    runs = client.search_runs([parent["experiment_id"]],
                              filter_string="tags.stage = 'load'", max_results=1000)
    assert len(runs) == WORKERS
    assert {run.data.tags["worker"] for run in runs} == {str(i) for i in range(WORKERS)}
    for run in runs:
        index = int(run.data.tags["worker"])
        assert run.info.status == "FINISHED"
        assert run.data.tags["mlflow.parentRunId"] == parent["run_id"]
        assert len([key for key in run.data.metrics if key.startswith("m")]) == METRICS
        assert run.data.metrics["m7"] == pytest.approx(index + 0.07)
        assert [a.path for a in client.list_artifacts(run.info.run_id)] == [f"worker{index}.txt"]


def _config(uri: str | None) -> dict:
    return {"dataset": "toy", "mlflow": {"tracking_uri": uri, "experiment": None}}


@pytest.mark.integration  # 32 processes at once
def test_32_writers_to_one_sqlite_store(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    parent = tmp_path / "results" / "toy" / "mlflow_parent.json"
    init_pipeline(parent, "toy", _config(None))
    _run_workers(parent, tmp_path / "artifacts")
    _assert_every_record(parent)


def test_racing_publishers_log_each_record_once(tmp_path, monkeypatch) -> None:
    """The end hook and a hand-run publish at once: the journal's lock lets one log."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    parent = tmp_path / "results" / "toy" / "mlflow_parent.json"
    init_pipeline(parent, "toy", _config(None))
    for index in range(WORKERS):
        with stage_run(parent, "load", {"dataset": "toy"}, {"worker": index}, "a worker") as record:
            record.log_metrics({"m": index})
    counts = _in_parallel([[sys.executable, "-c", PUBLISHER, str(parent)] for _ in range(8)])
    assert sorted(int(count) for count in counts) == [0] * 7 + [WORKERS]
    record = read_json(parent)
    runs = MlflowClient(record["tracking_uri"]).search_runs(
        [record["experiment_id"]], "tags.stage = 'load'", max_results=1000)
    assert sorted(int(run.data.tags["worker"]) for run in runs) == list(range(WORKERS))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mlflow_server(tmp_path):
    """`mlflow server` on loopback with its own sqlite store and artifact root."""
    port = _free_port()
    mlflow = Path(sys.executable).parent / "mlflow"
    server = subprocess.Popen(
        [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--backend-store-uri", f"sqlite:///{tmp_path}/server.db",
         "--artifacts-destination", str(tmp_path / "server-artifacts")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mlflow server did not start") from None
                time.sleep(0.5)
        yield uri
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.mark.integration  # 32 processes at once
def test_32_writers_to_one_mlflow_server(tmp_path, mlflow_server) -> None:
    parent = tmp_path / "results" / "toy" / "mlflow_parent.json"
    init_pipeline(parent, "toy", _config(mlflow_server))
    assert read_json(parent)["tracking_uri"] == mlflow_server
    _run_workers(parent, tmp_path / "artifacts")
    _assert_every_record(parent)


@pytest.mark.integration
def test_workflow_logs_every_job_to_an_mlflow_server(tmp_path, mlflow_server) -> None:
    """The whole pipeline against `mlflow server` (tracking_uri in the config): one child
    run per Snakemake job under a FINISHED parent, artifacts stored by the server."""
    import yaml
    from conftest import REPO, job_runs, small_config, workflow_env

    config = yaml.safe_load(small_config(tmp_path, methods=["random"]).read_text())
    config["mlflow"]["tracking_uri"] = mlflow_server
    path = tmp_path / "server.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--configfile",
         str(path), "--cores", "2"], capture_output=True, text=True, timeout=900,
        env=workflow_env(tmp_path))
    assert result.returncode == 0, result.stderr[-4000:]
    jobs = int(re.findall(r"(\d+) of (\d+) steps \(100%\) done", result.stderr)[-1][1])
    parent = read_json(tmp_path / "results" / "yeast" / "mlflow_parent.json")
    assert parent["tracking_uri"] == mlflow_server
    client = MlflowClient(mlflow_server)
    assert client.get_run(parent["run_id"]).info.status == "FINISHED"
    children = client.search_runs([parent["experiment_id"]], max_results=1000,
                                  filter_string=f"tags.mlflow.parentRunId = '{parent['run_id']}'")
    # every job but the aggregate target `all` and the subsets' local copies out of their
    # batch, and a train_group job one run per training of its batch
    trained = [run for run in children if run.data.tags["stage"] == "train_group"]
    subsets = {run.data.tags["subset"] for run in trained}
    batches = len(list((tmp_path / "results" / "yeast" / "settings").glob("train-batch-*")))
    assert len(job_runs(children)) == jobs - 1 - len(subsets) - batches + len(trained)
    assert all(run.info.status == "FINISHED" for run in children)
    evaluate = next(run for run in job_runs(children) if run.data.tags["stage"] == "evaluate")
    assert "summary.csv" in {a.path for a in client.list_artifacts(evaluate.info.run_id)}
    assert not (tmp_path / "results" / "mlflow.db").exists()  # nothing went to sqlite
