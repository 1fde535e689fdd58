"""Affinities as predicted pair gains: the rule each affinity's gain matrix follows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.affinity.gains import (
    alignment,
    grouper_input,
    samplewise_gains,
    signed_gains,
    similarity_gains,
)
from taskgrouping.affinity.matrix import clustering_similarity, similarity_matrix
from taskgrouping.registries import GROUPERS

TASKS = ["a", "b", "c"]
DISTANCE = pd.DataFrame([[0.0, 0.4, 1.3], [0.4, 0.0, 1.0], [1.3, 1.0, 0.0]],
                        index=TASKS, columns=TASKS)
L2_TASK = {"distance": "l2", "scale": "task", "step_size": 1.0, "gain_zero": 0.0}


def test_l2_with_a_scale_predicts_the_steps_cosine_minus_gain_zero() -> None:
    """d = eta^2 (1 - cos): a pair gains where its steps align beyond gain_zero, is neutral
    where they are orthogonal, and is better apart where they oppose."""
    similarity = similarity_matrix(DISTANCE, "exp_median")
    gains = samplewise_gains(DISTANCE, similarity, L2_TASK)
    assert gains.loc["a", "b"] == pytest.approx(0.6)
    assert gains.loc["b", "c"] == pytest.approx(0.0)
    assert gains.loc["a", "c"] == pytest.approx(-0.3)
    assert np.all(np.diag(gains.to_numpy()) == 0)
    shifted = samplewise_gains(DISTANCE, similarity, L2_TASK | {"gain_zero": 0.2})
    assert shifted.loc["a", "b"] == pytest.approx(0.4)
    halved = samplewise_gains(DISTANCE * 0.25, similarity, L2_TASK | {"step_size": 0.5})
    pd.testing.assert_frame_equal(halved, gains)
    per_sample = samplewise_gains(DISTANCE, similarity, L2_TASK | {"scale": "sample"})
    pd.testing.assert_frame_equal(per_sample, gains)


def test_sign_agreement_beyond_chance_is_the_gain() -> None:
    disagree = DISTANCE / 2.6  # a fraction of parameters whose signs differ, in [0, 0.5]
    sign = {"distance": "sign", "scale": "none", "step_size": 1.0, "gain_zero": 0.0}
    aligned = alignment(disagree, sign)
    assert aligned[0, 2] == pytest.approx(0.0)  # half the signs differ: chance
    assert aligned[0, 1] == pytest.approx(1 - 0.8 / 2.6)


@pytest.mark.parametrize("options", [{"distance": "l1", "scale": "task"},
                                     {"distance": "l2", "scale": "none"}])
def test_distances_without_a_zero_centre_the_similarity_on_its_median(options) -> None:
    similarity = similarity_matrix(DISTANCE, "exp_median")
    gains = samplewise_gains(DISTANCE, similarity, options | {"step_size": 1.0,
                                                              "gain_zero": 0.5})
    pd.testing.assert_frame_equal(gains, similarity_gains(similarity))
    assert gains.loc["b", "c"] == pytest.approx(0.0)  # the median pair
    assert gains.loc["a", "b"] > 0 > gains.loc["a", "c"]


def test_signed_affinities_are_their_own_gains_with_a_zero_diagonal() -> None:
    tag = pd.DataFrame([[9.0, -1.0, 3.0], [1.0, 9.0, -2.0], [1.0, 0.0, 9.0]],
                       index=TASKS, columns=TASKS)
    gains = signed_gains(tag)
    assert gains.loc["a", "b"] == -1.0 and gains.loc["b", "a"] == 1.0
    assert np.all(np.diag(gains.to_numpy()) == 0)


def test_each_grouper_reads_gains_or_the_clustering_similarity() -> None:
    tag = pd.DataFrame([[9.0, -1.0, 3.0], [1.0, 9.0, -2.0], [1.0, 0.0, 9.0]],
                       index=TASKS, columns=TASKS)
    gains = signed_gains(tag)
    assert grouper_input(GROUPERS.get("select"), True, tag, gains) is gains
    assert grouper_input(GROUPERS.get("partition"), True, tag, gains) is gains
    pd.testing.assert_frame_equal(grouper_input(GROUPERS.get("spectral"), True, tag, gains),
                                  clustering_similarity(tag, True))
