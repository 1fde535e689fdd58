"""A saved view of MLflow's runs table: one invocation's (method, k) results as rows, their
metrics as columns, by total test loss.

The result runs are child runs of the invocation's parent run, so a plain filter shows the
parent folded, and MLflow 3's table shows no metric column until one is picked. Its UI
restores a shared view from the experiment tag `mlflow.sharedViewState.<key>` (JSON of
the search facets and the table's state), opened as
`#/experiments/<id>/runs?viewStateShareKey=<key>`; this writes one per invocation.
"""

from __future__ import annotations

import json
from typing import Any

VIEW_TAG = "mlflow.sharedViewState."
COLUMNS = ("tags.`method`", "tags.`k`", "metrics.`total_loss`", "metrics.`total_loss_std`",
           "metrics.`val_total_loss`", "metrics.`geomean_ratio`", "metrics.`delta_m_percent`",
           "metrics.`regret_percent`", "metrics.`n_groups`", "metrics.`trainings`",
           "metrics.`grouping_cpu_seconds`", "params.`groups`")


def results_filter(parent_run_id: str) -> str:
    """The MLflow filter of the (method, k) result runs under `parent_run_id`."""
    return (f'tags.stage = "evaluate" and tags.method != "" and '
            f'tags.`mlflow.parentRunId` = "{parent_run_id}"')


def leaderboard_state(parent_run_id: str) -> dict[str, Any]:
    """The view: the results filter, sorted by total test loss, the columns above."""
    return {"searchFilter": results_filter(parent_run_id),
            "orderByKey": "metrics.`total_loss`", "orderByAsc": True,
            "selectedColumns": list(COLUMNS), "runsExpanded": {parent_run_id: True}}


def save_leaderboard(client: Any, experiment_id: str, parent_run_id: str) -> str | None:
    """Write the view of the invocation's results as an experiment tag; its URL fragment,
    or None when the invocation logged no result run (evaluate did not run)."""
    if not client.search_runs([experiment_id], results_filter(parent_run_id), max_results=1):
        return None
    key = f"leaderboard-{parent_run_id}"
    client.set_experiment_tag(experiment_id, VIEW_TAG + key,
                              json.dumps(leaderboard_state(parent_run_id)))
    return f"#/experiments/{experiment_id}/runs?viewStateShareKey={key}"
