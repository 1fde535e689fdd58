"""Method names: "<affinity>+<grouper>" over the registries, or a baseline by its name."""

from __future__ import annotations

from taskgrouping.registries import AFFINITIES, BASELINES, GROUPERS


def method_error(method: str) -> str:
    """Why `method` is not a method name, listing what is."""
    return (f"unknown method {method!r}: use <affinity>+<grouper> with affinity in "
            f"{AFFINITIES.names()} and grouper in {GROUPERS.names()}, or one of "
            f"{BASELINES.names()}")


def split_method(method: str) -> tuple[str, str] | None:
    """(affinity, grouper) of an affinity-based method; None for a baseline."""
    if method in BASELINES.names():
        return None
    affinity, _, grouper_name = method.partition("+")
    if affinity not in AFFINITIES.names() or grouper_name not in GROUPERS.names():
        raise ValueError(method_error(method))
    return affinity, grouper_name


def references() -> list[str]:
    """The baselines every run includes, each at its one budget (stl, all)."""
    return [name for name, entry in BASELINES.entries().items() if entry.fixed_k]


def task_list_baselines() -> list[str]:
    """The baselines whose groups follow from the task list alone (baseline_groups)."""
    return [name for name, entry in BASELINES.entries().items() if entry.reads == "tasks"]


def drawn() -> list[str]:
    """The baselines scored as the mean of several drawn partitions (random)."""
    return [name for name, entry in BASELINES.entries().items() if entry.draws]


def chooses_k(method: str) -> bool:
    """Budget 0 means 'the grouper chooses k': only a grouper that declares it can."""
    parts = split_method(method)
    return parts is not None and GROUPERS.get(parts[1]).chooses_k
