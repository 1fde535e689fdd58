"""The lines a benchmark ends with: the issue's questions, each answered with its numbers
and intervals: better than random and all-in-one? comparable to TAG? how much faster?"""

from __future__ import annotations

from typing import Any

import pandas as pd

from taskgrouping.benchmark.statistics import AGGREGATES, ALL_DATASETS, HEADLINE, RankTest

REFERENCE_NAMES = {"random": "a random partition", "all": "one model of all tasks",
                   "tag": "TAG"}


def _percent(value: float) -> str:
    return f"{value:+.2f} %"


AGGREGATE_NAMES = {"total_loss": "their mean (a run's total_loss / T; the headline, as the "
                                  "paper reports it; the figures show it)",
                   "geomean_ratio": "their geometric mean (geomean_ratio; one easy task whose"
                                    " STL loss is near zero cannot dominate it)"}


def _comparison_line(row: Any, confidence: float, tie_percent: float) -> str:
    return (f"  {row.method} vs {row.reference_method}: {_percent(row.mean_difference_percent)}"
            f" {row.aggregate} [{_percent(row.ci_low)}, {_percent(row.ci_high)}]"
            f" ({confidence:.0%} CI), W/T/L {row.wins}/{row.ties}/{row.losses} over"
            f" (run, k) (tie: within {tie_percent:g} %): {row.verdict}")


def _claim_line(row: Any, margin_percent: float) -> str:
    verdict = (f"comparable (interval within ±{margin_percent:g} %)" if row.comparable
               else f"not shown comparable within ±{margin_percent:g} %")
    return (f"  {row.method} vs {row.tag_method}: {row.speedup_cpu:.1f}x less CPU time to"
            f" groups ({row.speedup_wall:.1f}x wall; geometric mean over runs; paper: about"
            f" {row.paper_speedup:g}x), {row.aggregate} ratio {row.loss_ratio:.3f}"
            f" [{row.ci_low:.3f}, {row.ci_high:.3f}]: {verdict}")


def _rank_line(aggregate: str, ranks: pd.DataFrame, test: RankTest) -> str:
    order = ", ".join(f"{row.method} {row.mean_rank:.2f}" for row in ranks.itertuples())
    p_value = "n/a" if test.p_value is None else f"{test.p_value:.3g}"
    cd = "n/a" if test.critical_difference is None else f"{test.critical_difference:.2f}"
    blocks = int(ranks["blocks"].iloc[0]) if len(ranks) else 0
    return (f"Mean rank of {aggregate} over {blocks} (run, k) blocks (Friedman p = {p_value},"
            f" Nemenyi CD = {cd}): {order}")


def benchmark_answer(name: str, per_seed: pd.DataFrame, ranks: pd.DataFrame,
                     tests: dict[str, RankTest], left_out: list[str],
                     comparisons: pd.DataFrame, claimed: pd.DataFrame, chosen: str,
                     settings: dict[str, Any]) -> list[str]:
    """The answer, in plain lines (answer.txt, the end of the run, the report). `ranks`,
    `comparisons` and `claimed` are stacked by aggregate (column `aggregate`), `tests` the
    rank test of each; every line names the aggregate it ranks by."""
    runs = sorted(per_seed["dataset"].unique())
    seeds = sorted(per_seed["seed"].unique())
    confidence, ties = settings["confidence"], settings["tie_percent"]
    lines = [f"Benchmark {name}: {len(runs)} runs ({', '.join(runs)}), seeds "
             f"{', '.join(map(str, seeds))}; test loss per task relative to single-task "
             "learning (loss / STL loss, lower is better), differences in % of the "
             "reference's, each on two aggregates of the tasks' ratios:"]
    lines += [f"  {aggregate}: {AGGREGATE_NAMES[aggregate]}" for aggregate in AGGREGATES]
    lines.append("Is sample-wise grouping better than random and than all-in-one?")
    lines += [_comparison_line(row, confidence, ties) for row in comparisons.itertuples()
              if row.reference in ("random", "all")]
    lines.append("Is it comparable to TAG, and how much faster?")
    lines += [_comparison_line(row, confidence, ties) for row in comparisons.itertuples()
              if row.reference == "tag"]
    overall = claimed[claimed["dataset"] == ALL_DATASETS]
    lines += [_claim_line(row, settings["margin_percent"]) for row in overall.itertuples()]
    lines += [_rank_line(aggregate, ranks[ranks["aggregate"] == aggregate], test)
              for aggregate, test in tests.items()]
    if left_out:
        lines.append(f"  not ranked (did not run in every block): {', '.join(left_out)}")
    lines.append(f"Grouper chosen on validation loss ({HEADLINE}, best mean rank over the "
                 f"runs): {chosen} (defaults.csv: the leave-one-run-out check)")
    return lines


def benchmark_markdown(lines: list[str], comparisons: pd.DataFrame,
                       claimed: pd.DataFrame) -> str:
    """The answer as the benchmark parent run's MLflow description (markdown)."""
    head, *rest = lines
    body = [f"**{head}**", ""]
    for line in rest:
        body.append(f"- {line.strip()}" if line.startswith("  ") else f"\n**{line}**\n")
    body += ["", "Paired comparisons:", "", comparisons.to_markdown(index=False, floatfmt=".3g"),
             "", "Claims against TAG:", "", claimed.to_markdown(index=False, floatfmt=".3g")]
    return "\n".join(body)[:8000]  # MLflow's tag limit
