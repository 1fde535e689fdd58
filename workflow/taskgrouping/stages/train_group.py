"""Stage: train one group's model for each seed and score its tasks (MTL, or meta-training
and adaptation under protocol meta).

One process trains every seed of a group: the data load and the interpreter's and torch's
start-up, which cost more than a small training, are paid once. Each (group, seed) still
writes its own file and its own MLflow run, and trains exactly as it would alone
(`make_deterministic` and the seeded model, shuffler and split)."""

from __future__ import annotations

from typing import Any

from taskgrouping.data.base import SplitData
from taskgrouping.data.registry import dataset_source, load_split
from taskgrouping.fileio import write_json
from taskgrouping.meta.training import meta_train_group
from taskgrouping.subsets import canonical, subset_name
from taskgrouping.tracking.journal import StageRecord, stage_run
from taskgrouping.training import (
    TrainResult,
    make_deterministic,
    train_group,
    training_device,
)


def log_training(record: StageRecord, settings: dict[str, Any], data: SplitData,
                 result: TrainResult) -> None:
    """A training's learning curve (train_loss and val_loss, step = epoch) and the data set
    it read (MLflow dataset input with its digest) onto its run."""
    for epoch, train_loss, val_loss in result.history:
        record.log_metrics({"train_loss": train_loss, "val_loss": val_loss}, step=epoch)
    record.log_input(settings["dataset"], data.digest(), dataset_source(settings),
                     data.profile())


def run(settings: dict[str, Any], parent: str, tasks: list[str], seed: list[int],
        out: list[str], threads: int) -> None:
    if len(seed) != len(out):
        raise ValueError(f"train-group: {len(seed)} seeds but {len(out)} --out files")
    members = canonical(tasks, settings["data"]["tasks"])
    data: SplitData | None = None
    for one_seed, one_out in zip(seed, out, strict=True):
        data = train_one(settings, parent, members, one_seed, one_out, threads, data)


def train_one(settings: dict[str, Any], parent: str, members: list[str], seed: int,
              out: str, threads: int, data: SplitData | None) -> SplitData:
    """One (group, seed): its own MLflow run and file; the split, loaded once per process."""
    labels = {"subset": subset_name(members, settings["data"]["tasks"]), "seed": seed}
    make_deterministic(seed, threads)
    what = ("meta-trains one model of tasks" if settings.get("protocol") == "meta"
            else "trains one model of tasks")
    with stage_run(parent, "train_group", settings | {"group_tasks": members}, labels,
                   f"{what} {', '.join(members)} (seed {seed}) and scores each on test"
                   ) as record:
        device = training_device(settings["device"])  # before a load that may take minutes
        if data is None:
            data = load_split(settings["dataset"], settings["data"])
        if settings.get("protocol") == "meta":
            result = meta_train_group(data, members, settings["data"]["model"],
                                      settings["data"]["meta"], seed, device=device)
        else:
            result = train_group(data, members, settings["data"]["model"],
                                 settings["data"]["train"], seed, device=device)
        write_json(out, {"tasks": members, "seed": seed, "device": str(device)}
                   | result.as_dict())
        metrics = {"seconds": result.seconds, "cpu_seconds": result.cpu_seconds,
                   "best_epoch": result.best_epoch,
                   "epochs_run": result.epochs_run}
        log_training(record, settings, data, result)
        for score in result.scores:
            metrics[f"test_loss.{score.task}"] = score.test_loss
            metrics[f"val_loss.{score.task}"] = score.val_loss
            metrics[f"test_{score.metric_name}.{score.task}"] = score.test_metric
        record.log_metrics(metrics)
    return data
