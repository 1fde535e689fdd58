"""MAML, first-order MAML and Reptile against hand computations on y = w x."""

from __future__ import annotations

import pytest
import torch

from taskgrouping.meta.maml import adapt, meta_gradient, task_meta_gradient


def squared_loss(params, x, y):
    return ((params["w"] * x - y) ** 2).mean()


X_S, Y_S = torch.tensor([1.0, 2.0]), torch.tensor([2.0, 3.0])
X_Q, Y_Q = torch.tensor([3.0]), torch.tensor([4.0])
W, ALPHA = 0.5, 0.1


def by_hand_adapted(w: float, x: list[float], y: list[float], steps: int) -> float:
    """w' after `steps` steps of w - alpha * mean(2 x (w x - y))."""
    for _ in range(steps):
        w -= ALPHA * sum(2 * a * (w * a - b) for a, b in zip(x, y, strict=True)) / len(x)
    return w


def test_one_inner_step_is_the_hand_computed_update() -> None:
    adapted = adapt(squared_loss, {"w": torch.tensor(W)}, X_S, Y_S, 1, ALPHA)
    # grad = mean(2 * [1 * (0.5 - 2), 2 * (1 - 3)]) = mean([-3, -8]) = -5.5; w' = 1.05
    assert float(adapted["w"]) == pytest.approx(1.05)
    assert by_hand_adapted(W, [1, 2], [2, 3], 1) == pytest.approx(1.05)


def test_maml_differentiates_through_the_inner_step_and_fomaml_does_not() -> None:
    params = {"w": torch.tensor(W)}
    w1 = 1.05
    query_slope = 2 * 3.0 * (w1 * 3.0 - 4.0)  # dLq/dw' = 2 x (w' x - y) = -5.1
    # dw'/dw = 1 - alpha * mean(2 x^2) = 1 - 0.1 * (2 + 8) / 2 = 0.5
    maml, maml_loss = task_meta_gradient("maml", squared_loss, params, (X_S, Y_S), (X_Q, Y_Q),
                                         1, ALPHA)
    fomaml, fomaml_loss = task_meta_gradient("fomaml", squared_loss, params, (X_S, Y_S),
                                             (X_Q, Y_Q), 1, ALPHA)
    assert float(maml["w"]) == pytest.approx(query_slope * 0.5)
    assert float(fomaml["w"]) == pytest.approx(query_slope)
    assert maml_loss == fomaml_loss == pytest.approx((w1 * 3.0 - 4.0) ** 2)


def test_maml_over_two_inner_steps_matches_autograd_of_the_unrolled_loop() -> None:
    w = torch.tensor(W, requires_grad=True)
    inner = w
    for _ in range(2):
        (slope,) = torch.autograd.grad(((inner * X_S - Y_S) ** 2).mean(), inner,
                                       create_graph=True)
        inner = inner - ALPHA * slope
    expected = torch.autograd.grad(((inner * X_Q - Y_Q) ** 2).mean(), w)[0]
    maml, _ = task_meta_gradient("maml", squared_loss, {"w": torch.tensor(W)}, (X_S, Y_S),
                                 (X_Q, Y_Q), 2, ALPHA)
    assert float(maml["w"]) == pytest.approx(float(expected))


def test_reptile_moves_towards_the_weights_adapted_on_all_of_the_tasks_rows() -> None:
    reptile, _ = task_meta_gradient("reptile", squared_loss, {"w": torch.tensor(W)},
                                    (X_S, Y_S), (X_Q, Y_Q), 3, ALPHA)
    adapted = by_hand_adapted(W, [1, 2, 3], [2, 3, 4], 3)
    assert float(reptile["w"]) == pytest.approx(W - adapted)


def test_the_meta_batch_averages_its_tasks() -> None:
    params = {"w": torch.tensor(W)}
    episodes = [(0, (X_S, Y_S), (X_Q, Y_Q)), (1, (X_Q, Y_Q), (X_S, Y_S))]
    mean, _ = meta_gradient("fomaml", lambda task: squared_loss, params, episodes, 1, ALPHA)
    each = [task_meta_gradient("fomaml", squared_loss, params, s, q, 1, ALPHA)[0]["w"]
            for _, s, q in episodes]
    assert float(mean["w"]) == pytest.approx(float(sum(each)) / 2)


def test_an_unknown_algorithm_is_named() -> None:
    with pytest.raises(ValueError, match="meta algorithm 'sgd'"):
        task_meta_gradient("sgd", squared_loss, {"w": torch.tensor(W)}, (X_S, Y_S),
                           (X_Q, Y_Q), 1, ALPHA)


@pytest.mark.integration
def test_the_meta_protocol_runs_end_to_end_on_the_planted_sinusoids(tmp_path) -> None:
    """`--config protocol=meta dataset=sinusoid` (cut down): meta-trained groups, tables of
    the MTL shape with the planted ARI, and MLflow runs tagged with the protocol."""
    import json
    import subprocess

    import pandas as pd
    import yaml
    from conftest import REPO, small_config, workflow_env
    from mlflow.tracking import MlflowClient

    from taskgrouping.evaluation import EVALUATION_COLUMNS, SUMMARY_COLUMNS

    config = yaml.safe_load(small_config(tmp_path).read_text())
    dataset = yaml.safe_load((REPO / "config" / "datasets" / "sinusoid.yaml").read_text())
    settings = dataset["datasets"]["sinusoid"]
    settings["options"] |= {"n_tasks": 6, "clusters": 2, "samples": 40}
    settings["meta"] |= {"meta_steps": 40, "eval_every": 20, "eval_supports": 2}
    config["datasets"] = {"sinusoid": settings}
    config["samplewise"] |= {"theta0": "meta_warmup", "warmup_steps": 10}
    config.update(methods=["samplewise+spectral", "random"])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    command = ["snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--configfile",
               str(path), "--cores", "2", "--config", "protocol=meta", "dataset=sinusoid"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                            env=workflow_env(tmp_path))
    assert result.returncode == 0, result.stderr[-4000:]
    results = tmp_path / "results" / "sinusoid-meta"
    evaluation = pd.read_csv(results / "evaluation.csv")
    summary = pd.read_csv(results / "summary.csv")
    assert list(evaluation.columns) == EVALUATION_COLUMNS
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary["protocol"]) == {"meta"}
    assert set(summary["method"]) == {"samplewise+spectral", "random", "stl", "all"}
    assert (evaluation[evaluation["method"] == "stl"]["normalized_loss"] == 1.0).all()
    assert summary["planted_ari"].between(-1, 1).all()
    assert summary.set_index("method").loc["stl", "planted_ari"] == 0.0  # singletons
    training = json.loads((results / "train" / "s001_seed0.json").read_text())
    assert training["steps"] <= 40 and training["epochs_run"] <= 2
    assert {score["task"] for score in training["scores"]} == {"s001"}

    parent = json.loads((results / "mlflow_parent.json").read_text())
    client = MlflowClient(parent["tracking_uri"])
    parent_run = client.get_run(parent["run_id"])
    assert parent_run.info.status == "FINISHED"
    assert parent_run.data.tags["protocol"] == "meta"
    assert parent_run.info.run_name == "pipeline sinusoid-meta"
    assert "planted_ari/samplewise_spectral/k2" in parent_run.data.metrics
    children = client.search_runs(
        [parent_run.info.experiment_id],
        f"tags.mlflow.parentRunId = '{parent['run_id']}' and tags.stage = 'train_group'")
    assert children and all(run.data.tags["protocol"] == "meta" for run in children)
    assert all(run.info.status == "FINISHED" for run in children)
