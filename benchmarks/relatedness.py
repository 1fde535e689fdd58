"""Does an affinity measure relatedness or label frequency? Planted groups, varied base rates.

Per seed, in one process: the synthetic dataset (T binary tasks in planted groups, each
task's positive rate uniform in [0.5 - s, 0.5 + s] independently of its group; data,
split, probe and training seeded alike), its weak-signal twin `synthetic-weak` (the same
groups, the features setting only a share w of each label's ranking score, a trained
model's test AUROC about 0.66 at w = 0.2, and rare labels: rates uniform in
--weak-rates, 5-40 %), its regression twin `synthetic-regression` (the
same planted scores as real targets, each task's scale 10^u with u uniform in [-S, S] and
its noise level uniform in [0, N], both independent of its group) and, unless left out,
Yeast (real, no planted groups). Every affinity is computed as its pipeline stage
computes it: each sample-wise variant by the in-process probing engine at the config's
defaults with its distance, scale, heads and target standardisation set (and the
default's candidates: `+balance` class-balanced steps, `+calibrate` the calibrated start,
`@random` probed at the random init instead of after the warm-up), TAG and the
gradient cosine from one joint training with lookaheads (the joint_affinity stage). Per
affinity and seed, over the task pairs (both directions averaged), the Spearman
correlation with
  planted   1 for a pair in one planted group, else 0 (synthetic)
  base_rate the mean of the pair's two positive rates on the training rows (binary)
  target_scale the mean of the pair's two log10 target stds on the training rows
            (regression)
  target_noise the mean of the pair's two noise levels (synthetic-regression)
  label_corr the correlation of the pair's two labels (targets) on the training rows
and the adjusted Rand index of the spectral grouper's groups at k = planted groups
(the pipeline's cluster stage input, `clustering_similarity`); `random` is the mean ARI of 20
seeded random partitions. Prints every row, then per dataset and affinity the median and
the range over seeds, then one JSON line with the summary.

    python benchmarks/relatedness.py [--seeds 0 1 2 3 4] [--spread 0.35] [--tasks 12]
        [--groups 3] [--signal 0.2] [--weak-rates 0.05 0.40] [--scale-spread 1.0]
        [--target-noise 0.5] [--datasets synthetic synthetic-weak synthetic-regression yeast]
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml
from scipy import stats

from taskgrouping.affinity.lookahead import LookaheadAffinity
from taskgrouping.affinity.matrix import clustering_similarity, similarity_matrix
from taskgrouping.data.access import dataset_options, load_split
from taskgrouping.data.base import SplitData
from taskgrouping.data.synthetic import target_parameters
from taskgrouping.evaluation import planted_ari
from taskgrouping.grouping.baselines import random_partition
from taskgrouping.probing.engine import samplewise_stage
from taskgrouping.registries import GROUPERS
from taskgrouping.settings import planted_groups
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.training import make_deterministic, train_group

REPO = Path(__file__).resolve().parents[1]
# name: the samplewise options it sets; [distance,scale,heads], `,raw` where the probe sees
# raw regression targets (standardise_targets false); l1,none,...,raw: the paper's raw L1;
# none calibrated (theta0 as the warm-up leaves it)
VARIANTS = {
    f"samplewise[{distance},{scale},{heads}{'' if standardise else ',raw'}]": {
        "distance": distance, "scale": scale, "heads": heads,
        "standardise_targets": standardise, "calibrate": False}
    for distance, scale, heads, standardise in [
        ("l1", "none", "independent", False), ("l1", "none", "identical", True),
        ("l1", "task", "identical", True), ("l1", "sample", "identical", True),
        ("l2", "task", "independent", True), ("l2", "task", "identical", False),
        ("l2", "task", "identical", True), ("l2", "sample", "identical", True),
        ("sign", "none", "identical", True),
    ]
}
DEFAULT = {"distance": "l2", "scale": "task", "heads": "identical",
           "standardise_targets": True, "calibrate": False}
# the candidates where features predict little: `+balance` weighs each binary task's
# positives and negatives half each, `+calibrate` starts every head at its base rate (the
# default since it was measured here); `@random` probes at the random init (no warm-up): a
# start whose predictions are far from every base rate, as a short warm-up leaves them
CANDIDATES = {"": {}, "+balance": {"balance": "classes"}, "+calibrate": {"calibrate": True},
              "+balance+calibrate": {"balance": "classes", "calibrate": True}}
VARIANTS |= {f"samplewise[l2,task,identical]{suffix}{start}": DEFAULT | options | theta0
             for suffix, options in CANDIDATES.items()
             for start, theta0 in [("", {}), ("@random", {"theta0": "random"})]
             if suffix or start}
RANDOM_DRAWS = 20
REGRESSION = "synthetic-regression"  # the synthetic dataset with kind regression
WEAK = "synthetic-weak"  # binary, features predict little, rare labels (--signal, --rates)


def dataset_config(name: str, seed: int, args: argparse.Namespace) -> dict:
    """config.yaml with the dataset's file, every seed set to `seed`."""
    dataset = "synthetic" if name in (REGRESSION, WEAK) else name
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config |= yaml.safe_load((REPO / "config" / "datasets" / f"{dataset}.yaml").read_text())
    config["dataset"] = dataset
    data = config["datasets"][dataset]
    if name == "synthetic":
        data["options"] |= {"n_tasks": args.tasks, "groups": args.groups,
                            "base_rate_spread": args.spread, "seed": seed}
    if name == WEAK:
        low, high = args.weak_rates
        data["options"] |= {"n_tasks": args.tasks, "groups": args.groups,
                            "signal": args.signal, "base_rate_center": (low + high) / 2,
                            "base_rate_spread": (high - low) / 2, "seed": seed}
    if name == REGRESSION:
        data["options"] |= {"n_tasks": args.tasks, "groups": args.groups, "kind": "regression",
                            "target_scale_spread": args.scale_spread,
                            "target_noise": args.target_noise, "seed": seed}
    data["split"]["seed"] = seed
    config["samplewise"]["seed"] = config["tag"]["seed"] = seed
    return config


def samplewise_affinity(data: SplitData, config: dict, options: dict) -> pd.DataFrame:
    variant = copy.deepcopy(config)
    variant["samplewise"] |= options
    settings = stage_settings(variant, "probe_shared")
    tasks = settings["data"]["tasks"]
    frame = pd.DataFrame(samplewise_stage(data, settings), index=tasks, columns=tasks)
    return similarity_matrix(frame, settings["samplewise"]["transform"])


def joint_affinities(data: SplitData, config: dict) -> dict[str, pd.DataFrame]:
    """TAG's lookahead affinity and the gradient cosine, as the joint_affinity stage."""
    data_settings = stage_settings(config, "joint_affinity")["data"]
    train = data_settings["train"]
    hook = LookaheadAffinity(len(data.tasks), train["learning_rate"], config["tag"]["every"])
    make_deterministic(config["tag"]["seed"], 1)
    train_group(data, data_settings["tasks"], data_settings["model"], train,
                config["tag"]["seed"], before_step=hook)
    tasks = data_settings["tasks"]
    tag, cosine = (pd.DataFrame(m, index=tasks, columns=tasks) for m in hook.means())
    return {"tag": tag, "cosine": cosine}


def pair_values(matrix: pd.DataFrame | np.ndarray) -> np.ndarray:
    """The upper triangle of the symmetrised matrix: one value per unordered pair."""
    values = np.asarray(matrix, dtype=float)
    values = (values + values.T) / 2
    return values[np.triu_indices(len(values), 1)]


def pair_means(values: np.ndarray) -> np.ndarray:
    """Per pair the mean of the two tasks' values."""
    return pair_values((values[:, None] + values[None, :]) / 2)


def references(data: SplitData, planted: list[list[str]] | None, config: dict
               ) -> dict[str, np.ndarray]:
    """Per pair: planted relatedness, what a scale-sensitive distance follows instead (base
    rate, or target scale and noise), label correlation (training rows)."""
    y = data.y_train.astype(float)
    found = {"label_corr": pair_values(pd.DataFrame(y).corr().to_numpy())}
    if data.tasks[0].kind.name == "binary":
        found["base_rate"] = pair_means(np.nanmean(y, axis=0))
    else:
        found["target_scale"] = pair_means(np.log10(np.nanstd(y, axis=0)))
    if config["dataset"] == "synthetic" and "target_scale" in found:
        options = dataset_options("synthetic", config["datasets"]["synthetic"]["options"])
        names = [int(task.name[1:]) - 1 for task in data.tasks]
        found["target_noise"] = pair_means(target_parameters(options)[1][names])
    if planted:
        group = {task: g for g, members in enumerate(planted) for task in members}
        names = [task.name for task in data.tasks]
        same = np.array([[group[a] == group[b] for b in names] for a in names], dtype=float)
        found["planted"] = pair_values(same)
    return found


def grouped_ari(name: str, matrix: pd.DataFrame, planted: list[list[str]], config: dict
                ) -> float:
    signed = not name.startswith("samplewise")
    grouper = GROUPERS.get("spectral")
    options = {key: spec["default"] for key, spec in grouper.options.items()}
    torch.manual_seed(config["grouping"]["seed"])
    groups, _ = grouper.group(clustering_similarity(matrix, signed), len(planted),
                              config["grouping"]["seed"], options)
    return planted_ari(groups, planted)


def random_ari(tasks: list[str], planted: list[list[str]]) -> float:
    return float(np.mean([planted_ari(random_partition(tasks, len(planted), draw), planted)
                          for draw in range(RANDOM_DRAWS)]))


def load_seed(name: str, seed: int, args: argparse.Namespace
              ) -> tuple[dict, dict, SplitData]:
    """The dataset's config at `seed`, its trainings' data settings, and its split (torch
    on one thread)."""
    config = dataset_config(name, seed, args)
    data_settings = stage_settings(config, "train_group")["data"]
    torch.set_num_threads(1)
    return config, data_settings, load_split(config["dataset"], data_settings)


def seed_rows(name: str, seed: int, args: argparse.Namespace) -> list[dict]:
    config, data_settings, data = load_seed(name, seed, args)
    tasks = data_settings["tasks"]
    planted = planted_groups(config, tasks)
    truth = references(data, planted, config)
    affinities, seconds = {}, {}
    for label, options in VARIANTS.items():
        started = time.process_time()
        affinities[label] = samplewise_affinity(data, config, options)
        seconds[label] = time.process_time() - started
    started = time.process_time()
    affinities |= joint_affinities(data, config)
    seconds["tag"] = seconds["cosine"] = time.process_time() - started
    rows = []
    for label, matrix in affinities.items():
        row = {"dataset": name, "seed": seed, "affinity": label, "cpu_seconds": seconds[label]}
        for reference, values in truth.items():
            row[f"spearman_{reference}"] = float(stats.spearmanr(pair_values(matrix),
                                                                 values).statistic)
        if planted:
            row["ari"] = grouped_ari(label, matrix, planted, config)
        rows.append(row)
    if planted:
        rows.append({"dataset": name, "seed": seed, "affinity": "random",
                     "ari": random_ari(tasks, planted)})
    return rows


def interval(values: pd.Series) -> str:
    """Median [lowest, highest] over seeds: bounded like the measure (ARI <= 1)."""
    values = values.dropna()
    if values.empty:
        return ""
    return f"{values.median():+.2f} [{values.min():+.2f}, {values.max():+.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--spread", type=float, default=0.35)
    parser.add_argument("--tasks", type=int, default=12)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--scale-spread", type=float, default=1.0)
    parser.add_argument("--target-noise", type=float, default=0.5)
    parser.add_argument("--signal", type=float, default=0.2)
    parser.add_argument("--weak-rates", type=float, nargs=2, default=[0.05, 0.40])
    parser.add_argument("--datasets", nargs="+",
                        default=["synthetic", WEAK, REGRESSION, "yeast"])
    args = parser.parse_args()
    rows = [row for name in args.datasets for seed in args.seeds
            for row in seed_rows(name, seed, args)]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    measures = [c for c in table.columns if c.startswith("spearman_") or c == "ari"]
    summary = (table.groupby(["dataset", "affinity"], sort=False)[measures + ["cpu_seconds"]]
               .agg(lambda column: interval(column) if column.name in measures
                    else f"{column.median():.2f}")
               .reset_index())
    print(f"\nmedian [lowest, highest] over seeds {args.seeds}; spread {args.spread}, "
          f"{WEAK}: signal {args.signal}, rates {args.weak_rates}, "
          f"scale spread {args.scale_spread}, target noise {args.target_noise}, "
          f"{args.tasks} tasks in {args.groups} groups")
    print(summary.to_string(index=False))
    print(json.dumps(summary.to_dict(orient="records")))


if __name__ == "__main__":
    main()
