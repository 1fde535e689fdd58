"""On a machine with a GPU: the default pipeline on CUDA against the CPU, and the CelebA-shaped
benchmark's costs on the GPU.

1. The default pipeline (offline Yeast, the shipped config) twice from one checkout, run
   names gpu-check-cpu (`device=cpu`) and gpu-check-cuda (`device=cuda`), both recorded
   in the default MLflow store: the sample-wise similarity must agree within SIMILARITY_RTOL
   (relative; float32 kernels that add in another order), the groups of every method and
   budget must be equal, and the summary's total losses are printed side by side with
   their largest relative difference (trainings on a GPU are not bitwise the CPU's; with
   early stopping an epoch more or less moves a loss by more than rounding, so they are
   reported, not held to a tolerance).
2. `benchmarks/celeba_shaped.py --device cuda` on one seed at the size that costs hours
   on a CPU (20,000 images, ResNet-18 at its original width 64, T = 40, every shared
   layer probed exactly on 512 probe samples) with TAG's joint training capped at
   `--tag-epochs` epochs: probe seconds, TAG seconds (and per epoch), peak GPU memory.

Prints each figure, then one JSON line; exits 1 when a check of part 1 fails. Flags make
a small dry run on the CPU possible (`--device cpu --samples 300 --base-width 4
--probe-samples 16 --tag-epochs 1`: part 2 only), which checks the script, not the GPU.

    python benchmarks/gpu_check.py [--device cuda] [--cores 16] [--tag-epochs 2]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SIMILARITY_RTOL = 1e-3


def run_pipeline(name: str, device: str, cores: int) -> float:
    """The default pipeline as run `name` on `device`; its wall seconds."""
    started = time.perf_counter()
    subprocess.run(["snakemake", "--cores", str(cores), "--config", f"device={device}",
                    f"name={name}"], cwd=REPO, check=True)
    return time.perf_counter() - started


def compare_runs(cpu: Path, cuda: Path) -> dict[str, Any]:
    """Similarity, groups and total losses of the two runs."""
    from taskgrouping.fileio import read_json

    similarity = [pd.read_csv(run / "affinity" / "samplewise.csv", index_col=0)
                  for run in (cpu, cuda)]
    relative = ((similarity[1] - similarity[0]).abs() / similarity[0].abs()).to_numpy().max()
    groups_equal = all(read_json(path) == read_json(cuda / "groups" / path.name)
                       for path in sorted((cpu / "groups").glob("*.json")))
    summaries = [pd.read_csv(run / "summary.csv") for run in (cpu, cuda)]
    keys = ["method", "k"]
    joined = summaries[0].merge(summaries[1], on=keys, suffixes=("_cpu", "_cuda"))
    cpu_loss, cuda_loss = joined["total_loss_cpu"], joined["total_loss_cuda"]
    return {"similarity_max_rel_diff": float(relative),
            "similarity_within_rtol": bool(relative <= SIMILARITY_RTOL),
            "groups_equal": groups_equal,
            "total_loss_max_rel_diff": float(((cuda_loss - cpu_loss).abs()
                                              / cpu_loss.abs()).max()),
            "total_loss": joined[keys + ["total_loss_cpu", "total_loss_cuda"]].to_dict(
                "records")}


def celeba_shaped(args: argparse.Namespace) -> dict[str, Any]:
    """The CelebA-shaped benchmark on the device, one seed; its JSON line."""
    command = [sys.executable, str(REPO / "benchmarks" / "celeba_shaped.py"), "--device",
               args.device, "--samples", str(args.samples), "--base-width",
               str(args.base_width), "--probe-samples", str(args.probe_samples),
               "--max-epochs", str(args.tag_epochs), "--seeds", "0", "--threads",
               str(args.cores)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"],
                        help="where the second run and the benchmark run")
    parser.add_argument("--cores", type=int, default=16)
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--base-width", type=int, default=64)
    parser.add_argument("--probe-samples", type=int, default=512)
    parser.add_argument("--tag-epochs", type=int, default=2,
                        help="TAG's joint training capped at this many epochs")
    parser.add_argument("--skip-pipeline", action="store_true")
    args = parser.parse_args()
    line: dict[str, Any] = {"device": args.device}
    if not args.skip_pipeline and args.device != "cpu":  # part 1 compares with the CPU
        names = {"cpu": "gpu-check-cpu", args.device: f"gpu-check-{args.device}"}
        seconds = {device: run_pipeline(name, device, args.cores)
                   for device, name in names.items()}
        line["pipeline_seconds"] = seconds
        line["pipeline"] = compare_runs(*(REPO / "results" / name for name in names.values()))
        print(f"default pipeline: cpu {seconds['cpu']:.0f} s, {args.device} "
              f"{seconds[args.device]:.0f} s; similarity max rel. diff "
              f"{line['pipeline']['similarity_max_rel_diff']:.2e} (tolerance "
              f"{SIMILARITY_RTOL:g}); groups equal: {line['pipeline']['groups_equal']}; "
              f"total loss max rel. diff {line['pipeline'].get('total_loss_max_rel_diff')}",
              flush=True)
    bench = celeba_shaped(args)
    seed = bench["per_seed"][0]
    ours, tag = seed["samplewise"], seed["tag"]
    line["celeba_shaped"] = {
        "probe_seconds": ours["affinity_seconds"], "probe_peak_gpu_mb": ours["peak_gpu_mb"],
        "tag_seconds": tag["affinity_seconds"], "tag_epochs": tag["epochs"],
        "tag_seconds_per_epoch": tag["affinity_seconds"] / max(tag["epochs"], 1),
        "tag_peak_gpu_mb": tag["peak_gpu_mb"], "arguments": bench["arguments"]}
    figures = line["celeba_shaped"]
    print(f"CelebA-shaped, {args.samples} images, ResNet-18 width {args.base_width}, T = 40, "
          f"{args.probe_samples} probe samples on {args.device}: probe "
          f"{figures['probe_seconds']:.0f} s (peak {figures['probe_peak_gpu_mb']} MB), TAG "
          f"{figures['tag_seconds']:.0f} s for {figures['tag_epochs']} epochs "
          f"({figures['tag_seconds_per_epoch']:.0f} s each, peak {figures['tag_peak_gpu_mb']} "
          "MB)", flush=True)
    print(json.dumps(line))
    pipeline = line.get("pipeline")
    if pipeline and not (pipeline["similarity_within_rtol"] and pipeline["groups_equal"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
