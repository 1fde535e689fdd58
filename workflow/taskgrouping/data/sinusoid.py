"""Sinusoid: the classic MAML regression family, with planted clusters of tasks.

Task j is y = A_j sin(x - phi_j) + noise, one regression task per sinusoid, observed on the
same `samples` inputs x uniform in [-5, 5] (rows are inputs, so every task has a label on
every row and the sample-wise probe compares the tasks on the same x). Task j belongs to
cluster j % `clusters` (interleaved: task order does not reveal the clusters); its phase is
drawn uniformly within `phase_spread` radians of its cluster's centre 2 pi c / clusters, and
its amplitude uniformly in [amplitude_min, amplitude_max], the same range for every
cluster, so that a task's scale says nothing about its cluster (an affinity that follows
loss scale gets no help here). Tasks of one cluster are near-copies of one function; tasks
of different clusters are phase-shifted, anti-correlated at half a turn. Few rows per task
make a single task's model overfit: the regime where sharing with related tasks pays.

Every draw comes from numpy's `default_rng(seed)`: its three spawned streams draw the
inputs, the phases and amplitudes, and the noise. Tasks are named s001, s002, ...
"""

from __future__ import annotations

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    always_available,
    interleaved_groups,
    seed_option,
)
from taskgrouping.tasks import Task, make_task

OPTIONS = {
    "n_tasks": {"type": "integer", "minimum": 2, "default": 12,
                "description": "T, the number of sinusoids s001, s002, ..."},
    "clusters": {"type": "integer", "minimum": 1, "default": 3,
                 "description": "planted clusters; task j (from 0) belongs to cluster "
                                "j % clusters, phase centre 2 pi c / clusters"},
    "samples": {"type": "integer", "minimum": 10, "default": 40,
                "description": "inputs x, shared by every task (rows)"},
    "phase_spread": {"type": "number", "minimum": 0, "default": 0.3,
                     "description": "half-width in radians of a cluster's phase range"},
    "amplitude_min": {"type": "number", "exclusiveMinimum": 0, "default": 1.0,
                      "description": "smallest amplitude (every cluster's range)"},
    "amplitude_max": {"type": "number", "exclusiveMinimum": 0, "default": 1.5,
                      "description": "largest amplitude (every cluster's range)"},
    "noise": {"type": "number", "minimum": 0, "default": 0.5,
              "description": "standard deviation of the Gaussian noise on y"},
    "seed": seed_option("every draw: inputs, phases and amplitudes, noise"),
}


def task_names(options: Options) -> list[str]:
    return [f"s{j + 1:03d}" for j in range(options["n_tasks"])]


def check(options: Options) -> None:
    """Every cluster needs a task; the amplitude range must not be empty."""
    if options["clusters"] > options["n_tasks"]:
        raise ValueError(f"datasets.sinusoid.options.clusters: {options['clusters']} clusters "
                         f"exceed n_tasks {options['n_tasks']}")
    if options["amplitude_min"] > options["amplitude_max"]:
        raise ValueError("datasets.sinusoid.options.amplitude_min: "
                         f"{options['amplitude_min']} exceeds amplitude_max "
                         f"{options['amplitude_max']}")


def planted_groups(options: Options) -> list[list[str]]:
    """The planted clusters by task name (validated options in), clusters by first task."""
    check(options)
    return interleaved_groups(task_names(options), options["clusters"])


def tasks(options: Options) -> tuple[Task, ...]:
    check(options)
    return tuple(make_task(name, "regression") for name in task_names(options))


def sinusoids(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """Each task's amplitude and phase."""
    _, shapes, _ = np.random.default_rng(options["seed"]).spawn(3)
    count: int = options["n_tasks"]
    clusters = options["clusters"]
    centres = 2 * np.pi * (np.arange(count) % clusters) / clusters
    phases = centres + shapes.uniform(-options["phase_spread"], options["phase_spread"], count)
    amplitudes = shapes.uniform(options["amplitude_min"], options["amplitude_max"], count)
    return amplitudes, phases


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (samples x 1) uniform in [-5, 5], y (samples x n_tasks)."""
    check(options)
    inputs, _, noise = np.random.default_rng(options["seed"]).spawn(3)
    x = inputs.uniform(-5.0, 5.0, (options["samples"], 1))
    amplitudes, phases = sinusoids(options)
    y = amplitudes * np.sin(x - phases)
    y += options["noise"] * noise.standard_normal(y.shape)
    return x.astype(np.float32), y.astype(np.float32)


DATASET = Dataset(
    name="sinusoid",
    modality="tabular",
    source="generated: sinusoids in planted phase clusters",
    offline=True,
    samples="40 inputs x in [-5, 5] shared by every task (option samples)",
    tasks=tasks,
    load=load,
    missing=always_available,
    options=OPTIONS,
    planted=planted_groups,
)
