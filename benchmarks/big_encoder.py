"""The general path on a big encoder: what it costs, and what cheaper probes lose.

Cost: ResNet-18 at its original width (base_width 64, 11.2M parameters) on CelebA's
shape (3 x 64 x 64), T = 40 binary tasks, n probe samples (--samples, default 4; the
cost is linear in n, so the figure for 512 is printed as 512/n times it), theta0 the
seeded init in eval mode; inputs and labels are seeded random tensors (the cost does
not depend on their values). Each general_memory_mb budget runs in a fresh subprocess
with one thread (as every figure here): the chunk it chooses
(probing.general.chunk_samples), wall and CPU seconds of
probing.engine.samplewise_distances and the process's peak resident memory.

Error: the shipped fashion settings (T = 10, 6000 images) with model resnet18 at the
registry's base width 16, theta0 the 40-step warm-up, exactly as the pipeline probes
(probing.engine.samplewise_stage). Exact: every shared layer, 512 probe samples.
Cheaper: the last shared Linear only (encoder.13, the fast path: no per-sample
gradient at all), the last residual block and that Linear (encoder.10.*, encoder.13),
and probe sets of 128 and 64 samples. For each: seconds, the Spearman correlation of
its off-diagonal distances with the exact ones, the largest relative error of its
similarity, and the ARI of its spectral groups (k = 3) against the exact matrix's.

    python benchmarks/big_encoder.py [--samples 4] [--budgets 2048 8192] [--no-error]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scale import first_group_labels

REPO = Path(__file__).resolve().parents[1]
COST_TASKS = 40
COST_SHAPE = (3, 64, 64)
FULL_SAMPLES = 512
CHEAPER = {
    "exact: every layer, 512 samples": {},
    "last Linear only (encoder.13)": {"layers": ["encoder.13"]},
    "last block + Linear (encoder.10.*, encoder.13)": {"layers": ["encoder.10.*",
                                                                  "encoder.13"]},
    "128 probe samples": {"probe_samples": 128},
    "64 probe samples": {"probe_samples": 64},
}


def cost_worker(samples: int, budget_mb: float) -> dict[str, Any]:
    """One budget in this process: chunk, seconds and peak memory of the general path."""
    import torch

    from taskgrouping.models.mtl import build_model
    from taskgrouping.probing.engine import samplewise_distances
    from taskgrouping.probing.general import chunk_samples
    from taskgrouping.probing.layers import plan_layers
    from taskgrouping.tasks import BINARY, Task

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tasks = tuple(Task(f"t{j:02d}", BINARY) for j in range(COST_TASKS))
    model = build_model(COST_SHAPE, {"type": "resnet18", "base_width": 64, "hidden": 64},
                        tasks, seed=0).eval()
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(samples, *COST_SHAPE, generator=generator)
    y = (torch.rand(samples, COST_TASKS, generator=generator) > 0.5).float()
    plan = plan_layers(model, ["encoder.*"], [])
    chunk = chunk_samples(plan, COST_TASKS, samples, None, budget_mb)
    cpu, started = time.process_time(), time.perf_counter()
    samplewise_distances(model, x, y, plan, "l1", 1.0, chunk)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    fast, general = plan.parameter_count()
    return {"budget_mb": budget_mb, "chunk": chunk, "samples": samples, "seconds": wall,
            "cpu_seconds": cpu, "seconds_at_512": wall * FULL_SAMPLES / samples,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "fast_parameters": fast, "general_parameters": general,
            "gradient_mb_per_sample": COST_TASKS * general * 4 / 2**20}


def cost_figures(samples: int, budgets: list[float]) -> list[dict[str, Any]]:
    """Each budget in a fresh process, so its peak memory is its own."""
    figures = []
    for budget in budgets:
        done = subprocess.run([sys.executable, __file__, "--cost-worker", str(samples),
                               str(budget)], capture_output=True, text=True)
        if done.returncode:
            figures.append({"budget_mb": budget, "error": done.stderr.strip().splitlines()[-1]})
        else:
            figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return figures


def fashion_settings() -> dict[str, Any]:
    """A probe stage's config slice: the shipped config and fashion with ResNet-18."""
    from taskgrouping.stages.catalog import stage_settings

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    datasets = yaml.safe_load((REPO / "config" / "datasets" / "fashion.yaml").read_text())
    fashion = datasets["datasets"]["fashion"]
    fashion["model"] = {"type": "resnet18", "hidden": 64}
    config.update(dataset="fashion", datasets={"fashion": fashion})
    return stage_settings(config, "probe_shared")


def error_figures() -> dict[str, dict[str, Any]]:
    """Every cheaper probe against the exact one on fashion with ResNet-18."""
    from scipy.stats import spearmanr
    from sklearn.metrics import adjusted_rand_score

    from taskgrouping.affinity.matrix import similarity_matrix
    from taskgrouping.data.access import load_split
    from taskgrouping.probing.engine import samplewise_stage
    from taskgrouping.registries import GROUPERS, option_defaults
    from taskgrouping.training import make_deterministic

    base = fashion_settings()
    data = load_split(base["dataset"], base["data"])
    tasks = base["data"]["tasks"]
    spectral = GROUPERS.get("spectral")
    off = ~np.eye(len(tasks), dtype=bool)
    figures, exact = {}, None
    for name, change in CHEAPER.items():
        settings = base | {"samplewise": base["samplewise"] | change}
        make_deterministic(settings["samplewise"]["seed"], 1)
        cpu, started = time.process_time(), time.perf_counter()
        distance = samplewise_stage(data, settings)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        frame = pd.DataFrame(distance, index=tasks, columns=tasks)
        similarity = similarity_matrix(frame, settings["samplewise"]["transform"])
        groups, _ = spectral.group(similarity, 3, 0, option_defaults(spectral.options))
        labels = first_group_labels(groups, tasks)
        if exact is None:
            exact = (distance, similarity.to_numpy(), labels)
        figures[name] = {
            "seconds": wall, "cpu_seconds": cpu,
            "spearman": float(spearmanr(distance[off], exact[0][off]).statistic),
            "similarity_max_rel_err": float(np.max(
                np.abs(similarity.to_numpy() - exact[1]) / exact[1])),
            "ari_vs_exact": adjusted_rand_score(exact[2], labels), "groups": groups}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4, help="probe samples of the cost run")
    parser.add_argument("--budgets", type=float, nargs="+", default=[2048, 8192],
                        help="general_memory_mb values of the cost run")
    parser.add_argument("--no-error", dest="error", action="store_false",
                        help="skip the fashion comparison of cheaper probes")
    parser.add_argument("--cost-worker", nargs=2, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cost_worker:
        print(json.dumps(cost_worker(int(args.cost_worker[0]), args.cost_worker[1])))
        return
    import torch

    torch.set_num_threads(1)
    line: dict[str, Any] = {"cost": cost_figures(args.samples, args.budgets)}
    print(f"ResNet-18 (11.2M), {COST_SHAPE}, T = {COST_TASKS}, {args.samples} samples")
    for f in line["cost"]:
        if "error" in f:
            print(f"  budget {f['budget_mb']:g} MB: {f['error']}")
            continue
        print(f"  budget {f['budget_mb']:g} MB: chunk {f['chunk']}, {f['seconds']:.1f} s "
              f"(CPU {f['cpu_seconds']:.1f}; {f['seconds_at_512']:.0f} s at 512 samples), "
              f"peak RSS {f['peak_rss_mb']:.0f} MB, gradients "
              f"{f['gradient_mb_per_sample']:.0f} MB per sample", flush=True)
    if args.error:
        line["error"] = error_figures()
        print("\nfashion, ResNet-18 (base width 16), T = 10: cheaper probes against exact")
        for name, f in line["error"].items():
            print(f"  {name:<48} {f['seconds']:7.2f} s  Spearman {f['spearman']:.3f}  "
                  f"similarity err {f['similarity_max_rel_err']:.3f}  "
                  f"ARI {f['ari_vs_exact']:.3f}", flush=True)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
