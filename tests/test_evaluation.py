from __future__ import annotations

import pytest

from taskgrouping.evaluation import evaluation_table, summary_table


def _record(method, k, group, seed, scores):
    return {"method": method, "k": k, "group": group, "seed": seed, "scores": [
        {"task": t, "val_loss": v, "test_loss": loss, "metric_name": "auroc", "test_metric": m}
        for t, v, loss, m in scores
    ]}


TRAININGS = [
    _record("stl", 2, 0, 0, [("a", 0.5, 0.4, 0.8)]),
    _record("stl", 2, 1, 0, [("b", 0.5, 0.5, 0.5)]),
    _record("all", 1, 0, 0, [("a", 0.4, 0.2, 0.88), ("b", 0.6, 0.5, 0.55)]),
    # overlapping groups: task a is served by the group with the lower validation loss
    _record("net", 2, 0, 0, [("a", 0.30, 0.6, 0.7), ("b", 0.9, 1.0, 0.4)]),
    _record("net", 2, 1, 0, [("a", 0.35, 0.1, 0.9)]),
]


def test_evaluation_normalises_by_stl_and_serves_best_validation_group() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    row = table.set_index(["method", "task"])
    assert row.loc[("all", "a"), "normalized_loss"] == pytest.approx(0.5)
    assert row.loc[("net", "a"), "loss"] == pytest.approx(0.6)
    assert row.loc[("net", "b"), "normalized_loss"] == pytest.approx(2.0)
    assert list(table.columns) == ["dataset", "method", "k", "seed", "task", "metric_name",
                                   "metric", "loss", "normalized_loss"]


def test_summary_totals_and_delta_m() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    summary = summary_table("toy", table, {"a": True, "b": True},
                            {("stl", 2): 2, ("all", 1): 1, ("net", 2): 2},
                            {("net", 2): 1.5}).set_index("method")
    assert summary.loc["stl", "total_loss"] == pytest.approx(2.0)
    assert summary.loc["all", "total_loss"] == pytest.approx(1.5)
    # delta-m: mean of +10% (0.88 vs 0.8) and +10% (0.55 vs 0.5)
    assert summary.loc["all", "delta_m_percent"] == pytest.approx(10.0)
    assert summary.loc["net", "grouping_seconds"] == 1.5
    assert summary.loc["stl", "grouping_seconds"] == 0.0


def test_lower_is_better_flips_the_sign() -> None:
    table = evaluation_table("toy", TRAININGS, ["a", "b"])
    summary = summary_table("toy", table, {"a": False, "b": False},
                            {("stl", 2): 2, ("all", 1): 1, ("net", 2): 2}, {})
    assert summary.set_index("method").loc["all", "delta_m_percent"] == pytest.approx(-10.0)


def test_std_over_seeds() -> None:
    more = TRAININGS + [
        _record("stl", 2, 0, 1, [("a", 0.5, 0.4, 0.8)]),
        _record("stl", 2, 1, 1, [("b", 0.5, 0.5, 0.5)]),
        _record("all", 1, 0, 1, [("a", 0.4, 0.4, 0.8), ("b", 0.6, 0.5, 0.5)]),
    ]
    table = evaluation_table("toy", [r for r in more if r["method"] != "net"], ["a", "b"])
    summary = summary_table("toy", table, {"a": True, "b": True},
                            {("stl", 2): 2, ("all", 1): 1}, {}).set_index("method")
    assert summary.loc["all", "total_loss"] == pytest.approx(1.75)
    assert summary.loc["all", "total_loss_std"] == pytest.approx(0.25)
    assert summary.loc["all", "seeds"] == 2


def test_missing_stl_is_an_error() -> None:
    with pytest.raises(ValueError, match="no STL result"):
        evaluation_table("toy", TRAININGS[2:], ["a", "b"])
