"""Stage: train one group's MTL model for one seed and score its tasks."""

from __future__ import annotations

from typing import Any

from taskgrouping.data.registry import load_split
from taskgrouping.fileio import write_json
from taskgrouping.subsets import canonical, subset_name
from taskgrouping.tracking.journal import stage_run
from taskgrouping.training import make_deterministic, train_group, training_device


def run(settings: dict[str, Any], parent: str, tasks: list[str], seed: int, out: str,
        threads: int) -> None:
    members = canonical(tasks, settings["data"]["tasks"])
    labels = {"subset": subset_name(members, settings["data"]["tasks"]), "seed": seed}
    make_deterministic(seed, threads)
    with stage_run(parent, "train_group", settings | {"group_tasks": members}, labels) as record:
        device = training_device(settings["device"])  # before a load that may take minutes
        data = load_split(settings["dataset"], settings["data"])
        result = train_group(data, members, settings["data"]["model"],
                             settings["data"]["train"], seed, device=device)
        write_json(out, {"tasks": members, "seed": seed, "device": str(device)}
                   | result.as_dict())
        metrics = {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds,
                   "best_epoch": result.best_epoch,
                   "epochs_run": result.epochs_run}
        for score in result.scores:
            metrics[f"test_loss.{score.task}"] = score.test_loss
            metrics[f"val_loss.{score.task}"] = score.val_loss
            metrics[f"test_{score.metric_name}.{score.task}"] = score.test_metric
        record.log_metrics(metrics)
