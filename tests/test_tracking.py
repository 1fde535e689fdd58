"""MLflow records against a real sqlite store."""

from __future__ import annotations

import pytest
from mlflow.tracking import MlflowClient

from taskgrouping.atomic import read_json
from taskgrouping.tracking import (
    TrackingError,
    finish_pipeline,
    init_pipeline,
    log_to_pipeline,
    resolve_tracking_uri,
    stage_run,
)


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = {"dataset": "toy", "mlflow": {"tracking_uri": None, "experiment": None}}
    parent_file = tmp_path / "results" / "toy" / "mlflow_parent.json"
    init_pipeline(parent_file, "toy", config)
    return parent_file


def test_uri_precedence(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert resolve_tracking_uri("http://example:5000") == "http://example:5000"
    assert resolve_tracking_uri(None) == "http://127.0.0.1:5999"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert resolve_tracking_uri(None) == f"sqlite:///{tmp_path}/results/mlflow.db"


def test_parent_and_child_runs(pipeline) -> None:
    parent = read_json(pipeline)
    settings = {"dataset": "toy", "samplewise": {"step_size": 0.5}}
    with stage_run(pipeline, "pair", settings, {"pair": "a__b"}) as record:
        record.log_metrics({"distance": 1.25})
    client = MlflowClient(parent["tracking_uri"])
    runs = client.search_runs([parent["experiment_id"]])
    child = next(r for r in runs if r.info.run_id != parent["run_id"])
    assert child.data.tags["mlflow.parentRunId"] == parent["run_id"]
    assert child.data.tags["stage"] == "pair" and child.data.tags["pair"] == "a__b"
    assert len(child.data.tags["config_hash"]) == 12 and child.data.tags["git_sha"]
    assert child.data.params["samplewise.step_size"] == "0.5"
    assert child.data.metrics["distance"] == 1.25
    assert child.info.run_name == "pair pair=a__b" and child.info.status == "FINISHED"
    log_to_pipeline(pipeline, {"total": 1.0}, [])
    assert client.get_run(parent["run_id"]).info.status == "RUNNING"
    finish_pipeline(pipeline, "FINISHED")
    finished = client.get_run(parent["run_id"])
    assert finished.info.status == "FINISHED" and finished.data.metrics["total"] == 1.0


def test_failed_stage_marks_its_run_failed(pipeline) -> None:
    parent = read_json(pipeline)
    with pytest.raises(ValueError), stage_run(pipeline, "probe_task", {"dataset": "toy"}, {}):
        raise ValueError("bad labels")
    client = MlflowClient(parent["tracking_uri"])
    statuses = {r.info.status for r in client.search_runs([parent["experiment_id"]])
                if r.info.run_id != parent["run_id"]}
    assert statuses == {"FAILED"}


def test_unreachable_store_names_the_uri(tmp_path, monkeypatch) -> None:
    uri = "http://127.0.0.1:9/nowhere"
    config = {"dataset": "toy", "mlflow": {"tracking_uri": uri, "experiment": None}}
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with pytest.raises(TrackingError, match="127.0.0.1:9/nowhere"):
        init_pipeline(tmp_path / "results" / "toy" / "mlflow_parent.json", "toy", config)
    assert not (tmp_path / "results" / "toy" / "mlflow_parent.json").exists()
