"""The benchmark: the pipeline composed per dataset as Snakemake modules, end to end on two
small datasets (one seed), its cross-dataset tables and its MLflow nesting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, assert_drawn, workflow_env

from taskgrouping.benchmark.plan import plan_runs

SMALL_MODEL = {"model": {"type": "mlp", "hidden": [16]},
               "train": {"max_epochs": 3, "patience": 2, "batch_size": 256,
                         "learning_rate": 0.01, "weight_decay": 0.0}}
METHODS = ["samplewise+spectral", "tag+spectral", "random"]


def tiny_benchmark(tmp_path: Path, **runs_extra) -> Path:
    """Two small datasets (4 Yeast labels, 6 planted synthetic tasks), one seed, k = 2."""
    config = {
        "name": "bench",
        "defaults": {"methods": METHODS, "budgets": [2], "seeds": [0],
                     "samplewise": {"probe_samples": 64}},
        "runs": {
            "yeast": {"datasets": {"yeast": {"tasks": ["Class1", "Class2", "Class3",
                                                       "Class12"], **SMALL_MODEL}}},
            "planted": {"dataset": "synthetic", "datasets": {"synthetic": {
                "options": {"n_tasks": 6, "groups": 2, "samples": 600}, **SMALL_MODEL}}},
            **runs_extra,
        },
        "statistics": {"bootstrap_samples": 200},
    }
    path = tmp_path / "benchmark.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def benchmark(tmp_path: Path, config: Path, *extra: str, timeout: int = 900):
    command = ["snakemake", "-s", str(REPO / "rules" / "benchmark.smk"), "-d", str(tmp_path),
               "--configfile", str(config), "--cores", "2", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=workflow_env(tmp_path))


def test_each_run_is_the_pipeline_config_layered_and_absent_data_is_left_out(
        tmp_path) -> None:
    """A downloaded dataset without its files and an offline one without its package are
    left out, each with its reason; the rest run."""
    absent = str(tmp_path / "absent")
    config = yaml.safe_load(tiny_benchmark(
        tmp_path,
        celeba={"datasets": {"celeba": {"options": {"data_root": str(tmp_path)}}}},
        fashion={"datasets": {"fashion": {"options": {"root": absent}}}}).read_text())
    plan = plan_runs(config, REPO)
    assert sorted(plan.runs) == ["planted", "yeast"]
    assert "celeba" in plan.skipped and str(tmp_path) in plan.skipped["celeba"]
    assert absent in plan.skipped["fashion"]
    assert "apt-get install dataset-fashion-mnist" in plan.skipped["fashion"]
    yeast = plan.runs["yeast"]
    shipped = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    # config.yaml, then the dataset's file, then the shared defaults, then the run's entry
    assert yeast["gat_gmm"] == shipped["gat_gmm"]
    assert yeast["datasets"]["yeast"]["split"]["test_fraction"] == 0.15
    assert yeast["samplewise"]["probe_samples"] == 64
    assert yeast["samplewise"]["theta0"] == shipped["samplewise"]["theta0"]
    assert yeast["methods"] == METHODS and yeast["name"] == "bench/yeast"
    assert plan.runs["planted"]["dataset"] == "synthetic"
    assert yeast["mlflow"] == {"tracking_uri": None, "experiment": "taskgrouping-benchmark",
                               "nest_under": "results/bench/mlflow_parent.json"}


@pytest.mark.integration
def test_a_bad_run_entry_names_the_run_and_the_key(tmp_path) -> None:
    result = benchmark(tmp_path, tiny_benchmark(tmp_path, broken={"dataset": "yeast",
                                                                  "seeds": "zero"}), "-n")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "benchmark run broken (dataset yeast): invalid config" in output
    assert "config key seeds" in output
    unknown = benchmark(tmp_path, tiny_benchmark(tmp_path, typo={"dataset": "yaest"}), "-n")
    assert unknown.returncode != 0
    assert "benchmark run typo: no dataset 'yaest'" in unknown.stdout + unknown.stderr


# Yeast again with the paper's raw L1: it groups differently but trains alike, so it
# reads the yeast run's trainings instead of training its own.
YEAST_L1 = {"dataset": "yeast", "samplewise": {"distance": "l1", "scale": "none"},
            "datasets": {"yeast": {"tasks": ["Class1", "Class2", "Class3", "Class12"],
                                   **SMALL_MODEL}}}


def test_runs_that_train_alike_share_their_trainings(tmp_path) -> None:
    config = yaml.safe_load(tiny_benchmark(tmp_path, yeastl1=YEAST_L1, yeastwide={
        **YEAST_L1, "datasets": {"yeast": {**YEAST_L1["datasets"]["yeast"],
                                           "model": {"type": "mlp", "hidden": [32]}}}}
    ).read_text())
    plan = plan_runs(config, REPO)
    assert plan.trains_with == {"yeastl1": "yeast"}  # another model trains on its own
    assert plan.runs["yeastl1"]["trainings"] == "results/bench/yeast/train"
    assert plan.runs["yeast"]["trainings"] is None
    assert plan.runs["yeastwide"]["trainings"] is None


@pytest.mark.integration
def test_the_benchmark_runs_end_to_end_with_its_tables_and_mlflow_nesting(tmp_path) -> None:
    result = benchmark(tmp_path, tiny_benchmark(tmp_path, yeastl1=YEAST_L1))
    assert result.returncode == 0, result.stderr[-4000:]
    results = tmp_path / "results" / "bench"
    run_names = ("yeast", "planted", "yeastl1")

    summary = pd.read_csv(results / "summary.csv")
    assert set(summary["run"]) == set(run_names)
    assert set(summary["method"]) == {*METHODS, "all", "stl"}
    stl = summary[summary["method"] == "stl"]
    assert np.allclose(stl["normalized_loss"], 1.0) and np.allclose(stl["geomean_ratio"], 1.0)
    assert not summary.loc[summary["method"].isin(["random", "stl", "all"]),
                           "fewer_groups_than_k"].any()

    # per seed: the mean over tasks of the run's normalised test loss, computed here by hand
    per_seed = pd.read_csv(results / "per_seed.csv")
    evaluation = pd.read_csv(results / "yeast" / "evaluation.csv")
    ours = evaluation[(evaluation["method"] == "samplewise+spectral")]
    row = per_seed[(per_seed["dataset"] == "yeast")
                   & (per_seed["method"] == "samplewise+spectral")].iloc[0]
    assert row["test"] == pytest.approx(ours["normalized_loss"].mean())
    assert row["val"] == pytest.approx(ours["normalized_val_loss"].mean())
    assert row["geomean_ratio"] == pytest.approx(np.exp(np.log(ours["normalized_loss"]).mean()))

    # the paired difference against random: mean over the runs of (ours / random - 1) %
    at = per_seed.set_index(["dataset", "method"])["test"]
    expected = np.mean([(at[(run, "samplewise+spectral")] / at[(run, "random")] - 1) * 100
                        for run in run_names])
    comparisons = pd.read_csv(results / "comparisons.csv")
    assert set(comparisons["aggregate"]) == {"total_loss", "geomean_ratio"}
    comparisons = comparisons.set_index(["aggregate", "method", "reference"]).loc["total_loss"]
    against_random = comparisons.loc[("samplewise+spectral", "random")]
    assert against_random["mean_difference_percent"] == pytest.approx(expected)
    assert against_random["ci_low"] <= expected <= against_random["ci_high"]
    assert against_random[["wins", "ties", "losses"]].sum() == 3  # one k in each of 3 runs
    assert comparisons.loc[("samplewise+spectral", "tag"), "reference_method"] == "tag+spectral"

    ranks = pd.read_csv(results / "ranks.csv")
    assert ranks.groupby("aggregate")["method"].apply(set).to_dict() == dict.fromkeys(
        ("total_loss", "geomean_ratio"), {*METHODS, "all", "stl"})
    claims = pd.read_csv(results / "claims.csv")
    claims = claims[claims["aggregate"] == "total_loss"]
    assert set(claims["dataset"]) == {*run_names, "all datasets"}
    costs = summary.set_index(["run", "method"])["grouping_cpu_seconds"]
    yeast_claim = claims[claims["dataset"] == "yeast"].iloc[0]
    assert yeast_claim["speedup_cpu"] == pytest.approx(
        costs[("yeast", "tag+spectral")] / costs[("yeast", "samplewise+spectral")])
    for name in ("mean_ranks.png", "comparisons.png"):
        assert_drawn(results / name)
    answer = (results / "answer.txt").read_text()
    assert "Is sample-wise grouping better than random" in answer
    assert "Mean rank of total_loss" in answer and "Mean rank of geomean_ratio" in answer
    assert answer in result.stdout

    from mlflow.tracking import MlflowClient

    parent = json.loads((results / "mlflow_parent.json").read_text())
    client = MlflowClient(parent["tracking_uri"])
    experiment = client.get_experiment_by_name("taskgrouping-benchmark")
    runs = client.search_runs([experiment.experiment_id], max_results=2000)
    by_id = {run.info.run_id: run for run in runs}
    top = by_id[parent["run_id"]]
    assert top.info.status == "FINISHED" and top.data.tags["stage"] == "benchmark"
    assert "mean_rank/samplewise_spectral" in top.data.metrics
    assert "comparisons.csv" in {a.path for a in client.list_artifacts(parent["run_id"])}
    pipelines = [run for run in runs if run.data.tags.get("stage") == "pipeline"]
    assert sorted(run.data.tags["dataset"] for run in pipelines) == ["synthetic", "yeast",
                                                                     "yeast"]
    assert {run.data.tags["mlflow.parentRunId"] for run in pipelines} == {parent["run_id"]}
    pipeline_ids = {run.info.run_id for run in pipelines}
    jobs = [run for run in runs if run.data.tags.get("stage") not in ("benchmark", "pipeline")]
    assert jobs and all(run.data.tags["mlflow.parentRunId"] in pipeline_ids for run in jobs)
    seeded = client.search_runs([experiment.experiment_id],
                                "tags.dataset = 'synthetic' and tags.seed = '0'")
    assert seeded and all(run.data.tags["stage"] == "train_group" for run in seeded)
    leaderboard = client.search_runs(
        [experiment.experiment_id],
        "tags.dataset = 'yeast' and tags.stage = 'evaluate' and tags.method = 'random'"
        " and tags.k = '2'")
    assert len(leaderboard) == 2 and "total_loss" in leaderboard[0].data.metrics

    # yeastl1 trained nothing: it read the yeast run's trainings, each subset trained once
    assert not (results / "yeastl1" / "train").exists()
    evaluations = {run: pd.read_csv(results / run / "evaluation.csv") for run in run_names}
    stl = {run: evaluations[run].query("method == 'stl'").set_index("task")["loss"]
           for run in ("yeast", "yeastl1")}
    pd.testing.assert_series_equal(stl["yeast"], stl["yeastl1"])
    trained = client.search_runs([experiment.experiment_id],
                                 "tags.dataset = 'yeast' and tags.stage = 'train_group'")
    subsets = [(run.data.tags["subset"], run.data.tags["seed"]) for run in trained]
    assert len(subsets) == len(set(subsets)) == len(list((results / "yeast" / "train").glob(
        "*.json")))

    # a second invocation has nothing to do and keeps the tables
    again = benchmark(tmp_path, tiny_benchmark(tmp_path, yeastl1=YEAST_L1))
    assert again.returncode == 0 and "Nothing to be done" in again.stdout + again.stderr


def test_a_benchmark_profile_names_every_runs_rules() -> None:
    """The pipeline profile's per-rule lines, copied to <run>_<rule>; a run's own wins."""
    from taskgrouping.benchmark.profile import for_runs

    profile = {"executor": "slurm", "set-resources": {
        "train_group": {"mem_mb": 8000}, "b_train_group": {"mem_mb": 16000}},
        "set-threads": {"train_group": 4}, "groups": ["pair=pairs"]}
    copied = for_runs(profile, ["a", "b"])
    assert copied["set-resources"] == {"train_group": {"mem_mb": 8000},
                                       "a_train_group": {"mem_mb": 8000},
                                       "b_train_group": {"mem_mb": 16000}}
    assert copied["set-threads"] == {"train_group": 4, "a_train_group": 4, "b_train_group": 4}
    assert copied["groups"] == ["pair=pairs", "a_pair=pairs", "b_pair=pairs"]
    assert copied["executor"] == "slurm"


@pytest.mark.integration
def test_the_generated_profile_reaches_every_runs_renamed_rules(tmp_path) -> None:
    """profiles/slurm names rules (joint_affinity); in the benchmark they are
    <run>_joint_affinity: the profile `taskgrouping benchmark-profile` writes gives them
    the pipeline profile's resources and threads, as the dry run shows."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    config = tiny_benchmark(tmp_path)
    cli = str(Path(sys.executable).parent / "taskgrouping")
    made = subprocess.run([cli, "benchmark-profile", "--profile", str(REPO / "profiles" / "slurm"),
                           "--benchmark", str(config), "--out", str(tmp_path / "profile")],
                          capture_output=True, text=True, check=True)
    assert made.stdout.startswith(f"wrote {tmp_path / 'profile' / 'config.yaml'}")
    result = benchmark(tmp_path, config, "--profile", str(tmp_path / "profile"), "-n",
                       "--quiet", "host")  # each job's resources shown
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = result.stdout.split("\nrule ")
    for run in ("yeast", "planted"):
        joint = next((job for job in jobs if job.startswith(f"{run}_joint_affinity:")),
                     result.stdout[-3000:])
        assert "mem_mb=8000" in joint and "runtime=240" in joint and "cpus_per_task=4" in joint
        assert "threads: 2" in joint  # the profile's 4, scaled to --cores 2
        probe = next(job for job in jobs if job.startswith(f"{run}_samplewise_affinity:"))
        assert "runtime=30" in probe and "mem_mb=4000" in probe


@pytest.mark.integration
def test_lint_is_clean(tmp_path) -> None:
    result = benchmark(tmp_path, tiny_benchmark(tmp_path), "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr
