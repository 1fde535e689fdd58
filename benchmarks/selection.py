"""The network-selection groupers: the exact mixed-integer choice against the search beyond it.

Part 1, quality: for T = 9..12 tasks, k = 2, 3, 4 and --draws seeded gain matrices of two
kinds (N(0, 1) entries; planted: 3 random groups, +0.3 within, -0.3 across, N(0, 0.15)
noise), `select` and `partition` are run exact (every subset a candidate, HiGHS) and by
the search used beyond `exact_max_tasks` (pool of candidate groups, exact cover of the
pool, single-task moves, --restarts seeded starts). Prints per (T, kind, k) the median
CPU seconds of each and the gap of the search (exact mean served gain per task minus the
search's; 0 = the optimum found) as its mean and maximum, and how many draws missed.
Part 2, scale: planted gains (4 groups, +1 within, 0 across, N(0, 0.3)) at T = 40, 100,
200 and k = 4, 8: CPU seconds of each grouper (one thread). Last line: JSON.

    python benchmarks/selection.py [--draws 4] [--restarts 16] [--scale-tasks 40 100 200]
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as a cluster job gets it

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from taskgrouping.grouping.selection import partition_groups, select_groups  # noqa: E402

GROUPERS = {"select": select_groups, "partition": partition_groups}


def gains(kind: str, n_tasks: int, rng: np.random.Generator) -> pd.DataFrame:
    if kind == "normal":
        values = rng.normal(size=(n_tasks, n_tasks))
    else:
        labels = rng.integers(0, 3, n_tasks)
        values = (np.where(labels[:, None] == labels[None, :], 0.3, -0.3)
                  + rng.normal(0, 0.15, (n_tasks, n_tasks)))
    tasks = [f"t{i}" for i in range(n_tasks)]
    return pd.DataFrame(values, index=tasks, columns=tasks)


def timed(choose, matrix: pd.DataFrame, k: int, options: dict) -> tuple[float, float]:
    started = time.process_time()
    score = choose(matrix, k, 0, options)[1]["selection_score"]
    return score, time.process_time() - started


def quality(draws: int, restarts: int) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for n_tasks in (9, 10, 11, 12):
        for kind in ("normal", "planted"):
            for k in (2, 3, 4):
                for name, choose in GROUPERS.items():
                    found = []
                    for _ in range(draws):
                        matrix = gains(kind, n_tasks, rng)
                        exact = timed(choose, matrix, k, {"exact_max_tasks": 14,
                                                          "restarts": restarts})
                        search = timed(choose, matrix, k, {"exact_max_tasks": 0,
                                                           "restarts": restarts})
                        found.append((exact[0] - search[0], exact[1], search[1]))
                    gaps = np.array([f[0] for f in found])
                    rows.append({"tasks": n_tasks, "kind": kind, "k": k, "grouper": name,
                                 "exact_cpu_s": float(np.median([f[1] for f in found])),
                                 "search_cpu_s": float(np.median([f[2] for f in found])),
                                 "gap_mean": float(gaps.mean()), "gap_max": float(gaps.max()),
                                 "missed": int((gaps > 1e-9).sum()), "draws": draws})
                    print(rows[-1], flush=True)
    return rows


def scale(tasks: list[int], restarts: int) -> list[dict]:
    rows = []
    for n_tasks in tasks:
        rng = np.random.default_rng(0)
        labels = np.arange(n_tasks) % 4
        values = (np.where(labels[:, None] == labels[None, :], 1.0, 0.0)
                  + rng.normal(0, 0.3, (n_tasks, n_tasks)))
        names = [f"t{i}" for i in range(n_tasks)]
        matrix = pd.DataFrame(values, index=names, columns=names)
        for k in (4, 8):
            for name, choose in GROUPERS.items():
                score, seconds = timed(choose, matrix, k, {"exact_max_tasks": 10,
                                                           "restarts": restarts})
                rows.append({"tasks": n_tasks, "k": k, "grouper": name, "cpu_s": seconds,
                             "score": score})
                print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=4)
    parser.add_argument("--restarts", type=int, default=16)
    parser.add_argument("--scale-tasks", type=int, nargs="*", default=[40, 100, 200])
    args = parser.parse_args()
    found = quality(args.draws, args.restarts)
    table = pd.DataFrame(found)
    with pd.option_context("display.width", 200, "display.max_rows", 200):
        print(table.round(4).to_string(index=False))
        by_grouper = table.groupby("grouper").agg(
            gap_mean=("gap_mean", "mean"), gap_max=("gap_max", "max"),
            missed=("missed", "sum"), draws=("draws", "sum"))
        print(by_grouper.round(4).to_string())
    sizes = scale(args.scale_tasks, args.restarts)
    print(pd.DataFrame(sizes).round(4).to_string(index=False))
    print(json.dumps({"quality": by_grouper.round(5).to_dict(orient="index"),
                      "scale": sizes}))


if __name__ == "__main__":
    main()
