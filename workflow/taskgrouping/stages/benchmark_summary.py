"""Stage: the benchmark across its runs: one table, ranks, paired intervals, the paper's
claims, the grouper chosen on validation loss, and the benchmark's parent run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from taskgrouping.benchmark.answer import benchmark_answer, benchmark_markdown
from taskgrouping.benchmark.figures import critical_difference_plot, paired_differences_plot
from taskgrouping.benchmark.statistics import (
    AGGREGATES,
    HEADLINE,
    budget_blocks,
    by_aggregate,
    choose_by_validation,
    claims,
    friedman_nemenyi,
    mean_ranks,
    paired_comparisons,
)
from taskgrouping.evaluation import delta_m_percent, geomean_ratio
from taskgrouping.fileio import write_with
from taskgrouping.tasks import KINDS
from taskgrouping.tracking.journal import log_to_pipeline, run_label

HIGHER_IS_BETTER = {kind.metric_name: kind.higher_is_better for kind in KINDS.values()}
SAMPLEWISE = "samplewise+"


def _write_csv(path: str, table: pd.DataFrame) -> None:
    write_with(path, lambda tmp: table.to_csv(tmp, index=False))


def per_seed_table(evaluations: list[str]) -> pd.DataFrame:
    """One row per (run, method, k, seed): mean over tasks of test and validation loss
    divided by STL's (1 = STL), the geometric mean of the test ratios, and delta-m;
    `dataset` is the run's name (a dataset may run twice, e.g. on a task subset)."""
    frames = []
    for path in evaluations:
        run = Path(path).parent.name
        table = pd.read_csv(path)
        if "normalized_val_loss" not in table:
            raise ValueError(f"{path}: no validation losses (written by an earlier release);"
                             f" rerun the run's evaluate job (--forcerun {run}_evaluate)")
        higher = {task: HIGHER_IS_BETTER[metric] for task, metric in
                  zip(table["task"], table["metric_name"], strict=True)}
        grouped = table.groupby(["method", "k", "seed"])
        frame = pd.DataFrame({"test": grouped["normalized_loss"].mean(),
                              "val": grouped["normalized_val_loss"].mean(),
                              "geomean_ratio": geomean_ratio(table),
                              "delta_m": delta_m_percent(table, higher)}).reset_index()
        frames.append(frame.assign(dataset=run, source=table["dataset"].iloc[0]))
    columns = ["dataset", "source", "method", "k", "seed", "test", "val", "geomean_ratio",
               "delta_m"]
    return pd.concat(frames)[columns].sort_values(["dataset", "method", "k", "seed"])


def run_table(summaries: list[str]) -> pd.DataFrame:
    """Every run's method x k table side by side, its total loss normalised per task
    (1 = STL) so that runs with different task counts read alike."""
    frames = []
    for path in summaries:
        table = pd.read_csv(path)
        tasks = int(table.loc[table["method"] == "stl", "k"].iloc[0])
        table.insert(0, "run", Path(path).parent.name)
        table.insert(4, "normalized_loss", table["total_loss"] / tasks)
        table.insert(5, "normalized_loss_std", table["total_loss_std"] / tasks)
        frames.append(table)
    return pd.concat(frames).reset_index(drop=True)


def run(settings: dict[str, Any], parent: str, evaluations: list[str], summaries: list[str],
        summary_out: str, per_seed_out: str, ranks_out: str, comparisons_out: str,
        claims_out: str, defaults_out: str, rank_plot_out: str, comparison_plot_out: str,
        answer_out: str) -> None:
    per_seed = per_seed_table(evaluations)
    table = run_table(summaries)
    costs = table.drop(columns="dataset").rename(columns={"run": "dataset"})
    ours = sorted(m for m in per_seed["method"].unique() if m.startswith(SAMPLEWISE))
    bootstrap = {"samples": settings["bootstrap_samples"], "seed": settings["seed"],
                 "confidence": settings["confidence"]}
    blocks = {name: budget_blocks(per_seed, column) for name, column in AGGREGATES.items()}
    left_out = blocks[HEADLINE][1]  # the same methods whatever the aggregate
    tests = {name: friedman_nemenyi(table) for name, (table, _) in blocks.items()}
    ranks = by_aggregate({name: mean_ranks(table) for name, (table, _) in blocks.items()})
    comparisons = by_aggregate({
        name: paired_comparisons(per_seed, ours, tie_percent=settings["tie_percent"],
                                 value=column, **bootstrap)
        for name, column in AGGREGATES.items()})
    claimed = by_aggregate({
        name: claims(per_seed, costs, ours, margin_percent=settings["margin_percent"],
                     value=column, **bootstrap)
        for name, column in AGGREGATES.items()})
    chosen, choice = choose_by_validation(per_seed, ours)
    for path, frame in ((summary_out, table), (per_seed_out, per_seed), (ranks_out, ranks),
                        (comparisons_out, comparisons), (claims_out, claimed),
                        (defaults_out, choice)):
        _write_csv(path, frame)
    name = run_label(parent)
    headline = tests[HEADLINE]
    critical_difference_plot(headline_rows(ranks), headline.critical_difference,
                             headline.p_value, f"{name}: mean rank of {HEADLINE} over "
                             f"{len(blocks[HEADLINE][0])} (run, k) blocks", rank_plot_out)
    paired_differences_plot(headline_rows(comparisons),
                            f"{name}: sample-wise against the references ({HEADLINE})",
                            comparison_plot_out)
    lines = benchmark_answer(name, per_seed, ranks, tests, left_out, comparisons, claimed,
                             chosen, settings)
    write_with(answer_out, lambda tmp: tmp.write_text("\n".join(lines) + "\n"))
    metrics = headline_metrics(ranks, comparisons, claimed)
    outputs = [summary_out, per_seed_out, ranks_out, comparisons_out, claims_out, defaults_out,
               rank_plot_out, comparison_plot_out, answer_out]
    tables = {"tables/summary.json": summary_out, "tables/comparisons.json": comparisons_out,
              "tables/claims.json": claims_out, "tables/ranks.json": ranks_out}
    log_to_pipeline(parent, metrics, outputs, tables,
                    benchmark_markdown(lines, comparisons, claimed))
    print(f"benchmark summary of {per_seed['dataset'].nunique()} runs written to "
          f"{Path(summary_out).parent}")


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a stacked table (`by_aggregate`) that rank by the headline aggregate."""
    return table[table["aggregate"] == HEADLINE].reset_index(drop=True)


def _prefix(aggregate: str) -> str:
    """Metric names of the headline aggregate as before; the others' under their name."""
    return "" if aggregate == HEADLINE else f"{aggregate}/"


def headline_metrics(ranks: pd.DataFrame, comparisons: pd.DataFrame,
                     claimed: pd.DataFrame) -> dict[str, float]:
    """The benchmark parent's metrics: mean ranks, paired differences, the claims, of each
    aggregate (the headline's unprefixed, `geomean_ratio/...` beside them)."""
    metrics = {f"{_prefix(row.aggregate)}mean_rank/{row.method}": row.mean_rank
               for row in ranks.itertuples()}
    for row in comparisons.itertuples():
        key = f"{row.method}/vs_{row.reference}"
        prefix = _prefix(row.aggregate)
        metrics |= {f"{prefix}difference_percent/{key}": row.mean_difference_percent,
                    f"{prefix}wins/{key}": row.wins, f"{prefix}losses/{key}": row.losses}
    overall = claimed[claimed["dataset"] == "all datasets"]
    for row in overall.itertuples():
        metrics[f"{_prefix(row.aggregate)}loss_ratio_vs_tag/{row.method}"] = row.loss_ratio
        if row.aggregate == HEADLINE:
            metrics |= {f"speedup_cpu/{row.method}": row.speedup_cpu,
                        f"speedup_wall/{row.method}": row.speedup_wall}
    return {key.replace("+", "_"): float(value) for key, value in metrics.items()
            if value == value}
