from __future__ import annotations

import numpy as np
import pytest

from taskgrouping.affinity.matrix import distance_matrix, read_matrix, similarity_matrix


def test_distance_matrix_is_symmetric_with_zero_diagonal() -> None:
    matrix = distance_matrix(["a", "b", "c"], {("a", "b"): 1.0, ("c", "a"): 2.0, ("b", "c"): 3.0})
    assert matrix.loc["b", "a"] == 1.0 and matrix.loc["a", "c"] == 2.0
    assert np.allclose(matrix.to_numpy(), matrix.to_numpy().T)
    assert (np.diag(matrix.to_numpy()) == 0).all()


def test_missing_pair_is_named() -> None:
    with pytest.raises(ValueError, match=r"\(a, c\)"):
        distance_matrix(["a", "b", "c"], {("a", "b"): 1.0, ("b", "c"): 3.0})


@pytest.mark.parametrize("transform", ["exp_median", "inverse"])
def test_similarity_decreases_with_distance(transform: str) -> None:
    distance = distance_matrix(["a", "b", "c"], {("a", "b"): 1.0, ("a", "c"): 2.0, ("b", "c"): 4.0})
    similarity = similarity_matrix(distance, transform)
    assert np.allclose(np.diag(similarity.to_numpy()), 1.0)
    assert similarity.loc["a", "b"] > similarity.loc["a", "c"] > similarity.loc["b", "c"] > 0


def test_exp_median_scale() -> None:
    distance = distance_matrix(["a", "b", "c"], {("a", "b"): 1.0, ("a", "c"): 2.0, ("b", "c"): 4.0})
    assert similarity_matrix(distance, "exp_median").loc["a", "c"] == pytest.approx(np.exp(-1.0))


def test_read_matrix_checks_labels(tmp_path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(",a,b\na,1,0.5\nc,0.5,1\n")
    with pytest.raises(ValueError, match="same tasks"):
        read_matrix(str(path))
