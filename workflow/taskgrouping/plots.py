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


def _draw_matrix(ax: plt.Axes, matrix: pd.DataFrame, signed: bool) -> plt.cm.ScalarMappable:
    """A task-by-task matrix, diagonal blanked (self-affinity would set the scale); a
    signed affinity on a diverging map centred at 0, so gains and losses read apart."""
    values = matrix.to_numpy(dtype=float).copy()
    np.fill_diagonal(values, np.nan)
    # the blank diagonal in grey, apart from any value
    cmap = plt.get_cmap("RdBu_r" if signed else "viridis").with_extremes(bad="lightgrey")
    if signed:
        bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
        image = ax.imshow(values, cmap=cmap, vmin=-bound or -1.0, vmax=bound or 1.0)
    else:
        image = ax.imshow(values, cmap=cmap)
    ax.set_xticks(range(len(matrix)), matrix.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(len(matrix)), matrix.index, fontsize=7)
    return image


def heatmap_figure(matrix: pd.DataFrame, title: str, signed: bool = False) -> plt.Figure:
    """A task-by-task matrix with task names on both axes (row task onto column task)."""
    size = max(4.0, 0.45 * len(matrix) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = _draw_matrix(ax, matrix, signed)
    ax.set_title(title)
    ax.set_xlabel("column task")
    ax.set_ylabel("row task")
    fig.colorbar(image, ax=ax, shrink=0.8, label="affinity (grey diagonal: blank)")
    return fig


def heatmap(matrix: pd.DataFrame, title: str, path: str | Path, signed: bool = False) -> None:
    _save(heatmap_figure(matrix, title, signed), path)


def total_loss_figure(summary: pd.DataFrame, run: str) -> plt.Figure:
    """Each (method, k)'s total test loss relative to STL's, in %, with the seeds' spread.

    Horizontal bars from STL (0) in the summary's order: left of 0 is better than
    training every task alone, and a whisker (one standard deviation over seeds, in % of
    STL's total) shows which gaps are noise; an axis of raw totals zoomed to the data
    made gaps of noise look large.
    """
    stl = float(summary.loc[summary["method"] == "stl", "total_loss"].mean())
    change = (summary["total_loss"] / stl - 1) * 100
    spread = summary["total_loss_std"] / stl * 100
    labels = [f"{m}  k={k}" for m, k in zip(summary["method"], summary["k"], strict=True)]
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.32 * len(labels) + 1.2)))
    rows = np.arange(len(labels))
    ax.barh(rows, change, xerr=spread, capsize=3,
            color=np.where(change < 0, "tab:blue", "tab:red"))
    ax.set_yticks(rows, labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linestyle="--", label="STL")
    ax.set_xlabel("total test loss vs STL (%; left is better; whiskers: ± 1 std over seeds)")
    ax.set_title(f"{run}: total loss by method and budget, relative to STL")
    ax.legend(loc="lower right")
    return fig


def total_loss_bars(summary: pd.DataFrame, run: str, path: str | Path) -> None:
    _save(total_loss_figure(summary, run), path)


STRONGEST_EDGES = 2  # edges drawn per task: its strongest similarities


def group_palette(count: int) -> list[tuple[float, float, float, float]]:
    """Qualitative colours, one per group: tab10 up to 10 groups, tab20 beyond."""
    cmap = plt.get_cmap("tab10" if count <= 10 else "tab20")
    return [cmap(index % cmap.N) for index in range(count)]


def memberships(groups: list[list[str]]) -> dict[str, list[int]]:
    """Each task's groups, in group order: a task of overlapping groups has several."""
    found: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        for task in group:
            found.setdefault(task, []).append(index)
    return found


def strongest_edges(graph: nx.Graph, per_task: int = STRONGEST_EDGES) -> nx.Graph:
    """The graph with each task's `per_task` strongest edges only (91 edges of 14 tasks
    are a hairball; the strongest show the structure the grouper saw)."""
    kept = nx.Graph()
    kept.add_nodes_from(graph.nodes)
    for task in graph.nodes:
        edges = sorted(graph.edges(task, data="weight"), key=lambda edge: -edge[2])
        kept.add_weighted_edges_from(edges[:per_task])
    return kept


def task_graph_figure(graph: nx.Graph, groups: list[list[str]], title: str,
                      similarity: pd.DataFrame | None = None, gains: bool = False
                      ) -> plt.Figure:
    """Tasks as discs split among their groups' colours, each group listed in the legend;
    beside it, when the method has an affinity, `similarity` ordered by the groups (with
    `gains`: the predicted pair gains a network-selection grouper read, signed).

    The layout uses every edge; only each task's strongest edges are drawn, their width
    growing with similarity. A task in two groups (TAG's network selection, the
    exhaustive cover) shows both colours.
    """
    from matplotlib.patches import Patch, Wedge

    layout = nx.spring_layout(graph, weight="weight", seed=0) if graph.number_of_edges() \
        else nx.circular_layout(graph)
    if similarity is None:
        fig, ax = plt.subplots(figsize=(7.5, 6))
    else:
        size = max(5.0, 0.3 * len(similarity) + 2)
        fig, (ax, side) = plt.subplots(1, 2, figsize=(7.5 + size, max(6.0, size)),
                                       gridspec_kw={"width_ratios": [7.5, size]})
        ordered_heatmap(side, similarity, groups, gains)
    drawn = strongest_edges(graph)
    weights = [data["weight"] for _, _, data in drawn.edges(data=True)]
    top = max(weights, default=1.0)
    nx.draw_networkx_edges(drawn, layout, ax=ax, width=[2.5 * w / top for w in weights],
                           alpha=0.4)
    palette, member_of = group_palette(len(groups)), memberships(groups)
    span = np.ptp(np.array(list(layout.values())), axis=0).max() if len(layout) > 1 else 1.0
    radius = 0.045 * max(span, 1e-9)
    for task, (x, y) in layout.items():
        indices: list[int | None] = list(member_of.get(task, [])) or [None]
        step = 360.0 / len(indices)
        for slot, index in enumerate(indices):
            ax.add_patch(Wedge((x, y), radius, 90 + slot * step, 90 + (slot + 1) * step,
                               facecolor="lightgrey" if index is None else palette[index],
                               edgecolor="white", linewidth=0.8, zorder=2, label=task))
        ax.annotate(task, (x, y), xytext=(0, 10), textcoords="offset points",
                    ha="center", fontsize=8, zorder=3)
    handles = [Patch(facecolor=palette[index], label=f"group {index + 1}: {', '.join(group)}")
               for index, group in enumerate(groups)]
    ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0),
              title="groups (a task in two shows both colours)", title_fontsize=7)
    edges = (f"edges: each task's {STRONGEST_EDGES} strongest similarities, width by "
             "similarity") if graph.number_of_edges() else "no affinity: tasks only"
    ax.set_title(f"{title}\n{edges}", fontsize=9)
    ax.set_aspect("equal")
    ax.autoscale_view()
    ax.axis("off")
    return fig


def ordered_heatmap(ax: plt.Axes, similarity: pd.DataFrame, groups: list[list[str]],
                    gains: bool = False) -> None:
    """`similarity` (or, with `gains`, signed predicted pair gains) with tasks in group
    order and a line at each group's end: blocks of high affinity along the diagonal are
    groups the affinity supports."""
    order = list(dict.fromkeys(task for group in groups for task in group))
    order += [task for task in similarity.index if task not in order]
    image = _draw_matrix(ax, similarity.loc[order, order], signed=gains)
    seen: set[str] = set()
    for group in groups[:-1]:
        seen |= set(group)
        edge = len([task for task in order if task in seen]) - 0.5
        ax.axhline(edge, color="black" if gains else "white", linewidth=1.5)
        ax.axvline(edge, color="black" if gains else "white", linewidth=1.5)
    what = "predicted pair gain (row onto column)" if gains else "clustering similarity"
    ax.set_title(f"{what}, tasks in group order\n(lines: group boundaries; grey diagonal: "
                 "blank)", fontsize=9)
    plt.colorbar(image, ax=ax, shrink=0.7, label="gain (0: none)" if gains else "similarity")


def task_graph_plot(graph: nx.Graph, groups: list[list[str]], title: str, path: str | Path,
                    similarity: pd.DataFrame | None = None, gains: bool = False) -> None:
    """The task graph figure (`task_graph_figure`) saved as PNG."""
    _save(task_graph_figure(graph, groups, title, similarity, gains), path)


MARKERS = "osD^vP*Xph"


def cost_quality_scatter(summary: pd.DataFrame, run: str, path: str | Path) -> None:
    """Grouping cost in CPU seconds against total loss: colour by method, marker by k.

    CPU seconds (summed over the affinity's and the grouper's jobs) are what the grouping
    costs in compute; wall seconds on a shared machine mostly measure the load.
    """
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=(7.5, 5))
    methods = list(dict.fromkeys(summary["method"]))
    budgets = sorted(set(summary["k"]))
    palette = group_palette(len(methods))
    for index, method in enumerate(methods):
        rows = summary[summary["method"] == method]
        cost = rows["grouping_cpu_seconds"].fillna(rows["grouping_seconds"]).clip(lower=1e-2)
        for seconds, loss, k in zip(cost, rows["total_loss"], rows["k"], strict=True):
            ax.scatter(seconds, loss, color=palette[index], s=45, alpha=0.85,
                       marker=MARKERS[budgets.index(k) % len(MARKERS)])
    ax.set_xscale("log")
    ax.set_xlabel("grouping cost: CPU seconds of affinity and grouper jobs, summed "
                  "(log; no cost at 0.01)")
    ax.set_ylabel("total test loss: sum of loss / STL loss (lower is better)")
    ax.set_title(f"{run}: cost against quality")
    handles = [Line2D([], [], color=palette[i], marker="o", linestyle="", label=method)
               for i, method in enumerate(methods)]
    handles += [Line2D([], [], color="grey", marker=MARKERS[i % len(MARKERS)], linestyle="",
                       label=f"k = {k}") for i, k in enumerate(budgets)]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
