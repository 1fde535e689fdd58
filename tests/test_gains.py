"""Affinities as predicted pair gains: the rule each affinity's gain matrix follows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.affinity.gains import (
    grouper_input,
    neutral_distance,
    samplewise_gains,
    signed_gains,
    similarity_gains,
)
from taskgrouping.affinity.matrix import clustering_similarity, similarity_matrix
from taskgrouping.registries import GROUPERS

TASKS = ["a", "b", "c", "d"]
# l2/task distances are 1 - cos: a-b aligned, b-c and c-d orthogonal, a-c opposed
DISTANCE = pd.DataFrame([[0.0, 0.4, 1.3, 0.8], [0.4, 0.0, 1.0, 0.9], [1.3, 1.0, 0.0, 1.0],
                         [0.8, 0.9, 1.0, 0.0]], index=TASKS, columns=TASKS)
L2_TASK = {"distance": "l2", "scale": "task", "step_size": 1.0, "gain_zero": 0.0,
           "transform": "exp_median"}


def test_orthogonal_steps_predict_no_gain_aligned_ones_a_gain_opposed_ones_a_loss() -> None:
    """gain = similarity - the similarity of a pair at the neutral distance (d = 1 here)."""
    similarity = similarity_matrix(DISTANCE, "exp_median")
    gains = samplewise_gains(DISTANCE, similarity, L2_TASK)
    median = 0.95  # of the off-diagonal distances
    assert gains.loc["a", "b"] == pytest.approx(np.exp(-0.4 / median) - np.exp(-1 / median))
    assert gains.loc["b", "c"] == pytest.approx(0.0) and gains.loc["c", "d"] == pytest.approx(0.0)
    assert gains.loc["a", "c"] < 0 < gains.loc["a", "d"] < gains.loc["a", "b"]
    assert np.all(np.diag(gains.to_numpy()) == 0)
    assert (gains.to_numpy() == gains.to_numpy().T).all()


def test_gain_zero_moves_the_neutral_alignment_and_the_step_size_scales_it() -> None:
    similarity = similarity_matrix(DISTANCE, "exp_median")
    shifted = samplewise_gains(DISTANCE, similarity, L2_TASK | {"gain_zero": 0.2})
    assert shifted.loc["a", "d"] == pytest.approx(0.0)  # d = 0.8: alignment 0.2
    assert neutral_distance(L2_TASK | {"step_size": 0.5}) == pytest.approx(0.25)
    quarter = DISTANCE * 0.25  # the same steps at eta = 0.5
    scaled = samplewise_gains(quarter, similarity_matrix(quarter, "exp_median"),
                              L2_TASK | {"step_size": 0.5})
    pd.testing.assert_frame_equal(scaled, samplewise_gains(DISTANCE, similarity, L2_TASK))
    inverse = samplewise_gains(DISTANCE, similarity_matrix(DISTANCE, "inverse"),
                               L2_TASK | {"transform": "inverse"})
    assert inverse.loc["b", "c"] == pytest.approx(0.0) and inverse.loc["a", "b"] > 0


def test_sign_agreement_beyond_chance_is_the_neutral_point_of_the_sign_distance() -> None:
    sign = {"distance": "sign", "scale": "none", "step_size": 1.0, "gain_zero": 0.0}
    assert neutral_distance(sign) == 0.5  # half the signs differ: chance
    assert neutral_distance(sign | {"gain_zero": 0.5}) == 0.25
    assert neutral_distance(L2_TASK | {"scale": "sample"}) == 1.0


@pytest.mark.parametrize("options", [{"distance": "l1", "scale": "task"},
                                     {"distance": "l2", "scale": "none"}])
def test_distances_without_a_zero_centre_the_similarity_on_its_median(options) -> None:
    similarity = similarity_matrix(DISTANCE, "exp_median")
    gains = samplewise_gains(DISTANCE, similarity, L2_TASK | options | {"gain_zero": 0.5})
    pd.testing.assert_frame_equal(gains, similarity_gains(similarity))
    assert neutral_distance(L2_TASK | options) is None
    off = gains.to_numpy()[~np.eye(4, dtype=bool)]
    assert (off > 0).sum() == (off < 0).sum()


def test_signed_affinities_are_their_own_gains_with_a_zero_diagonal() -> None:
    tag = pd.DataFrame(np.arange(16.0).reshape(4, 4) - 5, index=TASKS, columns=TASKS)
    gains = signed_gains(tag)
    assert gains.loc["a", "b"] == -4.0 and gains.loc["b", "a"] == -1.0
    assert np.all(np.diag(gains.to_numpy()) == 0)


def test_each_grouper_reads_gains_or_the_clustering_similarity() -> None:
    tag = pd.DataFrame(np.arange(16.0).reshape(4, 4) - 5, index=TASKS, columns=TASKS)
    gains = signed_gains(tag)
    assert grouper_input(GROUPERS.get("select"), True, tag, gains) is gains
    assert grouper_input(GROUPERS.get("partition"), True, tag, gains) is gains
    pd.testing.assert_frame_equal(grouper_input(GROUPERS.get("spectral"), True, tag, gains),
                                  clustering_similarity(tag, True))
