"""Synthetic: seeded tabular multi-task data with planted task groups, the ground truth.

Any number of binary (or, with `kind: regression`, real-valued) tasks without a CSV, for
tests and scale benchmarks; a method's groups are scored against `planted_groups` (e.g.
by adjusted Rand index).

Construction, all from numpy's `default_rng(seed)` (its eight spawned streams draw the
inputs, group functions, task functions, base rates, label flips, target scales, target
noise and label-ranking noise apart, so growing `n_tasks` keeps the earlier tasks' targets
and changing `base_rate_spread`, `label_noise`, `signal` or the target options keeps the
scores):

- inputs x ~ N(0, I), `samples` x `features`;
- a random function f(x) = v . tanh(W x / sqrt(features) + b), hidden width 8, W, b and v
  standard normal, standardised to mean 0 and std 1 on the sample;
- one such function per group, decorrelated on the sample (QR), so different groups share
  no linear trend: relatedness comes from the planted groups only;
- task j belongs to group j % `groups` (interleaved: task order does not reveal the
  groups); its score is its group's function plus `noise` times its own random function;
- with `signal` w < 1 a task's labels rank sqrt(w) z_j + sqrt(1 - w) e_j instead, z_j
  its score standardised and e_j standard normal noise of its own on every row: the
  features then predict the labels only weakly (w 0.2: a trained model's test AUROC
  0.60-0.70 at 12 tasks, base rates 5-40 %), as on many real tables, while the planted
  groups still decide which tasks share what the features can predict;
- its binary label is 1 for the rows whose score ranks in the top fraction r_j, its base
  rate (c = `base_rate_center`, or uniform in [c - s, c + s] with s = `base_rate_spread`,
  drawn independently of the group), then flipped with probability `label_noise`;
- with `kind: regression` its target is instead c_j (z_j + n_j e), z_j its score
  standardised, e standard normal noise, the noise level n_j uniform in [0,
  `target_noise`] and the scale c_j = 10^u, u uniform in [-s, s] with s =
  `target_scale_spread`, both drawn independently of the group: a task's loss level and
  gradient scale then vary by up to 10^(2s) inside a group, and say nothing of it.

Within a group at the defaults (noise 0.5, label_noise 0.05) two tasks' labels correlate
about 0.48; across groups about 0.05. Tasks are named t001, t002, ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    always_available,
    interleaved_groups,
    seed_option,
    standardise_columns,
)
from taskgrouping.tasks import Task, make_task

HIDDEN = 8
STREAMS = 8  # independent draws, in load's order; a new one goes last (keeps the others)
OPTIONS: dict[str, dict[str, Any]] = {
    "n_tasks": {"type": "integer", "minimum": 2, "default": 40,
                "description": "T, the number of tasks t001, t002, ..."},
    "kind": {"type": "string", "enum": ["binary", "regression"], "default": "binary",
             "description": "binary labels (BCE, AUROC) or real targets (MSE, MAE)"},
    "groups": {"type": "integer", "minimum": 1, "default": 4,
               "description": "planted groups; task j (from 0) belongs to group j % groups"},
    "samples": {"type": "integer", "minimum": 20, "default": 4000,
                "description": "rows drawn"},
    "features": {"type": "integer", "minimum": 1, "default": 20,
                 "description": "input columns, each standard normal"},
    "noise": {"type": "number", "minimum": 0, "default": 0.5,
              "description": "each task's own random function, relative to its group's "
                             "(0: a group's tasks differ only by label noise)"},
    "label_noise": {"type": "number", "minimum": 0, "maximum": 0.5, "default": 0.05,
                    "description": "binary: probability that a label is flipped"},
    "base_rate_center": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1,
                         "default": 0.5,
                         "description": "binary: c, the middle of the positive rates"},
    "base_rate_spread": {"type": "number", "minimum": 0, "maximum": 0.45, "default": 0.0,
                         "description": "binary: s, each task's positive rate uniform in "
                                        "[c - s, c + s], independent of its group"},
    "signal": {"type": "number", "exclusiveMinimum": 0, "maximum": 1, "default": 1.0,
               "description": "binary: w, the share of a label's ranking score the features "
                              "set (1: all; 0.2: a trained model's test AUROC about 0.66)"},
    "target_scale_spread": {"type": "number", "minimum": 0, "maximum": 3, "default": 0.0,
                            "description": "regression: s, each task's target scale 10^u, u "
                                           "uniform in [-s, s], independent of its group"},
    "target_noise": {"type": "number", "minimum": 0, "default": 0.0,
                     "description": "regression: each task's noise level uniform in [0, "
                                    "target_noise] (its noise std over its signal's)"},
    "seed": seed_option("every random draw: inputs, functions, base rates, label flips"),
}


def task_names(options: Options) -> list[str]:
    return [f"t{j + 1:03d}" for j in range(options["n_tasks"])]


# The options that shape only one kind's targets, that kind and their default (which does
# nothing): set away from it for the other kind, they would silently do nothing.
KIND_OPTIONS = {key: (kind, OPTIONS[key]["default"]) for key, kind in [
    ("base_rate_center", "binary"), ("base_rate_spread", "binary"), ("signal", "binary"),
    ("target_scale_spread", "regression"), ("target_noise", "regression")]}


def check(options: Options) -> None:
    """Every planted group needs a task, the QR decorrelation a row per group, an
    option of one kind's targets that kind, and every positive rate a value in (0, 1)."""
    groups = options["groups"]
    for key in ("n_tasks", "samples"):
        if groups > options[key]:
            raise ValueError(f"datasets.synthetic.options.groups: {groups} groups exceed "
                             f"{key} {options[key]}")
    for key, (kind, default) in KIND_OPTIONS.items():
        if options[key] != default and options["kind"] != kind:
            raise ValueError(f"datasets.synthetic.options.{key}: applies to kind {kind}, "
                             f"not {options['kind']}")
    check_base_rates("synthetic", options)


def check_base_rates(dataset: str, options: Options) -> None:
    """Every positive rate in [c - s, c + s] (`base_rate_center`, `base_rate_spread`) must
    lie in (0, 1); `dataset` names the generator in the error."""
    center, spread = options["base_rate_center"], options["base_rate_spread"]
    if not (0 < center - spread and center + spread < 1):
        raise ValueError(f"datasets.{dataset}.options.base_rate_spread: {spread} around "
                         f"base_rate_center {center} leaves (0, 1)")


def drawn_base_rates(rng: np.random.Generator, options: Options, count: int) -> np.ndarray:
    """`count` tasks' positive rates, uniform in [c - s, c + s], drawn from `rng`."""
    spread = options["base_rate_spread"]
    return options["base_rate_center"] + rng.uniform(-spread, spread, count)


def planted_groups(options: Options) -> list[list[str]]:
    """The planted partition by task name (validated options in), groups by first task."""
    check(options)
    return interleaved_groups(task_names(options), options["groups"])


def tasks(options: Options) -> tuple[Task, ...]:
    check(options)
    return tuple(make_task(name, options["kind"]) for name in task_names(options))


def random_function(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """A random tanh network's output on the rows of x, standardised on them."""
    features = x.shape[1]
    weights = rng.standard_normal((features, HIDDEN)) / np.sqrt(features)
    bias, out = rng.standard_normal(HIDDEN), rng.standard_normal(HIDDEN)
    values = np.tanh(x @ weights + bias) @ out
    return (values - values.mean()) / values.std()


def group_functions(rng: np.random.Generator, x: np.ndarray, groups: int) -> np.ndarray:
    """n x groups random functions, made uncorrelated on the sample: only groups relate."""
    values = np.stack([random_function(rng, x) for _ in range(groups)], axis=1)
    basis, _ = np.linalg.qr(values)
    return basis * np.sqrt(len(x))


def binary_labels(scores: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """1 where a row's score ranks in its task's top fraction `rates[j]`."""
    ranks = scores.argsort(axis=0).argsort(axis=0)
    return ranks >= np.round((1.0 - rates) * len(scores))


def target_parameters(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """Each regression task's target scale c_j and noise level n_j, as `load` draws them."""
    *_, scales, noises, _ = np.random.default_rng(options["seed"]).spawn(STREAMS)
    count: int = options["n_tasks"]
    spread = options["target_scale_spread"]
    return (10.0 ** scales.uniform(-spread, spread, count),
            noises.uniform(0.0, options["target_noise"], count))


def regression_targets(scores: np.ndarray, options: Options, noise: np.random.Generator
                       ) -> np.ndarray:
    """c_j (z_j + n_j e) per task: standardised score, own noise level, own scale."""
    scales, levels = target_parameters(options)
    return scales * (standardise_columns(scores) + levels * noise.standard_normal(scores.shape))


def ranking_scores(scores: np.ndarray, signal: float, noise: np.random.Generator
                   ) -> np.ndarray:
    """sqrt(w) z + sqrt(1 - w) e per task: how far the features decide its labels."""
    if signal == 1.0:
        return scores
    return (np.sqrt(signal) * standardise_columns(scores)
            + np.sqrt(1.0 - signal) * noise.standard_normal(scores.shape))


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (samples x features), y (samples x n_tasks): labels in {0, 1}, or real targets."""
    check(options)
    streams = np.random.default_rng(options["seed"]).spawn(STREAMS)
    inputs, shared, own, rates, flips, _, target_noise, ranking_noise = streams
    n, count = options["samples"], options["n_tasks"]
    x = inputs.standard_normal((n, options["features"]))
    group = group_functions(shared, x, options["groups"])
    scores = np.stack([group[:, j % options["groups"]] + options["noise"]
                       * random_function(own, x) for j in range(count)], axis=1)
    if options["kind"] == "regression":
        return x.astype(np.float32), regression_targets(scores, options, target_noise
                                                        ).astype(np.float32)
    labels = binary_labels(ranking_scores(scores, options["signal"], ranking_noise),
                           drawn_base_rates(rates, options, count))
    flipped = flips.random((count, n)).T < options["label_noise"]
    return x.astype(np.float32), (labels != flipped).astype(np.float32)


DATASET = Dataset(
    name="synthetic",
    modality="tabular",
    source="generated: planted task groups",
    offline=True,
    samples="4,000 rows x 20 features (options samples, features)",
    tasks=tasks,
    load=load,
    missing=always_available,
    options=OPTIONS,
    planted=planted_groups,
)
