from __future__ import annotations

import pandas as pd
from conftest import assert_drawn

from taskgrouping.plots import heatmap, total_loss_bars


def test_heatmap_draws_the_matrix_without_its_diagonal(tmp_path) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from taskgrouping.plots import heatmap_figure

    matrix = pd.DataFrame([[1.0, 0.2, -0.5], [0.3, 1.0, 0.1], [-0.4, 0.6, 1.0]],
                          index=list("abc"), columns=list("abc"))
    figure = heatmap_figure(matrix, "toy", signed=True)
    ax = figure.axes[0]
    drawn = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
    expected = matrix.to_numpy().copy()
    np.fill_diagonal(expected, np.nan)
    assert np.array_equal(drawn, expected, equal_nan=True)
    assert ax.images[0].get_clim() == (-0.6, 0.6)  # signed: centred at 0
    assert [t.get_text() for t in ax.get_xticklabels()] == list("abc")
    assert [t.get_text() for t in ax.get_yticklabels()] == list("abc")
    plt.close(figure)
    heatmap(matrix, "toy", tmp_path / "h.png")
    assert [p.name for p in tmp_path.iterdir()] == ["h.png"]  # no temporary left


def test_total_loss_bars_show_each_method_relative_to_stl_with_its_spread(tmp_path) -> None:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.image import imread

    from taskgrouping.plots import total_loss_figure

    summary = pd.DataFrame({"dataset": ["toy"] * 3, "method": ["all", "stl", "random"],
                            "k": [1, 2, 2], "total_loss": [1.8, 2.0, 2.1],
                            "total_loss_std": [0.1, 0.02, 0.04]})
    figure = total_loss_figure(summary, "toy")
    ax = figure.axes[0]
    widths = [patch.get_width() for patch in ax.patches]
    assert np.allclose(widths, [-10.0, 0.0, 5.0])  # % of STL's total, in the summary's order
    [whiskers] = [c for c in ax.collections if len(c.get_segments()) == 3]
    spans = [segment[1][0] - segment[0][0] for segment in whiskers.get_segments()]
    assert np.allclose(spans, [10.0, 2.0, 4.0])  # ± 1 std over seeds: 2 std wide
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all  k=1", "stl  k=2",
                                                            "random  k=2"]
    low, high = ax.get_xlim()
    assert low < -10.0 and high > 5.0 and "vs STL" in ax.get_xlabel()
    plt.close(figure)
    total_loss_bars(summary, "toy", tmp_path / "b.png")
    assert imread(tmp_path / "b.png").shape[1] > 600


def test_a_task_in_two_groups_shows_both_colours(tmp_path) -> None:
    """TAG's network selection may put a task in two groups: its disc carries both."""
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Wedge

    from taskgrouping.grouping.graph import task_graph
    from taskgrouping.plots import group_palette, task_graph_figure, task_graph_plot

    tasks = ["a", "b", "c", "d", "e"]
    similarity = np.random.default_rng(0).random((5, 5))
    similarity = pd.DataFrame((similarity + similarity.T) / 2, index=tasks, columns=tasks)
    groups = [["a", "b", "c"], ["c", "d"], ["e"]]
    figure = task_graph_figure(task_graph(similarity), groups, "toy")
    ax = figure.axes[0]
    colours: dict[str, list] = {}
    for patch in ax.patches:
        if isinstance(patch, Wedge):
            colours.setdefault(patch.get_label(), []).append(patch.get_facecolor())
    palette = [tuple(colour) for colour in group_palette(3)]
    assert {task: [tuple(c) for c in found] for task, found in colours.items()} == {
        "a": [palette[0]], "b": [palette[0]], "c": [palette[0], palette[1]],
        "d": [palette[1]], "e": [palette[2]]}
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["group 1: a, b, c", "group 2: c, d", "group 3: e"]
    assert len(ax.collections[0].get_paths()) <= 2 * len(tasks)  # the strongest edges only
    plt.close(figure)
    task_graph_plot(task_graph(similarity), groups, "toy", tmp_path / "g.png")
    assert_drawn(tmp_path / "g.png")


def test_the_groups_figure_orders_the_affinity_by_group(tmp_path) -> None:
    import matplotlib.pyplot as plt
    import numpy as np

    from taskgrouping.grouping.graph import task_graph
    from taskgrouping.plots import task_graph_figure

    tasks = ["a", "b", "c", "d"]
    values = np.random.default_rng(1).random((4, 4))
    similarity = pd.DataFrame((values + values.T) / 2, index=tasks, columns=tasks)
    figure = task_graph_figure(task_graph(similarity), [["c", "a"], ["d", "b"]], "toy",
                               similarity)
    side = figure.axes[1]
    assert [label.get_text() for label in side.get_yticklabels()] == ["c", "a", "d", "b"]
    shown = side.images[0].get_array()
    assert shown.mask.diagonal().all()  # blank diagonal
    assert shown[0, 1] == similarity.loc["c", "a"]
    across, down = side.lines  # one boundary: a horizontal and a vertical line
    assert across.get_ydata()[0] == 1.5 and down.get_xdata()[0] == 1.5
    plt.close(figure)
