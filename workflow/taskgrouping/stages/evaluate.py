"""Stage: every method against STL under one protocol; tables, plot, and the parent run."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from taskgrouping.atomic import read_json, write_with
from taskgrouping.data.registry import spec
from taskgrouping.evaluation import evaluation_table, summary_table
from taskgrouping.plots import total_loss_bars
from taskgrouping.tasks import KINDS
from taskgrouping.tracking import finish_pipeline, stage_run


def _metric_key(*parts: object) -> str:
    """An MLflow-safe metric name."""
    return re.sub(r"[^\w\-. /]", "_", "/".join(str(part) for part in parts))


def run(settings: dict[str, Any], parent: str, trainings: list[str], group_meta: list[str],
        evaluation_out: str, summary_out: str, plot_out: str) -> None:
    dataset = settings["dataset"]
    tasks = settings["tasks"]
    higher = KINDS[spec(dataset).task_kind].higher_is_better
    with stage_run(parent, "evaluate", settings, {}) as record:
        evaluation = evaluation_table(dataset, [read_json(p) for p in trainings], tasks)
        metas = [read_json(path) for path in group_meta]
        summary = summary_table(
            dataset,
            evaluation,
            dict.fromkeys(tasks, higher),
            {(m["method"], m["k"]): m["n_groups"] for m in metas},
            {(m["method"], m["k"]): m["grouping_seconds"] for m in metas},
        )
        write_with(evaluation_out, lambda tmp: evaluation.to_csv(tmp, index=False))
        write_with(summary_out, lambda tmp: summary.to_csv(tmp, index=False))
        total_loss_bars(summary, plot_out)
        metrics = {}
        for row in summary.itertuples(index=False):
            for column in ("total_loss", "total_loss_std", "delta_m_percent", "grouping_seconds"):
                metrics[_metric_key(column, row.method, f"k{row.k}")] = getattr(row, column)
        record.log_metrics(metrics)
        outputs = [Path(evaluation_out), Path(summary_out), Path(plot_out)]
        for path in outputs:
            record.log_artifact(path)
    finish_pipeline(parent, metrics, outputs)
