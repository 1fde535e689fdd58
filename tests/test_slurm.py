"""The workflow on a real one-node SLURM cluster, through profiles/slurm (docs/cluster.md).

The session fixture installs Debian's slurm-wlm and munge where missing and starts
munged, slurmctld and slurmd (tests/slurm_cluster.py); it skips when not root or when
SLURM cannot be installed. The run is bounded by a hard timeout: the SLURM executor can
hang after SIGTERM, so its whole process group is killed after a grace period.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, job_runs, small_config, workflow_env
from slurm_cluster import PARTITION, SlurmCluster, SlurmUnavailable

# one worker starts the one SLURM cluster (a session fixture) and runs every test on it
pytestmark = [pytest.mark.slurm, pytest.mark.xdist_group("slurm")]

PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
RUN_TIMEOUT = 900  # seconds; about twice the run's time on 2 cores (docs/cluster.md)
GRACE = 20  # seconds between SIGTERM and SIGKILL of the Snakemake process group
TASKS = ["Class1", "Class2", "Class3", "Class12"]


def plugin_installed() -> bool:
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return False
    return True


needs_plugin = pytest.mark.skipif(
    not plugin_installed(),
    reason="snakemake-executor-plugin-slurm not installed: pip install -e '.[slurm]'")


@pytest.fixture(scope="session")
def slurm(tmp_path_factory):
    if not sys.platform.startswith("linux"):
        pytest.skip("the SLURM test runs a Debian slurm-wlm cluster: Linux only")
    if os.geteuid() != 0:
        pytest.skip("the SLURM test needs root (apt-get install slurm-wlm munge; slurmd)")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    try:
        cluster.start()
    except SlurmUnavailable as error:
        cluster.stop()
        pytest.skip(f"SLURM unavailable: {error}")
    except BaseException:
        cluster.stop()
        raise
    try:
        yield cluster
    finally:
        cluster.stop()


def node_profile(directory: Path, cluster: SlurmCluster) -> Path:
    """profiles/slurm fitted to the test node (1 core and at most its share of memory per
    job, partition debug) with fast status polling; every other key as shipped."""
    profile = yaml.safe_load(PROFILE.read_text())
    memory = cluster.memory_mb // cluster.cpus

    def fit(resources: dict) -> dict:
        fitted = {k: v for k, v in resources.items() if k not in ("gpu", "gpu_model", "gres")}
        fitted.update(cpus_per_task=1, mem_mb=min(int(resources.get("mem_mb", memory)), memory))
        return fitted

    defaults = dict(item.split("=", 1) for item in profile["default-resources"])
    defaults = fit(defaults) | {"slurm_partition": PARTITION}
    profile["default-resources"] = [f"{k}={v}" for k, v in defaults.items()]
    profile["set-resources"] = {rule: fit(r) for rule, r in profile["set-resources"].items()}
    profile["set-threads"] = dict.fromkeys(profile.get("set-threads", {}), 1)
    profile.update({
        "jobs": 20,
        "latency-wait": 5,
        "seconds-between-status-checks": 2,
        "max-status-checks-per-second": 10,
        "slurm-init-seconds-before-status-checks": 2,
        "slurm-status-command": "squeue",  # no slurmdbd, so no sacct
        "slurm-keep-successful-logs": True,
    })
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return directory


def run_bounded(command: list[str], cwd: Path, env: dict, log: Path, timeout: int):
    """Popen in its own process group; after `timeout` SIGTERM the group, SIGKILL after
    GRACE. Returns (return code or None when killed, seconds)."""
    start = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            return process.wait(timeout=timeout), time.monotonic() - start
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=GRACE)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            return None, time.monotonic() - start


def per_task_config(tmp_path: Path) -> Path:
    """small_config with one probe job per task and one pair job per pair (tile_tasks 1):
    the many tiny jobs the profile's bundling is for (the default is one block here)."""
    path = small_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["samplewise"]["tile_tasks"] = 1
    path.write_text(yaml.safe_dump(config))
    return path


@needs_plugin
def test_profile_is_accepted_by_snakemake(tmp_path) -> None:
    """profiles/slurm as shipped parses (executor, resources, groups) in a dry run."""
    config = per_task_config(tmp_path)
    result = subprocess.run(
        ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
         "--configfile", str(config), "--profile", str(PROFILE.parent), "-n"],
        capture_output=True, text=True, timeout=300, env=workflow_env(tmp_path), cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(r"^pair\s+6$", result.stdout, re.MULTILINE), result.stdout[-2000:]
    profile = yaml.safe_load(PROFILE.read_text())
    assert profile["executor"] == "slurm"
    assert {"probe_task=probes", "pair=pairs"} <= set(profile["groups"])


@needs_plugin
def test_workflow_runs_through_slurm_with_bundled_jobs(tmp_path, slurm) -> None:
    config = per_task_config(tmp_path)
    profile = node_profile(tmp_path / "profile", slurm)
    env = slurm.env(workflow_env(tmp_path))
    log = tmp_path / "snakemake.log"
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
               "--configfile", str(config), "--profile", str(profile)]
    returncode, seconds = run_bounded(command, tmp_path, env, log, RUN_TIMEOUT)
    output = log.read_text(errors="replace")
    print(f"snakemake --profile profiles/slurm: {seconds:.0f} s")
    assert returncode is not None, (f"killed after {RUN_TIMEOUT} s\n{output[-4000:]}"
                                    f"\n{slurm.logs()}")
    assert returncode == 0, f"{output[-6000:]}\n{slurm.logs()}"

    results = tmp_path / "results" / "yeast"
    for name in ("summary.csv", "evaluation.csv", "affinity/samplewise.csv",
                 "groups/samplewise+select_k2.json", "total_loss.png"):
        assert (results / name).is_file(), name
    blocks = sorted((results / "probe" / "task").glob("*.npz"))
    assert [p.stem for p in blocks] == ["b000", "b001", "b002", "b003"]  # one task each
    assert sorted(str(np.load(p)["tasks"][0]) for p in blocks) == sorted(TASKS)
    assert len(list((results / "probe" / "pair").glob("*.json"))) == 6
    summary = pd.read_csv(results / "summary.csv")
    assert {"samplewise+select", "random", "stl", "all"} <= set(summary["method"])

    # every job went through SLURM: the submissions Snakemake reported are the jobs
    # slurmctld holds under this run's name, all completed with exit code 0
    run_id = re.search(r"SLURM run ID: (\S+)", output).group(1)
    submitted = set(re.findall(r"has been submitted with SLURM jobid (\d+)", output))
    jobs = [job for job in slurm.jobs() if job["JobName"] == run_id]
    assert {job["JobId"] for job in jobs} == submitted
    assert all(job["JobState"] == "COMPLETED" and job["ExitCode"] == "0:0" for job in jobs)
    assert {job["Partition"] for job in jobs} == {PARTITION}
    controller_log = (slurm.directory / "slurmctld.log").read_text()
    accepted = set(re.findall(r"_slurm_rpc_submit_batch_job: JobId=(\d+)", controller_log))
    assert submitted <= accepted

    # Snakemake jobs by rule: each ran under SLURM and left a child run in MLflow
    from mlflow.tracking import MlflowClient

    parent = json.loads((results / "mlflow_parent.json").read_text())
    assert parent["tracking_uri"] == f"sqlite:///{tmp_path}/results/mlflow.db"
    client = MlflowClient(parent["tracking_uri"])
    assert client.get_run(parent["run_id"]).info.status == "FINISHED"
    experiment = client.get_experiment_by_name("taskgrouping-yeast")
    children = [r for r in client.search_runs([experiment.experiment_id], max_results=1000)
                if r.data.tags.get("mlflow.parentRunId") == parent["run_id"]]
    assert all(r.info.status == "FINISHED" for r in children)
    stages = pd.Series([r.data.tags["stage"] for r in children]).value_counts()
    assert stages["probe_task"] == 4 and stages["pair"] == 6
    assert stages["train_group"] >= 5  # 4 STL trainings, all tasks, the chosen groups
    # every job but the target rule `all` logs one run, but a train_group job one per
    # training of its batch, and the collect_training copies run on this host, unlogged
    batches = len(list((results / "settings").glob("train-batch-*.txt")))
    snakemake_jobs = len(job_runs(children)) - stages["train_group"] + batches

    # bundling: the 4 probe_task jobs ran as one SLURM job, the 6 pair jobs as another,
    # each sized for members run one after another (1 CPU, the sum of their runtimes)
    by_comment = {job["Comment"]: job for job in jobs}
    probes = [job for c, job in by_comment.items() if c.startswith("rule_probes")]
    pairs = [job for c, job in by_comment.items() if c.startswith("rule_pairs")]
    assert len(probes) == 1 and len(pairs) == 1, sorted(by_comment)
    assert not any(c.startswith(("rule_probe_task", "rule_pair_")) for c in by_comment)
    fitted = yaml.safe_load((profile / "config.yaml").read_text())["set-resources"]
    for (job,), members, rule in ((probes, 4, "probe_task"), (pairs, 6, "pair")):
        assert job["NumCPUs"] == "1", job
        assert job["TimeLimit"] == f"00:{members * fitted[rule]['runtime']:02d}:00", job
        assert job["MinMemoryNode"] == f"{fitted[rule]['mem_mb']}M", job
    assert len(jobs) == snakemake_jobs - (4 + 6) + 2 < snakemake_jobs
    assert sum(c.startswith("rule_train_group") for c in by_comment) == batches
    assert not any(c.startswith("rule_collect_training") for c in by_comment)
    folders = {p.relative_to(tmp_path / ".snakemake" / "slurm_logs").parts[0]
               for p in (tmp_path / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert {"group_probes_probe_task", "group_pairs_pair", "rule_probe_shared",
            "rule_train_group", "rule_evaluate"} <= folders, folders
    assert not folders & {"rule_probe_task", "rule_pair"}
    print(f"{snakemake_jobs} Snakemake jobs in {len(jobs)} SLURM jobs")
