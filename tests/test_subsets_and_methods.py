"""Subset file names, method names, and the graph clustering groupers get from any affinity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskgrouping.affinity.matrix import clustering_similarity
from taskgrouping.affinity.quality import affinity_quality, true_pair_gains
from taskgrouping.methods import chooses_k, split_method
from taskgrouping.subsets import all_subsets, subset_members, subset_name

TASKS = ["Class1", "Class2", "Class3"]


def test_subset_name_is_canonical_and_invertible() -> None:
    assert subset_name(["Class3", "Class1"], TASKS) == "Class1__Class3"
    assert subset_members("Class1__Class3", TASKS) == ["Class1", "Class3"]
    many = [f"attribute_number{i}" for i in range(40)]
    name = subset_name(many[::2], many)
    assert name.startswith("_") and len(name) < 20
    assert subset_members(name, many) == many[::2]


def test_long_names_never_end_in_a_run_snakemake_takes_for_recursion() -> None:
    """Every 4th of 200 tasks is the mask 2222...2: Snakemake refuses a wildcard ending
    in 20 repeats (PeriodicWildcardError, seen at T = 200); the count after `-` breaks it."""
    from snakemake.io import PeriodicityDetector

    many = [f"t{i:03d}" for i in range(200)]
    detector = PeriodicityDetector()
    for members in (many[2::4], many, many[::2], many[:100]):
        name = subset_name(members, many)
        assert detector.is_periodic(name) is None, name
        assert subset_members(name, many) == members
    assert detector.is_periodic(f"_{sum(1 << j for j in range(2, 200, 4)):x}") is not None
    with pytest.raises(ValueError, match="not the name of its 50 tasks"):
        subset_members(subset_name(many[2::4], many).replace("-50", "-49"), many)


@pytest.mark.parametrize("bad", [["Class9"], ["Class1", "Class1"], []])
def test_bad_groups_are_named(bad) -> None:
    with pytest.raises(ValueError, match="unknown task|empty or repeats"):
        subset_name(bad, TASKS)


def test_subset_names_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="dataset order"):
        subset_members("Class3__Class1", TASKS)


def test_all_subsets() -> None:
    assert len(all_subsets(TASKS)) == 7
    assert all_subsets(TASKS, max_size=1) == [["Class1"], ["Class2"], ["Class3"]]


def test_method_names() -> None:
    assert split_method("tag+select") == ("tag", "select")
    assert split_method("exhaustive") is None
    assert chooses_k("hoa+gat_gmm") and not chooses_k("tag+select")
    with pytest.raises(ValueError, match="unknown method 'tag\\+kmeans'"):
        split_method("tag+kmeans")


def test_clustering_similarity_symmetrises_and_rescales_signed_affinities() -> None:
    tag = pd.DataFrame([[9.0, -1.0, 3.0], [1.0, 9.0, -2.0], [1.0, 0.0, 9.0]],
                       index=TASKS, columns=TASKS)
    graph = clustering_similarity(tag, signed=True).to_numpy()
    assert np.allclose(graph, graph.T) and np.allclose(np.diag(graph), 1.0)
    # symmetrised off-diagonal: (a,b)=0, (a,c)=2, (b,c)=-1 -> min-max to 1/3, 1, 0
    assert graph[0, 1] == pytest.approx(1 / 3) and graph[0, 2] == pytest.approx(1.0)
    assert graph[1, 2] == pytest.approx(0.0)
    similarity = pd.DataFrame([[1.0, 0.2, 0.7], [0.2, 1.0, 0.4], [0.7, 0.4, 1.0]],
                              index=TASKS, columns=TASKS)
    assert np.allclose(clustering_similarity(similarity, signed=False), similarity)
    positive = tag.abs()  # all positive, still rescaled: its scale is not a similarity's
    assert clustering_similarity(positive, signed=True).to_numpy()[0, 1] == pytest.approx(0.0)


def _training(tasks, losses):
    return {"tasks": tasks, "seed": 0, "scores": [
        {"task": t, "test_loss": v} for t, v in zip(tasks, losses, strict=True)]}


def test_affinity_quality_is_spearman_with_true_gains() -> None:
    tasks = ["a", "b", "c"]
    trainings = [_training(["a"], [1.0]), _training(["b"], [1.0]), _training(["c"], [1.0]),
                 _training(["a", "b"], [0.5, 0.9]), _training(["a", "c"], [1.2, 0.8]),
                 _training(["b", "c"], [1.1, 1.3])]
    gains = true_pair_gains(trainings, tasks)
    perfect = gains * 3 + 1
    reversed_ = -gains
    table = affinity_quality("toy", {"good": perfect, "bad": reversed_}, gains)
    by_name = table.set_index("affinity")["spearman"]
    assert by_name["good"] == pytest.approx(1.0) and by_name["bad"] == pytest.approx(-1.0)
    assert set(table["pairs"]) == {6}
    assert true_pair_gains(trainings[:-1], tasks) is None
    assert affinity_quality("toy", {"good": perfect}, None).empty
