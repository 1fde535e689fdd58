"""Sample-wise probing: how close to the limit, how far from brute force.

In one run, on (a) Yeast (T=14, n=2048, the default MLP) and (b) a synthetic case
(T=40, n=4096, two hidden layers of width 512), times:
  limit       T batched forward/backward passes over the probe set (one per task)
  fast        the fast path's whole affinity stage (input statistics, T backprop-signal
              passes, every pair, normalisation)
  general     the same matrix with every layer on the chunked general path
  bruteforce  full per-sample gradients and explicit L1 (case a only: case b would need
              T x n x #params floats)
and the general path's peak memory on Yeast at n = 512 and 2048 (each in a fresh
process, RSS above the process's baseline). Prints a table, then a JSON line with limit_ratio and
speedup_vs_bruteforce (case a). `--quick`: case (a) only, no memory runs.

    python benchmarks/probe_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from taskgrouping.data.access import load_split
from taskgrouping.models.mtl import build_model
from taskgrouping.probing.bruteforce import bruteforce_distances
from taskgrouping.probing.engine import samplewise_distances
from taskgrouping.probing.layers import plan_layers
from taskgrouping.tasks import BINARY, Task

CHUNK = 256


def yeast_case(n: int) -> tuple:
    data = load_split("yeast", {"tasks": None, "split": {"seed": 0, "val_fraction": 0.15,
                                                         "test_fraction": 0.15}})
    x = np.concatenate([data.x_train, data.x_val, data.x_test])[:n]
    y = np.concatenate([data.y_train, data.y_val, data.y_test])[:n]
    model = build_model(x.shape[1:], {"type": "mlp", "hidden": [128, 64]}, data.tasks, seed=0)
    model.tie_heads_by_kind()
    return model.eval(), torch.from_numpy(x), torch.from_numpy(y)


def synthetic_case(n: int, tasks: int = 40, features: int = 256, width: int = 512) -> tuple:
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, features, generator=generator)
    y = (torch.rand(n, tasks, generator=generator) > 0.5).float()
    task_list = tuple(Task(f"t{j}", BINARY) for j in range(tasks))
    model = build_model((features,), {"type": "mlp", "hidden": [width, width]}, task_list, seed=0)
    return model.eval(), x, y


def limit(model, x, y) -> None:
    """T batched forward/backward passes: the least any per-task probe must do."""
    for t, task in enumerate(model.tasks):
        model.zero_grad()
        task.kind.per_sample_loss(model(x)[t], y[:, t]).sum().backward()


def timed(call: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best of `repeats` wall times, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - started)
    return best, result


def run_case(name: str, model, x, y, bruteforce: bool, repeats: int,
             general_samples: int | None = None, bruteforce_samples: int | None = None
             ) -> dict:
    """Times of one case; the general path and the brute force on their first
    `*_samples` rows, scaled to n (both are linear in n), where a full run is too long."""
    fast_plan = plan_layers(model, ["encoder.*"], [])
    general_plan = plan_layers(model, ["encoder.*"], ["encoder.*"])
    row: dict = {"case": name, "T": len(model.tasks), "n": len(x)}
    row["limit_s"], _ = timed(lambda: limit(model, x, y), repeats)
    row["fast_s"], fast = timed(
        lambda: samplewise_distances(model, x, y, fast_plan, "l1", 1.0, CHUNK), repeats)
    m = general_samples or len(x)
    reference = fast if m == len(x) else samplewise_distances(
        model, x[:m], y[:m], fast_plan, "l1", 1.0, CHUNK)
    general_s, general = timed(
        lambda: samplewise_distances(model, x[:m], y[:m], general_plan, "l1", 1.0,
                                     min(CHUNK, m)), 1)
    row["general_s"] = general_s * len(x) / m
    row["general_scaled_from"] = m
    row["general_rel_err"] = float(np.abs(general - reference).max() / np.abs(reference).max())
    if bruteforce:
        b = bruteforce_samples or len(x)
        reference = fast if b == len(x) else samplewise_distances(
            model, x[:b], y[:b], fast_plan, "l1", 1.0, CHUNK)
        brute_s, brute = timed(
            lambda: bruteforce_distances(model, x[:b], y[:b], fast_plan, "l1", 1.0), 1)
        row["bruteforce_s"] = brute_s * len(x) / b
        row["bruteforce_scaled_from"] = b
        row["fast_rel_err"] = float(np.abs(brute - reference).max() / np.abs(brute).max())
    return row


def high_water_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited across exec)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def peak_memory_mb(case: str, n: int) -> float:
    """Peak RSS of the general path above the process's baseline, in a fresh process."""
    code = (
        "from benchmarks.probe_bench import *\n"
        f"model, x, y = {case}_case({n})\n"
        "plan = plan_layers(model, ['encoder.*'], ['encoder.*'])\n"
        "base = high_water_mb()\n"
        f"samplewise_distances(model, x, y, plan, 'l1', 1.0, {CHUNK})\n"
        "print(high_water_mb() - base)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="case (a) only, no memory runs")
    args = parser.parse_args()
    rows = [run_case("a: yeast", *yeast_case(2048), bruteforce=True, repeats=3,
                     general_samples=256 if args.quick else None,
                     bruteforce_samples=512 if args.quick else None)]
    if not args.quick:
        rows.append(run_case("b: synthetic", *synthetic_case(4096), bruteforce=False,
                             repeats=1, general_samples=16))
    print(f"{'case':<14}{'T':>4}{'n':>6}{'limit s':>10}{'fast s':>10}{'general s':>11}"
          f"{'brute s':>10}{'fast/limit':>12}{'brute/fast':>12}")
    for row in rows:
        brute = row.get("bruteforce_s")
        brute_s = f"{brute:.2f}" if brute else "n/a"
        if brute and row["bruteforce_scaled_from"] < row["n"]:
            brute_s += "*"
        speedup = f"{brute / row['fast_s']:.0f}x" if brute else "n/a"
        scaled = "*" if row["general_scaled_from"] < row["n"] else " "
        print(f"{row['case']:<14}{row['T']:>4}{row['n']:>6}{row['limit_s']:>10.3f}"
              f"{row['fast_s']:>10.3f}{row['general_s']:>10.1f}{scaled}{brute_s:>10}"
              f"{row['fast_s'] / row['limit_s']:>12.2f}{speedup:>12}")
    if any(row["general_scaled_from"] < row["n"] or row.get("bruteforce_scaled_from", row["n"])
           < row["n"] for row in rows):
        print("* measured on the first samples (--quick: general 256, brute force 512; "
              "case b: general 16) and scaled to n: both are linear in n")
    memory = {}
    if not args.quick:
        for n in (512, 2048):
            memory[f"general_peak_mb_yeast_n{n}"] = round(peak_memory_mb("yeast", n), 1)
        print("general path peak memory above baseline (MB):", memory)
    case_a = rows[0]
    summary = {
        "limit_ratio": round(case_a["fast_s"] / case_a["limit_s"], 3),
        "speedup_vs_bruteforce": round(case_a["bruteforce_s"] / case_a["fast_s"], 1),
        "fast_rel_err_vs_bruteforce": case_a["fast_rel_err"],
        "general_rel_err_vs_fast": max(row["general_rel_err"] for row in rows),
        **{f"limit_ratio_{row['case'][0]}": round(row["fast_s"] / row["limit_s"], 3)
           for row in rows},
        **memory,
        "max_rss_mb": round(high_water_mb(), 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
