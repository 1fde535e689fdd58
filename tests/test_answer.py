"""The run's answer: one recommendation per k, chosen on validation, honest about noise."""

from __future__ import annotations

import pandas as pd
import pytest

from taskgrouping.answer import answer_lines, recommend

TASKS = ["a", "b", "c", "d"]
SEEDS = [0, 1, 2]


def _row(method: str, k: int, groups: str, val: float, val_std: float, test: float,
         test_std: float = 0.05) -> dict:
    affinity = method.split("+")[0] if "+" in method else ""
    return {"dataset": "toy", "method": method, "affinity": affinity, "k": k,
            "n_groups": groups.split(" | ")[0].count("{"), "groups": groups,
            "fewer_groups_than_k": False, "val_total_loss": val, "val_total_loss_std": val_std,
            "total_loss": test, "total_loss_std": test_std, "geomean_ratio": test / 4}


def _summary(*rows: dict, stl=(4.0, 0.05, 4.0), all_=(3.9, 0.1, 3.95)) -> pd.DataFrame:
    references = [_row("stl", 4, "{a} {b} {c} {d}", *stl), _row("all", 1, "{a, b, c, d}", *all_)]
    return pd.DataFrame([*references, *rows])


def _recommendations(summary: pd.DataFrame, seeds: list[int] = SEEDS) -> list[str]:
    return [line for line in answer_lines(summary, "results/toy", TASKS, seeds)
            if line.startswith("  recommended at")]


def test_a_winner_beyond_spread_is_recommended_first_with_its_groups_and_test_loss() -> None:
    summary = _summary(_row("tag+select", 2, "{a, b} {c, d}", 3.5, 0.05, 3.6, 0.04),
                       _row("cosine+louvain", 2, "{a, c} {b, d}", 3.7, 0.05, 3.7))
    lines = answer_lines(summary, "results/toy", TASKS, SEEDS)
    assert lines[1] == ("  recommended at k=2: tag+select {a, b} {c, d} (2 networks), test "
                        "total loss 3.600 ± 0.040, validation 3.500 ± 0.050: below both STL's "
                        "and all's validation total loss beyond the seeds' spread")
    ranking = lines.index("  all methods by total test loss (geomean ratio = the ratios' "
                          "geometric mean, which one easy task cannot dominate):")
    assert lines[ranking + 1].startswith("  k=2: tag+select 3.600 ± 0.040")
    assert "differs" not in lines[1]


def test_random_is_no_grouping_to_recommend() -> None:
    """random's scores are the mean over drawn partitions: nothing one could train."""
    summary = _summary(_row("random", 2, "{a, b} {c, d} | {a, c} {b, d}", 3.0, 0.01, 3.0),
                       _row("tag+select", 2, "{a, b} {c, d}", 3.5, 0.05, 3.6))
    assert _recommendations(summary)[0].startswith("  recommended at k=2: tag+select")


def test_within_spread_the_cheapest_is_recommended_and_it_says_so() -> None:
    summary = _summary(_row("tag+select", 2, "{a, b} {c, d}", 3.85, 0.2, 3.8),
                       stl=(4.0, 0.2, 4.0), all_=(3.95, 0.2, 3.9))
    [line] = _recommendations(summary)
    assert line.startswith("  recommended at k=2: all (1 network), test total loss 3.900 ± "
                           "0.050, validation 3.950 ± 0.200: ")
    assert ("no grouping differs from STL and all beyond the seeds' spread on validation; "
            "recommended: the cheapest") in line


def test_the_cheapest_within_spread_may_be_a_grouping() -> None:
    """all is clearly worse, a 2-group grouping is within spread of STL: 2 networks < 4."""
    summary = _summary(_row("tag+select", 2, "{a, b} {c, d}", 3.95, 0.1, 3.9),
                       all_=(5.0, 0.1, 5.0))
    [line] = _recommendations(summary)
    assert line.startswith("  recommended at k=2: tag+select {a, b} {c, d} (2 networks)")
    assert "no grouping differs" in line


def test_the_recommendation_reads_validation_not_test() -> None:
    """best_on_test has the lowest test loss but not the lowest validation loss: a choice
    made on test would be graded on the data that chose it."""
    summary = _summary(_row("best_on_test", 2, "{a, b} {c, d}", 3.8, 0.02, 3.0),
                       _row("best_on_val", 2, "{a, c} {b, d}", 3.4, 0.02, 3.7))
    row, won = recommend(summary)
    assert row["method"] == "best_on_val" and won
    assert _recommendations(summary)[0].startswith("  recommended at k=2: best_on_val")


def test_one_recommendation_per_k_and_one_seed_says_it_measured_no_spread() -> None:
    summary = _summary(_row("tag+select", 2, "{a, b} {c, d}", 3.5, 0.0, 3.6),
                       _row("tag+select", 3, "{a, b} {c} {d}", 3.95, 0.0, 3.9),
                       stl=(4.0, 0.0, 4.0), all_=(3.9, 0.0, 3.95))
    two, three = _recommendations(summary, [0])
    assert two.startswith("  recommended at k=2: tag+select {a, b} {c, d}")
    assert three.startswith("  recommended at k=3: all (1 network)")
    assert all("(one seed: no spread measured" in line for line in (two, three))


def test_a_summary_without_the_references_is_refused() -> None:
    summary = _summary(_row("tag+select", 2, "{a, b} {c, d}", 3.5, 0.05, 3.6))
    with pytest.raises(ValueError, match="compares with stl and all; the summary holds"):
        answer_lines(summary[summary["method"] != "all"], "results/toy", TASKS, SEEDS)
