"""Scores shared by every method: per-task tables against STL, two aggregates of them
(the total normalised loss and the geometric mean of the loss ratios) and delta-m."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

EVALUATION_COLUMNS = [
    "dataset", "method", "k", "seed", "task", "metric_name", "metric", "loss", "normalized_loss",
    "val_loss", "normalized_val_loss",
]
SUMMARY_COLUMNS = [
    "dataset", "protocol", "method", "affinity", "grouper", "k", "n_groups",
    "fewer_groups_than_k", "seeds", "total_loss", "total_loss_std", "val_total_loss",
    "val_total_loss_std", "geomean_ratio",
    "geomean_ratio_std", "delta_m_percent", "regret_percent", "planted_ari",
    "grouping_seconds", "grouping_cpu_seconds", "trainings", "groups",
]
GROUPS_COLUMNS = ["dataset", "method", "k", "partition", "group", "size", "tasks"]
GroupMeta = dict[tuple[str, int], dict[str, Any]]


def partitions(meta: dict[str, Any]) -> list[list[list[str]]]:
    """A method's partitions: the random baseline's several draws (`partitions` in its
    meta), else its one grouping."""
    return meta.get("partitions", [meta["groups"]])


def method_records(metas: list[dict[str, Any]], trainings: list[dict[str, Any]],
                   seeds: list[int]) -> list[dict[str, Any]]:
    """Each method's groups joined to their subset trainings: one record per partition,
    group and seed."""
    by_subset = {(tuple(r["tasks"]), r["seed"]): r for r in trainings}
    records = []
    for meta in metas:
        for partition, groups in enumerate(partitions(meta)):
            for index, group in enumerate(groups):
                for seed in seeds:
                    training = by_subset.get((tuple(group), seed))
                    if training is None:
                        raise ValueError(f"no training of group {group} (seed {seed}) for "
                                         f"method {meta['method']}, k={meta['k']}")
                    records.append({"method": meta["method"], "k": meta["k"],
                                    "partition": partition, "group": index, "seed": seed,
                                    "scores": training["scores"]})
    return records


def served_scores(trainings: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (method, k, seed, task): the scores of the group model that serves it.

    A task in several groups of one partition (overlapping selections) is served by the
    group with the lowest validation loss for it; a method of several partitions (random)
    scores each task by the mean over its partitions.
    """
    rows = [
        {
            "method": record["method"], "k": record["k"], "seed": record["seed"],
            "partition": record["partition"], "task": score["task"],
            "val_loss": score["val_loss"], "loss": score["test_loss"],
            "metric_name": score["metric_name"], "metric": score["test_metric"],
        }
        for record in trainings
        for score in record["scores"]
    ]
    keys = ["method", "k", "seed", "task"]
    table = pd.DataFrame(rows).sort_values([*keys, "partition", "val_loss"])
    served = table.drop_duplicates([*keys, "partition"], keep="first")
    return served.groupby([*keys, "metric_name"], as_index=False, sort=False)[
        ["val_loss", "loss", "metric"]].mean()


def require_positive_losses(table: pd.DataFrame) -> None:
    """A loss ratio divides by the STL loss and geomean_ratio takes its logarithm: a zero
    loss (a task fit exactly) would give inf or a zero that decides the aggregate, so it
    is refused, naming where."""
    bad = table[(table["loss"] <= 0) | (table["val_loss"] <= 0)]
    if len(bad):
        where = bad[["method", "k", "seed", "task"]].head(5).to_dict("records")
        raise ValueError(f"loss ratios need positive test and validation losses; not positive"
                         f" at {where}")


def evaluation_table(
    dataset: str, trainings: list[dict[str, Any]], task_order: list[str]
) -> pd.DataFrame:
    """Per-task test metric and loss, the loss normalised by the task's STL loss (same seed);
    the validation loss too, normalised alike: what choices may be made on (the test
    split never chooses anything)."""
    table = served_scores(trainings)
    require_positive_losses(table)
    stl = table[table["method"] == "stl"].set_index(["seed", "task"])
    missing = set(table[["seed", "task"]].itertuples(index=False, name=None)) - set(stl.index)
    if missing:
        raise ValueError(f"no STL result for (seed, task) {sorted(missing)[:5]}")
    for column in ("loss", "val_loss"):
        reference = stl[column]
        table[f"normalized_{column}"] = [
            loss / reference[(seed, task)]
            for seed, task, loss in table[["seed", "task", column]].itertuples(index=False)
        ]
    table["dataset"] = dataset
    table["task"] = pd.Categorical(table["task"], categories=task_order, ordered=True)
    table = table.sort_values(["method", "k", "seed", "task"]).astype({"task": str})
    return table[EVALUATION_COLUMNS].reset_index(drop=True)


def delta_m_percent(evaluation: pd.DataFrame, higher_is_better: dict[str, bool]) -> pd.Series:
    """Delta-m per (method, k, seed): mean signed relative metric change vs STL, in %."""
    stl = evaluation[evaluation["method"] == "stl"].set_index(["seed", "task"])["metric"]
    reference = np.array(
        [stl[(s, t)] for s, t in evaluation[["seed", "task"]].itertuples(index=False)]
    )
    sign = np.where(evaluation["task"].map(higher_is_better).to_numpy(dtype=bool), 1.0, -1.0)
    change = sign * (evaluation["metric"].to_numpy() - reference) / np.abs(reference) * 100.0
    frame = evaluation[["method", "k", "seed"]].assign(change=change)
    return frame.groupby(["method", "k", "seed"])["change"].mean()


def geomean_ratio(evaluation: pd.DataFrame) -> pd.Series:
    """Geometric mean over tasks of loss / STL loss per (method, k, seed): one easy task
    whose small STL loss makes its ratio swing moves it by that ratio's factor to the power
    1/T, not by the ratio itself as in the total."""
    logs = evaluation[["method", "k", "seed"]].assign(log=np.log(evaluation["normalized_loss"]))
    return np.exp(logs.groupby(["method", "k", "seed"])["log"].mean())


def summary_table(
    dataset: str,
    evaluation: pd.DataFrame,
    higher_is_better: dict[str, bool],
    metas: GroupMeta,
    protocol: str = "mtl",
    planted: list[list[str]] | None = None,
) -> pd.DataFrame:
    """One row per (method, k): two aggregates of the normalised losses, each mean and std
    over seeds (total_loss, the sum, by which rows are sorted within k; geomean_ratio,
    robust to one easy task), delta-m, cost. val_total_loss: the same sum on validation
    losses (each over STL's), what a recommendation may choose on (test chooses nothing).

    fewer_groups_than_k: the method returned fewer groups than its budget k > 0 asked
    (k = 0: the grouper chose). regret_percent: how much the total loss exceeds the
    exhaustive method's at the same k. That cover is optimal on validation loss, so on
    test loss another method can beat it (a negative regret). planted_ari: the groups'
    adjusted Rand index against the dataset's `planted` groups (generated data only; NaN
    otherwise), the mean over the random baseline's partitions.
    """
    per_seed = evaluation.groupby(["method", "k", "seed"])[
        ["normalized_loss", "normalized_val_loss"]].sum()
    per_seed = per_seed.set_axis(["total", "val_total"], axis=1).join([
        geomean_ratio(evaluation).rename("geomean"),
        delta_m_percent(evaluation, higher_is_better).rename("delta_m")])
    grouped = per_seed.groupby(["method", "k"])
    summary = pd.DataFrame({
        "seeds": grouped.size(),
        "total_loss": grouped["total"].mean(),
        "total_loss_std": grouped["total"].std(ddof=0),
        "val_total_loss": grouped["val_total"].mean(),
        "val_total_loss_std": grouped["val_total"].std(ddof=0),
        "geomean_ratio": grouped["geomean"].mean(),
        "geomean_ratio_std": grouped["geomean"].std(ddof=0),
        "delta_m_percent": grouped["delta_m"].mean(),
    }).reset_index()
    summary["dataset"] = dataset
    summary["affinity"], summary["grouper"] = zip(
        *(method.split("+") if "+" in method else ("", method) for method in summary["method"]),
        strict=True)
    keys = list(zip(summary["method"], summary["k"], strict=True))
    for column in ("n_groups", "grouping_seconds", "trainings"):
        summary[column] = [metas[key].get(column, 0) for key in keys]
    summary["fewer_groups_than_k"] = (summary["k"] > 0) & (summary["n_groups"] < summary["k"])
    summary["grouping_cpu_seconds"] = [metas[key].get("grouping_cpu_seconds", np.nan)
                                       for key in keys]  # NaN: a meta from before CPU time
    summary["groups"] = [format_partitions(partitions(metas[key])) for key in keys]
    summary["protocol"] = protocol
    summary["planted_ari"] = [float(np.mean([planted_ari(groups, planted)
                                             for groups in partitions(metas[key])]))
                              for key in keys]
    optimum = summary[summary["method"] == "exhaustive"].set_index("k")["total_loss"]
    summary["regret_percent"] = [
        (loss / optimum[k] - 1.0) * 100.0 if k in optimum.index else np.nan
        for k, loss in zip(summary["k"], summary["total_loss"], strict=True)
    ]
    return summary[SUMMARY_COLUMNS].sort_values(["k", "total_loss"]).reset_index(drop=True)


def planted_ari(groups: list[list[str]], planted: list[list[str]] | None) -> float:
    """Adjusted Rand index of `groups` against `planted` over the planted tasks (a task in
    several overlapping groups counts in its first); NaN without planted groups."""
    if not planted:
        return float("nan")
    from sklearn.metrics import adjusted_rand_score

    truth = {task: index for index, group in enumerate(planted) for task in group}
    found: dict[str, int] = {}
    for index, group in enumerate(groups):
        for task in group:
            found.setdefault(task, index)
    tasks = sorted(truth)
    return float(adjusted_rand_score([truth[t] for t in tasks], [found[t] for t in tasks]))


def format_groups(groups: list[list[str]]) -> str:
    """Groups in one table cell, as a reader writes them: `{a, b} {c}`."""
    return " ".join("{" + ", ".join(group) + "}" for group in groups)


def format_partitions(drawn: list[list[list[str]]]) -> str:
    """Partitions in one table cell, ` | ` between them: `{a, b} {c} | {a} {b, c}`."""
    return " | ".join(format_groups(groups) for groups in drawn)


def groups_table(dataset: str, metas: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per (method, k, partition, group): its size and tasks (`;`-separated), for
    a reader who wants the answer without opening one JSON file per method and budget;
    partition is 1 but for the random baseline's several draws."""
    rows = [{"dataset": dataset, "method": meta["method"], "k": meta["k"],
             "partition": number, "group": index, "size": len(group), "tasks": ";".join(group)}
            for meta in metas for number, groups in enumerate(partitions(meta), 1)
            for index, group in enumerate(groups, 1)]
    return pd.DataFrame(rows, columns=GROUPS_COLUMNS).sort_values(
        ["method", "k", "partition", "group"], kind="stable").reset_index(drop=True)
