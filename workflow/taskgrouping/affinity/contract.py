"""One contract for every affinity: a T x T matrix, its predicted pair gains and its cost.

Each affinity is a registry entry (`Affinity`) naming the rule that writes it. That
rule's outputs are named `<affinity>` (the matrix CSV: task names as header and index,
row = source task, column = target), `<affinity>_gain` (the predicted pair gains the
network-selection groupers read, same layout: `affinity.gains`) and `<affinity>_meta`
(an `AffinityMeta` JSON), so the rules downstream read them as `rules.<rule>.output[...]`
and the cluster stage reads every affinity alike. An affinity of a stage of its own
declares that stage on its entry (`stage`): the CLI's verb and the rule's config slice
follow from it (taskgrouping.stages.catalog).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from taskgrouping.affinity.matrix import write_matrix
from taskgrouping.fileio import read_json, write_json
from taskgrouping.stages.stage import Stage


@dataclass(frozen=True)
class Affinity:
    """An affinity as the registry knows it.

    `rule` writes it (rules/affinity.smk). `signed`: 0 means "no gain" and the matrix may
    be directed (TAG, cosine, HOA); otherwise a symmetric similarity in (0, 1]
    (sample-wise). `options` are the JSON-schema properties of its config section (named
    like the affinity), each with a default; `constraints` are schema keywords on that
    whole section (if/then). `stage`: the stage its rule runs, when the affinity brings
    its own (the shipped ones are declared with the others).
    """

    description: str
    signed: bool
    rule: str
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    constraints: dict[str, Any] = field(default_factory=dict)
    stage: Stage | None = None


@dataclass(frozen=True)
class AffinityMeta:
    """What an affinity cost: wall and CPU seconds summed over its jobs, trainings, and
    gradient passes.

    A pass is one backward pass over a training batch or over the probe set. CPU seconds
    are NaN in a meta written before they were recorded.
    """

    affinity: str
    tasks: list[str]
    seconds: float
    trainings: int
    passes: int
    cpu_seconds: float = math.nan

    @classmethod
    def read(cls, path: str | Path) -> AffinityMeta:
        return cls(**read_json(path))


def training_cpu_seconds(record: dict[str, Any]) -> float:
    """A training record's CPU seconds; NaN for one written before they were recorded."""
    return float(record.get("cpu_seconds", math.nan))


def write_affinity(matrix: pd.DataFrame, gains: pd.DataFrame, meta: AffinityMeta,
                   matrix_out: str, gain_out: str, meta_out: str) -> None:
    """The matrix, its predicted pair gains and its meta, each atomically; their tasks
    must agree."""
    for what, frame in (("matrix", matrix), ("gains", gains)):
        if list(frame.index) != meta.tasks or list(frame.columns) != meta.tasks:
            raise ValueError(f"affinity {meta.affinity}: {what} tasks {list(frame.index)} "
                             f"are not its meta's {meta.tasks}")
    write_matrix(matrix_out, matrix)
    write_matrix(gain_out, gains)
    write_json(meta_out, asdict(meta))
