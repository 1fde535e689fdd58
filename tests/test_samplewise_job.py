"""The one-job sample-wise affinity (tasks in one probe block) writes the tiled jobs'
matrix to the bit, on an encoder with both probing paths and the scaled distances."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from taskgrouping.affinity.contract import AffinityMeta
from taskgrouping.config_validation import validate_config
from taskgrouping.probing.tiles import task_blocks, tiles
from taskgrouping.stages import (
    pair,
    probe_general,
    probe_shared,
    probe_task,
    samplewise_affinity,
)
from taskgrouping.stages.catalog import stage_settings
from taskgrouping.tracking.store import init_pipeline

TASKS = ["Austin", "Quincy_Wells", "Belmont"]  # Chicago stations
OUTPUTS = ("out", "gain_out", "distance_out", "heatmap_out", "meta_out")


def chicago_settings(distance: str, scale: str) -> dict:
    """The samplewise_affinity slice of a small Chicago run: a temporal convolution (the
    general path) under Linear layers (the fast path)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(dataset="chicago")
    config["samplewise"] |= {"probe_samples": 32, "distance": distance, "scale": scale}
    config |= yaml.safe_load((REPO / "config" / "datasets" / "chicago.yaml").read_text())
    config["datasets"]["chicago"] |= {
        "tasks": TASKS, "options": {"window": 7, "horizon": 1},
        "model": {"type": "tcn", "channels": [4], "hidden": 8},
    }
    validate_config(config)
    return stage_settings(config, "samplewise_affinity")


@pytest.fixture
def parent(tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    parent_file = tmp_path / "results" / "chicago" / "mlflow_parent.json"
    init_pipeline(parent_file, "chicago", {"dataset": "chicago",
                                           "mlflow": {"tracking_uri": None, "experiment": None}})
    return str(parent_file)


def tiled(settings: dict, parent: str, folder: Path, tile_tasks: int) -> dict[str, Path]:
    """The five tiled stages, in process, as the jobs run them."""
    folder.mkdir()
    shared, stats = folder / "shared.pt", folder / "stats.npz"
    probe_shared.run(settings, parent, str(shared), str(stats), threads=1)
    blocks = task_blocks(TASKS, tile_tasks)
    signals = {block: str(folder / f"{block}.npz") for block in blocks}
    for block, tasks in blocks.items():
        probe_task.run(settings, parent, tasks, str(shared), str(stats), signals[block], 1)
    general = folder / "general.npz"
    probe_general.run(settings, parent, str(shared), list(signals.values()), str(general), 1)
    pairs = []
    for first, second in tiles(blocks):
        pairs.append(str(folder / f"{first}__{second}.json"))
        pair.run(settings, parent, [signals[first], signals[second]], str(stats), pairs[-1])
    outputs = {name: folder / f"{name}.out" for name in OUTPUTS}
    samplewise_affinity.run(settings, parent, threads=1, stats=str(stats),
                            signals=list(signals.values()), pairs=pairs, general=str(general),
                            **{k: str(v) for k, v in outputs.items()})
    return outputs


@pytest.mark.parametrize(("distance", "scale"), [("l2", "task"), ("l1", "sample"),
                                                 ("sign", "none")])
def test_one_job_writes_the_tiled_jobs_matrix_to_the_bit(tmp_path, parent, distance,
                                                         scale) -> None:
    settings = chicago_settings(distance, scale)
    expected = tiled(settings, parent, tmp_path / "tiled", tile_tasks=2)
    (tmp_path / "one").mkdir()
    outputs = {name: tmp_path / "one" / f"{name}.out" for name in OUTPUTS}
    cpu_before = time.process_time()
    samplewise_affinity.run(settings, parent, threads=1,
                            **{k: str(v) for k, v in outputs.items()})
    for name in ("out", "gain_out", "distance_out"):
        assert outputs[name].read_bytes() == expected[name].read_bytes(), name
    # its cost is its process's, from the start: more than this one call's CPU
    assert AffinityMeta.read(str(outputs["meta_out"])).cpu_seconds >= cpu_before
