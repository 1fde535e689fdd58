"""Every registered grouper on Standley et al.'s ground truth: 4 settings x k = 2, 3, 4.

Per setting (tests/data/standley: 5 Taskonomy tasks, all 31 subsets trained, a
validation table and a test table), `ground_truth.score_groupers` feeds each grouper
the validation pair gains and scores its groups as the evaluation does (each task served
by its chosen network with the lowest validation loss; Σ loss / STL loss), seeded
groupers averaged over --seeds. Scored twice: on the test table (the figures to quote)
and on the validation table (`--choose-on val`: what a default may be chosen by, regret
against the validation table's own best cover). Prints per method its mean regret over
the 12 (setting, k) cells, the worst cell, and the cells where it is worse than the mean
random partition; then every cell. Last, the clustering groupers (spectral, louvain,
gat_gmm) fed each candidate graph of the pair gains (benchmarks/graphs.py: min-max, the
pipeline's; exponential; rank), scored on validation and test alike; then how far the
higher-order approximation (a group's gain for a task = the mean of its pair gains) is
from the trained groups' gains, by group size, and the exact overlapping selection under
other predictions of a group's gain from its pairs (the minimum pair gain; the mean less
0.02 per partner beyond one). Last line JSON.

    python benchmarks/ground_truth.py [--seeds 0 1 2 3 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from graphs import SIMILARITIES

from taskgrouping.ground_truth import (
    best_cover_groups,
    pair_gains,
    random_mean,
    read_standley,
    score_groupers,
    served_total,
)
from taskgrouping.grouping.cover import best_cover
from taskgrouping.registries import GROUPERS, option_defaults

PREDICTORS = {"mean (HOA)": lambda gains, size: float(np.mean(gains)),
              "min": lambda gains, size: float(np.min(gains)),
              "mean - 0.02 per extra partner": lambda gains, size: float(np.mean(gains))
              - 0.02 * (size - 2)}

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "standley"
SETTINGS = {1: ("results.txt", "results_test.txt"),
            2: ("results_large.txt", "results_large_test.txt"),
            3: ("results_small_data.txt", "results_small_data_test.txt"),
            4: ("results_alt.txt", "results_alt_test.txt")}
TASKS = ["s", "d", "n", "k", "t"]


def cells(scored_on: str, seeds: list[int]) -> pd.DataFrame:
    frames = []
    for setting, (val, test) in SETTINGS.items():
        table = read_standley(DATA / val, DATA / test, TASKS)
        if scored_on == "val":
            table = dataclasses.replace(table, test=table.val)
        frames.append(score_groupers(table, [2, 3, 4], seeds).assign(setting=setting))
    return pd.concat(frames, ignore_index=True)


def graphs(scored_on: str, seeds: list[int]) -> pd.DataFrame:
    """Mean regret and cells above random of each clustering grouper on each graph."""
    rows = []
    for setting, (val, test) in SETTINGS.items():
        table = read_standley(DATA / val, DATA / test, TASKS)
        if scored_on == "val":
            table = dataclasses.replace(table, test=table.val)
        gains = pair_gains(table)
        for k in (2, 3, 4):
            optimum = served_total(table, best_cover_groups(table, k, "test"))
            random = 100 * (random_mean(table, k) / optimum - 1)
            for graph, make in SIMILARITIES.items():
                for name in ("spectral", "louvain", "gat_gmm"):
                    grouper = GROUPERS.get(name)
                    options = option_defaults(grouper.options)
                    regret = 100 * (np.mean([served_total(table, grouper.group(
                        make(gains), k, seed, options)[0]) for seed in seeds]) / optimum - 1)
                    rows.append({"graph": graph, "grouper": name, "setting": setting, "k": k,
                                 "regret": regret, "above_random": regret > random + 1e-9})
    return (pd.DataFrame(rows).groupby(["grouper", "graph"])
            .agg(mean_regret=("regret", "mean"), cells_above_random=("above_random", "sum"))
            .round(2))


def hoa_error() -> pd.DataFrame:
    """Per setting and group size: mean and std over (group, task) of the trained group's
    validation gain for the task minus the mean of its pair gains."""
    rows = []
    for setting, (val, test) in SETTINGS.items():
        table = read_standley(DATA / val, DATA / test, TASKS)
        gains = pair_gains(table)
        for members, losses in table.val.items():
            if len(members) < 3:
                continue
            for task in members:
                actual = 1 - losses[task] / table.val[(task,)][task]
                predicted = np.mean([gains.loc[u, task] for u in members if u != task])
                rows.append({"setting": setting, "size": len(members),
                             "error": actual - predicted})
    frame = pd.DataFrame(rows).groupby(["setting", "size"])["error"].agg(["mean", "std"])
    return frame.unstack().round(3)


def predictors() -> pd.DataFrame:
    """The exact overlapping selection (every subset a candidate) under each prediction of
    a group's gain from its pairs: mean and worst regret over the 12 cells, val and test."""
    rows = []
    for setting, (val, test) in SETTINGS.items():
        table = read_standley(DATA / val, DATA / test, TASKS)
        gains = pair_gains(table)
        subsets = sorted(table.test, key=lambda members: (len(members), members))
        for name, predict in PREDICTORS.items():
            costs = np.full((len(subsets), len(TASKS)), np.inf)
            for row, members in enumerate(subsets):
                for task in members:
                    pairs = [gains.loc[u, task] for u in members if u != task]
                    costs[row, TASKS.index(task)] = -predict(pairs, len(members)) if pairs \
                        else 0.0
            for k in (2, 3, 4):
                chosen = [list(subsets[r]) for r in best_cover(costs, k)[0]]
                for split, scored in (("val", dataclasses.replace(table, test=table.val)),
                                      ("test", table)):
                    optimum = served_total(scored, best_cover_groups(scored, k, "test"))
                    rows.append({"predictor": name, "split": split, "setting": setting, "k": k,
                                 "regret": 100 * (served_total(scored, chosen) / optimum - 1)})
    return (pd.DataFrame(rows).groupby(["predictor", "split"])["regret"]
            .agg(["mean", "max"]).unstack().round(2))


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method: mean and worst regret over cells, and the cells above random's."""
    random = rows[rows["method"] == "random"].set_index(["setting", "k"])["regret_percent"]
    rows = rows.assign(above_random=[
        regret > random[(setting, k)] + 1e-9
        for regret, setting, k in zip(rows["regret_percent"], rows["setting"], rows["k"],
                                      strict=True)])
    return (rows.groupby("method")
            .agg(mean_regret=("regret_percent", "mean"), worst_cell=("regret_percent", "max"),
                 cells_above_random=("above_random", "sum"),
                 seed_spread=("regret_max", "max"))
            .assign(seed_spread=lambda f: rows.groupby("method").apply(
                lambda g: (g["regret_max"] - g["regret_min"]).max(), include_groups=False))
            .sort_values("mean_regret").round(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    started = time.process_time()
    found = {}
    for scored_on in ("val", "test"):
        rows = cells(scored_on, args.seeds)
        found[scored_on] = summary(rows)
        print(f"\nscored on the {scored_on} table: regret % over the 12 (setting, k) cells "
              "(seed_spread: the widest range over seeds in one cell)")
        print(found[scored_on].to_string())
        if scored_on == "test":
            wide = rows.pivot_table(index="method", columns=["setting", "k"],
                                    values="regret_percent").round(1)
            print(f"\nevery cell (test), regret %\n{wide.to_string()}")
        found[f"graphs_{scored_on}"] = graphs(scored_on, args.seeds)
        print(f"\nclustering groupers by graph, scored on the {scored_on} table")
        print(found[f"graphs_{scored_on}"].to_string())
    found["hoa_error"] = hoa_error()
    print("\ntrained group's validation gain minus the mean of its pair gains, by size")
    print(found["hoa_error"].to_string())
    found["predictors"] = predictors()
    print("\nexact selection under each prediction of a group's gain: regret % (12 cells)")
    print(found["predictors"].to_string())
    print(f"\n{time.process_time() - started:.0f} CPU s")
    print(json.dumps({on: {str(key): {str(column): value for column, value in row.items()}
                           for key, row in frame.to_dict(orient="index").items()}
                      for on, frame in found.items()}))


if __name__ == "__main__":
    main()
