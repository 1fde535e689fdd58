"""MLflow records against a real sqlite store: jobs write journal records, `publish`
turns them into child runs of the pipeline's parent run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from mlflow.tracking import MlflowClient

from taskgrouping.fileio import read_json
from taskgrouping.tracking.journal import log_to_pipeline, pending_records, stage_run
from taskgrouping.tracking.store import (
    TrackingError,
    finish_pipeline,
    init_pipeline,
    publish,
    resolve_tracking_uri,
    with_retry,
)


@pytest.fixture
def pipeline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    config = {"dataset": "toy", "mlflow": {"tracking_uri": None, "experiment": None}}
    parent_file = tmp_path / "results" / "toy" / "mlflow_parent.json"
    init_pipeline(parent_file, "toy", config)
    return parent_file


def children(parent_file) -> list:
    parent = read_json(parent_file)
    return MlflowClient(parent["tracking_uri"]).search_runs(
        [parent["experiment_id"]], f"tags.mlflow.parentRunId = '{parent['run_id']}'")


def test_uri_precedence(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert resolve_tracking_uri("http://example:5000") == "http://example:5000"
    assert resolve_tracking_uri(None) == "http://127.0.0.1:5999"
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert resolve_tracking_uri(None) == f"sqlite:///{tmp_path}/results/mlflow.db"


def test_parent_and_child_runs(pipeline, tmp_path) -> None:
    parent = read_json(pipeline)
    settings = {"dataset": "toy", "samplewise": {"step_size": 0.5}}
    artifact = tmp_path / "groups.json"
    artifact.write_text("{}")
    with stage_run(pipeline, "pair", settings, {"pair": "a__b"}, "the pair a, b") as record:
        record.log_metrics({"distance": 1.25})
        record.log_artifact(artifact)
    assert children(pipeline) == []  # the job wrote a record, not a run
    [pending] = pending_records(pipeline)
    assert pending.parent == pipeline.parent / "mlflow_journal"
    log_to_pipeline(pipeline, {"total": 1.0}, [], {}, "the answer")
    assert publish(pipeline) == 2 and pending_records(pipeline) == []
    [child] = children(pipeline)
    client = MlflowClient(parent["tracking_uri"])
    assert child.data.tags["stage"] == "pair" and child.data.tags["pair"] == "a__b"
    assert len(child.data.tags["config_hash"]) == 12 and child.data.tags["git_sha"]
    assert child.data.params["samplewise.step_size"] == "0.5"
    metrics = child.data.metrics
    assert metrics["distance"] == 1.25 and "stage_seconds" in metrics
    # the process's own cost, start-up and imports included, beside the stage's
    assert metrics["process_cpu_seconds"] > metrics["stage_cpu_seconds"]
    assert metrics["process_seconds"] > metrics["stage_seconds"]
    assert child.info.run_name == "pair pair=a__b" and child.info.status == "FINISHED"
    assert child.info.start_time <= child.info.end_time  # the job's own times, not publish's
    assert [a.path for a in client.list_artifacts(child.info.run_id)] == ["groups.json"]
    assert client.get_run(parent["run_id"]).info.status == "RUNNING"
    assert publish(pipeline) == 0  # nothing is logged twice
    finish_pipeline(pipeline, "FINISHED")
    finished = client.get_run(parent["run_id"])
    assert finished.info.status == "FINISHED" and finished.data.metrics["total"] == 1.0
    assert len(children(pipeline)) == 1


def test_what_the_mlflow_ui_shows_of_a_run(pipeline, tmp_path, monkeypatch) -> None:
    """A fixed artifact name, a learning curve, the data set, the description and source
    tags on a child; a table and a markdown description on the parent."""
    parent = read_json(pipeline)
    graph = tmp_path / "samplewise+gat_gmm_k2.png"
    graph.write_bytes(b"png")
    with stage_run(pipeline, "train_group", {"dataset": "toy"}, {}, "trains a, b") as record:
        for epoch, loss in enumerate([3.0, 2.0, 1.5], start=1):
            record.log_metrics({"val_loss": loss}, step=epoch)
        record.log_artifact(graph, "task_graph.png")
        record.log_input("toy", "0123456789abcdef", "taskgrouping dataset toy {}",
                         {"train_rows": 10})
    table = tmp_path / "summary.csv"
    table.write_text("method,k,total_loss\nstl,2,2.0\nall,1,1.9\n")
    log_to_pipeline(pipeline, {}, [], {"tables/summary.json": table}, "**the answer**")
    publish(pipeline)
    client = MlflowClient(parent["tracking_uri"])
    [child] = children(pipeline)
    assert [(m.step, m.value) for m in client.get_metric_history(child.info.run_id,
                                                                 "val_loss")] == [
        (1, 3.0), (2, 2.0), (3, 1.5)]
    assert [a.path for a in client.list_artifacts(child.info.run_id)] == ["task_graph.png"]
    [data] = child.inputs.dataset_inputs
    assert (data.dataset.name, data.dataset.digest) == ("toy", "0123456789abcdef")
    assert json.loads(data.dataset.profile) == {"train_rows": 10}
    tags = child.data.tags
    assert tags["mlflow.note.content"] == "trains a, b"
    assert tags["mlflow.source.name"] == "taskgrouping train-group" and tags["mlflow.user"]
    pipeline_run = client.get_run(parent["run_id"])
    assert pipeline_run.data.tags["mlflow.note.content"] == "**the answer**"
    # MLflow's load_table searches the global store, not its client's
    monkeypatch.setenv("MLFLOW_TRACKING_URI", parent["tracking_uri"])
    shown = client.load_table(parent["experiment_id"], "tables/summary.json",
                              run_ids=[parent["run_id"]])
    assert list(shown["method"]) == ["stl", "all"]


def test_a_record_journaled_by_an_earlier_release_still_publishes(pipeline, tmp_path) -> None:
    """Records wait in the journal across an upgrade: bare artifact paths, no inputs or
    tables."""
    from taskgrouping.fileio import write_json
    from taskgrouping.tracking.journal import journal_dir

    parent = read_json(pipeline)
    artifact = tmp_path / "groups.json"
    artifact.write_text("{}")
    write_json(journal_dir(pipeline) / "00000000000001-pair-1-old.json", {
        "parent": {key: parent[key] for key in ("tracking_uri", "experiment_id", "run_id")},
        "target": "child", "run_name": "pair", "tags": {"stage": "pair"}, "params": {},
        "metrics": [["distance", 1.0, 1, 0]], "artifacts": [str(artifact)],
        "start_time": 1, "end_time": 2, "status": "FINISHED"})
    assert publish(pipeline) == 1
    [child] = children(pipeline)
    client = MlflowClient(parent["tracking_uri"])
    assert [a.path for a in client.list_artifacts(child.info.run_id)] == ["groups.json"]


def test_a_table_is_logged_once_however_often_its_record_is(pipeline, tmp_path,
                                                             monkeypatch) -> None:
    """MLflow's log_table appends: a parent record published again (a resumed publish)
    must not double the table's rows."""
    parent = read_json(pipeline)
    table = tmp_path / "summary.csv"
    table.write_text("method,k\nstl,2\nall,1\n")
    for _ in range(2):
        log_to_pipeline(pipeline, {}, [], {"tables/summary.json": table}, "answer")
        publish(pipeline)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", parent["tracking_uri"])
    shown = MlflowClient(parent["tracking_uri"]).load_table(
        parent["experiment_id"], "tables/summary.json", run_ids=[parent["run_id"]])
    assert list(shown["method"]) == ["stl", "all"]


def test_figures_are_titled_by_the_run_name() -> None:
    from taskgrouping.tracking.journal import run_label

    assert run_label("results/yeast6/mlflow_parent.json") == "yeast6"


def test_failed_stage_records_a_failed_run_with_its_error(pipeline) -> None:
    with pytest.raises(ValueError), stage_run(pipeline, "probe_task", {"dataset": "toy"}, {},
                                              "probe"):
        raise ValueError("bad labels")
    publish(pipeline)
    [child] = children(pipeline)
    assert child.info.status == "FAILED"
    assert child.data.tags["error"] == "ValueError: bad labels"


def test_an_interrupted_publish_resumes_on_the_same_run(pipeline) -> None:
    """A record whose run was created before the publisher died gets no second run."""
    with stage_run(pipeline, "pair", {"dataset": "toy"}, {"pair": "a__b"}, "a pair") as record:
        record.log_metrics({"distance": 2.0})
    [path] = pending_records(pipeline)
    parent = read_json(pipeline)
    client = MlflowClient(parent["tracking_uri"])
    run = client.create_run(parent["experiment_id"],
                            tags={"mlflow.parentRunId": parent["run_id"]})
    path.write_text(json.dumps(read_json(path) | {"run_id": run.info.run_id}))
    assert publish(pipeline) == 1
    [child] = children(pipeline)
    assert child.info.run_id == run.info.run_id and child.data.metrics["distance"] == 2.0


def test_publish_to_an_unreachable_store_keeps_every_record(pipeline, monkeypatch) -> None:
    """The store down at the end of a run: the error names the URI, nothing is lost, and
    publishing again once it is back logs every record."""
    for pair in ("a__b", "a__c"):
        with stage_run(pipeline, "pair", {"dataset": "toy"}, {"pair": pair}, "a pair"):
            pass
    records = pending_records(pipeline)
    uri = "http://127.0.0.1:9"
    for path in records:
        record = read_json(path)
        path.write_text(json.dumps(record | {"parent": record["parent"] | {"tracking_uri": uri}}))
    with pytest.raises(TrackingError, match=r"MLflow store http://127.0.0.1:9 cannot be reached"
                                            r".*; 2 records kept in .*publish-tracking"):
        publish(pipeline)
    assert pending_records(pipeline) == records
    real = read_json(pipeline)["tracking_uri"]
    for path in records:
        record = read_json(path)
        path.write_text(json.dumps(record | {"parent": record["parent"] | {"tracking_uri": real}}))
    assert publish(pipeline) == 2
    assert sorted(run.data.tags["pair"] for run in children(pipeline)) == ["a__b", "a__c"]


def test_a_job_never_imports_mlflow(pipeline) -> None:
    """The point of the journal: a job's record costs no MLflow import."""
    code = ("import sys\nfrom taskgrouping.tracking.journal import stage_run\n"
            f"with stage_run({str(pipeline)!r}, 'pair', {{'dataset': 'toy'}}, {{}}, 'a pair')"
            " as r:\n"
            "    r.log_metrics({'x': 1.0})\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('mlflow', 'torch')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    assert len(pending_records(pipeline)) == 1


def test_unreachable_store_names_the_uri(tmp_path, monkeypatch) -> None:
    uri = "http://127.0.0.1:9/nowhere"
    config = {"dataset": "toy", "mlflow": {"tracking_uri": uri, "experiment": None}}
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with pytest.raises(TrackingError, match="127.0.0.1:9/nowhere"):
        init_pipeline(tmp_path / "results" / "toy" / "mlflow_parent.json", "toy", config)
    assert not (tmp_path / "results" / "toy" / "mlflow_parent.json").exists()


def test_a_busy_server_is_retried_and_a_bad_request_is_not() -> None:
    """A server whose connection pool is full answers 400 (seen with 32 publishers): that
    is retried until it clears; any other 400 fails at once."""
    from mlflow.exceptions import RestException

    calls = []

    def busy_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise RestException({"error_code": "BAD_REQUEST", "message":
                                 "QueuePool limit of size 5 overflow 10 reached"})
        return "logged"

    assert with_retry(busy_twice) == "logged" and len(calls) == 3

    def dataset_race() -> str:  # two threads logged the same new dataset at once
        calls.append(1)
        if len(calls) < 2:
            raise RestException({"error_code": "BAD_REQUEST", "message": (
                "(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id, "
                "datasets.name, datasets.digest")})
        return "logged"

    calls.clear()
    assert with_retry(dataset_race) == "logged" and len(calls) == 2

    def bad_request() -> None:
        calls.append(1)
        raise RestException({"error_code": "BAD_REQUEST", "message": "Invalid metric name"})

    calls.clear()
    with pytest.raises(RestException, match="Invalid metric name"):
        with_retry(bad_request)
    assert len(calls) == 1


def test_a_store_error_keeps_its_root_cause() -> None:
    """MLflow wraps sqlite's errors; the line a user sees keeps the real cause."""
    from taskgrouping.tracking.store import store_error

    try:
        try:
            raise OSError("attempt to write a readonly database")
        except OSError as inner:
            raise RuntimeError("(sqlite3.OperationalError) failed\n[SQL: INSERT ...]") from inner
    except RuntimeError as outer:
        line = store_error(outer)
    assert line == ("(sqlite3.OperationalError) failed (cause: attempt to write a readonly "
                    "database)")
    assert store_error(ValueError("plain")) == "plain"
