"""Faults a run meets, each provoked for real: a killed run, a one-off job failure, a
non-finite loss, degenerate or corrupt data, and an MLflow store that cannot be used."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from conftest import REPO, small_config, workflow_env

from taskgrouping.cli import main
from taskgrouping.data import yeast
from taskgrouping.data.access import load_split
from taskgrouping.tracking.journal import pending_records
from taskgrouping.tracking.store import init_pipeline

SPLIT = {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15}
TRAIN = {"max_epochs": 2, "patience": 1, "batch_size": 64, "learning_rate": 0.01,
         "weight_decay": 0.0}
TABLE_TASKS = {"y_binary": "binary", "y_value": "regression",
               "y_class": {"type": "multiclass", "classes": 3}}


def snakemake_command(workdir: Path, config: Path, *extra: str) -> list[str]:
    return ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(workdir),
            "--configfile", str(config), "--cores", "2", *extra]


def snakemake(workdir: Path, config: Path, *extra: str, env: dict | None = None,
              timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake_command(workdir, config, *extra), capture_output=True,
                          text=True, timeout=timeout, env=env or workflow_env(workdir))


def train_output(subset: str) -> str:
    return f"results/yeast/train/{subset}_seed0.json"


def assert_complete_training(path: Path, tasks: list[str]) -> None:
    """A train-group output that parses and scores each of its tasks."""
    record = json.loads(path.read_text())
    assert [score["task"] for score in record["scores"]] == tasks, path


@pytest.fixture(scope="module")
def parent(tmp_path_factory) -> Path:
    """A pipeline parent run in a fresh sqlite store, for stages run directly."""
    root = tmp_path_factory.mktemp("store")
    parent_file = root / "results" / "t" / "mlflow_parent.json"
    config = {"dataset": "t", "mlflow": {"tracking_uri": f"sqlite:///{root}/mlflow.db",
                                         "experiment": None}}
    init_pipeline(parent_file, "t", config)
    return parent_file


def write_table(path: Path, n: int = 300, **extra: np.ndarray) -> Path:
    """A learnable table: x1..x3, y_binary, y_value, y_class, plus `extra` task columns."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame({
        "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2],
        "y_binary": (x[:, 0] + rng.normal(scale=0.5, size=n) > 0).astype(int),
        "y_value": 2 * x[:, 1] + rng.normal(size=n),
        "y_class": np.digitize(x[:, 2], [-0.5, 0.5]),
        **extra,
    })
    if str(path).endswith(".gz"):
        frame.to_csv(path, index=False, compression="gzip")
    else:
        frame.to_csv(path, index=False)
    return path


def table_data(path: Path, tasks: dict | None = None, selected: list[str] | None = None
               ) -> dict:
    """The `data` settings of a table dataset over `path`."""
    tasks = tasks or TABLE_TASKS
    return {"tasks": selected or list(tasks), "split": SPLIT,
            "options": {"path": str(path), "features": ["x1", "x2", "x3"], "tasks": tasks},
            "model": {"type": "mlp", "hidden": [8]}, "train": TRAIN}


def split_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(val + test rows, training rows) of an n-row file under SPLIT, as load_split cuts."""
    order = np.random.default_rng(SPLIT["seed"]).permutation(n)
    held = int(round(SPLIT["test_fraction"] * n)) + int(round(SPLIT["val_fraction"] * n))
    return order[:held], order[held:]


def train_group_args(data: dict, parent: Path, out_dir: Path, subset: str,
                     dataset: str = "table") -> list[str]:
    settings = json.dumps({"dataset": dataset, "data": data, "device": "cpu"})
    return ["train-group", "--settings", settings, "--parent", str(parent),
            "--subsets", subset, "--seed", "0", "--out-dir", str(out_dir)]


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# 1. A job killed mid-write leaves nothing that Snakemake takes as complete.

KILLED_WRITER = """
import os, signal, sys
from taskgrouping.fileio import write_with

def writer(tmp):
    with open(tmp, "w") as handle:
        handle.write('{"half": ')
        handle.flush()
        os.fsync(handle.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

write_with(sys.argv[1], writer)
"""


@pytest.mark.parametrize("previous", [None, '{"complete": true}\n'])
def test_writer_killed_mid_write_leaves_old_file_or_none(tmp_path, previous) -> None:
    target = tmp_path / "out" / "result.json"
    if previous is not None:
        target.parent.mkdir()
        target.write_text(previous)
    done = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)])
    assert done.returncode == -signal.SIGKILL
    if previous is None:
        assert not target.exists()
    else:
        assert target.read_text() == previous
    # the half-written bytes are in a hidden temporary beside it, never at the output's name
    leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert len(leftovers) == 1 and leftovers[0].startswith(".result.json.")


def test_atomic_write_gives_the_mode_a_plain_write_gives(tmp_path) -> None:
    from taskgrouping.fileio import write_json

    write_json(tmp_path / "atomic.json", {"a": 1})
    (tmp_path / "plain.json").write_text("{}")
    mode = (tmp_path / "plain.json").stat().st_mode & 0o777
    assert (tmp_path / "atomic.json").stat().st_mode & 0o777 == mode


def job_outputs(log: str) -> dict[str, str]:
    """jobid -> output of every job Snakemake started, from its log: one block per job
    after each "[<date>]" line (jobs started together print no blank line between them)."""
    jobs = {}
    for block in re.split(r"^\[\w{3} \w{3} .*\d{4}\]$", log, flags=re.M):
        output, jobid = re.search(r"output: (\S+)", block), re.search(r"jobid: (\d+)", block)
        if output and jobid:
            jobs[jobid.group(1)] = output.group(1)
    return jobs


def finished_outputs(log: str) -> set[str]:
    jobs = job_outputs(log)
    return {jobs[i]
            for i in re.findall(r"Finished jobid: (\d+) \(Rule: collect_training\)", log)}


@pytest.mark.integration
def test_killed_run_leaves_no_partial_output_and_rerun_does_only_the_rest(tmp_path) -> None:
    """SIGKILL the whole run (Snakemake and its jobs) as a job writes its output."""
    config = small_config(tmp_path, methods=["random"], train_batch=1)  # a job per subset
    targets = [train_output(task) for task in ("Class1", "Class2", "Class3")]
    train = tmp_path / "results" / "yeast" / "train"
    log_file = tmp_path / "first.log"
    with log_file.open("w") as log:
        # --quiet host: each job's rule, files and id in the log, which the test reads
        run = subprocess.Popen(snakemake_command(tmp_path, config, *targets, "--quiet", "host"),
                               stdout=log,
                               stderr=subprocess.STDOUT, env=workflow_env(tmp_path),
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 400
        while not finished_outputs(log_file.read_text()):
            assert run.poll() is None, log_file.read_text()[-3000:]
            assert time.monotonic() < deadline, "no job finished"
            time.sleep(0.05)
        # kill when the next training appears in its batch's folder: its temporary
        # (mid-write), or the renamed file while the job still writes its MLflow record
        before = set(train.glob("batches/*/*"))
        while not set(train.glob("batches/*/*")) - before and time.monotonic() < deadline:
            assert run.poll() is None, log_file.read_text()[-3000:]
            time.sleep(0.002)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    for _ in range(100):  # until no job of the group is left to write anything
        try:
            os.killpg(run.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    first_log = log_file.read_text()
    finished = finished_outputs(first_log)
    assert finished and set(finished) < set(targets)

    # whatever the kill left under an output's name is complete
    present = {f"results/yeast/train/{p.name}" for p in train.glob("*.json")}
    for output in present:
        assert_complete_training(tmp_path / output, [Path(output).name.split("_seed")[0]])

    # the plan: every missing output, every output of a job not recorded finished
    # (--rerun-incomplete, from profiles/default), and nothing that finished
    plan = snakemake(tmp_path, config, *targets, "-n", "--quiet", "host")  # each job shown
    assert plan.returncode == 0, plan.stderr[-3000:]
    planned = set(re.findall(r"output: (results/yeast/train/\S+\.json)", plan.stdout))
    assert set(targets) - present <= planned <= set(targets) - finished
    assert present - finished <= planned

    # a SIGKILLed Snakemake leaves its lock: --unlock, then the rerun does only the plan
    assert snakemake(tmp_path, config, "--unlock").returncode == 0
    rerun = snakemake(tmp_path, config, *targets, "--quiet", "host")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert set(finished_outputs(rerun.stderr + rerun.stdout)) == planned
    for output in targets:
        assert_complete_training(tmp_path / output, [Path(output).name.split("_seed")[0]])
    # the killed run's records waited in the journal; the rerun's end hook published them
    assert pending_records(tmp_path / "results" / "yeast" / "mlflow_parent.json") == []


# 2. A job that fails once is retried with --retries 1 and the run succeeds.

@pytest.mark.integration
def test_job_failing_once_succeeds_with_retries(tmp_path) -> None:
    """A `taskgrouping` first on PATH fails the first train-group call, then execs the CLI."""
    marker = tmp_path / "failed-once"
    real = Path(sys.executable).parent / "taskgrouping"
    wrapper = tmp_path / "bin" / "taskgrouping"
    wrapper.parent.mkdir()
    wrapper.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = train-group ] && mkdir "{marker}" 2>/dev/null; then\n'
        '  echo "injected failure of taskgrouping $1" >&2; exit 1\n'
        "fi\n"
        f'exec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    env = workflow_env(tmp_path)
    env["PATH"] = f"{wrapper.parent}{os.pathsep}{env['PATH']}"
    config = small_config(tmp_path, methods=["random"])
    target = train_output("Class1")

    without = snakemake(tmp_path, config, target, env=env)
    assert without.returncode != 0
    [log] = (tmp_path / "results" / "yeast" / "logs" / "train").glob("*.log")  # its batch's
    assert "injected failure of taskgrouping train-group" in log.read_text()
    assert not (tmp_path / target).exists()

    marker.rmdir()
    retried = snakemake(tmp_path, config, target, "--retries", "1", env=env)
    assert retried.returncode == 0, retried.stderr[-3000:]
    assert marker.is_dir()  # the first attempt of this run did fail
    assert "Trying to restart job" in retried.stdout + retried.stderr
    assert_complete_training(tmp_path / target, ["Class1"])


# 3. A non-finite loss fails the job with a message naming the task and the step.

@pytest.mark.integration
def test_nan_loss_fails_the_job_naming_task_and_step(tmp_path) -> None:
    config = yaml.safe_load(small_config(tmp_path, methods=["random"], train_batch=1).read_text())
    config["datasets"]["yeast"]["train"]["learning_rate"] = 1e30
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    target = train_output("Class1")
    result = snakemake(tmp_path, path, target)
    assert result.returncode != 0
    [log_file] = (tmp_path / "results/yeast/logs/train").glob("*.log")  # Class1's batch
    log = log_file.read_text()
    line = ("taskgrouping train-group: error: non-finite training loss for task Class1 at "
            "epoch 1, step 2 (group ['Class1'], seed 0)")
    assert log.strip().splitlines()[-1] == line
    # the workflow prints the failed job's error line and its log (onerror)
    assert f"{log_file.relative_to(tmp_path)}: {line}" in result.stderr.splitlines()
    assert not (tmp_path / target).exists()

    from mlflow.tracking import MlflowClient

    parent = json.loads((tmp_path / "results/yeast/mlflow_parent.json").read_text())
    client = MlflowClient(parent["tracking_uri"])
    runs = client.search_runs([parent["experiment_id"]], "tags.stage = 'train_group'")
    assert [run.info.status for run in runs] == ["FAILED"]
    assert runs[0].data.tags["error"].startswith("FloatingPointError: non-finite training loss")
    assert client.get_run(parent["run_id"]).info.status == "FAILED"


# 4. A classification task with one label value on the training split is refused;
#    on the probe set it is allowed.

def test_constant_training_labels_name_the_task(tmp_path) -> None:
    n = 300
    held, _ = split_rows(n)
    rare = np.zeros(n, dtype=int)
    rare[held[:3]] = 1  # positives in validation and test only
    path = write_table(tmp_path / "t.csv", n, y_zero=np.zeros(n, dtype=int),
                       y_two=np.full(n, 2), y_rare=rare)
    for task, spec, seen in (("y_zero", "binary", "all 0"), ("y_rare", "binary", "all 0"),
                             ("y_two", {"type": "multiclass", "classes": 3}, "all 2")):
        data = table_data(path, TABLE_TASKS | {task: spec})
        message = (f"dataset table: task {task!r} is constant on the training split "
                   f"({seen}); drop it from datasets.table.tasks")
        with pytest.raises(ValueError, match=re.escape(message)):
            load_split("table", data)
        # leaving it out of the selected tasks is the fix
        assert load_split("table", data | {"tasks": list(TABLE_TASKS)}).y_train.shape[1] == 3


def test_constant_task_fails_its_stage_in_one_line(tmp_path, parent, capsys) -> None:
    path = write_table(tmp_path / "t.csv", y_zero=np.zeros(300, dtype=int))
    data = table_data(path, TABLE_TASKS | {"y_zero": "binary"})
    out = tmp_path / "batch"
    assert main(train_group_args(data, parent, out, "y_binary")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["taskgrouping train-group: error: dataset table: task 'y_zero' is constant "
                   "on the training split (all 0); drop it from datasets.table.tasks"]
    assert not out.exists()


def test_task_constant_on_the_probe_set_is_probed(tmp_path, parent) -> None:
    """All probe labels 0 (positives elsewhere in training): BCE towards 0 has gradients."""
    n, probe_samples = 300, 16
    held, train_rows = split_rows(n)
    probe_positions = np.random.default_rng(0).choice(len(train_rows), probe_samples,
                                                      replace=False)
    outside = np.setdiff1d(np.arange(len(train_rows)), probe_positions)[:5]
    rare = np.zeros(n, dtype=int)
    rare[train_rows[outside]] = 1
    rare[held[:3]] = 1  # and on the test split, where it is scored
    path = write_table(tmp_path / "t.csv", n, y_rare=rare)
    data = table_data(path, TABLE_TASKS | {"y_rare": "binary"})
    samplewise = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["samplewise"]
    samplewise |= {"seed": 0, "probe_samples": probe_samples, "stratify": False}
    settings = json.dumps({"dataset": "table", "data": data, "samplewise": samplewise,
                           "device": "cpu"})
    shared, stats = tmp_path / "shared.pt", tmp_path / "stats.npz"
    assert main(["probe-shared", "--settings", settings, "--parent", str(parent),
                 "--out", str(shared), "--stats-out", str(stats)]) == 0
    probe_rows = torch.load(shared, weights_only=True)["probe_indices"].numpy()
    labels = load_split("table", data).y_train[probe_rows, 3]
    assert len(probe_rows) == probe_samples and set(labels) == {0.0}
    signals = tmp_path / "y_rare.npz"
    assert main(["probe-task", "--settings", settings, "--parent", str(parent),
                 "--task", "y_rare", "--shared", str(shared), "--stats", str(stats),
                 "--out", str(signals)]) == 0
    with np.load(signals) as saved:
        assert np.isfinite(saved["signals"]).all() and np.abs(saved["signals"]).sum() > 0


# 5. A corrupt or truncated data file is an error naming the file.

def truncated_csv(tmp_path: Path) -> Path:
    text = write_table(tmp_path / "full.csv").read_text()
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: text.index("\n", len(text) // 2) - 12])  # mid-row, no newline
    return cut


def truncated_gzip(tmp_path: Path) -> Path:
    data = write_table(tmp_path / "full.csv.gz").read_bytes()
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("make", [truncated_csv, truncated_gzip])
def test_truncated_table_names_the_file(tmp_path, make) -> None:
    path = make(tmp_path)
    with pytest.raises(ValueError, match=re.escape(str(path))):
        load_split("table", table_data(path))


@pytest.mark.parametrize("cut", ["truncated", "not gzip"])
def test_corrupt_yeast_file_names_the_file(tmp_path, monkeypatch, parent, capsys, cut) -> None:
    real = yeast.csv_path().read_bytes()
    copy = tmp_path / "yeast.csv.gz"
    copy.write_bytes(real[: len(real) // 2] if cut == "truncated" else gzip.decompress(real))
    monkeypatch.setattr(yeast, "csv_path", lambda: copy)
    data = {"tasks": ["Class1", "Class2"], "split": SPLIT,
            "model": {"type": "mlp", "hidden": [8]}, "train": TRAIN}
    with pytest.raises(ValueError, match=re.escape(str(copy)) + ".* corrupt or truncated"):
        load_split("yeast", data)
    out = tmp_path / "batch"
    assert main(train_group_args(data, parent, out, "Class1", "yeast")) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("taskgrouping train-group: error:") and str(copy) in line
    assert not out.exists()


def test_cli_on_a_corrupt_table_exits_1_with_one_line(tmp_path, parent) -> None:
    path = truncated_csv(tmp_path)
    out = tmp_path / "batch"
    done = subprocess.run(
        ["taskgrouping", *train_group_args(table_data(path), parent, out, "y_binary")],
        capture_output=True, text=True, env=workflow_env(tmp_path), timeout=300)
    assert done.returncode == 1, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("taskgrouping train-group: error:") and str(path) in line
    assert not out.exists()


# 6. An MLflow store that cannot be used fails naming its URI, within seconds, and loses
#    no record.

def test_unreachable_server_fails_init_quickly_naming_the_uri(tmp_path, monkeypatch,
                                                              capsys) -> None:
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    uri = f"http://127.0.0.1:{free_port()}"
    settings = json.dumps({"dataset": "yeast", "mlflow": {"tracking_uri": uri,
                                                          "experiment": None}})
    out = tmp_path / "results" / "yeast" / "mlflow_parent.json"
    started = time.monotonic()
    assert main(["init-tracking", "--settings", settings, "--out", str(out)]) == 1
    assert time.monotonic() - started < 30  # far below MLflow's own retry schedule
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"taskgrouping init-tracking: error: MLflow store {uri} ")
    assert not out.exists()


def test_unreachable_server_keeps_the_records_and_names_the_uri(tmp_path, monkeypatch,
                                                                capsys) -> None:
    """Jobs do not touch the store; publishing their records fails in one line naming
    the URI, within seconds, and keeps every record for the next publish."""
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    uri = f"http://127.0.0.1:{free_port()}"
    parent_file = tmp_path / "mlflow_parent.json"
    parent_file.write_text(json.dumps({"tracking_uri": uri, "experiment_id": "1",
                                       "experiment_name": "x", "run_id": "0" * 32}))
    out = tmp_path / "batch"
    data = {"tasks": ["Class1"], "split": SPLIT, "model": {"type": "mlp", "hidden": [8]},
            "train": TRAIN}
    assert main(train_group_args(data, parent_file, out, "Class1", "yeast")) == 0
    assert_complete_training(out / "Class1_seed0.json", ["Class1"])
    [record] = pending_records(parent_file)
    capsys.readouterr()  # the training's progress lines
    started = time.monotonic()
    assert main(["publish-tracking", "--parent", str(parent_file)]) == 1
    assert time.monotonic() - started < 30  # far below MLflow's own retry schedule
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"taskgrouping publish-tracking: error: MLflow store {uri} cannot "
                           "be reached")
    assert f"1 records kept in {record.parent}" in line
    assert pending_records(parent_file) == [record]


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_sqlite_store_in_a_folder_that_cannot_exist(tmp_path, monkeypatch, capsys,
                                                    where) -> None:
    """The store's folder would sit under a regular file (uncreatable, even for root)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plainfile").write_text("")
    db = f"{tmp_path}/plainfile/sub/mlflow.db" if where == "absolute" else "plainfile/mlflow.db"
    uri = f"sqlite:///{db}"
    settings = json.dumps({"dataset": "yeast", "mlflow": {"tracking_uri": uri,
                                                          "experiment": None}})
    out = tmp_path / "results" / "yeast" / "mlflow_parent.json"
    assert main(["init-tracking", "--settings", settings, "--out", str(out)]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"taskgrouping init-tracking: error: MLflow store {uri} cannot be used")
    assert not out.exists()


@pytest.mark.integration
def test_workflow_with_unreachable_store_stops_before_any_job(tmp_path) -> None:
    uri = f"http://127.0.0.1:{free_port()}"
    config = small_config(tmp_path, methods=["random"],
                          mlflow={"tracking_uri": uri, "experiment": None})
    env = workflow_env(tmp_path)
    env.pop("MLFLOW_HTTP_REQUEST_MAX_RETRIES", None)
    started = time.monotonic()
    result = snakemake(tmp_path, config, env=env, timeout=300)
    assert time.monotonic() - started < 120
    assert result.returncode != 0
    assert f"MLflow store {uri} cannot be reached" in result.stderr
    results = tmp_path / "results" / "yeast"
    assert sorted(p.name for p in results.iterdir()) == ["logs"]


# 7. Per-job overhead (benchmarks/overhead.py): what every job pays before its work.

def test_parsing_a_stages_settings_does_not_import_torch() -> None:
    """cli.main parses --settings for every verb; the pair jobs must not pay torch's import."""
    code = ("import sys, taskgrouping.cli, taskgrouping.stages.pair\n"
            "from taskgrouping.settings import parse_settings\n"
            "parse_settings('{\"dataset\": \"yeast\"}')\n"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.integration
def test_killing_a_jobs_wrapper_kills_its_process_and_accepts_no_late_output(tmp_path) -> None:
    """The process Snakemake starts for a job is the taskgrouping process itself (exec):
    SIGKILL to it leaves nothing running that could write the output after the job
    failed; the run fails, the output is absent, and the rerun builds it."""
    import psutil

    config = small_config(tmp_path, methods=["random"])
    target = train_output("Class1")
    settings = yaml.safe_load(config.read_text())
    settings["datasets"]["yeast"]["train"] |= {"max_epochs": 400, "patience": 400}
    config.write_text(yaml.safe_dump(settings))
    run = subprocess.Popen(snakemake_command(tmp_path, config, target, "--cores", "1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=workflow_env(tmp_path), start_new_session=True)
    try:
        deadline, job = time.time() + 120, None
        while job is None and time.time() < deadline:
            for child in psutil.Process(run.pid).children(recursive=True):
                if "train-group" in _command(child):
                    job = child
            time.sleep(0.1)
        assert job is not None, "no train-group job started"
        wrapper = job.parent()
        assert "train-group" not in _command(wrapper), "a shell wraps the job"
        job.send_signal(signal.SIGKILL)
        _, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode != 0
    assert "exec taskgrouping train-group" in stderr  # the failed job's command
    time.sleep(1)
    left = [p for p in psutil.process_iter()
            if "train-group" in _command(p) and _cwd(p) == str(tmp_path)]
    assert not left, "a job outlived its run"
    assert not (tmp_path / target).exists()
    settings["datasets"]["yeast"]["train"] |= {"max_epochs": 2, "patience": 1}
    config.write_text(yaml.safe_dump(settings))
    rerun = snakemake(tmp_path, config, target)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert_complete_training(tmp_path / target, ["Class1"])


def _command(process) -> str:
    """A process's command line; empty once it is gone (or a zombie)."""
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _cwd(process) -> str:
    import psutil

    try:
        return process.cwd()
    except psutil.Error:
        return ""


@pytest.mark.integration
def test_editing_the_data_reruns_the_stages_that_read_it(tmp_path) -> None:
    """Flip a task's labels in the table after a complete run: the probe and the
    trainings rerun (they read the file), the summary changes; a second rerun does
    nothing, and touching the file without changing it reruns nothing either."""
    table = write_table(tmp_path / "tasks.csv")
    config = yaml.safe_load(small_config(tmp_path, methods=["samplewise+spectral"]).read_text())
    config.update(dataset="table", datasets={"table": table_data(table) | {"tasks": None}})
    path = tmp_path / "table.yaml"
    path.write_text(yaml.safe_dump(config))
    first = snakemake(tmp_path, path)
    assert first.returncode == 0, first.stderr[-3000:]
    summary_file = tmp_path / "results" / "table" / "summary.csv"
    before = pd.read_csv(summary_file)
    trainings = sorted((tmp_path / "results" / "table" / "train").glob("*.json"))
    trained = {p: p.stat().st_mtime_ns for p in trainings}
    touched = os.stat(table).st_mtime_ns
    os.utime(table, ns=(touched + 10**9, touched + 10**9))
    assert "Nothing to be done" in snakemake(tmp_path, path, "-n").stdout
    frame = pd.read_csv(table)
    frame["y_binary"] = 1 - frame["y_binary"]
    frame["y_value"] = -frame["y_value"] + np.sin(3 * frame["x3"])
    frame.to_csv(table, index=False)
    plan = snakemake(tmp_path, path, "-n", "--quiet", "host")  # each job and its reason
    assert plan.returncode == 0, plan.stderr[-3000:]
    planned = set(re.findall(r"^rule (\w+):", plan.stdout, re.M))
    assert {"samplewise_affinity", "evaluate"} <= planned
    assert "params" in plan.stdout  # why: the data manifest, a parameter, changed
    rerun = snakemake(tmp_path, path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert all(p.stat().st_mtime_ns > trained[p] for p in trainings)  # trained again
    after = pd.read_csv(summary_file)
    assert not np.allclose(before["total_loss"], after["total_loss"])
    assert "Nothing to be done" in snakemake(tmp_path, path, "-n").stdout


@pytest.mark.integration
def test_a_users_task_mapping_replaces_the_templates(tmp_path) -> None:
    """The user's own --configfile names the table's tasks: only those are planned, the
    template's example columns (y_binary, y_value, y_class) never join them."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["x1", "x2", "x3"])
    frame["mine"] = (frame["x1"] > 0).astype(int)
    frame["theirs"] = frame["x2"] * 2
    frame.to_csv(tmp_path / "own.csv", index=False)
    user = {"dataset": "table", "budgets": [2], "datasets": {"table": {"options": {
        "path": str(tmp_path / "own.csv"), "tasks": {"mine": "binary", "theirs": "regression"}}}}}
    (tmp_path / "user.yaml").write_text(yaml.safe_dump(user))
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "-n",
               "--configfile", str(REPO / "config" / "config.yaml"), str(tmp_path / "user.yaml"),
               "--cores", "1"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env=workflow_env(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "200 rows x 2 tasks" in result.stderr
    assert "y_binary" not in result.stdout + result.stderr


def tiled_config(workdir: Path) -> Path:
    """The small sample-wise spectral run in two probe blocks of 2 tasks, so the tiled
    probing jobs' files (probe/shared.pt, probe/task/b000.npz) exist, and its 7 task
    subsets in batches of 2 on average."""
    path = small_config(workdir, methods=["samplewise+spectral"], train_batch=2)
    config = yaml.safe_load(path.read_text())
    config["samplewise"]["tile_tasks"] = 2
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A complete small run (sample-wise spectral), to copy and damage."""
    workdir = tmp_path_factory.mktemp("finished")
    assert snakemake(workdir, tiled_config(workdir)).returncode == 0
    return workdir


@pytest.mark.integration
@pytest.mark.xdist_group("finished_run")  # one worker builds the run they all damage
@pytest.mark.parametrize("damaged", ["probe/task/b000.npz", "probe/shared.pt",
                                     "train/Class1_seed0.json"])
def test_a_damaged_intermediate_is_named_removed_and_rebuilt(finished_run, tmp_path,
                                                             damaged) -> None:
    """Truncate one of the pipeline's own files after a run and force its reader to rerun:
    the job fails with one line naming the file, the file is gone, and the reader's next
    run rebuilds it and completes (a truncated file used to fail every rerun, unnamed)."""
    shutil.copytree(finished_run, tmp_path, dirs_exist_ok=True, symlinks=True)
    config = tiled_config(tmp_path)
    results = tmp_path / "results" / "yeast"
    target = results / damaged
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    reader = {"probe/task/b000.npz": "pair", "probe/shared.pt": "probe_task",
              "train/Class1_seed0.json": "evaluate"}[damaged]
    failed = snakemake(tmp_path, config, "--forcerun", reader)
    assert failed.returncode != 0
    log = "\n".join(p.read_text() for p in (results / "logs").rglob("*.log"))
    assert f"{target}: damaged, cannot be read" in log or \
        f"results/yeast/{damaged}: damaged, cannot be read" in log
    assert "Traceback" not in log
    assert not target.exists()
    rerun = snakemake(tmp_path, config, "--forcerun", reader)  # it needs the file again
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert target.exists()


@pytest.mark.integration
@pytest.mark.xdist_group("finished_run")
def test_a_lost_training_retrains_its_batch_only(finished_run, tmp_path) -> None:
    """Delete one subset's training after a run: the rerun trains that subset's batch in
    one job, copies out that batch's files, and leaves every other batch's files alone;
    every file is the one the first run wrote, timings aside."""
    shutil.copytree(finished_run, tmp_path, dirs_exist_ok=True, symlinks=True)
    config = tiled_config(tmp_path)
    results = tmp_path / "results" / "yeast"
    plans = {path: path.read_text().split() for path in
             (results / "settings").glob("train-batch-*.txt")}
    assert len(plans) > 1
    [members] = [names for names in plans.values() if "Class1" in names]

    def untimed(path: Path) -> dict:
        return {key: value for key, value in json.loads(path.read_text()).items()
                if key not in ("seconds", "cpu_seconds")}

    trainings = sorted((results / "train").glob("*.json"))
    before = {p: (p.stat().st_mtime_ns, untimed(p)) for p in trainings}
    (results / "train" / "Class1_seed0.json").unlink()
    # Snakemake sees a lost input of a checkpoint-dependent job only when that job reruns
    plan = snakemake(tmp_path, config, "-n", "--forcerun", "evaluate", "--quiet", "host")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert re.search(r"^train_group\s+1$", plan.stdout, re.MULTILINE), plan.stdout[-3000:]
    planned = set(re.findall(r"output: results/yeast/train/(\S+)_seed0\.json", plan.stdout))
    assert planned == set(members)
    rerun = snakemake(tmp_path, config, "--forcerun", "evaluate")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert sorted((results / "train").glob("*.json")) == trainings
    assert not (results / "train" / "batches").exists()  # deleted once copied out
    for path, (mtime, record) in before.items():
        assert untimed(path) == record
        retrained = path.name.split("_seed")[0] in members
        assert (path.stat().st_mtime_ns != mtime) == retrained, path.name


@pytest.mark.integration
@pytest.mark.parametrize("closer", ["publish-tracking", "next invocation"])
def test_a_killed_invocation_leaves_no_run_running(tmp_path, closer) -> None:
    """SIGKILL Snakemake and its jobs mid-training: `publish-tracking`, or else the next
    invocation, closes the parent run FAILED, saying why, and the killed job appears as a
    FAILED child run with its reason; the next invocation's own parent ends FINISHED."""
    import psutil
    from mlflow.tracking import MlflowClient

    config = small_config(tmp_path, methods=["random"])
    settings = yaml.safe_load(config.read_text())
    settings["datasets"]["yeast"]["train"] |= {"max_epochs": 400, "patience": 400}
    config.write_text(yaml.safe_dump(settings))
    target = train_output("Class1")
    run = subprocess.Popen(snakemake_command(tmp_path, config, target, "--cores", "1"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=workflow_env(tmp_path), start_new_session=True)
    journal = tmp_path / "results" / "yeast" / "mlflow_journal"

    def training_journaled() -> bool:
        """The training job runs and has journaled its start (slow on a loaded machine)."""
        training = any("train-group" in _command(p)
                       for p in psutil.Process(run.pid).children(True))
        return training and any(json.loads(p.read_text())["status"] == "RUNNING"
                                and "train" in p.read_text() for p in journal.glob("*.json"))

    deadline = time.time() + 120
    while time.time() < deadline and not training_journaled():
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    assert any(json.loads(p.read_text())["status"] == "RUNNING" for p in journal.glob("*.json"))
    parent_file = tmp_path / "results" / "yeast" / "mlflow_parent.json"
    parent = json.loads(parent_file.read_text())
    settings["datasets"]["yeast"]["train"] |= {"max_epochs": 2, "patience": 1}
    if closer == "publish-tracking":
        published = subprocess.run(
            [sys.executable, "-m", "taskgrouping", "publish-tracking", "--parent",
             str(parent_file)], capture_output=True, text=True, env=workflow_env(tmp_path),
            timeout=120)
        assert published.returncode == 0, published.stderr
        assert "closed FAILED" in published.stdout
    else:
        assert snakemake(tmp_path, config, "--unlock").returncode == 0
        config.write_text(yaml.safe_dump(settings))
        assert snakemake(tmp_path, config, target).returncode == 0
    client = MlflowClient(parent["tracking_uri"])
    parent_run = client.get_run(parent["run_id"])
    assert parent_run.info.status == "FAILED"
    assert "ended without closing it" in parent_run.data.tags["ended_by"]
    children = client.search_runs([parent["experiment_id"]],
                                  f"tags.mlflow.parentRunId = '{parent['run_id']}'")
    killed = [r for r in children if r.data.tags["stage"] == "train_group"]
    assert killed and all(r.info.status == "FAILED" for r in killed)
    assert "killed (SIGKILL" in killed[0].data.tags["error"]
    if closer == "publish-tracking":
        assert snakemake(tmp_path, config, "--unlock").returncode == 0
        config.write_text(yaml.safe_dump(settings))
        assert snakemake(tmp_path, config, target).returncode == 0
    again = json.loads(parent_file.read_text())
    assert again["run_id"] != parent["run_id"]
    assert client.get_run(again["run_id"]).info.status == "FINISHED"
