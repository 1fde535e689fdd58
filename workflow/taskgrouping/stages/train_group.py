"""Stage: train a batch of task subsets, each at every seed, and score their tasks (MTL, or
meta-training and adaptation under protocol meta).

One process trains the whole batch (taskgrouping.batches): the data load and the
interpreter's and torch's start-up, which cost more than a small training, are paid once.
Each (subset, seed) still writes its own file and its own MLflow run, and trains exactly
as it would alone (`make_deterministic` and the seeded model, shuffler and split)."""

from __future__ import annotations

from pathlib import Path

from taskgrouping.data.access import dataset_source, load_split
from taskgrouping.data.base import SplitData
from taskgrouping.devices import torch_device
from taskgrouping.fileio import atomic_dir, write_json
from taskgrouping.meta.training import meta_train_group
from taskgrouping.stages.slices import JointSettings, TrainingSettings
from taskgrouping.subsets import subset_members, subset_name
from taskgrouping.tracking.journal import StageRecord, stage_run
from taskgrouping.training import TrainResult, make_deterministic, train_group


def log_training(record: StageRecord, settings: TrainingSettings | JointSettings,
                 data: SplitData,
                 result: TrainResult) -> None:
    """A training's learning curve (train_loss and val_loss, step = epoch) and the data set
    it read (MLflow dataset input with its digest) onto its run."""
    for epoch, train_loss, val_loss in result.history:
        record.log_metrics({"train_loss": train_loss, "val_loss": val_loss}, step=epoch)
    record.log_input(settings["dataset"], data.digest(), dataset_source(settings),
                     data.profile())


def run(settings: TrainingSettings, parent: str, subsets: list[str], seed: list[int],
        out_dir: str, threads: int) -> None:
    tasks = settings["data"]["tasks"]
    members = {}
    for name in subsets:
        try:
            members[name] = subset_members(name, tasks)
        except ValueError as err:
            raise ValueError(f"train-group --subsets: {err}") from err
    jobs = [(name, one_seed) for name in members for one_seed in seed]
    data: SplitData | None = None
    with atomic_dir(out_dir) as folder:
        for position, (name, one_seed) in enumerate(jobs, start=1):
            data = train_one(settings, parent, members[name], one_seed,
                             folder / f"{name}_seed{one_seed}.json", threads, data,
                             f"training {position} of {len(jobs)} in its job")


def train_one(settings: TrainingSettings, parent: str, members: list[str], seed: int,
              out: Path, threads: int, data: SplitData | None, place: str) -> SplitData:
    """One (subset, seed): its own MLflow run and file; the split, loaded once per process."""
    labels = {"subset": subset_name(members, settings["data"]["tasks"]), "seed": seed}
    make_deterministic(seed, threads)
    what = ("meta-trains one model of tasks" if settings.get("protocol") == "meta"
            else "trains one model of tasks")
    with stage_run(parent, "train_group", settings | {"group_tasks": members}, labels,
                   f"{what} {', '.join(members)} (seed {seed}) and scores each on test;"
                   f" {place}") as record:
        device = torch_device(settings["device"])  # before a load that may take minutes
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
