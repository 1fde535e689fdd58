from __future__ import annotations

import pandas as pd

from taskgrouping.plots import heatmap, total_loss_bars


def test_heatmap_writes_a_png(tmp_path) -> None:
    matrix = pd.DataFrame([[1.0, 0.2], [0.2, 1.0]], index=["a", "b"], columns=["a", "b"])
    heatmap(matrix, "toy", tmp_path / "h.png")
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["h.png"]


def test_total_loss_bars_writes_a_png(tmp_path) -> None:
    summary = pd.DataFrame({"dataset": ["toy"] * 2, "method": ["stl", "all"], "k": [2, 1],
                            "total_loss": [2.0, 1.8], "total_loss_std": [0.0, 0.1]})
    total_loss_bars(summary, tmp_path / "b.png")
    assert (tmp_path / "b.png").stat().st_size > 1000
