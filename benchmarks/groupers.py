"""Every registered grouper on the sample-wise affinity of the synthetic dataset, per T.

For each T and seed: the config of benchmarks/scale.py (the shipped synthetic dataset,
4 planted groups, MLP [64, 32], its trainer) with the data seed, the sample-wise seed
(theta0, warm-up, probe draw) and TAG's seed all set to the seed; the sample-wise
similarity computed in process (probing.engine.samplewise_stage, then the config's
transform) and, up to --tag-max-tasks, TAG's lookahead affinity (its joint training, as
the joint_affinity stage runs it); and each grouper of the registry run on each as the
cluster stage runs it (stages.cluster.make_groups: the grouper's input form, its config
options, canonical groups) for `<affinity>+<grouper>` at budget k:
wall and CPU seconds of that call (one process, one thread) and the adjusted Rand index
of its groups against the planted ones (scikit-learn; an overlapping group: each task
counted in its first group). Per T and grouper: the median seconds over seeds, the
largest, and the ARI's mean with a 95% t-interval and its range. Last line: JSON with
every figure, `max_grouper_seconds_t<T>` and the target (every grouper <= 60 s at
T = 200) as a boolean.

    python benchmarks/groupers.py [--tasks 14 40 100 200] [--budget 4] [--seeds 0 1 2 3 4]
                                  [--tag-max-tasks 100]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scale import make_config, rounded

TARGET_SECONDS_T200 = 60


def similarity(config: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample-wise similarity of the config's data and its predicted pair gains, in
    process, seeded as probe_shared."""
    from vs_tag import samplewise_matrices

    from taskgrouping.data.access import load_split
    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.training import make_deterministic

    settings = stage_settings(config, "probe_shared")
    make_deterministic(settings["samplewise"]["seed"], 1)
    return samplewise_matrices(load_split(settings["dataset"], settings["data"]), settings)


def tag(config: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """TAG's lookahead affinity of the config's data (its joint training, in process) and
    its gains (itself)."""
    from vs_tag import tag_affinity

    from taskgrouping.affinity.gains import signed_gains
    from taskgrouping.data.access import load_split
    from taskgrouping.stages.catalog import stage_settings

    settings = stage_settings(config, "joint_affinity")
    data = load_split(settings["dataset"], settings["data"])
    matrix = tag_affinity(data, settings["data"], settings["tag"])
    return matrix, signed_gains(matrix)


AFFINITIES = {"samplewise": similarity, "tag": tag}


def run_groupers(config: dict[str, Any], affinity: str, matrix_file: Path, gains_file: Path,
                 budget: int) -> dict[str, dict[str, Any]]:
    """Each registered grouper through the cluster stage's dispatch: time, ARI, report."""
    from taskgrouping.evaluation import planted_ari
    from taskgrouping.registries import GROUPERS
    from taskgrouping.settings import data_settings, planted_groups
    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.stages.cluster import make_groups

    planted = planted_groups(config, data_settings(config)["tasks"])
    figures = {}
    for name in GROUPERS.names():
        method = f"{affinity}+{name}"
        settings = stage_settings(config, "cluster", method)
        cpu, started = time.process_time(), time.perf_counter()
        groups, info = make_groups(settings, method, budget, str(matrix_file),
                                   str(gains_file), [])
        figures[name] = {
            "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu,
            "ari": planted_ari(groups, planted),
            "groups": len(groups), "reported": info}
    return figures


def interval(values: list[float]) -> tuple[float, float]:
    """Mean and the half-width of its 95% t-interval (0 for one value)."""
    from scipy import stats

    if len(values) < 2:
        return float(np.mean(values)), 0.0
    half = stats.t.ppf(0.975, len(values) - 1) * stats.sem(values)
    return float(np.mean(values)), float(half)


def aggregate(per_seed: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per grouper over seeds: seconds (median, max), ARI (mean, 95% half-width, range)."""
    figures = {}
    for name in per_seed[0]:
        seconds = [run[name]["seconds"] for run in per_seed]
        aris = [run[name]["ari"] for run in per_seed]
        mean, half = interval(aris)
        figures[name] = {"seconds_median": statistics.median(seconds),
                         "seconds_max": max(seconds), "ari_mean": mean, "ari_ci95": half,
                         "ari_min": min(aris), "ari_max": max(aris),
                         "per_seed": [run[name] for run in per_seed]}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="+", default=[14, 40, 100, 200])
    parser.add_argument("--budget", type=int, default=4, help="k asked of every grouper")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4],
                        help="data, sample-wise and TAG seeds")
    parser.add_argument("--tag-max-tasks", type=int, default=100,
                        help="TAG's affinity (a joint training per seed) up to this T")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="groupers-") as tmp:
        for tasks in args.tasks:
            affinities = [a for a in AFFINITIES if a != "tag" or tasks <= args.tag_max_tasks]
            per_seed: list[dict[str, dict[str, Any]]] = []
            for seed in args.seeds:
                workdir = Path(tmp) / f"t{tasks}-s{seed}"
                workdir.mkdir()
                _, config = make_config(workdir, tasks)
                config["datasets"]["synthetic"]["options"]["seed"] = seed
                config["samplewise"]["seed"] = config["tag"]["seed"] = seed
                figures = {}
                for affinity in affinities:
                    matrix_file = workdir / f"{affinity}.csv"
                    gains_file = workdir / f"{affinity}_gain.csv"
                    matrix, gains = AFFINITIES[affinity](config)
                    matrix.to_csv(matrix_file)
                    gains.to_csv(gains_file)
                    figures |= {f"{affinity}+{name}": f for name, f in run_groupers(
                        config, affinity, matrix_file, gains_file, args.budget).items()}
                per_seed.append(figures)
            results[tasks] = aggregate(per_seed)
            print(f"\nT = {tasks}, k = {args.budget}, seeds {args.seeds}")
            print(f"  {'method':<20} {'median s':>8} {'max s':>8}  ARI mean ± 95% [min, max]")
            for name, f in results[tasks].items():
                print(f"  {name:<20} {f['seconds_median']:8.2f} {f['seconds_max']:8.2f}  "
                      f"{f['ari_mean']:.3f} ± {f['ari_ci95']:.3f} "
                      f"[{f['ari_min']:.3f}, {f['ari_max']:.3f}]", flush=True)
    line: dict[str, Any] = {f"max_grouper_seconds_t{tasks}": max(
        f["seconds_max"] for f in figures.values()) for tasks, figures in results.items()}
    worst = line.get("max_grouper_seconds_t200")
    line["target_groupers_t200_le_60"] = (None if worst is None
                                          else bool(worst <= TARGET_SECONDS_T200))
    line["budget"] = args.budget
    line["per_t"] = {str(tasks): figures for tasks, figures in results.items()}
    print(json.dumps(rounded(line)))


if __name__ == "__main__":
    main()
