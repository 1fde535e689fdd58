"""Stage: train one group's MTL model for one seed and score its tasks."""

from __future__ import annotations

from typing import Any

from taskgrouping.atomic import read_json, write_json
from taskgrouping.data.registry import load_split
from taskgrouping.tracking import stage_run
from taskgrouping.training import make_deterministic, train_group


def run(settings: dict[str, Any], parent: str, method: str, k: int, group: int, seed: int,
        groups: str, out: str, threads: int) -> None:
    members = read_json(groups)
    if not 0 <= group < len(members):
        raise ValueError(f"{groups}: no group {group} (it holds {len(members)} groups)")
    tasks = members[group]
    labels = {"method": method, "k": k, "group": group, "seed": seed}
    make_deterministic(seed, threads)
    with stage_run(parent, "train_group", settings | {"group_tasks": tasks}, labels) as record:
        data = load_split(settings["dataset"], settings["data"])
        result = train_group(data, tasks, settings["data"]["model"]["hidden"],
                             settings["data"]["train"], seed)
        write_json(out, labels | {"tasks": tasks} | result.as_dict())
        metrics = {"seconds": result.seconds, "best_epoch": result.best_epoch,
                   "epochs_run": result.epochs_run}
        for score in result.scores:
            metrics[f"test_loss.{score.task}"] = score.test_loss
            metrics[f"val_loss.{score.task}"] = score.val_loss
            metrics[f"test_{score.metric_name}.{score.task}"] = score.test_metric
        record.log_metrics(metrics)
