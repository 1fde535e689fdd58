"""Verb `ground-truth`: every registered grouper scored on a table of every subset trained.

Reads Standley's network-selection files (`--standley VALIDATION TEST`) or a plain CSV
(`--table`: subset, task, val_loss, test_loss), feeds each grouper the validation
table's pair gains, and prints per budget k each one's served test total and its regret
against the best cover of at most k networks and its groups, beside the exact best
cover chosen on validation (`exhaustive`: the networks to train), the mean over random
partitions, every task alone and one network of all; then each method's mean regret
over the budgets. `--out` writes every row
as CSV (atomically).
"""

from __future__ import annotations

import pandas as pd

from taskgrouping.fileio import write_with
from taskgrouping.ground_truth import read_standley, read_subset_csv, score_groupers


def run(standley: list[str] | None, table: str | None, task_names: list[str] | None,
        budgets: list[int] | None, seeds: list[int], out: str | None) -> None:
    if standley is not None and table is None:
        subsets = read_standley(standley[0], standley[1], task_names)
    elif table is not None and standley is None:
        subsets = read_subset_csv(table)
    else:
        raise ValueError("give one table: --standley VALIDATION TEST, or --table CSV")
    ks = budgets or list(range(2, len(subsets.tasks)))
    rows = score_groupers(subsets, ks, seeds)
    print(f"{subsets.source}: {len(subsets.tasks)} tasks ({', '.join(subsets.tasks)}), "
          f"{len(subsets.test)} trained subsets; groupers fed the validation pair gains, "
          f"seeds {seeds}; total = Σ test loss / STL test loss, served by the lowest "
          "validation loss; regret vs the best cover of at most k networks (test)")
    for k, block in rows.groupby("k", sort=True):
        print(f"\nk = {k} (best cover {block['best_cover_total'].iloc[0]:.4f})")
        print(_table(block.sort_values("regret_percent")))
    mean = (rows.groupby("method", sort=False)["regret_percent"].agg(["mean", "max"])
            .sort_values("mean").rename(columns={"mean": "mean regret %",
                                                 "max": "worst k %"}))
    print(f"\nover k = {', '.join(map(str, ks))}\n{mean.round(2).to_string()}")
    if out:
        write_with(out, lambda tmp: rows.to_csv(tmp, index=False, float_format="%.6g"))


def _table(block: pd.DataFrame) -> str:
    shown = block.assign(
        regret=[f"{mean:6.2f} %" + (f"  [{low:.2f}, {high:.2f}]" if high > low else "")
                for mean, low, high in zip(block["regret_percent"], block["regret_min"],
                                           block["regret_max"], strict=True)])
    return shown[["method", "total", "regret", "groups"]].to_string(
        index=False, float_format="{:.4f}".format)
