"""Time to groups where training is expensive: sample-wise against TAG on CelebA-shaped images.

The data: `synthetic_celeba` (generated, no download; 3 x 64 x 64 images, 40 binary
attributes in 8 planted groups), its shipped config (ResNet-18, the CelebA trainer:
batch 128, Adam 1e-3, up to 20 epochs, patience 3) and the shipped `samplewise` and `tag`
sections, changed only by the flags below. Per seed (the data's draw, theta0 and the
probe draw, TAG's training), in one process, both on `--device`, after the data are
generated and split (common to both, not timed):

  ours  the sample-wise affinity stage as the pipeline runs it (probing.engine
        .samplewise_stage: warm-up theta0, calibration, the probe of every task on both
        paths), then the grouper;
  TAG   its affinity stage: one joint training of all tasks with a lookahead every
        `tag.every` steps (the joint_affinity stage's calls, the same trainer), then the
        grouper.

Time to groups is the wall (and CPU) seconds of affinity plus grouper; the grouper is
the method's default (`select`, network selection) and, to score the affinity alone,
`spectral` at k = the planted groups; the groups of each are scored by adjusted Rand
index against the planted partition (an overlapping group: each task in its first).
Over seeds: the median speed-up (TAG seconds / ours) and the ARI's mean with a 95%
t-interval. On CUDA, also the peak GPU memory of each. Last line: JSON of every figure.

    python benchmarks/celeba_shaped.py [--samples 4000] [--base-width 8] [--seeds 0 1 2]
        [--device cpu] [--layers encoder.*] [--probe-samples 512] [--tasks 40]
        [--max-epochs N]
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
import yaml
from groupers import interval

REPO = Path(__file__).resolve().parents[1]
DATASET = "synthetic_celeba"
GROUPERS = ("select", "spectral")


def make_config(args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """The shipped config on synthetic_celeba at the flags' size, every seed set to `seed`."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    datasets = yaml.safe_load((REPO / "config" / "datasets" / f"{DATASET}.yaml").read_text())
    settings = datasets["datasets"][DATASET]
    settings["options"] |= {"samples": args.samples, "n_attributes": args.tasks,
                            "groups": args.groups, "image_size": args.image_size,
                            "seed": seed}
    settings["model"]["base_width"] = args.base_width
    if args.max_epochs is not None:
        settings["train"]["max_epochs"] = args.max_epochs
    config.update(dataset=DATASET, datasets={DATASET: settings}, device=args.device,
                  budgets=[args.groups])
    config["samplewise"] |= {"seed": seed, "probe_samples": args.probe_samples}
    if args.layers:
        config["samplewise"]["layers"] = args.layers
    config["tag"]["seed"] = seed
    return config


def samplewise(data, config: dict[str, Any]
               ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The sample-wise similarity and its gains, as the probe stages write them."""
    from vs_tag import samplewise_matrices

    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.training import make_deterministic

    settings = stage_settings(config, "probe_shared")
    make_deterministic(settings["samplewise"]["seed"], config["threads"])
    return *samplewise_matrices(data, settings), {}


def tag(data, config: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """TAG's lookahead affinity from its joint training on the device, its gains and the
    epochs it trained."""
    from taskgrouping.affinity.gains import signed_gains
    from taskgrouping.affinity.lookahead import LookaheadAffinity
    from taskgrouping.devices import torch_device
    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.training import make_deterministic, train_group

    settings = stage_settings(config, "joint_affinity")
    data_settings, options = settings["data"], settings["tag"]
    train = data_settings["train"]
    hook = LookaheadAffinity(len(data.tasks), train["learning_rate"], options["every"])
    make_deterministic(options["seed"], config["threads"])
    result = train_group(data, data_settings["tasks"], data_settings["model"], train,
                         options["seed"], before_step=hook,
                         device=torch_device(settings["device"]))
    tasks = data_settings["tasks"]
    matrix = pd.DataFrame(hook.means()[0], index=tasks, columns=tasks)
    return matrix, signed_gains(matrix), {"epochs": result.epochs_run}


AFFINITIES = {"samplewise": samplewise, "tag": tag}


def grouped(config: dict[str, Any], affinity: str, matrix: pd.DataFrame, gains: pd.DataFrame,
            workdir: Path) -> dict[str, dict[str, Any]]:
    """Each grouper through the cluster stage's dispatch: seconds, groups, ARI."""
    from taskgrouping.evaluation import planted_ari
    from taskgrouping.settings import data_settings, planted_groups
    from taskgrouping.stages.catalog import stage_settings
    from taskgrouping.stages.cluster import make_groups

    matrix_file, gains_file = workdir / f"{affinity}.csv", workdir / f"{affinity}_gain.csv"
    matrix.to_csv(matrix_file)
    gains.to_csv(gains_file)
    planted = planted_groups(config, data_settings(config)["tasks"])
    figures = {}
    for name in GROUPERS:
        method = f"{affinity}+{name}"
        cpu, started = time.process_time(), time.perf_counter()
        groups, _ = make_groups(stage_settings(config, "cluster", method), method,
                                config["budgets"][0], str(matrix_file), str(gains_file), [])
        figures[name] = {"seconds": time.perf_counter() - started,
                         "cpu_seconds": time.process_time() - cpu,
                         "ari": planted_ari(groups, planted), "groups": groups}
    return figures


def one_seed(args: argparse.Namespace, seed: int, workdir: Path) -> dict[str, Any]:
    """Both methods on one seed's data: affinity seconds, grouper seconds and ARIs."""
    import torch

    from taskgrouping.data.access import load_split
    from taskgrouping.stages.catalog import stage_settings

    config = make_config(args, seed) | {"threads": args.threads}
    data = load_split(DATASET, stage_settings(config, "train_group")["data"])
    figures: dict[str, Any] = {"seed": seed}
    for affinity, compute in AFFINITIES.items():
        if torch.cuda.is_available():
            torch.cuda.reset_peak_memory_stats()
        cpu, started = time.process_time(), time.perf_counter()
        matrix, gains, extra = compute(data, config)
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        groups = grouped(config, affinity, matrix, gains, workdir)
        figures[affinity] = {
            "affinity_seconds": seconds, "affinity_cpu_seconds": cpu_seconds,
            "seconds_to_groups": seconds + groups["select"]["seconds"],
            "cpu_seconds_to_groups": cpu_seconds + groups["select"]["cpu_seconds"],
            "peak_gpu_mb": (torch.cuda.max_memory_allocated() / 2**20
                            if torch.cuda.is_available() else None),
            "groupers": groups} | extra
    figures["speedup"] = (figures["tag"]["seconds_to_groups"]
                          / figures["samplewise"]["seconds_to_groups"])
    return figures


def summary(per_seed: list[dict[str, Any]]) -> dict[str, Any]:
    """Over seeds: median seconds and speed-up, every grouper's ARI mean ± 95% and range."""
    line: dict[str, Any] = {"speedup_median": statistics.median(f["speedup"] for f in per_seed),
                            "speedup_min": min(f["speedup"] for f in per_seed)}
    for affinity in AFFINITIES:
        line[f"{affinity}_seconds_median"] = statistics.median(
            f[affinity]["seconds_to_groups"] for f in per_seed)
        line[f"{affinity}_cpu_seconds_median"] = statistics.median(
            f[affinity]["cpu_seconds_to_groups"] for f in per_seed)
        for name in GROUPERS:
            aris = [f[affinity]["groupers"][name]["ari"] for f in per_seed]
            mean, half = interval(aris)
            line[f"{affinity}+{name}_ari"] = {"mean": mean, "ci95": half, "min": min(aris),
                                              "max": max(aris)}
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4000, help="images generated")
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--tasks", type=int, default=40, help="attributes")
    parser.add_argument("--groups", type=int, default=8, help="planted groups, and k")
    parser.add_argument("--base-width", type=int, default=8,
                        help="ResNet-18's first width (64: the original, 16: the shipped)")
    parser.add_argument("--probe-samples", type=int, default=512)
    parser.add_argument("--layers", nargs="+", default=None,
                        help="samplewise.layers (default: the shipped, every shared layer)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="cap the trainer's epochs (TAG's joint training; default: the "
                             "shipped 20 with patience 3)")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    per_seed = []
    with tempfile.TemporaryDirectory(prefix="celeba-shaped-") as tmp:
        for seed in args.seeds:
            figures = one_seed(args, seed, Path(tmp))
            per_seed.append(figures)
            ours, theirs = figures["samplewise"], figures["tag"]
            print(f"seed {seed}: sample-wise {ours['seconds_to_groups']:.1f} s "
                  f"(CPU {ours['cpu_seconds_to_groups']:.1f}), TAG "
                  f"{theirs['seconds_to_groups']:.1f} s (CPU "
                  f"{theirs['cpu_seconds_to_groups']:.1f}, {theirs['epochs']} epochs): "
                  f"{figures['speedup']:.1f}x; ARI select {ours['groupers']['select']['ari']:.3f}"
                  f" vs {theirs['groupers']['select']['ari']:.3f}, spectral "
                  f"{ours['groupers']['spectral']['ari']:.3f} vs "
                  f"{theirs['groupers']['spectral']['ari']:.3f}", flush=True)
    line = summary(per_seed)
    print(f"\n{args.tasks} attributes, {args.samples} images {args.image_size}x{args.image_size},"
          f" ResNet-18 width {args.base_width}, {args.device}, seeds {args.seeds}")
    print(f"  time to groups (median): sample-wise {line['samplewise_seconds_median']:.1f} s, "
          f"TAG {line['tag_seconds_median']:.1f} s; speed-up {line['speedup_median']:.1f}x "
          f"(min {line['speedup_min']:.1f}x)")
    for affinity in AFFINITIES:
        for name in GROUPERS:
            ari = line[f"{affinity}+{name}_ari"]
            print(f"  {affinity}+{name:<9} ARI {ari['mean']:.3f} ± {ari['ci95']:.3f} "
                  f"[{ari['min']:.3f}, {ari['max']:.3f}]")
    line |= {"arguments": vars(args), "per_seed": per_seed}
    print(json.dumps(line, default=lambda value: round(float(value), 4)
                     if isinstance(value, np.floating) else str(value)))


if __name__ == "__main__":
    main()
