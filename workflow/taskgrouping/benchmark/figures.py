"""The benchmark's figures: a critical-difference diagram of mean ranks (Demšar 2006) and a
forest plot of paired test-loss differences (Agg backend: no display needed)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

from taskgrouping.fileio import write_with  # noqa: E402

VERDICT_COLOURS = {"better": "tab:green", "worse": "tab:red", "no clear difference": "tab:grey"}
CLIQUE_STEP = 0.3  # vertical room per clique line, in the diagram's label rows
LABEL_STEP = 0.55  # vertical room per method label


def _save(fig: plt.Figure, path: str | Path) -> None:
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))
    plt.close(fig)


def cliques(ranks: list[float], cd: float) -> list[tuple[int, int]]:
    """Runs (first, last index) of ranks sorted ascending whose spread is below `cd`: the
    methods no test tells apart. Runs inside a longer one are dropped, as in Demšar's Fig."""
    runs: list[tuple[int, int]] = []
    for first, low in enumerate(ranks):
        last = max(j for j, rank in enumerate(ranks) if rank - low < cd)
        if last > first and (not runs or last > runs[-1][1]):
            runs.append((first, last))
    return runs


def _friedman_line(p_value: float | None, blocks: int) -> str:
    if p_value is None:
        return f"Friedman test not defined (needs 3+ methods and 2+ blocks), N = {blocks} blocks"
    return f"Friedman p = {p_value:.3g}, N = {blocks} blocks"


def critical_difference_plot(ranks: pd.DataFrame, cd: float | None, p_value: float | None,
                             title: str, path: str | Path, alpha: float = 0.05) -> None:
    _save(critical_difference_figure(ranks, cd, p_value, title, alpha), path)


def critical_difference_figure(ranks: pd.DataFrame, cd: float | None, p_value: float | None,
                               title: str, alpha: float = 0.05) -> plt.Figure:
    """Mean ranks on one axis (1, the best, at left), the better half of the methods labelled
    on the left and the rest on the right; a bar as long as the critical difference, and thick
    lines joining methods whose mean ranks differ by less than it (Demšar 2006, Fig. 1).

    `ranks` is `statistics.mean_ranks`' table: method, mean_rank, blocks."""
    ranks = ranks.sort_values("mean_rank", ignore_index=True)
    values = ranks["mean_rank"].tolist()
    m = len(ranks)
    runs = cliques(values, cd) if cd is not None else []
    left = math.ceil(m / 2)
    label_top = -0.4 - CLIQUE_STEP * len(runs)
    bottom = label_top - LABEL_STEP * left
    top = 1.2
    fig, ax = plt.subplots(figsize=(10, 0.6 * (top - bottom) + 0.6))
    ax.set_axis_off()
    ax.set_xlim(1, max(m, 2))
    ax.set_ylim(bottom - 0.1, top)
    ax.hlines(0, 1, max(m, 2), color="black", linewidth=1)
    for tick in range(1, max(m, 2) + 1):
        ax.vlines(tick, 0, 0.1, color="black", linewidth=1)
        ax.text(tick, 0.15, str(tick), ha="center", va="bottom", fontsize=10)
    if cd is not None:
        ax.hlines(0.75, 1, 1 + cd, color="black", linewidth=2)
        ax.vlines([1, 1 + cd], 0.68, 0.82, color="black", linewidth=1)
        ax.text(1, 0.88, f"CD = {cd:.2f} (Nemenyi, α = {alpha:g})", ha="left", va="bottom",
                fontsize=10)
    for row, (first, last) in enumerate(runs):
        height = -0.25 - CLIQUE_STEP * row
        ax.hlines(height, values[first] - 0.03, values[last] + 0.03, color="black",
                  linewidth=4)
    for index, (method, rank) in enumerate(zip(ranks["method"], values, strict=True)):
        on_left = index < left
        row = index if on_left else m - 1 - index
        height = label_top - LABEL_STEP * row
        end = 1 - 0.1 if on_left else max(m, 2) + 0.1
        ax.vlines(rank, height, 0, color="tab:blue", linewidth=0.8)
        ax.hlines(height, min(rank, end), max(rank, end), color="tab:blue", linewidth=0.8)
        ax.text(end - 0.05 if on_left else end + 0.05, height, f"{method} ({rank:.2f})",
                ha="right" if on_left else "left", va="center", fontsize=10)
    blocks = int(ranks["blocks"].iloc[0]) if m else 0
    ax.set_title(f"{title}\n{_friedman_line(p_value, blocks)}", fontsize=11)
    return fig


def paired_differences_plot(comparisons: pd.DataFrame, title: str, path: str | Path) -> None:
    _save(paired_differences_figure(comparisons, title), path)


def paired_differences_figure(comparisons: pd.DataFrame, title: str) -> plt.Figure:
    """One row per (method, reference): the mean test-loss difference in percent with its
    bootstrap interval, coloured by verdict, and the (dataset, k) wins/ties/losses at right.

    `comparisons` is `statistics.paired_comparisons`' table."""
    labels = [f"{method} vs {reference}" for method, reference in
              zip(comparisons["method"], comparisons["reference_method"], strict=True)]
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.38 * len(labels) + 1.4)))
    rows = range(len(labels))
    colours = [VERDICT_COLOURS[verdict] for verdict in comparisons["verdict"]]
    ax.hlines(rows, comparisons["ci_low"], comparisons["ci_high"], colors=colours, linewidth=2)
    ax.scatter(comparisons["mean_difference_percent"], rows, color=colours, zorder=3)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(rows, labels, fontsize=10)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    beside = blended_transform_factory(ax.transAxes, ax.transData)
    for row, wins, ties, losses in zip(rows, comparisons["wins"], comparisons["ties"],
                                       comparisons["losses"], strict=True):
        ax.text(1.02, row, f"W/T/L {wins}/{ties}/{losses}", transform=beside, va="center",
                fontsize=9)
    ax.set_xlabel("test loss difference, %   (← ours better | ours worse →)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return fig
