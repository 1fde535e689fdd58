"""Progress of long loops: plain lines in a job's log file, never carriage returns."""

from __future__ import annotations

import io

from taskgrouping import progress as progress_module
from taskgrouping.progress import progress


def test_a_log_file_gets_whole_lines_with_the_last_count(monkeypatch) -> None:
    log = io.StringIO()  # not a terminal, as a Snakemake job's `> {log} 2>&1`
    monkeypatch.setattr(progress_module.sys, "stderr", log)
    with progress(None, "epochs of 2 task(s)", 30) as bar:
        for epoch in range(1, 31):
            bar.set_postfix(val_loss=1.0 / epoch, refresh=False)
            bar.update()
            if epoch == 12:  # early stopping: the bar closes at 12 of 30
                break
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and lines and all(line.strip() for line in lines)
    assert lines[0].startswith("epochs of 2 task(s):   0%")
    assert "12/30" in lines[-1] and "val_loss" in lines[-1]


def test_a_loop_over_items_counts_every_item(monkeypatch) -> None:
    log = io.StringIO()
    monkeypatch.setattr(progress_module.sys, "stderr", log)
    assert list(progress(range(300), "GAT epochs")) == list(range(300))
    assert "300/300" in log.getvalue().splitlines()[-1]
