from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from taskgrouping.tasks import BINARY


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
