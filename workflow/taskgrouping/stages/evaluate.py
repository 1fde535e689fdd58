"""Stage: every method against STL under one protocol; tables, plots, and the parent run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from taskgrouping.affinity.matrix import read_matrix
from taskgrouping.affinity.quality import affinity_quality, true_pair_gains
from taskgrouping.answer import answer_lines, answer_markdown
from taskgrouping.evaluation import (
    evaluation_table,
    groups_table,
    method_records,
    summary_table,
)
from taskgrouping.fileio import read_json, write_with
from taskgrouping.plots import cost_quality_scatter, heatmaps_side_by_side, total_loss_bars
from taskgrouping.stages.slices import EvaluationSettings
from taskgrouping.tasks import KINDS
from taskgrouping.tracking.journal import log_results, log_to_pipeline, run_label, stage_run

SUMMARY_METRICS = ("total_loss", "total_loss_std", "val_total_loss", "val_total_loss_std",
                   "geomean_ratio", "geomean_ratio_std",
                   "delta_m_percent", "regret_percent", "planted_ari", "grouping_seconds",
                   "grouping_cpu_seconds", "trainings")


def _metric_key(*parts: object) -> str:
    """An MLflow-safe metric name."""
    return re.sub(r"[^\w\-. /]", "_", "/".join(str(part) for part in parts))


def _write_csv(path: str, table: Any) -> None:
    write_with(path, lambda tmp: table.to_csv(tmp, index=False))


def run(settings: EvaluationSettings, parent: str, trainings: list[str], group_meta: list[str],
        affinities: list[str] | None, evaluation_out: str, summary_out: str,
        groups_out: str, answer_out: str, quality_out: str, plot_out: str, cost_plot_out: str,
        affinity_plot_out: str) -> None:
    dataset, tasks = settings["dataset"], settings["tasks"]
    with stage_run(parent, "evaluate", settings, {},
                   "every method against STL under one protocol: summary, groups and "
                   "plots") as record:
        metas = [read_json(path) for path in group_meta]
        records = [read_json(path) for path in trainings]
        evaluation = evaluation_table(dataset, method_records(metas, records, settings["seeds"]),
                                      tasks)
        higher = {task: KINDS[kind].higher_is_better
                  for task, kind in settings["task_kinds"].items()}
        summary = summary_table(dataset, evaluation, higher,
                                {(m["method"], m["k"]): m for m in metas},
                                settings.get("protocol", "mtl"), settings.get("planted"))
        matrices = {Path(path).stem: read_matrix(path) for path in affinities or []}
        quality = affinity_quality(dataset, matrices, true_pair_gains(records, tasks))
        _write_csv(evaluation_out, evaluation)
        _write_csv(summary_out, summary)
        _write_csv(groups_out, groups_table(dataset, metas))
        answer = answer_lines(summary, str(Path(summary_out).parent), tasks, settings["seeds"])
        write_with(answer_out, lambda tmp: tmp.write_text("\n".join(answer) + "\n"))
        _write_csv(quality_out, quality)
        run = run_label(parent)
        total_loss_bars(summary, run, plot_out)
        cost_quality_scatter(summary, run, cost_plot_out)
        heatmaps_side_by_side(matrices, f"{run}: task affinities", affinity_plot_out)
        metrics = {}
        for row in summary.itertuples(index=False):
            for column in SUMMARY_METRICS:
                value = getattr(row, column)
                if value == value:  # NaN regret where no exhaustive optimum exists
                    metrics[_metric_key(column, row.method, f"k{row.k}")] = value
        for row in quality.itertuples(index=False):
            if row.spearman == row.spearman:  # NaN for a constant affinity
                metrics[_metric_key("spearman", row.affinity)] = row.spearman
        record.log_metrics(metrics)
        outputs = [Path(p) for p in (evaluation_out, summary_out, groups_out, quality_out,
                                     plot_out, cost_plot_out, affinity_plot_out)]
        for path in outputs:
            record.log_artifact(path)
    tables = {"tables/summary.json": summary_out, "tables/groups.json": groups_out}
    log_to_pipeline(parent, metrics, outputs, tables, answer_markdown(answer, summary))
    log_results(parent, settings, summary.to_dict("records"), (*SUMMARY_METRICS, "n_groups"))
