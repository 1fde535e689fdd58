"""Statistics over the benchmark's per-seed results: ranks across (dataset, budget) blocks,
the Friedman test with Nemenyi's critical difference (Demšar 2006), paired differences
against the references with a seeded two-stage bootstrap, the paper's two claims, and the
choice of defaults on the validation split alone.

`per_seed` has one row per (dataset, method, k, seed): `test` and `val` are the mean over
tasks of loss / STL loss (same seed and task; STL = 1, lower is better), `geomean_ratio`
the geometric mean of the test ratios. Ranks, comparisons and claims are taken on each
aggregate in AGGREGATES; their tables name it in the column `aggregate`."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import friedmanchisquare, gmean, studentized_range

from taskgrouping.methods import references

REFERENCES = tuple(references())  # answer every budget: one value per dataset per block
TAG_PREFIX = "tag+"
PAPER_SPEEDUP = 5.0  # the paper: sample-wise grouping about 5x faster than TAG
COMPARISON_COLUMNS = [
    "method", "reference", "reference_method", "datasets", "units", "mean_difference_percent",
    "ci_low", "ci_high", "wins", "ties", "losses", "verdict",
]
CLAIM_COLUMNS = [
    "method", "tag_method", "dataset", "speedup_wall", "speedup_cpu", "loss_ratio", "ci_low",
    "ci_high", "paper_speedup", "comparable",
]
CHOICE_COLUMNS = ["held_out", "chosen_on_others", "test_rank_on_held_out", "best_on_held_out_test"]
ALL_DATASETS = "all datasets"
# Aggregate -> its per_seed column. total_loss (the mean ratio, the paper's total loss over
# T: the same order and the same paired ratios within a run) is the headline, as the
# paper reports it; geomean_ratio beside it is what one easy task cannot dominate.
AGGREGATES = {"total_loss": "test", "geomean_ratio": "geomean_ratio"}
HEADLINE = "total_loss"


class RankTest(NamedTuple):
    """Friedman's p-value and Nemenyi's critical difference; None where not defined."""

    p_value: float | None
    critical_difference: float | None


def budget_blocks(per_seed: pd.DataFrame, value: str) -> tuple[pd.DataFrame, list[str]]:
    """The table ranks are taken in: one row per (dataset, k) block, one column per method,
    cell = mean over seeds of `value` ("test", "val" or "geomean_ratio").

    A block is every budget k > 0 a grouping method (not all/stl) ran at; all and stl enter
    every block of their dataset with their single value. Friedman needs complete blocks, so
    only methods present in every block are kept; the rest are returned, sorted, so callers
    can say which methods the ranking leaves out."""
    means = per_seed.groupby(["dataset", "method", "k"], as_index=False)[value].mean()
    is_reference = means["method"].isin(REFERENCES)
    grouping = means[~is_reference & (means["k"] > 0)]
    references = means[is_reference].pivot_table(index="dataset", columns="method",
                                                 values=value, aggfunc="mean")
    table = grouping.pivot(index=["dataset", "k"], columns="method", values=value)
    table = (table.reset_index().merge(references, on="dataset", how="left")
             .set_index(["dataset", "k"]).sort_index())
    kept = sorted(table.columns[table.notna().all()]) if len(table) else []
    left_out = sorted(set(per_seed["method"]) - set(kept))
    table = table[kept]
    table.columns.name = "method"
    return table, left_out


def by_aggregate(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each aggregate's table stacked, the column `aggregate` first naming what its rows
    rank by."""
    stacked = pd.concat([table.assign(aggregate=name) for name, table in tables.items()],
                        ignore_index=True)
    return stacked[["aggregate", *stacked.columns.drop("aggregate")]]


def mean_ranks(blocks: pd.DataFrame) -> pd.DataFrame:
    """Each method's rank within every block (1 = lowest loss, ties share the average rank),
    averaged over the N blocks: columns method, mean_rank, blocks; best first (equal mean
    ranks by name, so a choice among them is deterministic)."""
    ranks = blocks.rank(axis=1, method="average").mean()
    table = pd.DataFrame({"method": ranks.index, "mean_rank": ranks.to_numpy(),
                          "blocks": len(blocks)})
    return table.sort_values(["mean_rank", "method"], ignore_index=True)


def nemenyi_critical_difference(methods: int, blocks: int, alpha: float = 0.05) -> float:
    """Mean ranks further apart than this differ at level alpha (Demšar 2006):
    CD = q_alpha / sqrt(2) * sqrt(m (m + 1) / (6 N)), q_alpha the studentized range quantile
    for m means and infinite degrees of freedom."""
    q_alpha = studentized_range.ppf(1 - alpha, methods, np.inf)
    return float(q_alpha / np.sqrt(2) * np.sqrt(methods * (methods + 1) / (6 * blocks)))


def friedman_nemenyi(blocks: pd.DataFrame, alpha: float = 0.05) -> RankTest:
    """Whether the methods' ranks differ at all (Friedman chi-square over the blocks; needs
    3+ methods and 2+ blocks), and how far apart two mean ranks must be to differ (Nemenyi).

    Blocks tied throughout give p = 1: no method differs from any other (scipy's statistic
    divides by its tie correction, which is then 0)."""
    n_blocks, n_methods = blocks.shape
    p_value = None
    if n_methods >= 3 and n_blocks >= 2:
        values = blocks.to_numpy(dtype=float)
        if (values == values[:, :1]).all():
            p_value = 1.0
        else:
            p_value = float(friedmanchisquare(*values.T).pvalue)
    critical = None
    if n_methods >= 2 and n_blocks >= 1:
        critical = nemenyi_critical_difference(n_methods, n_blocks, alpha)
    return RankTest(p_value, critical)


def tag_counterparts(per_seed: pd.DataFrame, method: str) -> dict[str, str]:
    """Per dataset, the TAG method `method` is compared with: tag+<its grouper> where that
    ran, else the first (alphabetically) tag+* method of the dataset; datasets without TAG
    are absent."""
    wanted = TAG_PREFIX + method.partition("+")[2]
    counterparts = {}
    for dataset, methods in per_seed.groupby("dataset")["method"]:
        tags = sorted(m for m in methods.unique() if m.startswith(TAG_PREFIX))
        if tags:
            counterparts[dataset] = wanted if wanted in tags else tags[0]
    return counterparts


def paired_units(per_seed: pd.DataFrame, method: str, reference: str, value: str = "test"
                 ) -> pd.DataFrame:
    """`method`'s `value` beside the reference's, one row per (dataset, k, seed) both have:
    columns dataset, k, seed, ours, theirs, reference_method.

    reference "all" pairs all's single value with ours at every k of the same seed; "tag"
    pairs the TAG counterpart (`tag_counterparts`) at the same k; any other name pairs that
    method at the same k."""
    ours = per_seed.loc[per_seed["method"] == method, ["dataset", "k", "seed", value]]
    if reference == "tag":
        counterparts = tag_counterparts(per_seed, method)
        chosen = per_seed["method"] == per_seed["dataset"].map(counterparts)
    else:
        chosen = per_seed["method"] == reference
    keys = ["dataset", "seed"] if reference == "all" else ["dataset", "k", "seed"]
    theirs = per_seed.loc[chosen, [*keys, value, "method"]]
    units = ours.merge(theirs, on=keys, suffixes=("_ours", "_theirs"))
    units = units.rename(columns={f"{value}_ours": "ours", f"{value}_theirs": "theirs",
                                  "method": "reference_method"})
    columns = ["dataset", "k", "seed", "ours", "theirs", "reference_method"]
    return units[columns].sort_values(["dataset", "k", "seed"], ignore_index=True)


def _strata(units: pd.DataFrame, column: str) -> list[np.ndarray]:
    """`column`'s values split by dataset, in dataset order: the bootstrap's strata."""
    return [group[column].to_numpy(dtype=float) for _, group in units.groupby("dataset")]


def dataset_mean(strata: list[np.ndarray]) -> float:
    """Mean over strata of each stratum's mean: every dataset weighs the same, whatever its
    number of budgets and seeds."""
    return float(np.mean([values.mean() for values in strata]))


def dataset_interval(strata: list[np.ndarray], samples: int, seed: int,
                        confidence: float) -> tuple[float, float]:
    """Percentile interval of `dataset_mean` by a two-stage bootstrap: each resample
    draws the datasets with replacement, then each drawn dataset's units with replacement
    within it. So the interval holds the spread between datasets as well as over seeds
    and budgets: a claim about grouping in general, not about these datasets alone (one
    dataset: the seeds' spread only). A fresh generator per call: an interval does not
    depend on what was computed before."""
    rng = np.random.default_rng(seed)
    drawn = rng.integers(0, len(strata), size=(samples, len(strata)))
    unit_means = np.stack([values[rng.integers(0, len(values), size=(samples, len(values)))]
                           .mean(axis=1) for values in strata], axis=1)
    estimates = np.take_along_axis(unit_means, drawn, axis=1).mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(estimates, [tail, 1 - tail])
    return float(low), float(high)


def _name_by_dataset(units: pd.DataFrame) -> str:
    """The reference method used: its name, or each name with its datasets where the TAG
    fallback made them differ."""
    names = units.groupby("reference_method")["dataset"].unique()
    if len(names) == 1:
        return str(names.index[0])
    return "; ".join(f"{name} ({', '.join(sorted(datasets))})" for name, datasets in names.items())


def _verdict(low: float, high: float) -> str:
    if high < 0:
        return "better"
    if low > 0:
        return "worse"
    return "no clear difference"


def paired_comparisons(per_seed: pd.DataFrame, ours: list[str],
                       references: tuple[str, ...] = ("random", "all", "tag"),
                       samples: int = 10_000, seed: int = 0, confidence: float = 0.95,
                       tie_percent: float = 0.5, value: str = "test") -> pd.DataFrame:
    """Each of `ours` against each reference, on `value` paired by (dataset, k, seed):
    d = (ours / reference - 1) * 100, negative = ours better.

    The estimate is the mean over datasets of each dataset's mean d, with a two-stage
    percentile bootstrap interval (datasets, then units within them; `samples` resamples,
    `confidence`). Wins, ties and losses count (dataset, k) blocks on their seed-mean d: a
    win below -tie_percent, a loss above +tie_percent. The verdict follows the interval:
    "better" when it lies below 0, "worse" above, else "no clear difference". Pairs with
    no common unit give no row."""
    rows = []
    for method in ours:
        for reference in references:
            units = paired_units(per_seed, method, reference, value)
            if units.empty:
                continue
            units["d"] = (units["ours"] / units["theirs"] - 1) * 100
            strata = _strata(units, "d")
            low, high = dataset_interval(strata, samples, seed, confidence)
            block_d = units.groupby(["dataset", "k"])["d"].mean()
            rows.append({
                "method": method, "reference": reference,
                "reference_method": _name_by_dataset(units), "datasets": len(strata),
                "units": len(units), "mean_difference_percent": dataset_mean(strata),
                "ci_low": low, "ci_high": high,
                "wins": int((block_d < -tie_percent).sum()),
                "ties": int((block_d.abs() <= tie_percent).sum()),
                "losses": int((block_d > tie_percent).sum()),
                "verdict": _verdict(low, high),
            })
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def _speedup(costs: pd.DataFrame, dataset: str, tag: str, method: str, column: str) -> float:
    """TAG's time to groups over ours, each the mean over its budgets k."""
    here = costs[costs["dataset"] == dataset]
    seconds = here.groupby("method")[column].mean()
    return float(seconds.get(tag, np.nan) / seconds.get(method, np.nan))


def claims(per_seed: pd.DataFrame, costs: pd.DataFrame, ours: list[str], samples: int = 10_000,
           seed: int = 0, confidence: float = 0.95, margin_percent: float = 1.0,
           value: str = "test") -> pd.DataFrame:
    """The paper's two claims, each of `ours` against its TAG counterpart: it is about 5x
    faster to groups, and its test loss (`value`) is comparable.

    Per dataset: speedup = TAG's mean grouping seconds / ours (wall and CPU), loss ratio =
    mean over (k, seed) units of ours / tag, with a bootstrap interval over the
    units. Then a row "all datasets": speedups as the geometric mean over datasets, the loss
    ratio as the mean of the per-dataset ratios with the two-stage bootstrap. `comparable`
    is an equivalence reading: True only when the whole interval lies within
    [1 - margin_percent/100, 1 + margin_percent/100] (not merely when it contains 1)."""
    low_bound, high_bound = 1 - margin_percent / 100, 1 + margin_percent / 100
    rows = []
    for method in ours:
        units = paired_units(per_seed, method, "tag", value)
        if units.empty:
            continue
        units["ratio"] = units["ours"] / units["theirs"]
        per_dataset = []
        for dataset, group in units.groupby("dataset"):
            tag = group["reference_method"].iloc[0]
            strata = [group["ratio"].to_numpy(dtype=float)]
            per_dataset.append({
                "method": method, "tag_method": tag, "dataset": dataset,
                "speedup_wall": _speedup(costs, dataset, tag, method, "grouping_seconds"),
                "speedup_cpu": _speedup(costs, dataset, tag, method, "grouping_cpu_seconds"),
                "loss_ratio": dataset_mean(strata),
                "interval": dataset_interval(strata, samples, seed, confidence),
            })
        strata = _strata(units, "ratio")
        per_dataset.append({
            "method": method, "tag_method": _name_by_dataset(units), "dataset": ALL_DATASETS,
            "speedup_wall": float(gmean([row["speedup_wall"] for row in per_dataset])),
            "speedup_cpu": float(gmean([row["speedup_cpu"] for row in per_dataset])),
            "loss_ratio": dataset_mean(strata),
            "interval": dataset_interval(strata, samples, seed, confidence),
        })
        for row in per_dataset:
            low, high = row.pop("interval")
            rows.append(row | {"ci_low": low, "ci_high": high, "paper_speedup": PAPER_SPEEDUP,
                               "comparable": bool(low >= low_bound and high <= high_bound)})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


def choose_by_validation(per_seed: pd.DataFrame,
                         candidates: list[str]) -> tuple[str, pd.DataFrame]:
    """A default chosen without the test split: the candidate with the best mean rank on `val`
    over every (dataset, k) block of the candidates (complete blocks: a candidate missing
    from some block cannot be chosen).

    And how well that choosing rule transfers, leave one dataset out: pick on the other
    datasets' val ranks, then read the pick's mean test rank on the held-out dataset beside
    the candidate best there on test. Columns held_out, chosen_on_others,
    test_rank_on_held_out, best_on_held_out_test."""
    rows = per_seed[per_seed["method"].isin(candidates)]
    val, _ = budget_blocks(rows, "val")
    if val.empty or val.columns.empty:
        raise ValueError(f"no candidate of {candidates} ran in every (dataset, k) block")
    test = budget_blocks(rows, "test")[0][val.columns]
    chosen = str(mean_ranks(val)["method"].iloc[0])
    table = []
    for held_out in val.index.unique("dataset"):
        others = val.drop(index=held_out, level="dataset")
        if others.empty:
            continue
        pick = str(mean_ranks(others)["method"].iloc[0])
        on_test = mean_ranks(test.xs(held_out, level="dataset", drop_level=False))
        test_rank = on_test.set_index("method")["mean_rank"]
        table.append({"held_out": held_out, "chosen_on_others": pick,
                      "test_rank_on_held_out": float(test_rank[pick]),
                      "best_on_held_out_test": str(on_test["method"].iloc[0])})
    return chosen, pd.DataFrame(table, columns=CHOICE_COLUMNS)
