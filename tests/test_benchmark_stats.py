"""The benchmark's statistics on tables small enough to compute by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_drawn

from taskgrouping.benchmark.answer import benchmark_answer
from taskgrouping.benchmark.figures import (
    critical_difference_figure,
    critical_difference_plot,
    paired_differences_figure,
    paired_differences_plot,
)
from taskgrouping.benchmark.statistics import (
    AGGREGATES,
    budget_blocks,
    by_aggregate,
    choose_by_validation,
    claims,
    friedman_nemenyi,
    mean_ranks,
    nemenyi_critical_difference,
    paired_comparisons,
)
from taskgrouping.stages.benchmark_summary import headline_metrics, per_seed_table


def rows(dataset: str, method: str, k: int, tests: list[float], val: list[float] | None = None,
         geomean: list[float] | None = None) -> list[dict]:
    return [{"dataset": dataset, "method": method, "k": k, "seed": seed, "test": test,
             "val": (val or tests)[seed], "geomean_ratio": (geomean or tests)[seed],
             "delta_m": 0.0}
            for seed, test in enumerate(tests)]


def table(*groups: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([row for group in groups for row in group])


def test_nemenyi_critical_difference_is_demsars_table_value() -> None:
    # Demšar (2006), Table 5(a): q_0.05 / sqrt(2) = 2.569 for 4 methods
    assert nemenyi_critical_difference(4, 10) == pytest.approx(2.569 * np.sqrt(20 / 60),
                                                                abs=1e-3)


def test_blocks_and_ranks_with_references_in_every_block_and_a_tie() -> None:
    per_seed = table(rows("a", "ours", 2, [0.9]), rows("a", "other", 2, [0.9]),
                     rows("a", "ours", 3, [0.8]), rows("a", "other", 3, [1.1]),
                     rows("a", "stl", 5, [1.0]), rows("a", "all", 1, [0.95]),
                     rows("b", "ours", 2, [0.9]), rows("b", "other", 2, [0.9]),
                     rows("b", "stl", 5, [1.0]), rows("b", "all", 1, [0.95]),
                     rows("b", "exhaustive", 2, [0.5]))
    blocks, left_out = budget_blocks(per_seed, "test")
    assert left_out == ["exhaustive"]  # ran in one block of three
    ranks = mean_ranks(blocks.drop(index="b", level="dataset")).set_index("method")
    # k=2: ours and other tie for 1 (rank 1.5), all 3, stl 4; k=3: ours 1, all 2, stl 3, other 4
    assert ranks.loc["ours", "mean_rank"] == pytest.approx((1.5 + 1) / 2)
    assert ranks.loc["other", "mean_rank"] == pytest.approx((1.5 + 4) / 2)
    assert ranks.loc["stl", "mean_rank"] == pytest.approx(3.5)


def test_friedman_needs_three_methods_and_sees_one_that_always_wins() -> None:
    assert friedman_nemenyi(pd.DataFrame({"a": [1.0, 2.0], "b": [2.0, 3.0]})).p_value is None
    winner = pd.DataFrame({"best": np.arange(8.0), "mid": np.arange(8.0) + 1,
                           "worst": np.arange(8.0) + 2})
    assert friedman_nemenyi(winner).p_value < 0.05


def _pairs() -> pd.DataFrame:
    # run a: ours 2 % below random at both seeds; run b: 1 % and 3 % above
    return table(rows("a", "samplewise+spectral", 2, [0.98, 0.98]),
                 rows("a", "random", 2, [1.0, 1.0]),
                 rows("b", "samplewise+spectral", 2, [1.01, 1.03]),
                 rows("b", "random", 2, [1.0, 1.0]))


def test_paired_difference_weighs_runs_equally_with_wins_ties_losses() -> None:
    result = paired_comparisons(_pairs(), ["samplewise+spectral"], ("random",), samples=500,
                                tie_percent=0.5).iloc[0]
    assert result["mean_difference_percent"] == pytest.approx((-2 + 2) / 2)
    assert result["ci_low"] < 0 < result["ci_high"]
    assert result["verdict"] == "no clear difference"
    assert (result["wins"], result["ties"], result["losses"]) == (1, 0, 1)
    tie = paired_comparisons(_pairs(), ["samplewise+spectral"], ("random",), samples=500,
                             tie_percent=2.5).iloc[0]
    assert (tie["wins"], tie["ties"], tie["losses"]) == (0, 2, 0)


def test_equal_differences_give_a_point_interval_and_a_verdict() -> None:
    per_seed = table(rows("a", "samplewise+spectral", 2, [0.99, 0.99]),
                     rows("a", "random", 2, [1.0, 1.0]),
                     rows("b", "samplewise+spectral", 2, [0.99]),
                     rows("b", "random", 2, [1.0]))
    result = paired_comparisons(per_seed, ["samplewise+spectral"], ("random",),
                                samples=300).iloc[0]
    assert result["ci_low"] == pytest.approx(-1.0) and result["ci_high"] == pytest.approx(-1.0)
    assert result["verdict"] == "better"


def test_all_answers_every_budget_and_tag_falls_back_to_another_grouper() -> None:
    per_seed = table(rows("a", "samplewise+spectral", 2, [0.9]),
                     rows("a", "samplewise+spectral", 3, [0.8]),
                     rows("a", "all", 1, [1.0]),
                     rows("a", "tag+select", 2, [1.0]), rows("a", "tag+select", 3, [1.0]))
    result = paired_comparisons(per_seed, ["samplewise+spectral"], ("all", "tag"),
                                samples=200).set_index("reference")
    assert result.loc["all", "units"] == 2
    assert result.loc["all", "mean_difference_percent"] == pytest.approx(-15.0)
    assert result.loc["tag", "reference_method"] == "tag+select"


def test_claims_speedup_and_its_geometric_mean_over_runs() -> None:
    per_seed = table(rows("a", "samplewise+spectral", 2, [1.0, 1.0]),
                     rows("a", "tag+spectral", 2, [1.0, 1.0]),
                     rows("b", "samplewise+spectral", 2, [0.99, 0.99]),
                     rows("b", "tag+spectral", 2, [1.0, 1.0]))
    costs = pd.DataFrame([
        {"dataset": "a", "method": "samplewise+spectral", "k": 2, "grouping_seconds": 2.0,
         "grouping_cpu_seconds": 1.0, "trainings": 0},
        {"dataset": "a", "method": "tag+spectral", "k": 2, "grouping_seconds": 8.0,
         "grouping_cpu_seconds": 2.0, "trainings": 1},
        {"dataset": "b", "method": "samplewise+spectral", "k": 2, "grouping_seconds": 1.0,
         "grouping_cpu_seconds": 1.0, "trainings": 0},
        {"dataset": "b", "method": "tag+spectral", "k": 2, "grouping_seconds": 16.0,
         "grouping_cpu_seconds": 8.0, "trainings": 1}])
    result = claims(per_seed, costs, ["samplewise+spectral"], samples=200).set_index("dataset")
    assert result.loc["a", "speedup_wall"] == pytest.approx(4.0)
    assert result.loc["b", "speedup_cpu"] == pytest.approx(8.0)
    assert result.loc["all datasets", "speedup_wall"] == pytest.approx(np.sqrt(4 * 16))
    assert result.loc["all datasets", "speedup_cpu"] == pytest.approx(np.sqrt(2 * 8))
    assert result.loc["all datasets", "loss_ratio"] == pytest.approx((1.0 + 0.99) / 2)
    assert bool(result.loc["a", "comparable"]) and bool(result.loc["all datasets",
                                                                   "comparable"])
    strict = claims(per_seed, costs, ["samplewise+spectral"], samples=200,
                    margin_percent=0.5).set_index("dataset")
    assert not strict.loc["b", "comparable"]  # 0.99 lies outside 1 ± 0.5 %


def test_the_default_is_chosen_on_validation_never_on_test() -> None:
    # test prefers x everywhere; validation prefers y in runs a and b, x in c
    per_seed = table(rows("a", "samplewise+x", 2, [0.9], [1.1]),
                     rows("a", "samplewise+y", 2, [1.0], [1.0]),
                     rows("b", "samplewise+x", 2, [0.9], [1.1]),
                     rows("b", "samplewise+y", 2, [1.0], [1.0]),
                     rows("c", "samplewise+x", 2, [0.9], [0.9]),
                     rows("c", "samplewise+y", 2, [1.0], [1.0]))
    chosen, check = choose_by_validation(per_seed, ["samplewise+x", "samplewise+y"])
    assert chosen == "samplewise+y"
    check = check.set_index("held_out")
    assert check.loc["c", "chosen_on_others"] == "samplewise+y"
    assert check.loc["c", "test_rank_on_held_out"] == 2.0
    assert set(check["best_on_held_out_test"]) == {"samplewise+x"}


def test_the_critical_difference_diagram_shows_ranks_cd_and_cliques(tmp_path) -> None:
    import matplotlib.pyplot as plt

    ranks = pd.DataFrame({"method": ["c", "a", "b"], "mean_rank": [2.9, 1.2, 1.9],
                          "blocks": 6})
    figure = critical_difference_figure(ranks, 1.35, 0.04, "t")
    ax = figure.axes[0]
    texts = {text.get_text() for text in ax.texts}
    assert {"a (1.20)", "b (1.90)", "c (2.90)", "CD = 1.35 (Nemenyi, α = 0.05)"} <= texts
    assert ax.get_title() == "t\nFriedman p = 0.04, N = 6 blocks"
    thick = [c for c in ax.collections if max(c.get_linewidths()) == 4]
    # a and b, then b and c, are within the CD of each other: two clique lines
    spans = sorted((round(s[0][0], 2), round(s[1][0], 2))
                   for c in thick for s in c.get_segments())
    assert spans == [(1.17, 1.93), (1.87, 2.93)]
    plt.close(figure)
    critical_difference_plot(ranks, 1.35, 0.04, "t", tmp_path / "cd.png")
    assert_drawn(tmp_path / "cd.png")


def test_the_paired_differences_plot_shows_each_mean_and_interval(tmp_path) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PathCollection

    comparisons = paired_comparisons(_pairs(), ["samplewise+spectral"], ("random",),
                                     samples=100)
    figure = paired_differences_figure(comparisons, "t")
    ax = figure.axes[0]
    [points] = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert points.get_offsets()[0][0] == pytest.approx(
        comparisons["mean_difference_percent"].iloc[0])
    [interval] = [c for c in ax.collections if isinstance(c, LineCollection)]
    [(low, _), (high, _)] = interval.get_segments()[0]
    assert (low, high) == pytest.approx((comparisons["ci_low"].iloc[0],
                                         comparisons["ci_high"].iloc[0]))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["samplewise+spectral vs random"]
    assert any(t.get_text() == "W/T/L 1/0/1" for t in ax.texts)
    plt.close(figure)
    paired_differences_plot(comparisons, "t", tmp_path / "pairs.png")
    assert_drawn(tmp_path / "pairs.png")


def _flipped() -> pd.DataFrame:
    """ours loses on the mean ratio (one easy task) and wins on the geometric mean."""
    return table(rows("a", "samplewise+spectral", 2, [1.52], geomean=[0.90]),
                 rows("a", "random", 2, [1.10], geomean=[0.95]),
                 rows("a", "all", 1, [1.20], geomean=[1.10]),
                 rows("a", "stl", 4, [1.0]))


def test_ranks_and_comparisons_are_taken_on_each_aggregate_and_named() -> None:
    per_seed = _flipped()
    ranks = by_aggregate({name: mean_ranks(budget_blocks(per_seed, column)[0])
                          for name, column in AGGREGATES.items()})
    assert list(ranks.columns) == ["aggregate", "method", "mean_rank", "blocks"]
    rank = ranks.set_index(["aggregate", "method"])["mean_rank"]
    assert rank[("total_loss", "samplewise+spectral")] == 4.0
    assert rank[("geomean_ratio", "samplewise+spectral")] == 1.0
    comparisons = by_aggregate({
        name: paired_comparisons(per_seed, ["samplewise+spectral"], ("random",), samples=100,
                                 value=column) for name, column in AGGREGATES.items()})
    difference = comparisons.set_index("aggregate")["mean_difference_percent"]
    assert difference["total_loss"] == pytest.approx((1.52 / 1.10 - 1) * 100)
    assert difference["geomean_ratio"] == pytest.approx((0.90 / 0.95 - 1) * 100)
    no_tag = by_aggregate({name: claims(per_seed, pd.DataFrame(), []) for name in AGGREGATES})
    metrics = headline_metrics(ranks, comparisons, no_tag)
    assert metrics["mean_rank/samplewise_spectral"] == 4.0  # the headline keeps its names
    assert metrics["geomean_ratio/mean_rank/samplewise_spectral"] == 1.0
    assert metrics["geomean_ratio/difference_percent/samplewise_spectral/vs_random"] == (
        pytest.approx(difference["geomean_ratio"]))
    tests = {name: friedman_nemenyi(budget_blocks(per_seed, column)[0])
             for name, column in AGGREGATES.items()}
    lines = benchmark_answer("b", per_seed, ranks, tests, [], comparisons, no_tag,
                             "samplewise+spectral", {"confidence": 0.95, "tie_percent": 0.5,
                                                     "margin_percent": 1.0})
    assert any(line.startswith("  total_loss: their mean") for line in lines)
    assert any(line.startswith("  geomean_ratio: their geometric mean") for line in lines)
    assert any(line.startswith("Mean rank of total_loss over 1") for line in lines)
    assert any(line.startswith("Mean rank of geomean_ratio over 1 (run, k) blocks")
               and line.endswith("samplewise+spectral 1.00, random 2.00, stl 3.00, all 4.00")
               for line in lines)
    assert sum("vs random: " in line for line in lines) == 2


def test_per_seed_rows_carry_the_geometric_mean_of_the_ratios(tmp_path) -> None:
    evaluation = pd.DataFrame({
        "dataset": "toy", "method": ["stl", "stl", "all", "all"], "k": [2, 2, 1, 1],
        "seed": 0, "task": ["a", "b", "a", "b"], "metric_name": "mae",
        "metric": [1.0, 1.0, 2.0, 0.5], "loss": [1.0, 1.0, 2.0, 0.5],
        "normalized_loss": [1.0, 1.0, 4.0, 0.25], "val_loss": 1.0, "normalized_val_loss": 1.0})
    path = tmp_path / "run" / "evaluation.csv"
    path.parent.mkdir()
    evaluation.to_csv(path, index=False)
    per_seed = per_seed_table([str(path)]).set_index("method")
    assert per_seed.loc["all", "test"] == pytest.approx(2.125)
    assert per_seed.loc["all", "geomean_ratio"] == pytest.approx(1.0)
    assert per_seed.loc["stl", "geomean_ratio"] == pytest.approx(1.0)
