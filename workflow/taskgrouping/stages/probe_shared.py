"""Stage: the common start point theta0, the probe set, and the shared layers' ||a||_1."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from taskgrouping.atomic import write_with
from taskgrouping.data.registry import load_split
from taskgrouping.models.mtl import MultiTaskMLP, build_model
from taskgrouping.probing.samplewise import input_l1_norms
from taskgrouping.tracking import stage_run
from taskgrouping.training import make_deterministic


def start_point(data, settings: dict[str, Any]) -> MultiTaskMLP:
    """theta0: the seeded random initialisation, heads tied per task type if asked."""
    probe = settings["samplewise"]
    model = build_model(data.feature_dim, settings["data"]["model"]["hidden"], data.tasks,
                        probe["seed"])
    if probe["heads"] == "identical":
        model.tie_heads_by_kind()
    return model


def run(settings: dict[str, Any], parent: str, out: str, threads: int) -> None:
    probe = settings["samplewise"]
    make_deterministic(probe["seed"], threads)
    with stage_run(parent, "probe_shared", settings, {}) as record:
        data = load_split(settings["dataset"], settings["data"])
        model = start_point(data, settings)
        n = min(probe["probe_samples"], len(data.x_train))
        rng = np.random.default_rng(probe["seed"])
        indices = np.sort(rng.choice(len(data.x_train), size=n, replace=False))
        l1_norms = input_l1_norms(model, torch.from_numpy(data.x_train[indices]))
        seconds = record.elapsed
        write_with(out, lambda tmp: torch.save({
            "state_dict": model.state_dict(),
            "tasks": list(data.task_names),
            "probe_indices": torch.from_numpy(indices),
            "l1_norms": l1_norms,
            "seconds": seconds,
        }, tmp))
        record.log_metrics({"probe_samples": n, "shared_layers": l1_norms.shape[1],
                            "seconds": seconds})
