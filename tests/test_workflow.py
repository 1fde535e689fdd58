"""The real Snakemake workflow: config validation, lint, dry run, and a full run."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO, assert_drawn, job_runs, small_config, workflow_env

from taskgrouping.affinity.gains import samplewise_gains


def snakemake(tmp_path: Path, config: Path, *extra: str, timeout: int = 900):
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path),
               "--configfile", str(config), "--cores", "2", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=workflow_env(tmp_path))


@pytest.mark.integration
def test_dry_run_plans_every_stage(tmp_path) -> None:
    result = snakemake(tmp_path, small_config(tmp_path), "-n")
    assert result.returncode == 0, result.stderr
    for rule in ("samplewise_affinity", "cluster", "evaluate"):
        assert re.search(rf"^{rule}\s+\d+$", result.stdout, re.MULTILINE), rule
    # 4 tasks are one probe block: the whole sample-wise probe is the one affinity job
    assert not re.search(r"^(probe_\w+|pair)\s+\d+$", result.stdout, re.MULTILINE)


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c.update(bugets=[2]), "bugets"),
        (lambda c: c["samplewise"].update(heads="shared"), "heads"),
        (lambda c: c.update(budgets=[-1]), "budgets"),
        (lambda c: c["datasets"]["yeast"]["train"].update(lr=0.1), "lr"),
        (lambda c: c["datasets"]["yeast"].update(tasks=["Class1", "Nope"]), "Nope"),
        (lambda c: c.update(budgets=[5]), "budgets"),
        (lambda c: c.update(methods=["samplewise"]), "methods"),
        (lambda c: c.update(methods=["tag+kmeans"]), "methods"),
        (lambda c: c.update(methods=["random"], budgets=[0]), "budgets"),
        (lambda c: c["exhaustive"].update(max_tasks=3) or c.update(methods=["exhaustive"]),
         "exhaustive"),
        (lambda c: c["gat_gmm"].update(bic_k_min=9, bic_k_max=8), "gat_gmm.bic_k_min: 9 exceeds"),
    ],
)
@pytest.mark.integration
def test_bad_config_fails_before_any_job_naming_the_key(tmp_path, edit, named) -> None:
    config = yaml.safe_load(small_config(tmp_path).read_text())
    edit(config)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    result = snakemake(tmp_path, path, "-n")
    assert result.returncode != 0
    assert named in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()


@pytest.mark.integration
def test_lint_is_clean(tmp_path) -> None:
    result = snakemake(tmp_path, small_config(tmp_path), "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


METHODS = ["samplewise+gat_gmm", "tag+select", "cosine+louvain", "hoa+spectral", "random",
           "exhaustive"]


@pytest.mark.integration
def test_full_run_writes_results_and_mlflow_runs(tmp_path) -> None:
    config = small_config(tmp_path, budgets=[0, 2], methods=METHODS)
    result = snakemake(tmp_path, config)
    assert result.returncode == 0, result.stderr[-4000:]
    results = tmp_path / "results" / "yeast"
    tasks = ["Class1", "Class2", "Class3", "Class12"]

    affinity = pd.read_csv(results / "affinity" / "samplewise.csv", index_col=0)
    assert list(affinity.index) == tasks and list(affinity.columns) == tasks
    assert (affinity.to_numpy().diagonal() == 1).all()
    for name in ("samplewise", "tag", "cosine", "hoa"):
        matrix = pd.read_csv(results / "affinity" / f"{name}.csv", index_col=0)
        assert list(matrix.index) == tasks and np.isfinite(matrix.to_numpy()).all()
        assert_drawn(results / "affinity" / f"{name}.png")
        gains = pd.read_csv(results / "affinity" / f"{name}_gain.csv", index_col=0)
        assert list(gains.index) == tasks and (gains.to_numpy().diagonal() == 0).all()
        if name != "samplewise":  # a signed affinity is its own gain
            off = ~np.eye(len(tasks), dtype=bool)
            assert np.allclose(gains.to_numpy()[off], matrix.to_numpy()[off])
    distance = pd.read_csv(results / "affinity" / "samplewise_distance.csv", index_col=0)
    probe = yaml.safe_load(config.read_text())["samplewise"]
    pd.testing.assert_frame_equal(
        pd.read_csv(results / "affinity" / "samplewise_gain.csv", index_col=0),
        samplewise_gains(distance, affinity, probe), atol=1e-7)
    assert_pipeline_affinity_is_exact(tmp_path, tasks)

    groups = json.loads((results / "groups" / "samplewise+gat_gmm_k2.json").read_text())
    assert 1 <= len(groups) <= 2 and sorted(t for g in groups for t in g) == sorted(tasks)
    assert_drawn(results / "groups" / "samplewise+gat_gmm_k2.png")
    # exhaustive trains every subset once; every method's groups are among them
    assert len(list((results / "train").glob("*_seed0.json"))) == 2 ** len(tasks) - 1

    evaluation = pd.read_csv(results / "evaluation.csv")
    assert len(evaluation) == (len(METHODS) + 1 + 2) * len(tasks)  # + k0, stl, all; 1 seed
    stl = evaluation[evaluation["method"] == "stl"]
    assert (stl["normalized_loss"] == 1.0).all()

    summary = pd.read_csv(results / "summary.csv")
    assert set(summary["method"]) == {*METHODS, "stl", "all"}
    chosen = json.loads((results / "groups" / "meta" / "samplewise+gat_gmm_k0.json").read_text())
    assert chosen["n_groups"] <= chosen["bic_k"] and "random" not in set(
        summary.loc[summary["k"] == 0, "method"])
    at_two = summary[summary["k"] == 2].set_index("method")
    assert at_two.loc["exhaustive", "regret_percent"] == 0.0
    assert at_two["regret_percent"].notna().all()
    assert at_two.loc["exhaustive", "trainings"] == 15 and at_two.loc["hoa+spectral",
                                                                      "trainings"] == 10
    assert at_two.loc["tag+select", "trainings"] == 1
    assert at_two.loc["samplewise+gat_gmm", "trainings"] == 0
    assert at_two.loc["samplewise+gat_gmm", "grouping_seconds"] > 0
    # CPU seconds beside wall seconds: probing jobs and pair trainings alike
    assert (at_two.loc[["samplewise+gat_gmm", "hoa+spectral", "tag+select"],
                       "grouping_cpu_seconds"] > 0).all()
    written_groups = pd.read_csv(results / "groups.csv")
    ours = written_groups[(written_groups["method"] == "samplewise+gat_gmm")
                          & (written_groups["k"] == 2)]
    assert [row.split(";") for row in ours["tasks"]] == groups
    shown = " ".join("{" + ", ".join(group) + "}" for group in groups)
    assert at_two.loc["samplewise+gat_gmm", "groups"] == shown
    answer = (results / "answer.txt").read_text().splitlines()
    assert answer[0].startswith("taskgrouping answer for yeast: 4 tasks, seeds 0;")
    assert f"  samplewise+gat_gmm groups at k=2: {shown}" in answer
    # the top says what to train, per k, chosen on validation
    assert [line.split(":")[0] for line in answer[1:3]] == ["  recommended at k=0",
                                                             "  recommended at k=2"]
    assert summary["val_total_loss"].notna().all()
    assert all(line in result.stdout for line in answer)  # the run ends with the answer
    # quiet (profiles/default): progress on screen, no job's rule block or command
    assert not re.search(r"^(rule|checkpoint) \w+:$", result.stdout + result.stderr, re.M)
    assert "exec taskgrouping" not in result.stdout + result.stderr
    assert result.stderr.count("taskgrouping: every method's groups are chosen: 15 trainings "
                               "(15 task subsets, 1 seed(s)) join the plan") == 1
    assert re.search(r"^  MLflow: \d+ job records published in .* to sqlite:///.*mlflow ui "
                     r"--backend-store-uri", result.stdout, re.MULTILINE)
    assert summary.set_index("method").loc["stl", "total_loss"] == pytest.approx(len(tasks))
    quality = pd.read_csv(results / "affinity_quality.csv").set_index("affinity")
    assert set(quality.index) == {"samplewise", "tag", "cosine", "hoa"}
    assert (quality["pairs"] == 12).all()
    from scipy.stats import spearmanr

    test_losses: dict[tuple[frozenset[str], str], list[float]] = {}  # over seeds
    for path in (results / "train").glob("*.json"):
        record = json.loads(path.read_text())
        for score in record["scores"]:
            key = (frozenset(record["tasks"]), score["task"])
            test_losses.setdefault(key, []).append(score["test_loss"])

    def loss(members: set[str], task: str) -> float:
        return float(np.mean(test_losses[(frozenset(members), task)]))

    pairs = [(i, j) for i in tasks for j in tasks if i != j]  # G[i, j]: j's gain beside i
    truth = [1.0 - loss({i, j}, j) / loss({j}, j) for i, j in pairs]
    written, expected = [], []
    for name in quality.index:
        matrix = pd.read_csv(results / "affinity" / f"{name}.csv", index_col=0)
        written.append(quality.loc[name, "spearman"])
        expected.append(spearmanr([matrix.loc[i, j] for i, j in pairs], truth).statistic)
    np.testing.assert_allclose(written, expected, rtol=0, atol=1e-9)
    for plot in ("total_loss.png", "cost_quality.png", "affinities.png"):
        assert_drawn(results / plot)

    from mlflow.tracking import MlflowClient

    parent = json.loads((results / "mlflow_parent.json").read_text())
    assert parent["tracking_uri"] == f"sqlite:///{tmp_path}/results/mlflow.db"
    client = MlflowClient(parent["tracking_uri"])
    experiment = client.get_experiment_by_name("taskgrouping-yeast")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parent_run = client.get_run(parent["run_id"])
    assert parent_run.info.status == "FINISHED"
    assert "total_loss/samplewise_gat_gmm/k2" in parent_run.data.metrics
    assert "regret_percent/tag_select/k2" in parent_run.data.metrics
    assert "spearman/hoa" in parent_run.data.metrics
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent["run_id"]]
    stages = {r.data.tags["stage"] for r in children}
    # 4 tasks, one probe block: the sample-wise affinity is one job, one run
    assert stages == {"samplewise_affinity", "joint_affinity", "hoa_affinity", "cluster",
                      "baseline_groups", "train_group", "evaluate"}
    assert len(children) == len(runs) - 1
    assert all(r.info.status == "FINISHED" for r in children)
    trained = [r for r in children if r.data.tags["stage"] == "train_group"]
    assert len(trained) == 15 and {"subset", "seed"} <= set(trained[0].data.tags)
    results_runs = client.search_runs(  # the leaderboard: one run per (method, k)
        [experiment.experiment_id], "tags.stage = 'evaluate' and tags.k = '2'",
        order_by=["metrics.total_loss ASC"])
    assert [(r.data.tags["method"], r.data.metrics["total_loss"]) for r in results_runs] == [
        (method, pytest.approx(loss)) for method, loss in
        summary[summary["k"] == 2].sort_values("total_loss")[["method", "total_loss"]].values]
    assert results_runs[0].data.params["groups"] == summary[summary["k"] == 2].sort_values(
        "total_loss")["groups"].iloc[0]
    for readme_filter in readme_filters():
        found = client.search_runs([experiment.experiment_id], readme_filter, max_results=5)
        assert found, readme_filter
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"
    # the saved leaderboard view the run's last line links: its filter finds every
    # (method, k) row of the summary, sorted by total loss, with metric columns
    link = re.search(r"viewStateShareKey=(leaderboard-\w+)", result.stdout).group(1)
    view = json.loads(experiment.tags[f"mlflow.sharedViewState.{link}"])
    board = client.search_runs([experiment.experiment_id], view["searchFilter"])
    assert sorted((r.data.tags["method"], int(r.data.tags["k"])) for r in board) == sorted(
        zip(summary["method"], summary["k"], strict=True))
    assert view["orderByKey"] == "metrics.`total_loss`" and view["orderByAsc"]
    assert "metrics.`total_loss`" in view["selectedColumns"]
    artifacts = {a.path for a in client.list_artifacts(
        next(r.info.run_id for r in job_runs(children) if r.data.tags["stage"] == "evaluate"))}
    assert {"summary.csv", "cost_quality.png", "affinities.png"} <= artifacts
    assert_mlflow_shows_what_users_look_for(client, parent_run, children, summary)

    report = tmp_path / "report.html"
    made = snakemake(tmp_path, config, "--report", str(report))
    assert made.returncode == 0, made.stderr[-4000:]
    assert "WARNING" not in made.stderr and "ERROR" not in made.stderr, made.stderr[-3000:]
    html = report.read_text()
    # the report opens on the answer (its global description) and every figure has a caption
    opening = html.split("taskgrouping: which tasks to", 1)[1].split("Where to look", 1)[0]
    assert answer[1].split(" ± ")[0].strip() in opening  # '±' is escaped in the page
    for caption in ("Groups of method", "TAG&#x27;s lookahead inter-task affinity",
                    "HOA&#x27;s pair gains", "What each grouping cost against what it gave",
                    "Every affinity matrix of the run side by side",
                    "The sample-wise task similarity (ours)", "Every method&#x27;s groups"):
        assert caption.replace("&#x27;", "'") in html.replace("&#x27;", "'"), caption

    rerun = snakemake(tmp_path, config, "-n")
    assert "Nothing to be done" in rerun.stdout + rerun.stderr
    assert "taskgrouping answer" not in rerun.stdout  # a dry run plans, it does not answer
    rerun = snakemake(tmp_path, config)  # nothing to do: the finished run's answer again
    assert "Nothing to be done" in rerun.stderr and rerun.returncode == 0
    assert all(line in rerun.stdout for line in answer), rerun.stdout[-3000:]

    # a changed sample-wise option reruns probing and grouping in the same invocation
    # (snakemake#4166 kept them back while the parent run was a rule), not the trainings
    changed = small_config(tmp_path, budgets=[0, 2], methods=METHODS,
                           samplewise={**yaml.safe_load(config.read_text())["samplewise"],
                                       "probe_samples": 48})
    plan = snakemake(tmp_path, changed, "-n")
    for rule in ("samplewise_affinity", "cluster", "evaluate"):
        assert re.search(rf"^{rule}\s+\d+$", plan.stdout, re.MULTILINE), plan.stdout[-3000:]
    assert not re.search(r"^(train_group|joint_affinity)\s+\d+$", plan.stdout, re.MULTILINE)


def assert_mlflow_shows_what_users_look_for(client, parent_run, children, summary) -> None:
    """Learning curves and the data set on training runs; fixed artifact names on cluster
    runs; a description, MLflow's source and user tags on every run; the parent's markdown
    summary and its summary and groups as table artifacts."""
    trained = next(r for r in children if r.data.tags["stage"] == "train_group")
    curve = client.get_metric_history(trained.info.run_id, "val_loss")
    assert len(curve) >= 2 and [m.step for m in curve] == list(range(1, len(curve) + 1))
    assert len(client.get_metric_history(trained.info.run_id, "train_loss")) == len(curve)
    assert int(trained.data.metrics["epochs_run"]) == len(curve)
    inputs = trained.inputs.dataset_inputs
    assert [d.dataset.name for d in inputs] == ["yeast"]
    assert re.fullmatch(r"[0-9a-f]{16}", inputs[0].dataset.digest)
    assert {(t.key, t.value) for t in inputs[0].tags} == {("mlflow.data.context", "training")}
    assert json.loads(inputs[0].dataset.profile)["tasks"] == 4
    digests = {r.inputs.dataset_inputs[0].dataset.digest for r in children
               if r.data.tags["stage"] in ("train_group", "joint_affinity")}
    assert digests == {inputs[0].dataset.digest}  # every training read the same data
    for run in (r for r in children if r.data.tags["stage"] == "cluster"):
        names = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert names == {"groups.json", "task_graph.png"}, names
    for run in (r for r in children if r.data.tags["stage"] == "baseline_groups"):
        assert {a.path for a in client.list_artifacts(run.info.run_id)} == {"groups.json"}
    for run in [parent_run, *children]:
        tags = run.data.tags
        assert tags["mlflow.note.content"].strip() and tags["mlflow.user"], run.info.run_name
        assert tags["mlflow.source.name"].startswith("taskgrouping "), run.info.run_name
    description = parent_run.data.tags["mlflow.note.content"]
    best = summary.sort_values("total_loss").iloc[0]
    assert description.startswith("**taskgrouping answer for yeast")
    assert f"| {best['method']}" in description and best["groups"] in description
    tables = {a.path for a in client.list_artifacts(parent_run.info.run_id, "tables")}
    assert tables == {"tables/summary.json", "tables/groups.json"}
    logged = json.loads(client.get_run(parent_run.info.run_id).data.tags[
        "mlflow.loggedArtifacts"])
    assert {"path": "tables/summary.json", "type": "table"} in logged
    table = json.loads(Path(client.download_artifacts(parent_run.info.run_id,
                                                      "tables/summary.json")).read_text())
    assert sorted(row[table["columns"].index("method")] for row in table["data"]) == sorted(
        summary["method"])


def readme_filters() -> list[str]:
    """The MLflow filters docs/mlflow.md shows as working, one per line of their block."""
    text = (REPO / "docs" / "mlflow.md").read_text()
    block = text.split("Filters that work", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    return block.strip().splitlines()


def drawn_probe_start(config: dict) -> tuple:
    """theta0 (eval mode) and the probe rows' x and y, drawn again in process as the run's
    probing drew them (seeded): the tiled jobs' probe/shared.pt and the one job's alike."""
    import copy

    from taskgrouping.config_validation import validate_config
    from taskgrouping.probing.start import drawn_probe_start as drawn
    from taskgrouping.stages.catalog import stage_settings

    config = copy.deepcopy(config)
    validate_config(config)
    _, model, x, y = drawn(stage_settings(config, "samplewise_affinity"))
    return model, x, y


def assert_pipeline_affinity_is_exact(workdir: Path, tasks: list[str]) -> None:
    """The distances the jobs assembled equal brute force on the same theta0 and probe set."""

    from taskgrouping.probing.bruteforce import bruteforce_distances
    from taskgrouping.probing.layers import plan_layers

    config = yaml.safe_load((workdir / "config.yaml").read_text())
    model, x, y = drawn_probe_start(config)
    plan = plan_layers(model, ["encoder.*"], [])
    probe = config["samplewise"]
    expected = bruteforce_distances(model, x, y, plan, probe["distance"], probe["step_size"],
                                    probe["scale"])
    written = pd.read_csv(workdir / "results/yeast/affinity/samplewise_distance.csv",
                          index_col=0)
    assert list(written.index) == tasks
    assert np.allclose(written.to_numpy(), expected, rtol=1e-5)


@pytest.mark.integration
def test_same_config_and_seed_give_identical_affinities_and_groups(tmp_path) -> None:
    """Two independent runs (own results, own MLflow store): byte-identical matrices and groups."""
    outputs = []
    for name in ("first", "second"):
        workdir = tmp_path / name
        workdir.mkdir()
        config = small_config(workdir, methods=["samplewise+gat_gmm", "samplewise+select"])
        targets = [f"results/yeast/groups/{m}_k2.json"
                   for m in ("samplewise+gat_gmm", "samplewise+select")]
        result = snakemake(workdir, config, *targets)
        assert result.returncode == 0, result.stderr[-3000:]
        results = workdir / "results" / "yeast"
        outputs.append({path: (results / path).read_bytes() for path in (
            "affinity/samplewise.csv", "affinity/samplewise_distance.csv",
            "groups/samplewise+gat_gmm_k2.json", "groups/samplewise+select_k2.json")})
    assert outputs[0] == outputs[1]


OTHER_MODALITIES = {
    # regression with one observed task per student (NaN elsewhere), MLP
    "school": ({"schools": [2305, 5619, 4292], "selection": "largest", "seed": 0},
               {"type": "mlp", "hidden": [8]}, "mae"),
    # series forecasting with a temporal convolution (general probing path)
    "chicago": ({"window": 7, "horizon": 1}, {"type": "tcn", "channels": [4], "hidden": 8},
                "mae"),
    # two 10-class tasks on a two-item image with a CNN
    "fashion": ({"variant": "multi", "max_samples": 300, "seed": 0},
                {"type": "cnn", "channels": [4], "hidden": 8}, "accuracy"),
}


def modality_config(workdir: Path, name: str, tasks: list[str], **keys) -> tuple[dict, Path]:
    """The small config on one of OTHER_MODALITIES' datasets, `keys` set; and its file."""
    options, model, _ = OTHER_MODALITIES[name]
    config = yaml.safe_load(small_config(workdir).read_text()) | {"dataset": name} | keys
    config["datasets"] = {name: {
        "tasks": tasks, "options": options, "model": model,
        "split": {"seed": 0, "val_fraction": 0.2, "test_fraction": 0.2},
        "train": {"max_epochs": 2, "patience": 1, "batch_size": 64,
                  "learning_rate": 0.01, "weight_decay": 0.0},
    }}
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return config, path


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(OTHER_MODALITIES))
def test_other_task_types_and_models_run_end_to_end(tmp_path, name) -> None:
    from taskgrouping.data.access import all_tasks, dataset, dataset_options

    options, model, metric = OTHER_MODALITIES[name]
    why = dataset(name).missing(dataset_options(name, options))
    if why:
        pytest.skip(why)
    tasks = [task.name for task in all_tasks(name, options)][:3]
    config, path = modality_config(tmp_path, name, tasks, budgets=[2])
    result = snakemake(tmp_path, path)
    assert result.returncode == 0, result.stderr[-4000:]
    results = tmp_path / "results" / name
    evaluation = pd.read_csv(results / "evaluation.csv")
    assert set(evaluation["task"]) == set(tasks)
    assert set(evaluation["metric_name"]) == {metric}
    assert np.isfinite(evaluation["loss"]).all()
    summary = pd.read_csv(results / "summary.csv")
    assert {*config["methods"], "stl", "all"} <= set(summary["method"])
    affinity = pd.read_csv(results / "affinity" / "samplewise.csv", index_col=0)
    assert list(affinity.index) == tasks and np.isfinite(affinity.to_numpy()).all()
    assert_pipeline_matches_the_engine(tmp_path, name, config)


def assert_pipeline_matches_the_engine(workdir: Path, name: str, config: dict) -> None:
    """The distances the jobs assembled (probe_task, pair, probe_general, affinity) equal
    the in-process engine's on the same theta0 and probe set; both paths are used where
    the encoder mixes convolutions (general) and Linear layers (fast)."""
    from taskgrouping.probing.engine import samplewise_distances
    from taskgrouping.probing.general import chunk_samples
    from taskgrouping.probing.layers import plan_layers

    probe = config["samplewise"]
    model, x, y = drawn_probe_start(config)
    plan = plan_layers(model, probe["layers"], probe["general_layers"])
    chunk = chunk_samples(plan, len(model.tasks), len(x), probe["chunk_size"],
                          probe["general_memory_mb"])
    expected = samplewise_distances(model, x, y, plan, probe["distance"], probe["step_size"],
                                    chunk, probe.get("scale", "none"))
    written = pd.read_csv(workdir / f"results/{name}/affinity/samplewise_distance.csv",
                          index_col=0)
    assert np.allclose(written.to_numpy(), expected, rtol=1e-5, atol=1e-12)
    if config["datasets"][name]["model"]["type"] != "mlp":
        assert plan.fast and plan.general  # the mixed case: both paths in one matrix


@pytest.mark.integration
@pytest.mark.parametrize(("distance", "scale"), [("l2", "task"), ("l1", "sample")])
def test_scaled_variants_from_the_jobs_equal_the_engine(tmp_path, distance, scale) -> None:
    """The divisors travel from the probe_task jobs (two blocks) to the pair jobs and the
    general path (a temporal convolution): the assembled matrix is the engine's."""
    from taskgrouping.data.access import all_tasks

    name = "chicago"
    tasks = [task.name for task in all_tasks(name, OTHER_MODALITIES[name][0])][:3]
    probe = yaml.safe_load(small_config(tmp_path).read_text())["samplewise"]
    config, path = modality_config(tmp_path, name, tasks, samplewise=probe | {
        "distance": distance, "scale": scale, "tile_tasks": 2})
    result = snakemake(tmp_path, path, f"results/{name}/affinity/samplewise_distance.csv")
    assert result.returncode == 0, result.stderr[-4000:]
    assert_pipeline_matches_the_engine(tmp_path, name, config)


@pytest.mark.integration
def test_the_matrix_is_the_same_whatever_the_tiling(tmp_path) -> None:
    """One job per task and pair (tile_tasks 1), blocks of 2 (the last of one task), and
    the default (one block: the whole probe in one samplewise_affinity job): the same
    distances to the bit, and the in-process engine's to float32 accuracy."""
    tasks = ["Class1", "Class2", "Class3", "Class4", "Class12"]
    written, jobs = {}, {}
    for tile in (1, 2, None):
        workdir = tmp_path / f"tile{tile}"
        workdir.mkdir()
        config = small_config(workdir)
        settings = yaml.safe_load(config.read_text())
        settings["samplewise"]["tile_tasks"] = tile
        settings["datasets"]["yeast"]["tasks"] = tasks
        config.write_text(yaml.safe_dump(settings))
        target = "results/yeast/affinity/samplewise_distance.csv"
        plan = snakemake(workdir, config, target, "-n")
        jobs[tile] = {rule: int(count) for rule, count in
                      re.findall(r"^(probe_task|pair)\s+(\d+)$", plan.stdout, re.MULTILINE)}
        result = snakemake(workdir, config, target)
        assert result.returncode == 0, result.stderr[-3000:]
        written[tile] = (workdir / target).read_bytes()
        if tile == 1:
            assert_pipeline_matches_the_engine(workdir, "yeast", settings)
    assert jobs[1] == {"probe_task": 5, "pair": 10}
    assert jobs[2] == {"probe_task": 3, "pair": 5}  # a one-task block has no tile of its own
    assert jobs[None] == {}  # the default: one block up to 64, one job
    assert len(set(written.values())) == 1
