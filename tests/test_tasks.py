from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from taskgrouping.tasks import BINARY, make_task, split_targets


@pytest.mark.parametrize("seed", range(5))
def test_auroc_equals_scikit_learn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    target = (rng.random(300) < 0.2).astype(np.float32)
    scores = np.round(rng.normal(size=300) + target, 1)  # rounding makes many ties
    assert BINARY.metric(scores, target) == pytest.approx(roc_auc_score(target, scores))


def test_auroc_of_one_class_is_nan() -> None:
    assert math.isnan(BINARY.metric(np.array([0.1, 0.2]), np.array([1.0, 1.0])))


def test_binary_loss_is_per_sample_bce() -> None:
    logits = torch.tensor([[0.0], [2.0]])
    losses = BINARY.per_sample_loss(logits, torch.tensor([1.0, 0.0]))
    assert losses.shape == (2,)
    assert losses[0].item() == pytest.approx(math.log(2))


def test_task_types_score_their_own_columns() -> None:
    """Side-by-side targets: each task reads its own columns, dense ones reshaped."""
    tasks = (make_task("r", "regression"), make_task("m", "multiclass", classes=3),
             make_task("d", "depth", shape=(1, 2)))
    y = torch.tensor([[1.0, 2.0, 0.5, 0.0], [3.0, 0.0, 1.0, 2.0]])
    targets = split_targets(tasks, y)
    assert [t.shape[1] for t in targets] == [1, 1, 2]
    assert tasks[0].loss(torch.tensor([[0.0], [1.0]]), targets[0]).tolist() == [1.0, 4.0]
    logits = torch.tensor([[0.0, 0.0, 9.0], [9.0, 0.0, 0.0]])
    assert tasks[1].score(logits.numpy(), targets[1].numpy()) == 1.0
    # depth 0 marks a pixel without ground truth: only the labelled ones count
    depth_out = torch.tensor([[[[1.5, 7.0]]], [[[1.0, 1.0]]]])
    assert tasks[2].loss(depth_out, targets[2]).tolist() == [1.0, 0.5]


def test_segmentation_ignores_unlabelled_pixels_and_normals_measure_angles() -> None:
    seg = make_task("s", "segmentation", classes=2, shape=(1, 2))
    out = torch.tensor([[[[5.0, -5.0]], [[-5.0, 5.0]]]])  # predicts class 0 then 1
    assert seg.score(out.numpy(), np.array([[0.0, -1.0]])) == 1.0
    assert seg.loss(out, torch.tensor([[0.0, -1.0]])).item() < 1e-4
    normals = make_task("n", "normals", shape=(3, 1, 1))
    predicted = np.array([[[[1.0]], [[0.0]], [[0.0]]]])
    assert normals.score(predicted, np.array([[0.0, 1.0, 0.0]])) == pytest.approx(90.0)


def test_make_task_rejects_inconsistent_types() -> None:
    with pytest.raises(ValueError, match="task m: a multiclass task needs at least 2"):
        make_task("m", "multiclass")
    with pytest.raises(ValueError, match="task d: a depth task needs"):
        make_task("d", "depth")
    with pytest.raises(ValueError, match="unknown type 'ordinal'"):
        make_task("o", "ordinal")


def test_missing_labels_add_nothing_to_loss_gradient_or_metric() -> None:
    task = make_task("r", "regression")
    out = torch.tensor([[1.0], [5.0], [2.0]], requires_grad=True)
    target = torch.tensor([[0.0], [float("nan")], [0.0]])
    assert task.loss(out, target).tolist() == [1.0, 0.0, 4.0]
    mean = task.mean_loss(out, target)
    assert mean.item() == 2.5  # over the two observed samples
    mean.backward()
    assert out.grad[1].item() == 0.0
    assert task.score(np.array([[1.0], [9.0], [2.0]]), target.numpy()) == 1.5
