"""The config slice each stage reads, as types: what `--settings` holds for its verb.

`stages/catalog.py` builds them from the config (a changed slice reruns the stage); each
stage's `run` names its own, so a key it reads and the slice it is given cannot drift.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class ProbeSettings(TypedDict):
    """Every probing stage's: the data (its trainer only for a warm-up start), the
    samplewise section with theta0 resolved, and the device."""

    dataset: str
    data: dict[str, Any]
    samplewise: dict[str, Any]
    device: str


class JointSettings(TypedDict):
    """TAG's joint training: the data with its trainer, the tag section, the device."""

    dataset: str
    data: dict[str, Any]
    tag: dict[str, Any]
    device: str


class HoaSettings(TypedDict):
    dataset: str
    tasks: list[str]
    seeds: list[int]


class GrouperSettings(TypedDict):
    """The grouper (or baseline) a method names, its options and the grouping seed."""

    name: str
    options: dict[str, Any]
    seed: int


class GroupingSettings(TypedDict):
    dataset: str
    tasks: list[str]
    grouper: GrouperSettings


class TrainingSettings(TypedDict):
    """The data with its trainer (protocol mtl) or its meta-learner (protocol meta)."""

    dataset: str
    data: dict[str, Any]
    device: str
    protocol: NotRequired[str]


class EvaluationSettings(TypedDict):
    dataset: str
    tasks: list[str]
    planted: list[list[str]] | None
    task_kinds: dict[str, str]
    methods: list[str]
    budgets: list[int]
    seeds: list[int]
    protocol: str
