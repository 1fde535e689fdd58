"""The answer a run ends with: which tasks to train together, how each method did, where
the files are. The evaluate stage writes it (results/<name>/answer.txt) and the end hook
prints it, so the terminal's last lines say what the run found."""

from __future__ import annotations

import pandas as pd

REFERENCES = ("stl", "all")


def _loss(row: pd.Series) -> str:
    """Both aggregates of a row; a method short of its budget says how many groups it
    returned."""
    short = f" [{row['n_groups']} groups < k]" if row["fewer_groups_than_k"] else ""
    return (f"{row['total_loss']:.3f} ± {row['total_loss_std']:.3f} (geomean ratio "
            f"{row['geomean_ratio']:.3f}){short}")


def answer_lines(summary: pd.DataFrame, results: str, tasks: list[str],
                 seeds: list[int]) -> list[str]:
    """A few lines: per budget k every method ranked by total loss (best first, mean ± std
    over seeds) with its geomean ratio beside it, the references, each sample-wise
    method's groups, and the files to open."""
    dataset = summary["dataset"].iloc[0]
    lines = [f"taskgrouping answer for {dataset}: {len(tasks)} tasks, seeds "
             f"{', '.join(map(str, seeds))}; ranked by total test loss = sum over tasks of "
             "loss / STL loss (lower is better); geomean ratio = their geometric mean, which "
             "one easy task cannot dominate"]
    compared = summary[~summary["method"].isin(REFERENCES)]
    for k, rows in compared.groupby("k", sort=True):
        ranked = rows.sort_values("total_loss", kind="stable")
        methods = ", ".join(f"{row['method']} {_loss(row)}" for _, row in ranked.iterrows())
        lines.append(f"  k={k}: {methods}")
    references = summary[summary["method"].isin(REFERENCES)]
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
                       "geomean_ratio", "delta_m_percent", "grouping_seconds",
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
