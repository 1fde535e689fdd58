"""Sample-wise affinity against TAG on Yeast: the affinity stage's cost and the groups' quality.

In one process, from the default config (config/config.yaml, Yeast, 14 tasks):
  ours  the sample-wise affinity stage (theta0, probe set, every pair, normalisation),
        grouped by the default GAT+GMM grouper
  TAG   its affinity stage: one joint training of every task with a lookahead every
        `tag.every` steps (Fifty et al. 2021), grouped by its network selection
Each stage runs once untimed (torch's one-time start-up on the first backward pass
would otherwise land on whichever runs first), then `--repeats` timed
runs; the median counts. Then every group either yields at k = 2, 3 is trained with
the shared trainer for each seed, and scored by total test loss (each task's loss over
its STL loss, summed).
Last line: JSON with speedup_vs_tag (TAG seconds / ours) and loss_ratio_vs_tag (ours /
TAG's total loss, mean over k).

    python benchmarks/vs_tag.py [--seeds 0 1] [--budgets 2 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml

from taskgrouping.affinity.gains import samplewise_gains
from taskgrouping.affinity.lookahead import LookaheadAffinity
from taskgrouping.affinity.matrix import similarity_matrix
from taskgrouping.data.access import load_split
from taskgrouping.data.base import SplitData
from taskgrouping.probing.engine import samplewise_stage
from taskgrouping.registries import GROUPERS
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.training import make_deterministic, train_group

REPO = Path(__file__).resolve().parents[1]


def load_config() -> dict:
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    return config | yaml.safe_load((REPO / "config" / "datasets" / "yeast.yaml").read_text())


def samplewise_affinity(data: SplitData, settings: dict) -> pd.DataFrame:
    """The pipeline's probe stages, in process."""
    return samplewise_matrices(data, settings)[0]


def samplewise_matrices(data: SplitData, settings: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample-wise similarity and its predicted pair gains, as the probe stages and
    samplewise_affinity write them."""
    tasks = settings["data"]["tasks"]
    distance = pd.DataFrame(samplewise_stage(data, settings), index=tasks, columns=tasks)
    similarity = similarity_matrix(distance, settings["samplewise"]["transform"])
    return similarity, samplewise_gains(distance, similarity, settings["samplewise"])


def tag_affinity(data: SplitData, data_settings: dict, options: dict) -> pd.DataFrame:
    """TAG's joint training with lookahead, as the joint_affinity stage runs it."""
    train = data_settings["train"]
    hook = LookaheadAffinity(len(data.tasks), train["learning_rate"], options["every"])
    make_deterministic(options["seed"], 1)
    train_group(data, data_settings["tasks"], data_settings["model"], train,
                options["seed"], before_step=hook)
    tasks = data_settings["tasks"]
    return pd.DataFrame(hook.means()[0], index=tasks, columns=tasks)


def timed(repeats: int, function, *args):
    """The result and the median seconds of `repeats` runs after one untimed warm-up."""
    result = function(*args)
    seconds = []
    for _ in range(repeats):
        make_deterministic(0, 1)
        started = time.perf_counter()
        result = function(*args)
        seconds.append(time.perf_counter() - started)
    return result, float(np.median(seconds))


class Losses:
    """Test losses of trained groups, each (group, seed) trained once."""

    def __init__(self, data: SplitData, data_settings: dict) -> None:
        self.data, self.settings, self.cache = data, data_settings, {}

    def task_losses(self, group: list[str], seed: int) -> dict[str, tuple[float, float]]:
        key = (tuple(group), seed)
        if key not in self.cache:
            make_deterministic(seed, 1)
            result = train_group(self.data, group, self.settings["model"],
                                 self.settings["train"], seed)
            self.cache[key] = {s.task: (s.val_loss, s.test_loss) for s in result.scores}
        return self.cache[key]

    def total(self, groups: list[list[str]], seed: int) -> float:
        """Each task served by its group with the best validation loss, over its STL loss."""
        total = 0.0
        for task in self.settings["tasks"]:
            served = min(self.task_losses(g, seed)[task] for g in groups if task in g)
            total += served[1] / self.task_losses([task], seed)[task][1]
        return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--budgets", type=int, nargs="+", default=[2, 3])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = load_config()
    probe_settings = stage_settings(config, "probe_shared")
    data_settings = stage_settings(config, "train_group")["data"]
    torch.set_num_threads(1)
    data = load_split("yeast", data_settings)
    ours, ours_seconds = timed(args.repeats, samplewise_affinity, data, probe_settings)
    theirs, tag_seconds = timed(args.repeats, tag_affinity, data, data_settings, config["tag"])
    losses = Losses(data, data_settings)
    rows = []
    for k in args.budgets:
        torch.manual_seed(config["grouping"]["seed"])
        our_groups, _ = GROUPERS.get("gat_gmm").group(ours, k, config["grouping"]["seed"],
                                                      config["gat_gmm"])
        tag_groups, _ = GROUPERS.get("select").group(theirs, k, 0, config["select"])
        for name, groups in (("samplewise+gat_gmm", our_groups), ("tag+select", tag_groups)):
            totals = [losses.total(groups, seed) for seed in args.seeds]
            rows.append({"method": name, "k": k, "groups": groups,
                         "total_loss": float(np.mean(totals))})
    table = pd.DataFrame(rows)
    print(f"affinity stage seconds: sample-wise {ours_seconds:.2f}, TAG {tag_seconds:.2f}")
    print(table.to_string(index=False))
    by = table.set_index(["method", "k"])["total_loss"]
    ratios = [by[("samplewise+gat_gmm", k)] / by[("tag+select", k)] for k in args.budgets]
    print(json.dumps({"samplewise_seconds": round(ours_seconds, 4),
                      "tag_seconds": round(tag_seconds, 4),
                      "speedup_vs_tag": round(tag_seconds / ours_seconds, 2),
                      "loss_ratio_vs_tag": round(float(np.mean(ratios)), 4)}))


if __name__ == "__main__":
    main()
