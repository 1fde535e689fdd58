"""Stage: TAG's lookahead affinity and the gradient cosine from one joint training."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from taskgrouping.affinity.contract import AffinityMeta, write_affinity
from taskgrouping.affinity.gains import signed_gains
from taskgrouping.affinity.lookahead import LookaheadAffinity
from taskgrouping.data.access import load_split
from taskgrouping.devices import torch_device
from taskgrouping.plots import heatmap
from taskgrouping.stages.slices import JointSettings
from taskgrouping.stages.train_group import log_training
from taskgrouping.tracking.journal import run_label, stage_run
from taskgrouping.training import make_deterministic, train_group


def run(settings: JointSettings, parent: str, out: str, gain_out: str, meta_out: str,
        cosine_out: str, cosine_gain_out: str, cosine_meta_out: str, heatmap_out: str,
        cosine_heatmap_out: str, threads: int) -> None:
    data_settings, options = settings["data"], settings["tag"]
    tasks = data_settings["tasks"]
    make_deterministic(options["seed"], threads)
    with stage_run(parent, "joint_affinity", settings, {"affinity": "tag"},
                   f"TAG: one joint training of all {len(tasks)} tasks with a lookahead per task "
                   "pair, the inter-task affinity matrix") as record:
        device = torch_device(settings["device"])  # before a load that may take minutes
        data = load_split(settings["dataset"], data_settings)
        train = data_settings["train"]
        hook = LookaheadAffinity(len(tasks), train["learning_rate"], options["every"])
        result = train_group(data, tasks, data_settings["model"], train, options["seed"],
                             before_step=hook, device=device)
        seconds, cpu_seconds = record.process_elapsed, record.process_cpu
        passes = result.steps + hook.count * len(tasks)  # each lookahead: one grad per task
        tag, cosine = (pd.DataFrame(m, index=tasks, columns=tasks) for m in hook.means())
        for name, matrix, matrix_out, gains_out, meta_file in (
                ("tag", tag, out, gain_out, meta_out),
                ("cosine", cosine, cosine_out, cosine_gain_out, cosine_meta_out)):
            write_affinity(matrix, signed_gains(matrix),
                           AffinityMeta(name, tasks, seconds, 1, passes, cpu_seconds),
                           matrix_out, gains_out, meta_file)
        heatmap(tag, f"{run_label(parent)}: TAG lookahead affinity (row onto column)",
                heatmap_out, signed=True)
        heatmap(cosine, f"{run_label(parent)}: gradient cosine similarity",
                cosine_heatmap_out, signed=True)
        record.log_metrics({"seconds": seconds, "cpu_seconds": cpu_seconds, "passes": passes,
                            "lookaheads": hook.count,
                            "epochs_run": result.epochs_run})
        log_training(record, settings, data, result)
        # fixed names: MLflow's compare view lines up the runs of different affinities
        for path, name in ((out, "affinity.csv"), (heatmap_out, "affinity.png"),
                           (cosine_out, "cosine.csv"), (cosine_heatmap_out, "cosine.png")):
            record.log_artifact(Path(path), name)
