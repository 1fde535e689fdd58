"""Write the CPU probe matrices that tests/test_devices.py holds every later version to.

Run once, on purpose, from the repository root: `python tests/data/probe_reference/make.py`.
The file was first written at commit 22e1dec, before probing learnt to run on a GPU, so
the test shows that moving tensors to the config's device left the CPU's numbers as they
were. Write it again only when a change means to move them, and say so in its commit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
TASKS = ["Class1", "Class2", "Class3", "Class4", "Class12"]
# The shipped probe on five Yeast labels (warm-up, calibration, l2 scaled by task), both
# paths: as shipped (every Linear fast) and with every Linear forced onto the general path.
VARIANTS = {"fast": {}, "general": {"general_layers": ["encoder.*"]}}


def settings(variant: str) -> dict:
    """A probe stage's slice of the shipped config for `variant`, on 128 probe samples."""
    from taskgrouping.stages.catalog import stage_settings

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    config |= yaml.safe_load((REPO / "config" / "datasets" / "yeast.yaml").read_text())
    config["datasets"]["yeast"]["tasks"] = TASKS
    config["samplewise"] |= {"probe_samples": 128} | VARIANTS[variant]
    return stage_settings(config, "probe_shared")


def distances(settings: dict) -> np.ndarray:
    from taskgrouping.data.access import load_split
    from taskgrouping.probing.engine import samplewise_stage
    from taskgrouping.training import make_deterministic

    make_deterministic(settings["samplewise"]["seed"], 1)
    return samplewise_stage(load_split(settings["dataset"], settings["data"]), settings)


if __name__ == "__main__":
    np.savez(HERE / "yeast5.npz", **{name: distances(settings(name)) for name in VARIANTS})
