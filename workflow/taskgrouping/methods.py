"""Method names: "<affinity>+<grouper>" over the registries, or a baseline by its name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from taskgrouping.registries import AFFINITIES, BASELINES, GROUPERS

if TYPE_CHECKING:
    from taskgrouping.grouping.grouper import Grouper


def method_forms() -> str:
    """The method names the registries allow, in words (errors and --help)."""
    return (f"<affinity>+<grouper> with affinity in {AFFINITIES.names()} and grouper in "
            f"{GROUPERS.names()}, or one of {BASELINES.names()}")


def method_error(method: str) -> str:
    """Why `method` is not a method name, listing what is."""
    return f"unknown method {method!r}: use {method_forms()}"


def split_method(method: str) -> tuple[str, str] | None:
    """(affinity, grouper) of an affinity-based method; None for a baseline."""
    if method in BASELINES.names():
        return None
    affinity, _, grouper_name = method.partition("+")
    if affinity not in AFFINITIES.names() or grouper_name not in GROUPERS.names():
        raise ValueError(method_error(method))
    return affinity, grouper_name


def _baselines(test: Callable[[Grouper], bool]) -> list[str]:
    return [name for name, entry in BASELINES.entries().items() if test(entry)]


def references() -> list[str]:
    """The baselines every run includes, each at its one budget (stl, all)."""
    return _baselines(lambda entry: entry.fixed_k is not None)


def task_list_baselines() -> list[str]:
    """The baselines whose groups follow from the task list alone (baseline_groups)."""
    return _baselines(lambda entry: entry.reads == "tasks")


def training_baselines() -> list[str]:
    """The baselines that read every subset's training (exhaustive: the cluster stage)."""
    return _baselines(lambda entry: entry.reads == "trainings")


def drawn() -> list[str]:
    """The baselines scored as the mean of several drawn partitions (random)."""
    return _baselines(lambda entry: entry.draws)


def chooses_k(method: str) -> bool:
    """Budget 0 means 'the grouper chooses k': only a grouper that declares it can."""
    parts = split_method(method)
    return parts is not None and GROUPERS.get(parts[1]).chooses_k
