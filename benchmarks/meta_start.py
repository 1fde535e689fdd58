"""Which start point theta0 should the sample-wise probe use under the meta protocol?

On the planted sinusoid family (config/datasets/sinusoid.yaml, 12 tasks in 3 phase
clusters) and for each seed (the data's, the probe's and TAG's seed alike), the
sample-wise similarity is computed in process as the probe stages compute it, from each
start point: `random` (the seeded init), `warmup` (40 joint MTL steps, the default) and
`meta_warmup` (40 meta-steps of the dataset's meta-learner, every head the meta-model's
one); TAG's lookahead affinity is the reference. Each is scored by the Spearman
correlation of its pair similarities with the planted relatedness (1 for a pair in one
cluster, 0 otherwise) and by the adjusted Rand index of the spectral and GAT+GMM groups
at k = clusters against the planted clusters. Per start point: mean ± half-width of the
95 % t-interval over the seeds, [min, max]. Last line: JSON with every figure.

    python benchmarks/meta_start.py [--seeds 0 1 2 3 4] [--warmup-steps 40]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from groupers import interval
from scale import REPO, rounded
from scipy.stats import spearmanr

STARTS = ("random", "warmup", "meta_warmup")
GROUPERS = ("spectral", "gat_gmm")


def sinusoid_config(seed: int, theta0: str, warmup_steps: int) -> dict[str, Any]:
    """config/config.yaml on the shipped sinusoid settings, every seed set to `seed`."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config |= yaml.safe_load((REPO / "config" / "datasets" / "sinusoid.yaml").read_text())
    config.update(dataset="sinusoid", protocol="meta")
    config["datasets"]["sinusoid"]["options"]["seed"] = seed
    config["samplewise"] |= {"seed": seed, "theta0": theta0, "warmup_steps": warmup_steps}
    config["tag"]["seed"] = seed
    return config


def score(config: dict[str, Any], affinity: str, matrices, workdir: Path) -> dict[str, float]:
    """Spearman with the planted same-cluster indicator; ARI of each grouper's groups."""
    from taskgrouping.evaluation import planted_ari
    from taskgrouping.settings import planted_groups
    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.stages.cluster import make_groups

    matrix, gains = matrices
    tasks = list(matrix.index)
    planted = planted_groups(config, tasks)
    cluster = {task: c for c, group in enumerate(planted) for task in group}
    pairs = [(i, j) for a, i in enumerate(tasks) for j in tasks[a + 1:]]
    figures = {"spearman": float(spearmanr(  # TAG's is asymmetric: both directions
        [matrix.loc[i, j] + matrix.loc[j, i] for i, j in pairs],
        [float(cluster[i] == cluster[j]) for i, j in pairs]).statistic)}
    path, gains_path = workdir / "matrix.csv", workdir / "gains.csv"
    matrix.to_csv(path)
    gains.to_csv(gains_path)
    for grouper in GROUPERS:
        method = f"{affinity}+{grouper}"
        groups, _ = make_groups(stage_settings(config, "cluster", method), method,
                                len(planted), str(path), str(gains_path), [])
        figures[f"ari_{grouper}"] = planted_ari(groups, planted)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--warmup-steps", type=int, default=40)
    args = parser.parse_args()
    import torch
    from groupers import similarity, tag

    torch.set_num_threads(1)
    per_start: dict[str, list[dict[str, float]]] = {s: [] for s in (*STARTS, "tag")}
    with tempfile.TemporaryDirectory(prefix="meta-start-") as tmp:
        for seed in args.seeds:
            for start in STARTS:
                config = sinusoid_config(seed, start, args.warmup_steps)
                per_start[start].append(score(config, "samplewise", similarity(config),
                                              Path(tmp)))
            config = sinusoid_config(seed, "warmup", args.warmup_steps)
            per_start["tag"].append(score(config, "tag", tag(config), Path(tmp)))
            print(f"seed {seed}: " + "; ".join(
                f"{start} " + " ".join(f"{k} {v:.2f}" for k, v in runs[-1].items())
                for start, runs in per_start.items()), flush=True)
    summary: dict[str, Any] = {}
    print(f"\n{'start':<12} " + "  ".join(f"{k:>26}" for k in per_start["tag"][0]))
    for start, runs in per_start.items():
        cells, summary[start] = [], {}
        for key in runs[0]:
            values = [run[key] for run in runs]
            mean, half = interval(values)
            summary[start][key] = {"mean": mean, "ci95": half, "min": min(values),
                                   "max": max(values), "per_seed": values}
            cells.append(f"{mean:6.2f} ± {half:4.2f} [{min(values):5.2f}, {max(values):5.2f}]")
        print(f"{start:<12} " + "  ".join(f"{c:>26}" for c in cells))
    print(json.dumps(rounded({"seeds": args.seeds, "warmup_steps": args.warmup_steps,
                              "per_start": summary})))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
