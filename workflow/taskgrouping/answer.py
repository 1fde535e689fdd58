"""The answer a run ends with: which tasks to train together, how each method did, where
the files are. The evaluate stage writes it (results/<name>/answer.txt) and the end hook
prints it, so the terminal's last lines say what the run found."""

from __future__ import annotations

import pandas as pd

from taskgrouping.methods import drawn, references

REFERENCES = tuple(references())
# a drawn baseline's scores are the mean over several partitions: no one grouping to train
NOT_A_GROUPING = tuple(drawn())


def _loss(row: pd.Series) -> str:
    """Both aggregates of a row; a method short of its budget says how many groups it
    returned."""
    short = f" [{row['n_groups']} groups < k]" if row["fewer_groups_than_k"] else ""
    return (f"{row['total_loss']:.3f} ± {row['total_loss_std']:.3f} (geomean ratio "
            f"{row['geomean_ratio']:.3f}){short}")


def _val(row: pd.Series) -> str:
    """A row's validation total loss, what its recommendation was chosen on."""
    return f"{row['val_total_loss']:.3f} ± {row['val_total_loss_std']:.3f}"


def beyond_spread(lower: pd.Series, higher: pd.Series) -> bool:
    """Whether `lower`'s mean validation total loss is below `higher`'s by more than the
    larger of their standard deviations over seeds: a gap the seeds' noise does not
    explain."""
    gap = higher["val_total_loss"] - lower["val_total_loss"]
    return bool(gap > max(lower["val_total_loss_std"], higher["val_total_loss_std"]))


def recommend(candidates: pd.DataFrame) -> tuple[pd.Series, bool]:
    """One budget's recommendation and whether a grouping won it, chosen on validation only.

    A grouping wins when its validation total loss is below both STL's and all's beyond
    the seeds' spread (`beyond_spread`); the winner of lowest validation loss is
    recommended. Without one, noise would rank the rest: the cheapest candidate (fewest
    networks to train, `n_groups`) not beyond spread above the lowest is recommended.
    """
    references = candidates[candidates["method"].isin(REFERENCES)]
    if sorted(references["method"]) != sorted(REFERENCES):
        raise ValueError(f"a recommendation compares with {' and '.join(REFERENCES)}; the "
                         f"summary holds {sorted(references['method'])} of them")
    ordered = candidates.sort_values("val_total_loss", kind="stable")
    winners = [row for _, row in ordered.iterrows() if row["method"] not in REFERENCES
               and all(beyond_spread(row, ref) for _, ref in references.iterrows())]
    if winners:
        return winners[0], True
    best = ordered.iloc[0]
    close = ordered[[not beyond_spread(best, row) for _, row in ordered.iterrows()]]
    return close.sort_values(["n_groups", "val_total_loss"], kind="stable").iloc[0], False


def recommendation_line(k: int, candidates: pd.DataFrame, seeds: list[int]) -> str:
    """The recommended candidate at budget k: its groups (a grouping's), networks, test and
    validation total loss, and why it was chosen."""
    row, won = recommend(candidates)
    networks = f"{row['n_groups']} network{'s' if row['n_groups'] != 1 else ''}"
    groups = "" if row["method"] in REFERENCES else f" {row['groups']}"
    chosen = (f"  recommended at k={k}: {row['method']}{groups} ({networks}), test total loss "
              f"{row['total_loss']:.3f} ± {row['total_loss_std']:.3f}, validation {_val(row)}")
    if won:
        why = "below both STL's and all's validation total loss beyond the seeds' spread"
    else:
        why = ("no grouping differs from STL and all beyond the seeds' spread on validation; "
               "recommended: the cheapest within that spread of the lowest")
    if len(seeds) < 2:
        why += " (one seed: no spread measured, more seeds tell a difference from noise)"
    return f"{chosen}: {why}"


def answer_lines(summary: pd.DataFrame, results: str, tasks: list[str],
                 seeds: list[int]) -> list[str]:
    """A few lines: per budget k first the recommendation (`recommend`: every method's
    groups, STL and all, chosen on validation), then every method ranked by total test
    loss (best first, mean ± std over seeds) with its geomean ratio beside it, the
    references, each sample-wise method's groups, and the files to open."""
    dataset = summary["dataset"].iloc[0]
    lines = [f"taskgrouping answer for {dataset}: {len(tasks)} tasks, seeds "
             f"{', '.join(map(str, seeds))}; total loss = sum over tasks of loss / STL loss "
             "(lower is better), mean ± std over seeds; recommended per k: chosen on "
             "validation total loss among every method's groups, STL and all"]
    compared = summary[~summary["method"].isin(REFERENCES)]
    references = summary[summary["method"].isin(REFERENCES)]
    for k in sorted(compared["k"].unique()):
        at_k = (summary["k"] == k) & ~summary["method"].isin(NOT_A_GROUPING)
        candidates = summary[at_k | summary["method"].isin(REFERENCES)]
        lines.append(recommendation_line(k, candidates, seeds))
    lines.append("  all methods by total test loss (geomean ratio = the ratios' geometric "
                 "mean, which one easy task cannot dominate):")
    for k, rows in compared.groupby("k", sort=True):
        ranked = rows.sort_values("total_loss", kind="stable")
        methods = ", ".join(f"{row['method']} {_loss(row)}" for _, row in ranked.iterrows())
        lines.append(f"  k={k}: {methods}")
    lines.append("  references: " + ", ".join(
        f"{row['method']} (k={row['k']}) {_loss(row)}" for _, row in references.iterrows()))
    for _, row in compared.sort_values(["method", "k"], kind="stable").iterrows():
        if row["affinity"] == "samplewise":
            lines.append(f"  {row['method']} groups at k={row['k']}: {row['groups']}")
    lines.append(f"  files in {results}/: summary.csv, groups.csv (every method's groups), "
                 "evaluation.csv; plots total_loss.png, cost_quality.png, affinities.png, "
                 "groups/<method>_k<k>.png")
    lines.append(f"  report: snakemake --report {results}/report.html")
    return lines


DESCRIPTION_LIMIT = 8000
DESCRIPTION_COLUMNS = ("method", "k", "n_groups", "total_loss", "total_loss_std",
                       "val_total_loss", "geomean_ratio", "delta_m_percent", "grouping_seconds",
                       "grouping_cpu_seconds", "groups")


def answer_markdown(lines: list[str], summary: pd.DataFrame) -> str:
    """The answer as markdown, the parent run's description in MLflow: its lines as a
    list, then the summary table (best total loss first per k). MLflow cuts a tag at
    DESCRIPTION_LIMIT characters: past it the table leaves out the groups."""
    table = summary.sort_values(["k", "total_loss"], kind="stable")
    bullets = "\n".join(f"- {line.strip()}" for line in lines[1:])
    for columns in (DESCRIPTION_COLUMNS, DESCRIPTION_COLUMNS[:-1]):
        shown = [column for column in columns if column in table]
        text = (f"**{lines[0]}**\n\n{bullets}\n\n"
                + table[shown].to_markdown(index=False, floatfmt=".3f") + "\n")
        if len(text) <= DESCRIPTION_LIMIT:
            break
    return text
