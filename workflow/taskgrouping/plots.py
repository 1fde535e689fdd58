"""Figures written to results/ and logged to MLflow (Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from taskgrouping.fileio import write_with  # noqa: E402


def _save(fig: plt.Figure, path: str | Path) -> None:
    write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight"))
    plt.close(fig)


def heatmap(matrix: pd.DataFrame, title: str, path: str | Path) -> None:
    """A task-by-task matrix with task names on both axes."""
    size = max(4.0, 0.45 * len(matrix) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(matrix.to_numpy(dtype=float), cmap="viridis")
    ax.set_xticks(range(len(matrix)), matrix.columns, rotation=90)
    ax.set_yticks(range(len(matrix)), matrix.index)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8)
    _save(fig, path)


def total_loss_bars(summary: pd.DataFrame, path: str | Path) -> None:
    """Total normalised test loss by method and k, with the spread over seeds.

    Horizontal bars, one row per (method, k) in the summary's order, and an axis zoomed
    to the data: groupings differ by a few percent, which bars from 0 would hide.
    """
    labels = [f"{m}  k={k}" for m, k in zip(summary["method"], summary["k"], strict=True)]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.32 * len(labels) + 1.2)))
    rows = np.arange(len(labels))
    ax.barh(rows, summary["total_loss"], xerr=summary["total_loss_std"], capsize=3,
            color="tab:blue")
    ax.set_yticks(rows, labels, fontsize=8)
    ax.invert_yaxis()
    low = (summary["total_loss"] - summary["total_loss_std"]).min()
    high = (summary["total_loss"] + summary["total_loss_std"]).max()
    margin = max(high - low, 1e-3) * 0.15
    ax.set_xlim(low - margin, high + margin)
    ax.axvline(summary.loc[summary["method"] == "stl", "total_loss"].mean(), color="grey",
               linestyle="--", label="STL")
    ax.set_xlabel("total test loss (sum of loss / STL loss; lower is better)")
    ax.set_title(f"{summary['dataset'].iloc[0]}: total loss by method and budget")
    ax.legend(loc="lower right")
    _save(fig, path)


def task_graph_plot(graph: nx.Graph, groups: list[list[str]], title: str,
                    path: str | Path) -> None:
    """Tasks coloured by group; edge width grows with similarity."""
    colour = {task: index for index, group in enumerate(groups) for task in group}
    layout = nx.spring_layout(graph, weight="weight", seed=0) if graph.number_of_edges() \
        else nx.circular_layout(graph)
    fig, ax = plt.subplots(figsize=(6, 6))
    weights = [data["weight"] for _, _, data in graph.edges(data=True)]
    top = max(weights, default=1.0)
    nx.draw_networkx_edges(graph, layout, ax=ax, width=[2.5 * w / top for w in weights],
                           alpha=0.4)
    nx.draw_networkx_nodes(graph, layout, ax=ax, node_size=500, cmap="tab20",
                           node_color=[colour.get(task, -1) for task in graph.nodes],
                           vmin=0, vmax=max(len(groups) - 1, 1))
    nx.draw_networkx_labels(graph, layout, ax=ax, font_size=8)
    ax.set_title(title)
    ax.axis("off")
    _save(fig, path)


def cost_quality_scatter(summary: pd.DataFrame, path: str | Path) -> None:
    """Grouping cost (seconds before training the groups) against total loss, per method and k."""
    fig, ax = plt.subplots(figsize=(7, 5))
    methods = list(dict.fromkeys(summary["method"]))
    colours = plt.get_cmap("tab20")
    for index, method in enumerate(methods):
        rows = summary[summary["method"] == method]
        seconds = rows["grouping_seconds"].clip(lower=1e-2)
        ax.scatter(seconds, rows["total_loss"], color=colours(index % 20), label=method)
        for x, y, k in zip(seconds, rows["total_loss"], rows["k"], strict=True):
            ax.annotate(f"k={k}", (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("grouping cost: seconds of affinity and selection (log; baselines at 0.01)")
    ax.set_ylabel("total test loss (lower is better)")
    ax.set_title(f"{summary['dataset'].iloc[0]}: cost against quality")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _save(fig, path)


def heatmaps_side_by_side(matrices: dict[str, pd.DataFrame], title: str,
                          path: str | Path) -> None:
    """Every affinity matrix of the run in one row, each with its own colour scale.

    The diagonal is blanked: self-affinity would set every scale and hide the pairs.
    """
    count = max(len(matrices), 1)
    size = max(3.5, 0.3 * max((len(m) for m in matrices.values()), default=4) + 2)
    fig, axes = plt.subplots(1, count, figsize=(size * count + 1, size), squeeze=False)
    for ax, (name, matrix) in zip(axes[0], matrices.items(), strict=False):
        values = matrix.to_numpy(dtype=float).copy()
        np.fill_diagonal(values, np.nan)
        image = ax.imshow(values, cmap="viridis")
        ax.set_xticks(range(len(matrix)), matrix.columns, rotation=90, fontsize=7)
        ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
        ax.set_title(name)
        fig.colorbar(image, ax=ax, shrink=0.7)
    if not matrices:
        axes[0][0].text(0.5, 0.5, "no affinity-based method in this run", ha="center")
        axes[0][0].axis("off")
    fig.suptitle(title)
    _save(fig, path)
