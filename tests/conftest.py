"""Shared fixtures: the repository root and a small real config for workflow runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The SLURM tests first (stable otherwise): one worker runs them all, minutes in a
    row, while the others share the rest, so the workers finish together."""
    items.sort(key=lambda item: item.get_closest_marker("slurm") is None)


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def full_config() -> dict:
    """config/config.yaml merged with config/datasets/yeast.yaml, as the Snakefile does."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    return config | yaml.safe_load((REPO / "config" / "datasets" / "yeast.yaml").read_text())


def small_config(tmp_path: Path, **overrides) -> Path:
    """A real Yeast config cut down to 4 tasks, one budget and one seed."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config.update(budgets=[2], seeds=[0])
    config["samplewise"]["probe_samples"] = 64
    config["mlflow"]["tracking_uri"] = None
    config["datasets"] = {"yeast": {
        "tasks": ["Class1", "Class2", "Class3", "Class12"],
        "split": {"seed": 0, "val_fraction": 0.15, "test_fraction": 0.15},
        "model": {"type": "mlp", "hidden": [16]},
        "train": {"max_epochs": 3, "patience": 2, "batch_size": 256,
                  "learning_rate": 0.01, "weight_decay": 0.0},
    }}
    config.update(overrides)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def workflow_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a Snakemake run: our CLI on PATH, MLflow pointed nowhere else."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("MLFLOW_TRACKING_URI", None)
    env["HOME"] = str(tmp_path)
    return env


def job_runs(children: list) -> list:
    """The child runs that are jobs: the evaluate stage's per-(method, k) result runs are
    not (they carry a method tag, which the evaluate job's own run does not)."""
    return [run for run in children
            if not (run.data.tags.get("stage") == "evaluate" and "method" in run.data.tags)]


def assert_drawn(path: Path, min_ink: float = 0.02) -> None:
    """`path` decodes as a PNG image at least 300 px on each side with ink on more than
    `min_ink` of its pixels: a figure was drawn, not an empty canvas or a stub file."""
    import matplotlib.image as mpimg

    image = mpimg.imread(path, format="png")
    assert image.ndim == 3 and min(image.shape[:2]) >= 300, (path, image.shape)
    ink = (image[..., :3] < 0.9).any(axis=-1).mean()
    assert ink > min_ink, (path, ink)
